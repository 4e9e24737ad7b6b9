// A PostgreSQL server of the test's own, in a temporary directory on a free port, that the test may
// stop, restart or crash at will (the shared server on 5432 must never be). initdb and postgres
// refuse to run as root: as root (CI containers) they run as the postgres user.
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** pg_ctl stop; 'immediate' is a crash (no checkpoint, clients cut off at once). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** pg_ctl restart -m immediate. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

function postgresUser(): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Why a private server cannot be started here (null: it can). */
export function privatePostgresProblem(): string | null {
  if (spawnSync('initdb', ['--version']).status !== 0) return 'initdb is not on PATH';
  if (spawnSync('pg_ctl', ['--version']).status !== 0) return 'pg_ctl is not on PATH';
  if (asRoot && postgresUser() === null) return 'running as root and there is no postgres user to run the server as';
  return null;
}


export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'izvestie-pg-'));
  const user = asRoot ? postgresUser() : null;
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const pg = (program: string, args: string[]) => (user ? run('runuser', ['-u', 'postgres', '--', program, ...args], { cwd: dir }) : run(program, args, { cwd: dir }));
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50`;
  const ctl = (action: string, extra: string[] = []) => pg('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', ...extra, action]);
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8', '--locale=C']);
  await ctl('start');
  let up = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop(mode = 'fast') {
      await ctl('stop', ['-m', mode]);
      up = false;
    },
    async start() {
      await ctl('start');
      up = true;
    },
    async restart() {
      await ctl('restart', ['-m', 'immediate']);
      up = true;
    },
    async destroy() {
      if (up) await ctl('stop', ['-m', 'immediate']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
