import type { DeliveryConfig } from '../delivery/config.js';
import { buildChannels, deliveryConfigFrom } from '../delivery/setup.js';
import { Worker } from '../delivery/worker.js';
import type { Root } from './root.js';

/**
 * The delivery worker with the configured channels, the root's guards, renderer and fallback.
 * `tune` overrides delivery settings that have no environment variable (benchmarks, tests).
 */
export function createWorker(root: Root, tune: Partial<DeliveryConfig> = {}): Worker {
  const { config, database, logger } = root;
  const channels = buildChannels(config, database, logger, root.failure, root.unsubscribeUrl);
  return new Worker({
    db: database.db,
    channels,
    config: { ...deliveryConfigFrom(config), ...tune },
    render: root.render,
    guards: root.guards,
    logger: logger.child({ component: 'worker' }),
  });
}
