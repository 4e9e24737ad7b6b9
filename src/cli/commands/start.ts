import { buildServer } from '../../http/server.js';
import { loadDemoIfEmpty } from '../../demo/load.js';
import type { Command } from '../command.js';
import { withDatabase } from '../open.js';
import { untilSignal } from '../signals.js';
import { createWorker } from '../../delivery/service.js';
import { startBounceReceiver } from '../../delivery/bounces.js';
import { messageRenderer } from '../../delivery/service.js';
import { DunningScheduler } from '../../dunning/scheduler.js';

export const startCommand: Command = {
  summary: 'Run the web server (portal, back office, API), the delivery worker and the daily run',
  usage: 'izvestie start',
  async run(_args, ctx) {
    const { config, logger } = ctx;
    await withDatabase(ctx, async (database) => {
      await loadDemoIfEmpty(database, config, logger);
      const worker = await createWorker(config, database, logger);
      await worker.start();
      const bounces = await startBounceReceiver(config, database, logger);
      const scheduler = new DunningScheduler({
        db: database.db,
        runAt: config.dunning.runAt,
        workingDaysOnly: config.dunning.workingDaysOnly,
        render: messageRenderer(config),
        smsPricePerSegmentMinor: config.delivery.smsPricePerSegmentMinor,
        logger,
      });
      scheduler.start();
      const app = await buildServer({ config, database, logger });
      await app.listen({ host: config.http.host, port: config.http.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.http.port;
      logger.info(
        { url: config.http.publicUrl, database: database.kind },
        `izvestie is running at http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${port}/ (database: ${database.kind === 'pglite' ? `embedded, ${config.database.kind === 'pglite' ? config.database.dataDir : ''}` : 'PostgreSQL'})`,
      );
      const signal = await untilSignal();
      logger.info({ signal }, 'shutting down');
      await app.close();
      await scheduler.stop();
      await bounces?.stop();
      await worker.stop();
    });
    logger.info('stopped');
    return 0;
  },
};
