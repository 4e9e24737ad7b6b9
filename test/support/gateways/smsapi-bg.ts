// An SMSAPI.bg-shaped gateway (smsapi.bg/docs, as the public documentation describes it) on
// loopback: POST /sms.do, form-urlencoded, Authorization: Bearer <token>, format=json; errors as
// {"error": code, "message": …} (101 authorization failed, 13 no correct phone numbers);
// delivery reports as a GET to notify_url with MsgId, idx, status (404 delivered, 405/406/407
// not delivered) that must be answered with the text OK, else the report is sent again later.
import { deliverReport, json, startLoopback, type LoopbackServer } from './server.js';

export interface SmsapiMessage {
  id: string;
  to: string;
  message: string;
  from: string;
  idx: string;
  notifyUrl: string;
}

export interface SmsapiBg extends LoopbackServer {
  accepted: SmsapiMessage[];
  invalidNumbers: Set<string>;
  /** The next requests are answered with this HTTP status and error code (e.g. 500 / 201). */
  failNext(status: number, error: number, times?: number): void;
  /** Sends the report of one message to its notify_url as a GET; the answer izvestie gave. */
  report(id: string, status: number, statusName: string): Promise<{ status: number; body: string }>;
}

export async function startSmsapiBg(account: { token: string }): Promise<SmsapiBg> {
  const accepted: SmsapiMessage[] = [];
  const invalidNumbers = new Set<string>();
  const failures: Array<{ status: number; error: number }> = [];
  let next = 1;
  const server = await startLoopback((req, res) => {
    if (req.path !== '/sms.do' || req.method !== 'POST') return json(res, 404, { error: 8, message: 'Error in request' });
    if (req.headers.authorization !== `Bearer ${account.token}`) return json(res, 401, { error: 101, message: 'Authorization failed' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return json(res, 400, { error: 8, message: 'Error in request' });
    const f = new URLSearchParams(req.raw);
    const failure = failures.shift();
    if (failure !== undefined) return json(res, failure.status, { error: failure.error, message: 'Internal error' });
    const to = f.get('to') ?? '';
    if (invalidNumbers.has(to)) return json(res, 200, { error: 13, message: 'No correct phone numbers' });
    const m: SmsapiMessage = { id: `SA${String(next++).padStart(8, '0')}`, to, message: f.get('message') ?? '', from: f.get('from') ?? '', idx: f.get('idx') ?? '', notifyUrl: f.get('notify_url') ?? '' };
    accepted.push(m);
    return json(res, 200, { count: 1, list: [{ id: m.id, points: 0.09, number: to, date_sent: Math.floor(Date.now() / 1000), submitted_number: to, status: 'QUEUE', error: null, idx: m.idx }] });
  });
  return {
    ...server,
    accepted,
    invalidNumbers,
    failNext: (status, error, times = 1) => {
      for (let i = 0; i < times; i++) failures.push({ status, error });
    },
    async report(id, status, statusName) {
      const m = accepted.find((x) => x.id === id);
      if (!m) throw new Error(`no message ${id}`);
      const url = new URL(m.notifyUrl);
      for (const [k, v] of Object.entries({ MsgId: m.id, status: String(status), status_name: statusName, idx: m.idx, donedate: String(Math.floor(Date.now() / 1000)), username: 'utility', points: '0.09', from: m.from, to: m.to })) url.searchParams.append(k, v);
      return deliverReport(url.toString(), { method: 'GET' });
    },
  };
}
