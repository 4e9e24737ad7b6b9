import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { addDays, isLocalDate, sofiaInstant, type LocalDate } from '../../dunning/calendar/index.js';
import { whyNotWantedMany, type GuardMap } from '../guards.js';
import { reclaimExpiredLeases } from '../outbox/claim.js';
import type { FailureContext } from '../outbox/fallback.js';
import { toMessage, type OutboxMessage, type OutboxRow } from '../outbox/message.js';
import { markFailed, settleUnsent, startAttempts } from '../outbox/record.js';
import { composeLetter, invoiceTables, letterReference, parseAddressBlock, type Addressee, type Sender } from './content.js';
import { manifestCsv } from './manifest.js';
import { renderLetters, type Letter, type LetterBrand } from './pdf.js';

export const PRINT_PROVIDER = 'print';

export interface ExportOptions {
  /** The Europe/Sofia day: letters created up to its end are exported. */
  date: LocalDate;
  outDir: string;
  sender: Sender;
  /** Renders letters enqueued without texts; fails letters for good (fallback, hard failures). */
  failure: FailureContext;
  /** Who runs the export, for the batch row. */
  createdBy: string;
  /** Asked before a letter is printed, as the worker asks before a send. */
  guards: GuardMap;
  now?: () => Date;
  /** The utility's letterhead: logo, colour, phone, website (absent: the sender's name and address only). */
  brand?: LetterBrand;
}

export interface ExportResult {
  date: LocalDate;
  /** null: nothing was printed and no file was written. */
  batch: { id: number; pdfFile: string; manifestFile: string } | null;
  letters: number;
  pages: number;
  /** No longer wanted (the guard said why), expired, or impossible to print (e.g. no address). */
  cancelled: number;
  expired: number;
  failed: number;
}

interface Claimed {
  msg: OutboxMessage;
  to: Addressee;
  attemptId: number;
}

// How long claimed letters belong to an export: long enough for a day of letters (1,000 render in
// about a second), short enough that a crashed export's letters are printed the same day.
const LEASE_SECONDS = 3600;

/**
 * Exports the queued letters created up to the end of `date` (Europe/Sofia) as one A4 PDF and a
 * print-house manifest: DIR/letters-D-<batch>.pdf and .csv. Letters are claimed under a lease
 * (SKIP LOCKED, so two exports never take the same letter), checked with the outbox guards, and
 * marked sent — with the batch row, in one transaction — only once both files are complete on
 * disk. A failure before that returns them to the queue and leaves no file behind.
 */
