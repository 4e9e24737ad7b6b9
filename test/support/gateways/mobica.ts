// A Mobica-shaped gateway (mobica.bg API v2, as its public documentation describes it) on
// loopback: JSON POST /v2/multi/json/sms.php with user and pass in the body and a batch of
// messages each with our idd; numeric codes (1004 accepted, 1115 bad credentials, 1121 address
// not allowed) for the request and for each message; delivery states from POST
// /v2/multi/json/status.php, asked about by idd.
import { json, startLoopback, type LoopbackServer } from './server.js';

export interface MobicaMessage {
  idd: string;
  phone: string;
  message: string;
  from?: string;
}

export interface Mobica extends LoopbackServer {
  /** Every message accepted, in order (a message sent twice is here twice). */
  accepted: MobicaMessage[];
  /** Sizes of the send requests' batches. */
  batches: number[];
  /** How often each idd was asked about. */
  asked: Map<string, number>;
  /** The state the status endpoint gives an idd from now on. */
  setState(idd: string, status: 'delivered' | 'undelivered' | 'expired' | 'pending', description?: string): void;
  /** The next send requests get this request code (e.g. 1121), then normal answers again. */
  refuseNext(code: number, times?: number): void;
  /** Numbers refused per message with code 1007 (invalid number). */
  invalidNumbers: Set<string>;
  /** Viber messages accepted at POST /v2/multi/json/viber.php, with the fallback SMS (sms_text) when sent along. */
  viber: Array<MobicaMessage & { sms_text?: string }>;
  /** The state of a Viber message from now on, and the channel that reached the number (viber, or sms: Mobica's own fallback). */
  setViberState(idd: string, status: 'delivered' | 'undelivered' | 'pending', channel: 'viber' | 'sms', description?: string): void;
}

export async function startMobica(account: { user: string; pass: string }, o: { delayMs?: number } = {}): Promise<Mobica> {
  const accepted: MobicaMessage[] = [];
  const batches: number[] = [];
  const asked = new Map<string, number>();
  const states = new Map<string, { status: string; description: string }>();
  const refusals: number[] = [];
  const invalidNumbers = new Set<string>();
  const viber: Array<MobicaMessage & { sms_text?: string }> = [];
  const channels = new Map<string, string>();
  const server = await startLoopback(async (req, res) => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.raw) as Record<string, unknown>;
    } catch {
      return json(res, 400, { code: 1001, description: 'Invalid JSON' });
    }
    if (body['user'] !== account.user || body['pass'] !== account.pass) return json(res, 200, { code: 1115, description: 'Invalid username or password' });
    if (req.path === '/v2/multi/json/sms.php' && req.method === 'POST') {
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      const refusal = refusals.shift();
      if (refusal !== undefined) return json(res, 200, { code: refusal, description: refusal === 1121 ? 'IP address not allowed' : 'Refused' });
      const messages = Array.isArray(body['messages']) ? (body['messages'] as MobicaMessage[]) : [];
      batches.push(messages.length);
      const results = messages.map((m) => {
        if (invalidNumbers.has(m.phone)) return { idd: m.idd, code: 1007, description: 'Invalid phone number' };
        accepted.push(m);
        if (!states.has(m.idd)) states.set(m.idd, { status: 'pending', description: 'Pending' });
        return { idd: m.idd, code: 1004, description: 'Accepted' };
      });
      return json(res, 200, { code: 1004, description: 'Accepted', messages: results });
    }
    if (req.path === '/v2/multi/json/viber.php' && req.method === 'POST') {
      const messages = Array.isArray(body['messages']) ? (body['messages'] as Array<MobicaMessage & { sms_text?: string }>) : [];
      const results = messages.map((m) => {
        viber.push(m);
        if (!states.has(m.idd)) states.set(m.idd, { status: 'pending', description: 'Pending' });
        return { idd: m.idd, code: 1004, description: 'Accepted' };
      });
      return json(res, 200, { code: 1004, description: 'Accepted', messages: results });
    }
    if (req.path === '/v2/multi/json/status.php' && req.method === 'POST') {
      const idds = Array.isArray(body['idds']) ? (body['idds'] as string[]) : [];
      const messages = idds.flatMap((idd) => {
        asked.set(idd, (asked.get(idd) ?? 0) + 1);
        const s = states.get(idd);
        const channel = channels.get(idd);
        return s === undefined ? [] : [{ idd, status: s.status, description: s.description, ...(channel === undefined ? {} : { channel }) }];
      });
      return json(res, 200, { code: 1004, messages });
    }
    return json(res, 404, { code: 1404, description: 'Not found' });
  });
  return {
    ...server,
    accepted,
    batches,
    asked,
    invalidNumbers,
    setState: (idd, status, description = status) => states.set(idd, { status, description }),
    viber,
    setViberState: (idd, status, channel, description = status) => {
      states.set(idd, { status, description });
      channels.set(idd, channel);
    },
    refuseNext: (code, times = 1) => {
      for (let i = 0; i < times; i++) refusals.push(code);
    },
  };
}
