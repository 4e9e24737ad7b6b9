import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeGsm7, encodeGsm7, gsm7Septets, isGsm7 } from '../../../src/delivery/text/gsm7.js';

// 3GPP TS 23.038 table 6.2.1, transcribed independently as Unicode code points (index = septet).
const SPEC_BASIC: ReadonlyArray<number | null> = [
  0x40, 0xa3, 0x24, 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, 0x0a, 0xd8, 0xf8, 0x0d, 0xc5, 0xe5,
  0x394, 0x5f, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e, null, 0xc6, 0xe6, 0xdf, 0xc9,
  0x20, 0x21, 0x22, 0x23, 0xa4, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
  0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
  0xa1, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
  0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0xc4, 0xd6, 0xd1, 0xdc, 0xa7,
  0xbf, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
  0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0xe4, 0xf6, 0xf1, 0xfc, 0xe0,
];
// Table 6.2.1.1: the extension characters reached through ESC (0x1B).
const SPEC_EXTENSION: ReadonlyArray<readonly [number, number]> = [
  [0x0c, 0x0a], [0x5e, 0x14], [0x7b, 0x28], [0x7d, 0x29], [0x5c, 0x2f],
  [0x5b, 0x3c], [0x7e, 0x3d], [0x5d, 0x3e], [0x7c, 0x40], [0x20ac, 0x65],
];

const basicChars = SPEC_BASIC.flatMap((cp) => (cp === null ? [] : [String.fromCodePoint(cp)]));
const extensionChars = SPEC_EXTENSION.map(([cp]) => String.fromCodePoint(cp));
const gsmChar = fc.constantFrom(...basicChars, ...extensionChars);

test('every basic-table character encodes to its septet', () => {
  assert.equal(SPEC_BASIC.length, 128);
  SPEC_BASIC.forEach((cp, code) => {
    if (cp === null) return;
    const ch = String.fromCodePoint(cp);
    assert.deepEqual([...encodeGsm7(ch)], [code], `U+${cp.toString(16)}`);
    assert.equal(gsm7Septets(ch), 1);
  });
});

test('every extension character encodes as ESC + code and takes two septets', () => {
  for (const [cp, code] of SPEC_EXTENSION) {
    const ch = String.fromCodePoint(cp);
    assert.deepEqual([...encodeGsm7(ch)], [0x1b, code], `U+${cp.toString(16)}`);
    assert.equal(gsm7Septets(ch), 2);
  }
});

test('the characters named in the brief are GSM-7', () => {
  assert.ok(isGsm7('@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉÄÖÑÜ§¿äöñüà\n\r^{}\\[~]|€\f'));
  assert.deepEqual([...encodeGsm7('€5')], [0x1b, 0x65, 0x35]);
  assert.deepEqual([...encodeGsm7('$¤')], [0x02, 0x24]);
});

test('look-alikes and characters outside both tables are not GSM-7', () => {
  for (const ch of ['\u2126' /* ohm sign, not Ω */, 'ç', '`', '\t', '\u001b', 'ж', '„', '–', '№', '\u00a0', '😀', 'Á']) {
    assert.equal(isGsm7(`abc${ch}`), false, JSON.stringify(ch));
    assert.equal(gsm7Septets(ch), null);
    assert.throws(() => encodeGsm7(`abc${ch}`), /GSM-7: U\+[0-9A-F]{4,} at 3/);
  }
  assert.equal(isGsm7(''), true);
});

test('decodeGsm7 inverts encodeGsm7 for any GSM-7 text', () => {
  fc.assert(
    fc.property(fc.string({ unit: gsmChar, maxLength: 400 }), (text) => {
      assert.equal(isGsm7(text), true);
      assert.equal(decodeGsm7(encodeGsm7(text)), text);
    }),
  );
});

test('decodeGsm7 rejects malformed septets', () => {
  assert.throws(() => decodeGsm7(Buffer.from([0x41, 0x80])), /not a septet/);
  assert.throws(() => decodeGsm7(Buffer.from([0x41, 0x1b])), /invalid escape/);
  assert.throws(() => decodeGsm7(Buffer.from([0x1b, 0x41])), /invalid escape/);
  assert.equal(decodeGsm7(Buffer.from([0x48, 0x69, 0x1b, 0x65])), 'Hi€');
});