export async function exportLetters(db: Kysely<DB>, o: ExportOptions): Promise<ExportResult> {
  if (!isLocalDate(o.date)) throw new Error(`date must be YYYY-MM-DD, got ${JSON.stringify(o.date)}`);
  const clock = o.now ?? (() => new Date());
  const exporter = `letters:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const result: ExportResult = { date: o.date, batch: null, letters: 0, pages: 0, cancelled: 0, expired: 0, failed: 0 };

  const now = clock();
  // Letters an export that died had claimed go back to the queue first, so this run prints them.
  await reclaimExpiredLeases(db, now);
  const rows = await claimLetters(db, { until: sofiaInstant(addDays(o.date, 1), '00:00'), exporter, now, leaseSeconds: LEASE_SECONDS });
  if (rows.length === 0) return result;

  const ref = (messageId: number) => ({ messageId, workerId: exporter, now: clock() });
  try {
    const printable: Array<{ msg: OutboxMessage; to: Addressee }> = [];
    for (const vetted of await vetAll(db, rows, o, clock())) {
      const row = vetted.row;
      if ('msg' in vetted) printable.push(vetted);
      else if (vetted.status === 'failed') {
        await markFailed(db, { ...ref(row.id), attemptId: null, outcome: 'permanent', error: vetted.error, hardFailure: false }, o.failure);
        result.failed++;
      } else {
        await settleUnsent(db, { ...ref(row.id), outcome: vetted });
        if (vetted.status === 'expired') result.expired++;
        else result.cancelled++;
      }
    }
    if (printable.length === 0) return result;
    const started = await startAttempts(db, { provider: PRINT_PROVIDER, leaseSeconds: LEASE_SECONDS }, printable.map((p) => ({ messageId: p.msg.id, workerId: exporter, now: clock(), msg: p.msg })));
    // A letter whose lease was lost meanwhile belongs to another export now.
    let attempts: Claimed[] = printable.flatMap((p, i) => {
      const attemptId = started[i];
      return attemptId === null || attemptId === undefined ? [] : [{ ...p, attemptId }];
    });

    const batchId = Number((await sql<{ id: string }>`SELECT nextval('letter_batch_ids') AS id`.execute(db)).rows[0]?.id);
    const invoices = await invoiceTables(db, attempts.map((a) => a.msg));
    const letterOf = (a: Claimed): Letter => composeLetter(a.msg, a.to, { date: o.date, sender: o.sender, invoices: invoices.get(a.msg.id) });
    await mkdir(o.outDir, { recursive: true });
    const pdfFile = resolve(o.outDir, `letters-${o.date}-${batchId}.pdf`);
    const manifestFile = resolve(o.outDir, `letters-${o.date}-${batchId}.csv`);

    // A letter pdfkit cannot lay out (an address too long for the window) fails alone; the rest is rendered again.
    let rendered: Awaited<ReturnType<typeof renderLetters>> | null = null;
    while (rendered === null && attempts.length > 0) {
      try {
        rendered = await writeDurably(pdfFile, (out) => renderLetters(attempts.map(letterOf), out, o.brand));
      } catch (err) {
        const bad = attempts.find((a) => (err as Error).message.startsWith(`letter ${letterReference(a.msg.id)}:`));
        if (bad === undefined) throw err;
        attempts = attempts.filter((a) => a !== bad);
        await markFailed(db, { ...ref(bad.msg.id), attemptId: bad.attemptId, outcome: 'permanent', error: (err as Error).message, hardFailure: false }, o.failure);
        result.failed++;
      }
    }
    if (rendered === null) return result;
    const pages = rendered;
    const manifest = manifestCsv(attempts.map((a, i) => ({ sequence: i + 1, reference: letterReference(a.msg.id), pageFrom: pages.ranges[i]?.pageFrom ?? 0, pageTo: pages.ranges[i]?.pageTo ?? 0, ...a.to })));
    try {
      await writeDurably(manifestFile, (out) => finished(out.end(manifest)));
      await syncDirectory(dirname(pdfFile));
      await markBatchSent(db, { id: batchId, date: o.date, pdfFile, manifestFile, pages: pages.pages, createdBy: o.createdBy, exporter, now: clock(), attempts });
    } catch (err) {
      await Promise.allSettled([rm(pdfFile, { force: true }), rm(manifestFile, { force: true })]);
      throw err;
    }
    result.batch = { id: batchId, pdfFile, manifestFile };
    result.letters = pages.ranges.length;
    result.pages = pages.pages;
    return result;
  } catch (err) {
    await release(db, exporter, clock(), (err as Error).message);
    throw err;
  }
}

async function claimLetters(db: Kysely<DB>, c: { until: Date; exporter: string; now: Date; leaseSeconds: number }): Promise<OutboxRow[]> {
  const leaseUntil = new Date(c.now.getTime() + c.leaseSeconds * 1000);
  const r = await sql<OutboxRow>`
    UPDATE outbox_messages m
    SET status = 'sending', leased_by = ${c.exporter}, lease_until = ${leaseUntil}, updated_at = ${c.now}
    FROM (
      SELECT id FROM outbox_messages
      WHERE status = 'queued' AND channel = 'letter' AND created_at < ${c.until} AND not_before <= ${c.now}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE m.id = due.id
    RETURNING m.*`.execute(db);
  return r.rows.sort((a, b) => a.id - b.id);
}

type Vetted = { row: OutboxRow } & (
  | { msg: OutboxMessage; to: Addressee }
  | { status: 'cancelled'; reason: string }
  | { status: 'expired' }
  | { status: 'failed'; error: string }
);

/** What the worker checks right before a send, for a letter: texts, address, expiry, guards. */
function vetAlone(row: OutboxRow, o: ExportOptions, now: Date): Vetted {
  let msg: OutboxMessage;
  try {
    msg = toMessage(row, o.failure.render);
  } catch (e) {
    return { row, status: 'failed', error: `cannot render: ${(e as Error).message}` };
  }
  if (msg.expiresAt !== null && msg.expiresAt.getTime() <= now.getTime()) return { row, status: 'expired' };
  const to = parseAddressBlock(msg.recipient);
  if (to === null) return { row, status: 'failed', error: 'the recipient is not a postal address block (name, then address lines)' };
  return { row, msg, to };
}

/** vetAlone for each letter, then the guards for all that pass it, asked together. */
async function vetAll(db: Kysely<DB>, rows: readonly OutboxRow[], o: ExportOptions, now: Date): Promise<Vetted[]> {
  const vetted = rows.map((row) => vetAlone(row, o, now));
  const reasons = await whyNotWantedMany(db, vetted.flatMap((v) => ('msg' in v ? [v.msg] : [])), o.guards);
  return vetted.map((v) => {
    const reason = 'msg' in v ? reasons.get(v.msg.id) : undefined;
    return reason === undefined ? v : { row: v.row, status: 'cancelled', reason };
  });
}

/**
 * Writes a file under a temporary name, flushes it to disk, then gives it its name: a file with
 * the final name is always complete.
 */
async function writeDurably<T>(path: string, write: (out: WriteStream) => Promise<T>): Promise<T> {
  const partial = join(dirname(path), `.${basename(path)}.partial`);
  // flush: fsync before the descriptor is closed; 'close' comes after that (and after an error too).
  const out = createWriteStream(partial, { flags: 'wx', flush: true });
  const closed = new Promise<void>((done) => out.once('close', () => done()));
  try {
    const value = await write(out);
    await closed;
    await rename(partial, path);
    return value;
  } catch (err) {
    out.destroy();
    await closed;
    await rm(partial, { force: true });
    throw err;
  }
}

/** Makes the renames in a directory durable, so the files survive a power cut after the commit. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The batch row, and its letters sent, in one transaction; all of them or nothing. */
async function markBatchSent(
  db: Kysely<DB>,
  b: { id: number; date: LocalDate; pdfFile: string; manifestFile: string; pages: number; createdBy: string; exporter: string; now: Date; attempts: readonly Claimed[] },
): Promise<void> {
  const ids = b.attempts.map((a) => a.msg.id);
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('letter_batches')
      .values({ id: b.id, date: b.date, pdf_file: b.pdfFile, manifest_file: b.manifestFile, letters: ids.length, pages: b.pages, created_at: b.now, created_by: b.createdBy })
      .execute();
    const sent = await sql`
      UPDATE outbox_messages
      SET status = 'sent', sent_at = ${b.now}, updated_at = ${b.now}, provider = ${PRINT_PROVIDER}, provider_message_ids = ARRAY[${String(b.id)}]::text[],
          leased_by = NULL, lease_until = NULL, last_error = NULL
      WHERE id = ANY(${ids}::bigint[]) AND status = 'sending' AND leased_by = ${b.exporter}`.execute(tx);
    if (Number(sent.numAffectedRows ?? 0n) !== ids.length) {
      throw new Error(`the lease on some letters ran out during the export (${sent.numAffectedRows ?? 0n} of ${ids.length} still held); nothing was marked sent`);
    }
    await sql`
      UPDATE message_attempts SET outcome = 'accepted', finished_at = ${b.now}, answer = ${`batch ${b.id}: ${b.pdfFile}`}
      WHERE id = ANY(${b.attempts.map((a) => a.attemptId)}::bigint[])`.execute(tx);
  });
}

/** Returns this export's claimed letters to the queue; an attempt it had started ends 'transient'. */
async function release(db: Kysely<DB>, exporter: string, now: Date, error: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`
      UPDATE message_attempts a SET outcome = 'transient', finished_at = ${now}, error = ${error}
      FROM outbox_messages m
      WHERE a.message_id = m.id AND a.outcome IS NULL AND a.worker = ${exporter} AND m.status = 'sending' AND m.leased_by = ${exporter}`.execute(tx);
    await tx
      .updateTable('outbox_messages')
      .set({ status: 'queued', leased_by: null, lease_until: null, last_error: error, updated_at: now })
      .where('status', '=', 'sending')
      .where('leased_by', '=', exporter)
      .execute();
  });
}
