// The registration embedded in the utility's home page (examples/embed.html) in a real browser:
// the page is served from another site (http://127.0.0.1:P) than the portal (http://localhost:Q),
// so the portal's cookies are third-party cookies of the frame and its posts come from inside a
// cross-site frame. A site not in PORTAL_FRAME_ANCESTORS gets nothing: the browser refuses to
// show the portal in its frame.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { packageRoot } from '../../src/paths.js';
import type { Database } from '../../src/db/open.js';
import { testServer } from '../support/app.js';
import { openTestPostgres, backends } from '../support/db.js';
import { seedCustomers, type SeededCustomer } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing && process.env.CI === 'true') throw new Error(`browser tests need ${missing}`);
const pgSkip = backends.find((b) => b.name === 'postgres')?.skip ?? false;

/** A second site on loopback serving examples/embed.html, its iframe pointed at `portal()`. */
async function embedSite(portal: () => string): Promise<{ server: Server; origin: string }> {
  const example = readFileSync(join(packageRoot, 'examples', 'embed.html'), 'utf8');
  assert.ok(example.includes('src="http://localhost:3000/register/customer-number"'), 'the example embeds the registration');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(example.replaceAll('http://localhost:3000', portal()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

describe('registration embedded in the utility home page [postgres]', { skip: missing ?? pgSkip }, () => {
  let database: Database;
  let app: FastifyInstance;
  let portal = '';
  let allowed: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  let customer: SeededCustomer;

  before(async () => {
    database = await openTestPostgres();
    [customer] = (await seedCustomers(database, 5_900_000_001, 1)) as [SeededCustomer];
    allowed = await embedSite(() => portal);
    other = await embedSite(() => portal);
    app = await testServer(database, { IZVESTIE_SANDBOX: 'on', PORTAL_FRAME_ANCESTORS: allowed.origin });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    portal = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await app?.close();
    for (const site of [allowed, other]) if (site) await new Promise<void>((resolve) => site.server.close(() => resolve()));
    await database?.close();
  });

  async function withBrowser(fn: (ctx: BrowserContext, page: Page) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), 'izvestie-chromium-'));
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      // The default of browsers that block third-party cookies: only Partitioned ones survive.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP localhost 127.0.0.1', '--test-third-party-cookie-phaseout'],
      viewport: { width: 1024, height: 900 },
      locale: 'bg-BG',
    });
    ctx.setDefaultTimeout(60_000);
    try {
      await fn(ctx, ctx.pages()[0] ?? (await ctx.newPage()));
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function submit(frame: Frame, label: string) {
    await Promise.all([frame.waitForNavigation(), frame.getByRole('button', { name: label }).click()]);
  }

  /** The code as the sandbox outbox holds it (what the customer's phone would show). */
  async function codeFor(phone: string): Promise<string> {
    const m = await database.db.selectFrom('outbox_messages').select('body').where('kind', '=', 'verification_code').where('recipient', '=', phone).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const code = /(\d{6})/.exec(m.body ?? '')?.[1];
    assert.ok(code, `a code in ${JSON.stringify(m.body)}`);
    return code;
  }

  test('a customer registers through the frame on the listed site', { timeout: 300_000 }, async () => {
    await withBrowser(async (_ctx, page) => {
      await page.goto(`${allowed.origin}/embed.html`);
      const handle = await page.waitForSelector('iframe');
      const frame = await handle.contentFrame();
      assert.ok(frame, 'the portal is shown in the frame');
      await frame.waitForLoadState('load');
      assert.equal(new URL(frame.url()).origin, portal);

      await frame.getByLabel('Какъв е клиентският Ви номер?').fill(customer.customerNumber);
      await submit(frame, 'Продължете');
      await frame.getByLabel('Какъв е номерът на една от фактурите Ви?').fill(customer.invoice);
      await submit(frame, 'Продължете');
      await frame.getByLabel('SMS на мобилен телефон').check();
      await submit(frame, 'Продължете');
      await frame.getByLabel('Какъв е номерът на мобилния Ви телефон?').fill('0888 909 001');
      await submit(frame, 'Продължете');
      await frame.getByLabel('Съгласен/съгласна съм').check();
      await submit(frame, 'Изпратете код');
      await frame.getByLabel(/Въведете кода, който изпратихме на/).fill(await codeFor('+359888909001'));
      await submit(frame, 'Потвърдете');
      assert.match(await frame.locator('h1').innerText(), /Абонаментът е активен/);
      assert.equal(page.url(), `${allowed.origin}/embed.html`, 'the home page stayed where it was');
    });
    const subs = await database.db.selectFrom('subscriptions').select(['channel', 'address', 'status']).where('customer_number', '=', customer.customerNumber).execute();
    assert.deepEqual(subs, [{ channel: 'sms', address: '+359888909001', status: 'active' }]);
  });

  test('the portal answers framed pages with the listed origin only; the back office is never framed', async () => {
    const start = await fetch(`${portal}/register/customer-number`);
    assert.equal(start.headers.get('x-frame-options'), null);
    assert.match(start.headers.get('content-security-policy') ?? '', new RegExp(`frame-ancestors ${allowed.origin.replace(/\./g, '\\.')}(;|$)`));
    const cookie = start.headers.get('set-cookie') ?? '';
    assert.match(cookie, /__Host-izvestie=/);
    assert.match(cookie, /SameSite=None/i);
    assert.match(cookie, /Partitioned/i);
    assert.match(cookie, /Secure/i);
    const backoffice = await fetch(`${portal}/backoffice/login`);
    assert.equal(backoffice.headers.get('x-frame-options'), 'DENY');
    assert.match(backoffice.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  });

  test('a site not listed cannot frame the portal', { timeout: 120_000 }, async () => {
    await withBrowser(async (_ctx, page) => {
      const refused = page.waitForEvent('console', { predicate: (m) => /frame-ancestors|Refused to frame/i.test(m.text()), timeout: 30_000 }).catch(() => null);
      await page.goto(`${other.origin}/embed.html`);
      const frame = await (await page.waitForSelector('iframe')).contentFrame();
      assert.ok(frame);
      await page.waitForTimeout(0);
      assert.ok(await refused, 'chromium reports the refusal');
      assert.equal(await frame.locator('form').count(), 0, 'no portal form in the frame');
    });
  });
});
