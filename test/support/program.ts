// The program as users start it: `izvestie <command>` as a child process (the same main and
// composition root as production), and billing data brought in by the real import.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { importCsv } from '../../src/billing/import.js';
import { importKinds } from '../../src/billing/kinds/index.js';
import type { ImportKindName } from '../../src/billing/import-kind.js';
import type { Database } from '../../src/db/open.js';
import { decodeGsm7 } from '../../src/delivery/text/gsm7.js';
import { decodeUcs2 } from '../../src/delivery/text/segments.js';
import type { SubmittedSm } from './smsc.js';
import { testApiKey } from './app.js';
import { programArgs } from './program-command.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `izvestie ...args` to the end with the given environment on top of ours. */
export function cli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...programArgs(), ...args], { env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`izvestie ${args.join(' ')} took over ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Imports CSV text through the billing import, as `izvestie import` does; throws on any bad line. */
export async function importText(database: Database, kind: ImportKindName, csv: string): Promise<void> {
  const r = await importCsv(database, importKinds[kind], Readable.from([csv]), { source: `${kind}.csv`, actor: 'test', skipInvalid: false, maxReportedErrors: 10 });
  if (!r.committed) throw new Error(`${kind} did not import: ${JSON.stringify(r.errors.slice(0, 3))}`);
}

export interface TestCustomer {
  number: string;
  name: string;
  phone?: string;
  email?: string;
  /** Overdue invoices: number, due date, amount in euro (e.g. '48.20'). */
  invoices: Array<{ number: string; due: string; amount: string }>;
}

/** Customers, their invoices and their subscriptions, through the import. */
export async function importCustomers(database: Database, customers: readonly TestCustomer[]): Promise<void> {
  await importText(database, 'customers', ['customer_number;name;street;town;postcode;customer_class', ...customers.map((c) => `${c.number};${c.name};ул. Шипка 5;Варна;9000;household`)].join('\n'));
  await importText(
    database,
    'invoices',
    ['invoice_number,customer_number,issue_date,due_date,amount,currency', ...customers.flatMap((c) => c.invoices.map((i) => `${i.number},${c.number},${i.due},${i.due},${i.amount},EUR`))].join('\n'),
  );
  const subs = customers.flatMap((c) => [...(c.phone ? [`${c.number},sms,${c.phone},2025-01-10,test-v1`] : []), ...(c.email ? [`${c.number},email,${c.email},2025-01-10,test-v1`] : [])]);
  await importText(database, 'subscriptions', ['customer_number,channel,address,registered_at,consent_version', ...subs].join('\n'));
}

/** The text of an SMS part as the handset shows it (UCS-2 or GSM-7, by its data_coding). */
export function smsText(sm: SubmittedSm): string {
  return sm.data_coding === 8 ? decodeUcs2(sm.payload) : decodeGsm7(sm.payload);
}

/** The whole texts the SMSC received, by destination (parts joined in order). */
export function textsByDestination(submitted: readonly SubmittedSm[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const partial = new Map<string, string[]>();
  for (const sm of submitted) {
    const key = sm.udh ? `${sm.destination_addr}:${sm.udh.ref}` : null;
    const text = smsText(sm);
    if (key !== null && sm.udh) {
      const parts = partial.get(key) ?? [];
      parts[sm.udh.seq - 1] = text;
      partial.set(key, parts);
      if (parts.filter((p) => p !== undefined).length < sm.udh.total) continue;
      partial.delete(key);
      out.set(sm.destination_addr, [...(out.get(sm.destination_addr) ?? []), parts.join('')]);
    } else {
      out.set(sm.destination_addr, [...(out.get(sm.destination_addr) ?? []), text]);
    }
  }
  return out;
}

/** What every whole-program test runs with: its database, no demo, no quiet hours, an https public URL. */
export function programEnv(url: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '4',
    IZVESTIE_DEMO_DATA: 'off',
    IZVESTIE_API_KEYS: `billing:${testApiKey}`,
    SMS_QUIET_HOURS: 'off',
    EMAIL_QUIET_HOURS: 'off',
    PUBLIC_URL: 'https://izvestie.example.bg',
    EMAIL_DOMAIN: 'izvestie.example.bg',
  };
}
