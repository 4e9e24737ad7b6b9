import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { templateCache } from '../../src/backoffice/templates-store.js';
import { messageRenderer } from '../../src/app/renderer.js';
import { LIFECYCLE_KINDS } from '../../src/dunning/lifecycle/kinds.js';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, seedStaff, signIn, type Client } from './support.js';

const options = { publicUrl: 'https://izvestia.example.bg', unsubscribeUrl: (id: number) => `https://izvestia.example.bg/u/${id}.token` };

describeEachBackend('back-office templates of the lifecycle messages', (get) => {
  let app: FastifyInstance;
  let supervisor: Client;
  before(async () => {
    ({ app } = await backofficeApp(get()));
    await seedStaff(get());
    supervisor = await signIn(app, 'supervisor1');
  });
  after(async () => {
    await app.close();
  });

  test('every lifecycle kind is listed and previewed; a saved wording is what the renderer sends', async () => {
    const list = await supervisor.get('/backoffice/templates');
    assert.equal(list.status, 200);
    for (const kind of LIFECYCLE_KINDS) {
      assert.match(list.body, new RegExp(`/backoffice/templates/${kind}`), kind);
      const page = await supervisor.get(`/backoffice/templates/${kind}`);
      assert.equal(page.status, 200, kind);
      assert.doesNotMatch(page.body, /⚠/, `${kind}: the preview renders`);
    }
    const page = await supervisor.get('/backoffice/templates/payment_received');
    const draft: Record<string, string> = {};
    for (const m of page.body.matchAll(/<textarea[^>]* id="([^"]+)" name="[^"]+"[^>]*>([\s\S]*?)<\/textarea>/g)) {
      draft[m[1] as string] = (m[2] as string).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    }
    const missing = await supervisor.post('/backoffice/templates/payment_received', { ...draft, sms_bg: '{{utility_short}}: Благодарим!', action: 'save' });
    assert.equal(missing.status, 422, 'the amount received must stay in the text');
    assert.match(missing.body, /\{\{amount_eur\}\}/);
    const sms = '{{utility_short}}: Получихме {{amount_eur}} на {{paid_on}}. Благодарим!';
    const saved = await supervisor.post('/backoffice/templates/payment_received', { ...draft, sms_bg: sms, action: 'save' });
    assert.equal(saved.status, 303);
    const cache = templateCache(get().db);
    await cache.refresh();
    const render = messageRenderer(cache.source, options);
    const text = render('payment_received', 'sms', 'bg', { customer_number: '3000000101', amount_eur_minor: 12345, amount_bgn_minor: null, paid_on: '2026-11-28' });
    assert.equal(text.body, 'PRIMER: Poluchihme 123,45 EUR na 28.11.2026. Blagodarim!');
    assert.equal(text.templateVersion, 1);
  });
});
