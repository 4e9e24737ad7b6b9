// A real HTTP SMS gateway on 127.0.0.1 for tests: records every request as it came over the wire
// and answers as told (accept, throttle, fail, stall, hang up). Plus the gateway's other half: a
// signed status callback POSTed to our URL.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: unknown;
}

export type GatewayBehaviour =
  /** 200 {"status":"ok","data":{"id":"gw-N"}}. */
  | { kind: 'ok' }
  /** 429 with Retry-After in seconds. */
  | { kind: 'throttle'; retryAfterSeconds: number }
  /** Any status with a text body, e.g. 500 or 400. */
  | { kind: 'status'; status: number; body?: string }
  /** Any status with a JSON body, e.g. 200 {"status":"error"}. */
  | { kind: 'json'; status: number; body: unknown }
  /** The ok answer after a delay; the timer is dropped if the client goes away first. */
  | { kind: 'slow'; delayMs: number }
  /** Reads the request, then destroys the socket without answering. */
  | { kind: 'close' };

export interface HttpGatewayOptions {
  /** What every request gets unless respondWith queued something else; ok by default. */
  behaviour?: GatewayBehaviour;
}

export interface HttpGateway {
  port: number;
  /** http://127.0.0.1:PORT/sms */
  url: string;
  requests: RecordedRequest[];
  /** Answers the next `times` requests (1 by default) this way, then falls back to the default. */
  respondWith(b: GatewayBehaviour, times?: number): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  stop(): Promise<void>;
}

function parseJson(raw: Buffer): unknown {
  try {
    return raw.length === 0 ? undefined : (JSON.parse(raw.toString('utf8')) as unknown);
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startHttpGateway(opts: HttpGatewayOptions = {}): Promise<HttpGateway> {
  const requests: RecordedRequest[] = [];
  const queued: GatewayBehaviour[] = [];
  const waiters = new Set<() => void>();
  let nextId = 1;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rawBody = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: req.headers,
        rawBody,
        body: parseJson(rawBody),
      });
      for (const w of waiters) w();

      const b = queued.shift() ?? opts.behaviour ?? { kind: 'ok' };
      const ok = (): void => sendJson(res, 200, { status: 'ok', data: { id: `gw-${nextId++}` } });
      switch (b.kind) {
        case 'ok':
          ok();
          break;
        case 'throttle':
          sendJson(res, 429, { status: 'error', error: 'too many requests' }, { 'retry-after': String(b.retryAfterSeconds) });
          break;
        case 'status':
          res.writeHead(b.status, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(b.body ?? `status ${b.status}`);
          break;
        case 'json':
          sendJson(res, b.status, b.body);
          break;
        case 'slow': {
          const timer = setTimeout(ok, b.delayMs);
          res.on('close', () => clearTimeout(timer));
          break;
        }
        case 'close':
          req.socket.destroy();
          break;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}/sms`,
    requests,
    respondWith(b, times = 1) {
      for (let i = 0; i < times; i++) queued.push(b);
    },
    waitForRequests(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`gateway saw ${requests.length} requests, wanted ${count}, within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

export interface CallbackOptions {
  secret: string;
  /** 'hmac' (default): X-Signature over the body; 'token': ?token= in the URL. */
  mode?: 'hmac' | 'token';
  /** Sent instead of the correct signature (hmac mode), to test refusals. */
  signature?: string;
  /** Sent instead of the serialised fields, after signing those: a body altered on the way. */
  bodyOverride?: string;
}

/** POSTs a status report as JSON to `url` the way the gateway would, signed with the secret. */
export async function postSignedCallback(
  url: string,
  fields: Record<string, unknown>,
  opts: CallbackOptions,
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(fields);
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if ((opts.mode ?? 'hmac') === 'hmac') {
    headers['x-signature'] = opts.signature ?? createHmac('sha256', opts.secret).update(body, 'utf8').digest('hex');
  } else {
    target.searchParams.set('token', opts.secret);
  }
  const res = await fetch(target, { method: 'POST', headers, body: opts.bodyOverride ?? body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}
