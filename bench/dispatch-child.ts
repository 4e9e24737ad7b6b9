// One sender of bench/dispatch.ts in its own process, so its CPU and peak RSS are its own.
// Modes:
//   worker                             izvestie's worker as `izvestie worker` builds it (settings from the environment)
//   sandbox <> <> <window>             the same worker with only the sandbox SMS channel, unpaced, <window> in flight
//   bare-smpp <url> <count> <window> [<parts>]   a raw `smpp` client: bind, then submit_sm (the
//                                      worker's fields, every part asking for a receipt) with at most
//                                      <window> unanswered; each receipt is answered at once, nothing kept
//   bare-smtp <url> <count> <pool>     a raw nodemailer pool of <pool> connections, 2 × <pool> sends at once
// Each sends {go} over IPC right before it starts sending, waits for {stop} from the parent, and
// answers {maxRssMB}; both messages carry the CPU time used so far (cpuMs). The parent measures throughput on the servers' side.
import nodemailer from 'nodemailer';
import smpp from 'smpp';
import type { PDU } from 'smpp';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';
import { sandboxChannel } from '../src/delivery/channels/sandbox.js';
import { assemble, type Root } from '../src/app/root.js';
import { createWorker } from '../src/app/worker.js';
import { deliveryConfigFrom } from '../src/delivery/setup.js';
import { Worker } from '../src/delivery/worker.js';
import { parseSmppUrl } from '../src/delivery/smpp/url.js';
import { sourceAddress, submitSmFields } from '../src/delivery/smpp/submit-sm.js';
import { splitSms } from '../src/delivery/text/segments.js';
import { silentLogger } from '../src/log.js';
import { benchEmail, benchPhone, benchSmsTextOf } from './dispatch-content.js';

const [mode, url = '', countArg = '0', sizeArg = '1', partsArg = '1'] = process.argv.slice(2);
const count = Number(countArg);
const size = Number(sizeArg);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function send(message: object): void {
  process.send?.(message);
}

const stopped = new Promise<void>((resolve) => process.once('message', () => resolve()));

/** Runs a worker made by `make` on the database of the environment's settings until stopped. */
async function runWorker(make: (root: Root) => Worker): Promise<() => Promise<void>> {
  const config = loadConfig(process.env);
  const database = await openDatabase(config.database, silentLogger);
  const w = make(await assemble(config, silentLogger, database));
  send({ go: true, cpuMs: cpuMs() });
  await w.start();
  return async () => {
    await w.stop();
    await database.close();
  };
}

const worker = () => runWorker((root) => createWorker(root));

// Nothing to send to: the sandbox channel records and sends nothing, so this worker's rate is the
// most its own bookkeeping (claims, guards, attempts, outcomes, all in PostgreSQL) allows on this
// machine, whatever the transport.
const sandbox = () =>
  runWorker((root) => {
    const d = deliveryConfigFrom(root.config);
    const pacing = { ...d.pacing, sandbox: { ratePerSecond: 1_000_000, window: size } };
    return new Worker({ db: root.database.db, channels: [sandboxChannel('sms')], config: { ...d, pacing }, render: root.render, guards: root.guards });
  });

async function bareSmpp(): Promise<() => Promise<void>> {
  const { host, port, systemId, password } = parseSmppUrl(url);
  const session = smpp.connect({ host, port });
  session.on('error', (e: Error) => {
    throw e;
  });
  await new Promise<void>((resolve, reject) => {
    session.on('connect', () =>
      session.send(new smpp.PDU('bind_transceiver', { system_id: systemId, password, interface_version: 0x34 }), (r: PDU) =>
        r.command_status === 0 ? resolve() : reject(new Error(`bind refused: ${r.command_status}`)),
      ),
    );
  });
  // The receipts the SMSC sends are answered at once and otherwise ignored.
  session.on('pdu', (pdu: PDU) => {
    if (pdu.command === 'deliver_sm') session.send(pdu.response());
  });
  const source = sourceAddress('IZVESTIE');
  const parts = Number(partsArg);
  send({ go: true, cpuMs: cpuMs() });
  // The PDUs of every message, as the worker's session builds them (UDH on multi-part texts).
  let next = 0;
  let queue: Array<Record<string, unknown>> = [];
  let inFlight = 0;
  const pump = (): void => {
    while (inFlight < size) {
      if (queue.length === 0) {
        if (next >= count) return;
        const i = next++;
        const split = splitSms(benchSmsTextOf(i, parts));
        queue = submitSmFields({ to: benchPhone(i), parts: split.parts, dataCoding: split.dataCoding, registeredDelivery: true }, source, i & 0xff);
      }
      inFlight++;
      session.send(new smpp.PDU('submit_sm', queue.shift() as Record<string, unknown>), (resp: PDU) => {
        if (resp.command_status !== 0) throw new Error(`submit_sm refused: ${resp.command_status}`);
        inFlight--;
        pump();
      });
    }
  };
  pump();
  return async () => {
    session.close();
  };
}

async function bareSmtp(): Promise<() => Promise<void>> {
  const u = new URL(url);
  const transport = nodemailer.createTransport({ pool: true, host: u.hostname, port: Number(u.port), secure: false, ignoreTLS: true, maxConnections: size });
  send({ go: true, cpuMs: cpuMs() });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await transport.sendMail(benchEmail(next++));
  };
  await Promise.all(Array.from({ length: size * 2 }, lane));
  return async () => {
    transport.close();
  };
}

const modes: Record<string, () => Promise<() => Promise<void>>> = { worker, sandbox, 'bare-smpp': bareSmpp, 'bare-smtp': bareSmtp };
const run = mode === undefined ? undefined : modes[mode];
if (run === undefined) throw new Error(`unknown mode ${String(mode)}`);
const stop = await run();
await stopped;
await stop();
send({ maxRssMB: process.resourceUsage().maxRSS / 1024, cpuMs: cpuMs() });
process.disconnect();
