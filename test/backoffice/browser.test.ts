// A real browser (Debian's chromium through playwright-core) goes through each role's main flows
// in the back office, including being refused what the role may not do; axe-core checks the pages;
// the dashboard's charts must be drawn with data (canvas pixels in the series' colours).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { testServer } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { PASSWORD, seedCustomer, seedStaff } from './support.js';
import { ACTIVITY_CUSTOMER, seedActivity } from './seed-activity.js';

// page.evaluate callbacks run in the page; this file is compiled without the DOM library.
interface Canvas {
  id: string;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const document: { querySelectorAll(selector: string): Canvas[] };
interface AxeResults {
  violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }>;
}
declare const window: { axe: { run(options: unknown): Promise<AxeResults> }; Chart?: unknown };

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium)`;
// Under CI a missing browser is a failure, never a skip.
if (missing && process.env.CI === 'true') throw new Error(`browser tests need ${missing}`);

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describeEachBackend('back office in a real browser', (get) => {
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    if (missing) return;
    await seedStaff(get());
    await seedCustomer(get(), '3000000401', 'Петър Колев', [{ number: '7100000401', due: '2026-01-10', amountMinor: 8450 }]);
    await seedActivity(get());
    app = await testServer(get(), { IZVESTIE_SANDBOX: 'on' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    if (missing) return;
    await app.close();
  });

  async function withBrowser(fn: (page: Page, ctx: BrowserContext, problems: string[]) => Promise<void>, o: { javaScript?: boolean } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'izvestie-chromium-'));
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP localhost 127.0.0.1'],
      viewport: { width: 1280, height: 1000 },
      locale: 'bg-BG',
      javaScriptEnabled: o.javaScript ?? true,
    });
    ctx.setDefaultTimeout(30_000);
    // CSP refusals and script errors show up here; any of them fails the test.
    const problems: string[] = [];
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => {
      // Answers 403/404/422 are expected (refusals, forms with errors, the favicon); the rest are not.
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      await fn(page, ctx, problems);
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function audit(page: Page, what: string) {
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) }));
    });
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], `${what}: ${JSON.stringify(serious)}`);
  }

  async function submit(page: Page, name: string | RegExp) {
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name }).first().click()]);
  }

  async function signIn(page: Page, username: string, password = PASSWORD, goTo = '/backoffice/', o: { audit?: boolean } = {}) {
    await page.goto(`${base}${goTo}`);
    assert.match(page.url(), /\/backoffice\/login/);
    // axe runs as a script in the page: not where scripts are off.
    if (o.audit !== false) await audit(page, 'sign-in');
    await page.getByLabel('Потребителско име').fill(username);
    await page.getByLabel('Парола').fill(password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/backoffice/login')), page.getByRole('button', { name: 'Вход' }).click()]);
  }

  async function refused(page: Page, path: string) {
    const r = await page.goto(`${base}${path}`);
    assert.equal(r?.status(), 403, path);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Нямате достъп');
  }

  test('an agent finds a customer, registers a phone at the counter, and is refused supervisor and admin pages', { skip: missing ?? false }, async () => {
    await withBrowser(async (page, _ctx, problems) => {
      await signIn(page, 'agent1', PASSWORD, '/backoffice/customers');
      assert.match(page.url(), /\/backoffice\/customers$/);
      const nav = await page.getByRole('navigation', { name: 'Основно меню' }).textContent();
      assert.match(nav ?? '', /Клиенти/);
      assert.doesNotMatch(nav ?? '', /Политика|Служители|Табло/);
      await page.getByLabel('Търсене на клиент').fill('петър');
      await submit(page, 'Търсене');
      assert.match(page.url(), /\/backoffice\/customers\/3000000401$/);
      await audit(page, 'customer page');
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Петър Колев 3000000401');
      await page.getByRole('link', { name: 'Нов контакт за известия' }).click();
      await page.waitForURL('**/subscribe');
      await audit(page, 'counter form');
      await page.getByLabel('Телефон или имейл').fill('0887 654 321');
      await submit(page, 'Записване');
      // No consent: refused with the error tied to the field.
      assert.match(await page.locator('.error-summary').textContent() ?? '', /трябва да се съгласи/);
      await audit(page, 'counter form with errors');
      await page.getByLabel('Телефон или имейл').fill('0887 654 321');
      await page.getByLabel(/Прочетох условията/).check();
      await submit(page, 'Записване');
      assert.match(page.url(), /\/backoffice\/customers\/3000000401$/);
      assert.match((await page.getByRole('status').textContent()) ?? '', /Абонаментът е регистриран/);
      assert.match((await page.locator('#subscriptions').textContent()) ?? '', /\+359887654321[\s\S]*център/);
      await refused(page, '/backoffice/policy');
      await refused(page, '/backoffice/dashboard');
      await refused(page, '/backoffice/users');
      await page.goto(`${base}/backoffice/`);
      await submit(page, 'Изход');
      assert.match(page.url(), /\/backoffice\/login$/);
      const after = await page.goto(`${base}/backoffice/customers`);
      assert.match(after?.url() ?? '', /\/backoffice\/login\?next=/);
      assert.deepEqual(problems, []);
    });
  });

  test('a supervisor places and lifts a hold, previews and saves a template, and is refused admin pages', { skip: missing ?? false }, async () => {
    await withBrowser(async (page, _ctx, problems) => {
      await signIn(page, 'supervisor1');
      await page.goto(`${base}/backoffice/customers/3000000401`);
      await page.getByLabel('Причина').selectOption('promise_to_pay');
      await page.getByLabel('Бележка').fill('Ще плати в петък');
      await submit(page, 'Поставяне на задържане');
      assert.match((await page.getByRole('status').textContent()) ?? '', /Задържането е поставено/);
      await page.goto(`${base}/backoffice/holds`);
      await audit(page, 'holds');
      assert.match((await page.locator('#holds').textContent()) ?? '', /Ще плати в петък/);
      await page.goto(`${base}/backoffice/customers/3000000401`);
      await submit(page, /Снемане/);
      assert.match((await page.getByRole('status').textContent()) ?? '', /Задържането е снето/);

      await page.goto(`${base}/backoffice/templates/overdue_reminder`);
      await audit(page, 'template editor');
      await page.getByLabel('SMS (bg)').fill('Имате неплатени сметки за {{total_eur}}. Платете на {{pay_url}}');
      await submit(page, 'Преглед');
      assert.match((await page.locator('#preview-bg').locator('..').textContent()) ?? '', /Imate neplateni smetki za 123,45 EUR/);
      await submit(page, 'Запазване');
      assert.match((await page.getByRole('status').textContent()) ?? '', /Запазено: bg v1/);

      await page.goto(`${base}/backoffice/policy`);
      await audit(page, 'policy');
      await page.goto(`${base}/backoffice/runs`);
      await audit(page, 'runs');
      await page.goto(`${base}/backoffice/runs/preview`);
      assert.match((await page.getByRole('heading', { level: 1 }).textContent()) ?? '', /Пробна обработка/);
      await refused(page, '/backoffice/users');
      await refused(page, '/backoffice/providers');
      assert.deepEqual(problems, []);
    });
  });

  test('an admin creates a staff account whose one-time password signs in; the audit trail shows it', { skip: missing ?? false }, async () => {
    let password = '';
    await withBrowser(async (page, _ctx, problems) => {
      await signIn(page, 'admin1');
      await page.goto(`${base}/backoffice/users`);
      await audit(page, 'staff list');
      await page.getByRole('link', { name: 'Нов служител' }).click();
      await page.getByLabel('Потребителско име').fill('desk7');
      await page.getByLabel('Име и фамилия').fill('Гергана Димова');
      await page.getByLabel('Роля').selectOption('agent');
      await submit(page, 'Създаване');
      password = (await page.locator('#new-password').textContent()) ?? '';
      assert.match(password, /^\S{20}$/);
      await page.goto(`${base}/backoffice/audit?actor=staff%3Aadmin1`);
      assert.match((await page.locator('#audit').textContent()) ?? '', /staff\.user_created/);
      await page.goto(`${base}/backoffice/providers`);
      await audit(page, 'providers');
      assert.match((await page.locator('#stats').textContent()) ?? '', /smpp/);
      assert.deepEqual(problems, []);
    });
    await withBrowser(async (page) => {
      await signIn(page, 'desk7', password);
      assert.match((await page.getByRole('heading', { level: 1 }).textContent()) ?? '', /Гергана Димова/);
      await refused(page, '/backoffice/holds');
    });
  });

  test('the dashboard draws every chart with data from our own Chart.js (screenshot pixels)', { skip: missing ?? false }, async () => {
    await withBrowser(async (page, _ctx, problems) => {
      await signIn(page, 'supervisor1');
      await page.goto(`${base}/backoffice/dashboard`);
      await page.waitForFunction(() => window.Chart !== undefined);
      await audit(page, 'dashboard');
      // Colours of the series (sms, email, centre, due, letter, viber): a chart of axes alone has none of them.
      const drawn = await page.evaluate(() => {
        const series = [[29, 112, 184], [0, 112, 60], [212, 53, 28], [244, 119, 56], [76, 44, 146], [115, 96, 242]];
        return [...document.querySelectorAll('canvas')].map((canvas) => {
          const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
          let painted = 0;
          let coloured = 0;
          for (let i = 0; i < data.length; i += 4) {
            if ((data[i + 3] ?? 0) === 0) continue;
            painted++;
            const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
            if (series.some(([x, y, z]) => Math.abs(r - (x ?? 0)) < 12 && Math.abs(g - (y ?? 0)) < 12 && Math.abs(b - (z ?? 0)) < 12)) coloured++;
          }
          return { id: canvas.id, width: canvas.width, painted, coloured };
        });
      });
      assert.deepEqual(drawn.map((d) => d.id), ['chart-messages', 'chart-delivery', 'chart-sms', 'chart-viber', 'chart-subscriptions', 'chart-effectiveness', 'chart-queue']);
      for (const d of drawn) {
        assert.ok(d.width > 100, `${d.id} has a size`);
        assert.ok(d.coloured > 200, `${d.id} shows data: ${JSON.stringify(d)}`);
      }
      const shot = await page.locator('#chart-messages').screenshot();
      assert.ok(shot.length > 2000, 'the screenshot of a drawn chart is not a blank image');
      assert.deepEqual(problems, [], 'no CSP refusal or script error');
    });
  });

  test('without JavaScript staff still sign in, search and see the figures as tables', { skip: missing ?? false }, async () => {
    await withBrowser(
      async (page) => {
        await signIn(page, 'supervisor1', PASSWORD, '/backoffice/', { audit: false });
        await page.getByLabel('Търсене на клиент').fill(ACTIVITY_CUSTOMER);
        await submit(page, 'Търсене');
        assert.match(page.url(), new RegExp(`/backoffice/customers/${ACTIVITY_CUSTOMER}$`));
        await page.goto(`${base}/backoffice/dashboard`);
        await page.getByText('Данните като таблица').first().click();
        assert.match((await page.locator('#table-messages').textContent()) ?? '', /SMS/);
      },
      { javaScript: false },
    );
  });
});
