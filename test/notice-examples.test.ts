// docs/notices.md shows every message type as the program renders it; it must follow the templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { noticesDocument, samplePayload } from '../src/app/notice-examples.js';
import { defaultTemplates } from '../src/delivery/text/default-templates.js';

test('docs/notices.md is current (npm run docs:notices)', async () => {
  const doc = await noticesDocument();
  for (const type of Object.keys(defaultTemplates)) assert.ok(doc.includes(`## ${type}\n`), `${type} is shown`);
  assert.equal(readFileSync(new URL('../docs/notices.md', import.meta.url), 'utf8'), doc, 'docs/notices.md is stale: run npm run docs:notices');
});

test('a type without a written sample gets a value for each of its template variables', () => {
  const payload = samplePayload('subscription_confirmed');
  assert.equal(typeof payload.manage_url, 'string');
  assert.equal(payload.utility_name, undefined, 'site variables come from the settings, not the sample');
});
