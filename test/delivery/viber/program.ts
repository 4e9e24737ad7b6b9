// The whole program for the Viber tests: the web process and the worker, assembled by the root
// from one environment on a fresh PostgreSQL database, with a policy whose stages send Viber first.
import type { Kysely } from 'kysely';
import { assemble, type Root } from '../../../src/app/root.js';
import { startWorker } from '../../../src/app/processes.js';
import type { Database } from '../../../src/db/open.js';
import type { DB } from '../../../src/db/schema.js';
import { defaultPolicy, type DunningPolicy } from '../../../src/dunning/policy.js';
import { savePolicy } from '../../../src/dunning/policy-store.js';
import { buildServer } from '../../../src/http/server.js';
import { silentLogger } from '../../../src/log.js';
import type { FastifyInstance } from 'fastify';
import { openTestPostgres } from '../../support/db.js';
import { e2eConfig } from '../../support/delivery-e2e.js';
import { freePort } from '../../support/free-port.js';

export const VIBER_CALLBACK_SECRET = 'callback-secret-0123456789';

/** Every stage: Viber, then SMS (then the letter where the stage had one). */
export function viberPolicy(): DunningPolicy {
  const p = structuredClone(defaultPolicy) as DunningPolicy;
  for (const s of p.stages) s.channels = s.channels.includes('letter') ? ['viber', 'sms', 'letter'] : ['viber', 'sms'];
  return p;
}

export async function viberProgram(t: { after(fn: () => Promise<void>): void }, env: Record<string, string>): Promise<{ database: Database; db: Kysely<DB>; root: Root; app: FastifyInstance }> {
  const database = await openTestPostgres();
  const port = await freePort();
  const root = await assemble(e2eConfig({ PUBLIC_URL: `http://127.0.0.1:${port}`, HTTP_SMS_RATE: '1000', ...env }), silentLogger, database);
  const app = await buildServer(root);
  await app.listen({ host: '127.0.0.1', port });
  const running = await startWorker(root);
  t.after(async () => {
    await running.stop();
    await app.close();
    await database.close();
  });
  await savePolicy(database.db, viberPolicy(), 'test');
  return { database, db: database.db, root, app };
}
