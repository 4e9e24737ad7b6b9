import { assemble } from '../../app/root.js';
import { startAll } from '../../app/processes.js';
import { loadDemoIfEmpty } from '../../demo/load.js';
import type { Command } from '../command.js';
import { withDatabase } from '../open.js';
import { untilSignal } from '../signals.js';

export const startCommand: Command = {
  summary: 'Run the web server (portal, back office, API), the delivery worker and the daily run',
  usage: 'izvestie start',
  async run(_args, ctx) {
    const { config, logger } = ctx;
    await withDatabase(ctx, async (database) => {
      const root = await assemble(config, logger, database);
      await loadDemoIfEmpty(root);
      const running = await startAll(root);
      logger.info(
        { url: config.http.publicUrl, database: database.kind, port: running.port },
        `izvestie is running at http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${running.port}/ (database: ${database.kind === 'pglite' ? `embedded, ${config.database.kind === 'pglite' ? config.database.dataDir : ''}` : 'PostgreSQL'})`,
      );
      const signal = await untilSignal();
      logger.info({ signal }, 'shutting down');
      await running.stop();
    });
    logger.info('stopped');
    return 0;
  },
};
