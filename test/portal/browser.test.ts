// A real browser (Debian's chromium through playwright-core) goes through registration, the code,
// a change of phone and unsubscribing, at a phone's width and at a desktop's, reading the codes
// from /dev/outbox as a newcomer would; axe-core checks every page it sees.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { sandboxChannel } from '../../src/delivery/channels/sandbox.js';
import { defaultDeliveryConfig } from '../../src/delivery/config.js';
import { Worker } from '../../src/delivery/worker.js';
import { testServer } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { seedCustomers, type SeededCustomer } from './fixtures.js';
import { verificationCodeGuard } from '../../src/portal/code-guard.js';

// The callbacks given to page.evaluate run in the page; this file is compiled without the DOM library.
interface PageElement {
  id: string;
  textContent: string | null;
  matches(selector: string): boolean;
  querySelectorAll(selector: string): PageElement[];
}
declare const document: { activeElement: PageElement | null; documentElement: { scrollWidth: number }; querySelectorAll(selector: string): PageElement[] };
interface AxeResults {
  violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }>;
}
declare const window: { axe: { run(options: unknown): Promise<AxeResults> } };

// IZVESTIE_TEST_CHROMIUM only lets browser-ci.test.ts point at a browser that is not there.
const CHROMIUM = process.env.IZVESTIE_TEST_CHROMIUM ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium)`;
// Under CI a missing browser is a failure, never a skip.
if (missing && process.env.CI === 'true') throw new Error(`browser tests need ${missing}`);

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const viewports = [
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  { name: 'desktop', viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false },
] as const;

describeEachBackend('portal in a real browser', (get) => {
  let app: FastifyInstance;
  let worker: Worker;
  let base: string;
  let customers: SeededCustomer[];
  const audited = new Map<string, string[]>();

  before(async () => {
    if (missing) return;
    customers = await seedCustomers(get(), 5_800_000_001, 4);
    app = await testServer(get(), { IZVESTIE_SANDBOX: 'on' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
    worker = new Worker({
      db: get().db,
      guards: { verification_code: verificationCodeGuard },
      channels: [sandboxChannel('sms'), sandboxChannel('email')],
      config: { ...defaultDeliveryConfig, pollIntervalMs: 100, sendWindows: { sms: null, email: null } },
      render: () => {
        throw new Error('portal messages carry their texts');
      },
    });
    await worker.start();
  });
  after(async () => {
    if (missing) return;
    await worker.stop();
    await app.close();
  });

  async function withBrowser(v: (typeof viewports)[number], fn: (ctx: BrowserContext, page: Page) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), 'izvestie-chromium-'));
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP localhost 127.0.0.1'],
      viewport: v.viewport,
      isMobile: v.isMobile,
      hasTouch: v.hasTouch,
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

  /** axe-core on the page as it is; serious and critical violations fail the test. */
  async function audit(page: Page, what: string) {
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run({
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
    });
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], `${what}: ${JSON.stringify(serious)}`);
    audited.set(new URL(page.url()).pathname + (what.includes('error') ? ' (errors)' : ''), violations.map((v) => `${v.id}:${v.impact}`));
  }

  /** Presses Tab until the element is focused: every control is reachable by keyboard. */
  async function tabTo(page: Page, selector: string) {
    for (let i = 0; i < 30; i++) {
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`${selector} is not reachable with Tab`);
  }

  /** The newest code to this recipient, read on /dev/outbox in another tab. */
  async function codeFromOutbox(ctx: BrowserContext, recipient: string, after: string | null): Promise<string> {
    const tab = await ctx.newPage();
    try {
      // The worker polls every 100 ms; a generous bound for a busy machine.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        await tab.goto(`${base}/dev/outbox`);
        const code = await tab.evaluate((to) => {
          for (const row of document.querySelectorAll('tbody tr')) {
            const cells = row.querySelectorAll('td');
            if (cells[1]?.textContent?.includes(to) && cells[1].textContent.includes('verification_code')) {
              return /(\d{6})/.exec(cells[2]?.textContent ?? '')?.[1] ?? null;
            }
          }
          return null;
        }, recipient);
        if (code && code !== after) {
          await audit(tab, 'sandbox outbox');
          return code;
        }
        await tab.waitForTimeout(100);
      }
      throw new Error(`no code for ${recipient} on /dev/outbox`);
    } finally {
      await tab.close();
    }
  }

  async function submit(page: Page, label: string) {
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: label }).click()]);
  }

  for (const [i, v] of viewports.entries()) {
    test(`register, verify, change and unsubscribe at ${v.name} width (${v.viewport.width}×${v.viewport.height})`, { skip: missing ?? false, timeout: 300_000 }, async () => {
      const customer = customers[i]!;
      const phone1 = `0888 80${i} 001`;
      const e164a = `+35988880${i}001`;
      const e164b = `+35988880${i}002`;
      await withBrowser(v, async (ctx, page) => {
        await page.goto(`${base}/`);
        await audit(page, 'start');
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= v.viewport.width, `no horizontal scrolling (${width}px)`);
        await page.getByRole('link', { name: 'Абонирайте се' }).click();

        // Customer number: an empty answer first, for the error summary; then by keyboard only.
        await audit(page, 'customer number');
        await submit(page, 'Продължете');
        assert.match(await page.title(), /^Грешка: /);
        await audit(page, 'customer number with error');
        await page.getByRole('link', { name: 'Въведете клиентския си номер' }).click();
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'customer_number', 'the summary link moves to the field');
        await page.keyboard.type(customer.customerNumber);
        await Promise.all([page.waitForURL('**/register/invoice-number'), page.keyboard.press('Enter')]);

        await audit(page, 'invoice number');
        await page.getByLabel('Какъв е номерът на една от фактурите Ви?').fill(customer.oldInvoice);
        await submit(page, 'Продължете');
        await audit(page, 'invoice number with error');
        await page.getByLabel('Какъв е номерът на една от фактурите Ви?').fill(customer.invoice);
        await submit(page, 'Продължете');

        await audit(page, 'channel');
        await tabTo(page, 'input[name=channel]');
        await page.keyboard.press('Space');
        await Promise.all([page.waitForURL('**/register/phone'), page.keyboard.press('Enter')]);

        await audit(page, 'phone');
        await page.getByLabel('Какъв е номерът на мобилния Ви телефон?').fill('02 981 1111');
        await submit(page, 'Продължете');
        await audit(page, 'phone with error');
        await page.getByLabel('Какъв е номерът на мобилния Ви телефон?').fill(phone1);
        await submit(page, 'Продължете');

        await audit(page, 'consent');
        await page.getByLabel('Съгласен/съгласна съм').check();
        await submit(page, 'Изпратете код');

        await audit(page, 'code');
        const code = await codeFromOutbox(ctx, e164a, null);
        await page.getByLabel(/Въведете кода, който изпратихме на/).fill(code === '000000' ? '111111' : '000000');
        await submit(page, 'Потвърдете');
        await audit(page, 'code with error');
        await page.getByLabel(/Въведете кода, който изпратихме на/).fill(code);
        await submit(page, 'Потвърдете');
        assert.match(await page.locator('h1').innerText(), /Абонаментът е активен/);
        await audit(page, 'done');

        // English, then manage: sign in with a code to the phone, change it, stop all notices.
        await page.getByRole('link', { name: 'Switch to English' }).click();
        await audit(page, 'done in English');
        await page.getByRole('link', { name: 'Change or stop your notices' }).click();
        await page.getByLabel('What is your customer number?').fill(customer.customerNumber);
        await submit(page, 'Continue');
        await page.getByLabel('What is the number of one of your invoices?').fill(customer.invoice);
        await submit(page, 'Continue');
        await audit(page, 'send code');
        await page.getByLabel(/By SMS to/).check();
        await submit(page, 'Continue');
        const login = await codeFromOutbox(ctx, e164a, code);
        await page.getByLabel(/Enter the code we sent to/).fill(login);
        await submit(page, 'Confirm');
        assert.match(await page.locator('h1').innerText(), /Your subscription/);
        await audit(page, 'dashboard');

        await page.getByRole('link', { name: /Change\s+SMS/ }).click();
        await audit(page, 'new phone');
        await page.getByLabel('What is your new mobile phone number?').fill(e164b);
        await submit(page, 'Send code');
        const change = await codeFromOutbox(ctx, e164b, null);
        await page.getByLabel(/Enter the code we sent to/).fill(change);
        await submit(page, 'Confirm');
        assert.match(await page.locator('.banner').innerText(), /Your contact has been changed/);
        await audit(page, 'dashboard after change');

        await page.getByRole('link', { name: 'Stop all notices' }).click();
        await audit(page, 'unsubscribe');
        await submit(page, 'Yes, stop all notices');
        assert.match(await page.locator('h1').innerText(), /Your notices have stopped/);
        await audit(page, 'unsubscribed');
      });

      const subs = await get().db.selectFrom('subscriptions').select(['address', 'status', 'end_reason']).where('customer_number', '=', customer.customerNumber).orderBy('id').execute();
      assert.deepEqual(subs, [
        { address: e164a, status: 'unsubscribed', end_reason: 'replaced' },
        { address: e164b, status: 'unsubscribed', end_reason: 'cancelled' },
      ]);
    });
  }

  test('every portal page was checked by axe-core', { skip: missing ?? false }, (t) => {
    const pages = [...audited.keys()].sort();
    const minor = [...new Set([...audited.values()].flat())];
    t.diagnostic(`${pages.length} pages audited; moderate or minor findings: ${minor.length ? minor.join(', ') : 'none'}`);
    for (const p of [
      '/',
      '/register/customer-number',
      '/register/customer-number (errors)',
      '/register/invoice-number',
      '/register/invoice-number (errors)',
      '/register/channel',
      '/register/phone',
      '/register/phone (errors)',
      '/register/consent',
      '/register/code',
      '/register/code (errors)',
      '/register/done',
      '/manage/send-code',
      '/manage',
      '/manage/phone',
      '/manage/unsubscribe',
      '/manage/done',
      '/dev/outbox',
    ]) {
      assert.ok(pages.includes(p), `${p} was not audited (audited: ${pages.join(', ')})`);
    }
  });
});
