// The utility's own look: the logo (BRAND_LOGO_FILE) is read and checked at start and served with
// caching headers; the colour (BRAND_COLOUR) reaches the stylesheets with a readable text colour;
// the portal and the back office show the name, logo, phone and website; framing is refused by
// default and PORTAL_FRAME_ANCESTORS is validated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contrast, textColourOn } from '../src/brand/colour.js';
import { DEFAULT_LOGO_FILE } from '../src/brand/logo.js';
import { testServer, testConfig } from './support/app.js';
import { openTestPglite } from './support/db.js';

const dir = mkdtempSync(join(tmpdir(), 'izvestie-brand-'));

test('the text colour on any brand colour meets WCAG AA (4.5:1)', () => {
  for (const c of ['#0b5cad', '#ffd200', '#777777', '#00703c', '#e30613', '#ffffff', '#000000']) {
    assert.ok(contrast(c, textColourOn(c)) >= 4.5, `${c} with ${textColourOn(c)}`);
  }
  assert.equal(textColourOn('#ffd200'), '#000000');
  assert.equal(textColourOn('#0b5cad'), '#ffffff');
});

test('bad brand settings stop the program with the setting named', () => {
  const text = join(dir, 'logo.txt');
  writeFileSync(text, 'not an image');
  assert.throws(() => testConfig({ BRAND_LOGO_FILE: text }), /^Error: BRAND_LOGO_FILE: .*is not a PNG, JPEG or SVG image/);
  assert.throws(() => testConfig({ BRAND_LOGO_FILE: join(dir, 'missing.png') }), /BRAND_LOGO_FILE: cannot read .*ENOENT/);
  assert.throws(() => testConfig({ BRAND_COLOUR: 'blue' }), /BRAND_COLOUR: must be a colour like #0b5cad/);
  assert.throws(() => testConfig({ PORTAL_FRAME_ANCESTORS: 'https://www.example.bg/path' }), /PORTAL_FRAME_ANCESTORS: .*origin only/);
  assert.throws(() => testConfig({ PORTAL_FRAME_ANCESTORS: 'http://www.example.bg' }), /PORTAL_FRAME_ANCESTORS: .*must be https/);
  assert.throws(() => testConfig({ PORTAL_FRAME_ANCESTORS: 'https://www.example.bg', PUBLIC_URL: 'http://izvestie.example.bg' }), /PUBLIC_URL: must be an https:\/\/ URL when PORTAL_FRAME_ANCESTORS is set/);
  const ok = testConfig({ PORTAL_FRAME_ANCESTORS: 'https://www.example.bg, https://example.bg:8443', PUBLIC_URL: 'https://izvestie.example.bg' });
  assert.deepEqual(ok.http.frameAncestors, ['https://www.example.bg', 'https://example.bg:8443']);
});

test('the logo is served from memory with caching headers; pages show the brand; nobody may frame by default', async () => {
  const svg = join(dir, 'logo.svg');
  writeFileSync(svg, '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#e30613"/></svg>');
  const database = await openTestPglite();
  try {
    const app = await testServer(database, { BRAND_LOGO_FILE: svg, BRAND_COLOUR: '#E30613', BRAND_NAME: 'Тест Енерджи ЕАД', BRAND_PHONE: '0800 11 222', BRAND_WEBSITE: 'https://test-energy.example.bg/' });
    const logo = await app.inject({ url: '/brand/logo' });
    assert.equal(logo.statusCode, 200);
    assert.equal(logo.headers['content-type'], 'image/svg+xml');
    assert.equal(logo.body, readFileSync(svg, 'utf8'));
    assert.equal(logo.headers['cache-control'], 'public, max-age=86400');
    assert.match(String(logo.headers['content-security-policy']), /default-src 'none'/, 'no script in an SVG runs');
    const again = await app.inject({ url: '/brand/logo', headers: { 'if-none-match': String(logo.headers.etag) } });
    assert.equal(again.statusCode, 304);

    const start = await app.inject({ url: '/' });
    assert.match(start.body, /<img class="logo" src="\/brand\/logo\?v=[\w-]{8}" alt="Тест Енерджи ЕАД"/);
    assert.match(start.body, /href="tel:080011222">0800 11 222</);
    assert.match(start.body, /href="https:\/\/test-energy\.example\.bg\/"/);
    assert.equal(start.headers['x-frame-options'], 'DENY');
    assert.match(String(start.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.match(String(start.headers['set-cookie'] ?? ''), /^$|SameSite=Strict/);
    const css = await app.inject({ url: '/assets/portal.css' });
    assert.match(css.body, /^:root\{--brand:#e30613;--brand-text:#ffffff\}/);
    const staffCss = await app.inject({ url: '/backoffice/assets/backoffice.css' });
    assert.match(staffCss.body, /--brand:#e30613/);
    const signIn = await app.inject({ url: '/backoffice/login' });
    assert.match(signIn.body, /<img class="logo" src="\/brand\/logo\?v=[\w-]{8}" alt="Тест Енерджи ЕАД"/);
    await app.close();
  } finally {
    await database.close();
  }
});

test('the shipped logo is the fictional demo utility\'s PNG', () => {
  const png = readFileSync(DEFAULT_LOGO_FILE);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(testConfig().brand.logo.contentType, 'image/png');
  assert.equal(testConfig().brand.name, 'Пример Енерджи АД');
});

test('the letterhead carries the logo (PNG) and none when the logo is SVG', async () => {
  const { PassThrough } = await import('node:stream');
  const { renderLetters } = await import('../src/delivery/letters/pdf.js');
  const { letterBrand } = await import('../src/brand/page.js');
  const letter = { reference: 'T-1', date: '2026-12-02', sender: { name: 'Пример Енерджи АД', addressLines: ['ул. Примерна 1', '9000 Варна'] }, recipient: { name: 'Мария Иванова', addressLines: ['ул. Шипка 1', '9000 Варна'] }, title: 'Напомняне', paragraphs: ['Текст.'] };
  const pdfOf = async (brand: ReturnType<typeof letterBrand>) => {
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on('data', (c: Buffer) => chunks.push(c));
    await renderLetters([letter], out, brand);
    return Buffer.concat(chunks).toString('latin1');
  };
  assert.match(await pdfOf(letterBrand(testConfig().brand)), /\/Subtype \/Image/);
  const svg = join(dir, 'letter-logo.svg');
  writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
  assert.doesNotMatch(await pdfOf(letterBrand(testConfig({ BRAND_LOGO_FILE: svg }).brand)), /\/Subtype \/Image/);
});
