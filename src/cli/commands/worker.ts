import { assemble } from '../../app/root.js';
import { startWorker } from '../../app/processes.js';
import { createWorker } from '../../app/worker.js';
import { parse, type Command } from '../command.js';
import { withDatabase } from '../open.js';
import { untilSignal } from '../signals.js';

const usage = 'izvestie worker [--drain]';

export const workerCommand: Command = {
  summary: 'Send queued messages (any number of workers may share one PostgreSQL)',
  usage,
  async run(args, ctx) {
    const { values } = parse(args, { drain: { type: 'boolean' } }, usage);
    await withDatabase(ctx, async (database) => {
      const root = await assemble(ctx.config, ctx.logger, database);
      if (values.drain) {
        const worker = createWorker(root);
        await worker.drain();
        await worker.stop();
        return;
      }
      const running = await startWorker(root);
      ctx.logger.info({ worker: running.workerId }, 'worker started');
      const signal = await untilSignal();
      ctx.logger.info({ signal }, 'worker stopping: finishing the messages in flight');
      await running.stop();
    });
    return 0;
  },
};
