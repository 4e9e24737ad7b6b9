import { createWorker } from '../../delivery/service.js';
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
      const worker = await createWorker(ctx.config, database, ctx.logger);
      if (values.drain) {
        await worker.drain();
        await worker.stop();
        return;
      }
      await worker.start();
      ctx.logger.info({ worker: worker.id }, 'worker started');
      const signal = await untilSignal();
      ctx.logger.info({ signal }, 'worker stopping: finishing the messages in flight');
      await worker.stop();
    });
    return 0;
  },
};
