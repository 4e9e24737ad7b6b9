// An Infobip-shaped gateway (infobip.com/docs SMS API, as the public documentation describes it)
// on loopback: POST /sms/2/text/advanced, JSON, Authorization: App <key>; messages[] each with
// destinations[].to and our messageId, answered per message with a status group (1 PENDING;
// 5 REJECTED for a bad number); delivery reports pushed to each message's notifyUrl in batches of
// up to 100 as {"results": [...]}.
import { deliverReport, json, startLoopback, type LoopbackServer } from './server.js';

export interface InfobipMessage {
  messageId: string;
  to: string;
  text: string;
  from: string;
  notifyUrl: string;
}

export interface Infobip extends LoopbackServer {
  accepted: InfobipMessage[];
  /** Sizes of the send requests' batches. */
  batches: number[];
  invalidNumbers: Set<string>;
  /** The next send requests are answered with this HTTP status (e.g. 429, 500). */
  failNext(status: number, times?: number): void;
  /**
   * Pushes delivery reports (DELIVERED, or the group given) for these messages to their notifyUrl,
   * at most 100 a request as Infobip does; the answers izvestie gave, one per request.
   */
  pushReports(ids: readonly string[], group?: { groupId: number; groupName: string; name: string }): Promise<Array<{ status: number; body: string; count: number }>>;
  /** Viber Business Messages accepted at POST /viber/2/messages (sender, content.text, webhooks.delivery.url). */
  viber: InfobipMessage[];
  /** A Viber delivery report for each message: DELIVERED, or UNDELIVERABLE with the error name given (e.g. a number without Viber). */
  pushViberReports(ids: readonly string[], undeliverable?: string): Promise<Array<{ status: number; body: string }>>;
}

const DELIVERED = { groupId: 3, groupName: 'DELIVERED', name: 'DELIVERED_TO_HANDSET' };

export async function startInfobip(account: { key: string }, o: { delayMs?: number } = {}): Promise<Infobip> {
  const accepted: InfobipMessage[] = [];
  const batches: number[] = [];
  const invalidNumbers = new Set<string>();
  const failures: number[] = [];
  const viber: InfobipMessage[] = [];
  const server = await startLoopback(async (req, res) => {
    if (req.path === '/viber/2/messages' && req.method === 'POST') {
      if (req.headers.authorization !== `App ${account.key}`) return json(res, 401, { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } });
      const body = JSON.parse(req.raw) as { messages?: Array<{ sender: string; content: { type: string; text: string }; webhooks?: { delivery?: { url: string } }; destinations: Array<{ to: string; messageId: string }> }> };
      const results = (body.messages ?? []).flatMap((m) =>
        m.destinations.map((d) => {
          viber.push({ messageId: d.messageId, to: d.to, text: m.content.text, from: m.sender, notifyUrl: m.webhooks?.delivery?.url ?? '' });
          return { messageId: d.messageId, destination: d.to, status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED', description: 'Message sent to next instance' } };
        }),
      );
      return json(res, 200, { bulkId: `viber-${viber.length}`, messages: results });
    }
    if (req.path !== '/sms/2/text/advanced' || req.method !== 'POST') return json(res, 404, { requestError: { serviceException: { messageId: 'NOT_FOUND', text: 'Not found' } } });
    if (req.headers.authorization !== `App ${account.key}`) return json(res, 401, { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } });
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    const failure = failures.shift();
    if (failure !== undefined) return json(res, failure, { requestError: { serviceException: { messageId: 'GENERAL_ERROR', text: 'Try again later' } } });
    const body = JSON.parse(req.raw) as { messages?: Array<{ from: string; text: string; notifyUrl: string; destinations: Array<{ to: string; messageId: string }> }> };
    const messages = body.messages ?? [];
    batches.push(messages.length);
    const results = messages.flatMap((m) =>
      m.destinations.map((d) => {
        if (invalidNumbers.has(d.to)) return { to: d.to, messageId: d.messageId, status: { groupId: 5, groupName: 'REJECTED', id: 51, name: 'MISSING_TO', description: 'Missing destination' } };
        accepted.push({ messageId: d.messageId, to: d.to, text: m.text, from: m.from, notifyUrl: m.notifyUrl });
        return { to: d.to, messageId: d.messageId, status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED', description: 'Message sent to next instance' } };
      }),
    );
    return json(res, 200, { bulkId: `bulk-${batches.length}`, messages: results });
  });
  return {
    ...server,
    viber,
    async pushViberReports(ids, undeliverable) {
      const answers: Array<{ status: number; body: string }> = [];
      for (const id of ids) {
        const m = viber.find((x) => x.messageId === id);
        if (!m) throw new Error(`no Viber message ${id}`);
        const status = undeliverable === undefined ? { groupId: 3, groupName: 'DELIVERED', id: 5, name: 'DELIVERED_TO_HANDSET' } : { groupId: 2, groupName: 'UNDELIVERABLE', id: 9, name: 'UNDELIVERABLE_NOT_DELIVERED' };
        const error = undeliverable === undefined ? { groupId: 0, groupName: 'OK', id: 0, name: 'NO_ERROR', permanent: false } : { groupId: 1, groupName: 'HANDSET_ERRORS', id: 7001, name: undeliverable, permanent: true };
        const results = [{ messageId: m.messageId, to: m.to, channel: 'VIBER_BM', sentAt: new Date().toISOString(), doneAt: new Date().toISOString(), status, error }];
        answers.push(await deliverReport(m.notifyUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results }) }));
      }
      return answers;
    },
    accepted,
    batches,
    invalidNumbers,
    failNext: (status, times = 1) => {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    async pushReports(ids, group = DELIVERED) {
      const byUrl = new Map<string, InfobipMessage[]>();
      for (const id of ids) {
        const m = accepted.find((x) => x.messageId === id);
        if (!m) throw new Error(`no message ${id}`);
        byUrl.set(m.notifyUrl, [...(byUrl.get(m.notifyUrl) ?? []), m]);
      }
      const answers: Array<{ status: number; body: string; count: number }> = [];
      for (const [url, ms] of byUrl) {
        for (let i = 0; i < ms.length; i += 100) {
          const chunk = ms.slice(i, i + 100);
          const results = chunk.map((m) => ({
            bulkId: 'bulk',
            messageId: m.messageId,
            to: m.to,
            sentAt: new Date().toISOString(),
            doneAt: new Date().toISOString(),
            smsCount: 1,
            price: { pricePerMessage: 0.01, currency: 'EUR' },
            status: { ...group, id: group.groupId === 3 ? 5 : 9 },
            error: { groupId: 0, groupName: 'OK', id: 0, name: group.groupId === 3 ? 'NO_ERROR' : 'EC_ABSENT_SUBSCRIBER', permanent: false },
          }));
          const r = await deliverReport(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results }) });
          answers.push({ ...r, count: chunk.length });
        }
      }
      return answers;
    },
  };
}
