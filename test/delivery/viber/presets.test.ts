import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presets } from '../../../src/delivery/http-sms/presets.js';
import { VIBER_PRESETS, viberPresets } from '../../../src/delivery/viber/presets.js';

// A gateway reads its Viber answers, codes, reports and polls as its SMS ones: the Viber preset
// takes them from the SMS preset, and differs only in the endpoint and the message shape.

test('a Viber preset reads answers, reports and polls exactly as its gateway’s SMS preset', () => {
  for (const name of VIBER_PRESETS) {
    const { messageTemplate: _v, ...viber } = viberPresets[name].options;
    const { messageTemplate: _s, ...sms } = presets[name].options;
    assert.deepEqual(viber, sms, name);
    assert.deepEqual(viberPresets[name].requires, presets[name].requires, name);
    assert.equal(viberPresets[name].pollPath, presets[name].pollPath, name);
    assert.notEqual(viberPresets[name].sendPath, presets[name].sendPath, `${name}: the Viber endpoint`);
  }
});

test('the Viber-specific parts stay: endpoints, the Infobip Viber message, Mobica’s own SMS fallback', () => {
  assert.equal(viberPresets.infobip.sendPath, '/viber/2/messages');
  assert.deepEqual(viberPresets.infobip.options['messageTemplate'], {
    sender: '{from}',
    destinations: [{ to: '{to}', messageId: '{ref}' }],
    content: { type: 'TEXT', text: '{text}' },
    webhooks: { delivery: { url: '{callback_url}?token={callback_token}', contentType: 'application/json' } },
  });
  assert.equal(viberPresets.infobip.smsFallbackField, undefined);
  assert.equal(viberPresets.mobica.sendPath, '/v2/multi/json/viber.php');
  assert.equal(viberPresets.mobica.pollPath, '/v2/multi/json/status.php');
  assert.equal(viberPresets.mobica.smsFallbackField, 'sms_text');
  assert.deepEqual(viberPresets.mobica.options['messageTemplate'], presets.mobica.options['messageTemplate']);
});
