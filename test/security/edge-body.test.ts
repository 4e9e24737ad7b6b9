import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { testApiKey, testServer } from '../support/app.js';

const MB = 1024 * 1024;

/** A valid JSON array of about `bytes`, made lazily, so the client side of the test holds almost none of it. */
function bigJson(bytes: number): { body: Readable; length: number } {
  const row = Buffer.from('{"customer_number":"4000000001","name":"Петър Колев","street":"ул. Раковски 3"},');
  const chunk = Buffer.concat(Array<Buffer>(Math.floor((64 * 1024) / row.length)).fill(row));
  const chunks = Math.ceil(bytes / chunk.length);
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent === 0) this.push('[');
      if (sent === chunks) {
        this.push('{}]');
        this.push(null);
        return;
      }
      sent += 1;
      this.push(chunk);
    },
  });
  return { body, length: 1 + chunks * chunk.length + 3 };
}

interface Answer {
  status: number | null;
  ms: number;
}

/** POSTs the body and resolves with the status as soon as the server answers (or hangs up). */
function upload(port: number, path: string, headers: http.OutgoingHttpHeaders, { body, length }: { body: Readable; length: number }): Promise<Answer> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(length) } });
    let done = false;
    const finish = (status: number | null) => {
      if (done) return;
      done = true;
      body.unpipe(req);
      body.destroy();
      req.destroy();
      resolve({ status, ms: performance.now() - start });
    };
    req.on('response', (res) => {
      res.resume();
      finish(res.statusCode ?? null);
    });
    // The server may close the connection while the body is still being written.
    req.on('error', () => finish(null));
    body.pipe(req);
  });
}

async function healthz(port: number): Promise<number> {
  const start = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(r.status, 200);
  await r.text();
  return performance.now() - start;
}

describeEachBackend('large bodies without credentials', (get) => {
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    app = await testServer(get());
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
  });

  test('48 MB of JSON without an API key, three at once: refused before the body is read, /healthz stays fast, memory flat', async (t) => {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let slowest = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        slowest = Math.max(slowest, await healthz(port));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const bytes = 48 * MB;
    const answers = await Promise.all(
      [1, 2, 3].map(() => upload(port, '/api/v1/import/customers', { 'content-type': 'application/json' }, bigJson(bytes))),
    );
    // A few more polls after the uploads, in case the server were still busy with them.
    await new Promise((r) => setTimeout(r, 200));
    polling = false;
    await poll;
    const grown = (process.memoryUsage().rss - rssBefore) / MB;
    t.diagnostic(`refused after ${answers.map((a) => a.ms.toFixed(0)).join(', ')} ms; slowest /healthz ${slowest.toFixed(0)} ms; RSS +${grown.toFixed(0)} MB`);
    assert.ok(grown < 40, `RSS grew by ${grown.toFixed(0)} MB`);
    assert.ok(slowest < 1000, `/healthz took ${slowest.toFixed(0)} ms during the uploads`);
    for (const a of answers) {
      assert.equal(a.status, 401);
      // Generous: the refusal needs no body at all, so it comes long before 48 MB could be sent.
      assert.ok(a.ms < 1000, `refused after ${a.ms.toFixed(0)} ms`);
    }
  });

  test('every keyed route refuses before the body, with the same answer as before', async () => {
    const routes = [
      ['POST', '/api/v1/import/customers'],
      ['POST', '/api/v1/payments'],
      ['GET', '/api/v1/disconnections'],
      ['GET', '/api/v1/reports/effectiveness'],
      ['POST', '/api/v1/delivery/bounces'],
      // The app's flow token stands in for a key.
      ['POST', '/api/v1/self-service/registration'],
      ['PUT', '/api/v1/self-service/subscriptions/sms'],
      ['GET', '/api/v1/self-service/subscriptions'],
    ] as const;
    for (const [method, url] of routes) {
      const none = await app.inject({ method, url, headers: { 'content-type': 'text/plain' }, ...(method === 'GET' ? {} : { payload: 'x' }) });
      assert.equal(none.statusCode, 401, `${method} ${url}`);
      assert.equal(none.json().error.code, 'UNAUTHORIZED');
      const wrong = await app.inject({ method, url, headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.statusCode, 401, `${method} ${url}`);
    }
    const ok = await app.inject({ method: 'GET', url: '/api/v1/reports/effectiveness?month=2026-10', headers: { authorization: `Bearer ${testApiKey}` } });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test('a JSON import over 1 MB is refused with 413; CSV of the same size streams', async () => {
    const auth = { authorization: `Bearer ${testApiKey}` };
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ customer_number: String(4100000000 + i), name: 'Иван Петров Иванов', street: 'ул. Раковски 3', town: 'Русе', postcode: '7000', customer_class: 'household' }));
    const json = JSON.stringify(rows);
    assert.ok(json.length > MB);
    const big = await app.inject({ method: 'POST', url: '/api/v1/import/customers', headers: { ...auth, 'content-type': 'application/json' }, payload: json });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE');
    const csv = `customer_number;name;street;town;postcode;customer_class\n${rows.map((r) => Object.values(r).join(';')).join('\n')}\n`;
    assert.ok(Buffer.byteLength(csv) > MB);
    const ok = await app.inject({ method: 'POST', url: '/api/v1/import/customers', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().inserted, rows.length);
  });
});
