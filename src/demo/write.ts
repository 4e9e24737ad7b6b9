import { mkdir, rename } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DEMO_KINDS, checkDemoOptions, demoCsv, type DemoKind, type DemoOptions, type RowCounter } from './generate.js';

export interface DemoFiles {
  /** Absolute or relative path of each file written, as `dir` was given. */
  files: Record<DemoKind, string>;
  /** Data rows (without the header) in each file. */
  counts: Record<DemoKind, number>;
}

/**
 * Writes customers.csv, invoices.csv, payments.csv and subscriptions.csv into `dir` (created if
 * missing). Each file is written under a temporary name and renamed when complete, so an importer
 * watching the folder never reads half a file.
 */
export async function writeDemoCsv(dir: string, opts: DemoOptions): Promise<DemoFiles> {
  checkDemoOptions(opts);
  await mkdir(dir, { recursive: true });
  const files = {} as Record<DemoKind, string>;
  const counts = {} as Record<DemoKind, number>;
  for (const kind of DEMO_KINDS) {
    const file = join(dir, `${kind}.csv`);
    const partial = `${file}.partial`;
    const counter: RowCounter = { rows: 0 };
    // pipeline applies the file stream's back-pressure to the generator.
    await pipeline(Readable.from(demoCsv(kind, opts, counter), { objectMode: false }), createWriteStream(partial));
    await rename(partial, file);
    files[kind] = file;
    counts[kind] = counter.rows;
  }
  return { files, counts };
}
