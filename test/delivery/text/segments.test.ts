import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeGsm7 } from '../../../src/delivery/text/gsm7.js';
import { countSms, decodeUcs2, encodeUcs2, splitSms, udh } from '../../../src/delivery/text/segments.js';

const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff;

function decodePart(dataCoding: 0 | 8, part: Buffer): string {
  return dataCoding === 0 ? decodeGsm7(part) : decodeUcs2(part);
}

test('limits of single and concatenated GSM-7 messages', () => {
  assert.deepEqual(countSms(''), { encoding: 'gsm7', units: 0, segments: 1 });
  assert.deepEqual(countSms('a'.repeat(160)), { encoding: 'gsm7', units: 160, segments: 1 });
  assert.deepEqual(countSms('a'.repeat(161)), { encoding: 'gsm7', units: 161, segments: 2 });
  assert.deepEqual(countSms('a'.repeat(306)), { encoding: 'gsm7', units: 306, segments: 2 });
  assert.deepEqual(countSms('a'.repeat(307)), { encoding: 'gsm7', units: 307, segments: 3 });
  assert.deepEqual(countSms('a'.repeat(158) + '€'), { encoding: 'gsm7', units: 160, segments: 1 });
  assert.deepEqual(countSms('a'.repeat(159) + '€'), { encoding: 'gsm7', units: 161, segments: 2 });
});

test('limits of single and concatenated UCS-2 messages', () => {
  assert.deepEqual(countSms('ж'.repeat(70)), { encoding: 'ucs2', units: 70, segments: 1 });
  assert.deepEqual(countSms('ж'.repeat(71)), { encoding: 'ucs2', units: 71, segments: 2 });
  assert.deepEqual(countSms('ж'.repeat(134)), { encoding: 'ucs2', units: 134, segments: 2 });
  assert.deepEqual(countSms('ж'.repeat(135)), { encoding: 'ucs2', units: 135, segments: 3 });
  assert.deepEqual(countSms('😀'.repeat(35)), { encoding: 'ucs2', units: 70, segments: 1 });
  // One Cyrillic letter turns a whole GSM-7 text into UCS-2.
  assert.deepEqual(countSms('a'.repeat(100) + 'я'), { encoding: 'ucs2', units: 101, segments: 2 });
});

test('an escape pair that does not fit moves whole to the next part and can add a part', () => {
  const text = 'a'.repeat(152) + '€' + 'a'.repeat(152); // 306 septets, yet 3 parts
  assert.deepEqual(countSms(text), { encoding: 'gsm7', units: 306, segments: 3 });
  const { parts, dataCoding } = splitSms(text);
  assert.equal(dataCoding, 0);
  assert.deepEqual(parts.map((p) => p.length), [152, 153, 1]);
  assert.deepEqual([...(parts[1] as Buffer).subarray(0, 2)], [0x1b, 0x65]);
});

test('a surrogate pair that does not fit moves whole to the next part and can add a part', () => {
  const text = 'ж'.repeat(66) + '😀' + 'ж'.repeat(66); // 134 units, yet 3 parts
  assert.deepEqual(countSms(text), { encoding: 'ucs2', units: 134, segments: 3 });
  const { parts, dataCoding } = splitSms(text);
  assert.equal(dataCoding, 8);
  assert.deepEqual(parts.map((p) => p.length), [132, 134, 2]);
  assert.equal(decodeUcs2(parts[1] as Buffer).slice(0, 2), '😀');
});

test('payloads are unpacked septets or UTF-16 big-endian, without UDH', () => {
  assert.deepEqual(splitSms('Hi€'), { encoding: 'gsm7', dataCoding: 0, parts: [Buffer.from([0x48, 0x69, 0x1b, 0x65])] });
  assert.deepEqual(splitSms('Жа'), { encoding: 'ucs2', dataCoding: 8, parts: [Buffer.from([0x04, 0x16, 0x04, 0x30])] });
  assert.deepEqual(splitSms(''), { encoding: 'gsm7', dataCoding: 0, parts: [Buffer.alloc(0)] });
  assert.deepEqual([...encodeUcs2('😀')], [0xd8, 0x3d, 0xde, 0x00]);
  assert.throws(() => decodeUcs2(Buffer.from([0x04])), /odd/);
});

test('udh builds the 6-byte concatenation header and rejects impossible values', () => {
  assert.deepEqual([...udh(0xab, 3, 2)], [0x05, 0x00, 0x03, 0xab, 0x03, 0x02]);
  assert.throws(() => udh(256, 2, 1), RangeError);
  assert.throws(() => udh(-1, 2, 1), RangeError);
  assert.throws(() => udh(1, 0, 1), RangeError);
  assert.throws(() => udh(1, 256, 1), RangeError);
  assert.throws(() => udh(1, 2, 0), RangeError);
  assert.throws(() => udh(1, 2, 3), RangeError);
  assert.throws(() => udh(1.5, 2, 1), RangeError);
});

const gsmUnit = fc.constantFrom(...'@£$¥èéΔ_ΦΩ ÆæßÉ!"#¤%&\'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà\n\r'.split(''));
const extensionUnit = fc.constantFrom('^', '{', '}', '\\', '[', '~', ']', '|', '€', '\f');
const cyrillicUnit = fc.integer({ min: 0x400, max: 0x4ff }).map((cp) => String.fromCodePoint(cp));
const emojiUnit = fc.integer({ min: 0x1f300, max: 0x1faff }).map((cp) => String.fromCodePoint(cp));
const anyCodePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });

// size 'max' because fast-check otherwise keeps strings short, far from any part boundary.
// Long texts of every kind: pure GSM-7 (with many escapes), and UCS-2 mixes of all sorts.
const smsText = fc.oneof(
  fc.string({ unit: fc.oneof(gsmUnit, extensionUnit), maxLength: 800, size: 'max' }),
  fc.string({ unit: fc.oneof(gsmUnit, extensionUnit, cyrillicUnit, emojiUnit, anyCodePoint), maxLength: 500, size: 'max' }),
  fc.string({ unit: fc.oneof(cyrillicUnit, emojiUnit), maxLength: 300, size: 'max' }),
  fc.string({ unit: 'binary', maxLength: 300, size: 'max' }),
);

test('splitSms agrees with countSms, respects the limits and loses nothing', () => {
  fc.assert(
    fc.property(smsText, (text) => {
      const count = countSms(text);
      const { encoding, dataCoding, parts } = splitSms(text);
      assert.equal(parts.length, count.segments);
      assert.equal(encoding, count.encoding);
      assert.equal(dataCoding, encoding === 'gsm7' ? 0 : 8);
      const single = parts.length === 1;
      let units = 0;
      for (const part of parts) {
        if (encoding === 'gsm7') {
          // Unpacked septets; packed they take ceil(n * 7 / 8) octets.
          assert.ok(part.length <= (single ? 160 : 153));
          assert.ok(Math.ceil((part.length * 7) / 8) <= (single ? 140 : 134));
          assert.notEqual(part[part.length - 1], 0x1b, 'a part ends with ESC');
          units += part.length;
        } else {
          assert.ok(part.length <= (single ? 140 : 134));
          const first = part.readUInt16BE(0);
          const last = part.readUInt16BE(part.length - 2);
          assert.ok(!isLow(first), 'a part starts with a low surrogate');
          assert.ok(!isHigh(last), 'a part ends with a high surrogate');
          units += part.length / 2;
        }
      }
      assert.equal(units, count.units);
      assert.equal(parts.map((p) => decodePart(dataCoding, p)).join(''), text);
    }),
    { numRuns: 500 },
  );
});

test('lone surrogates are carried as single units and still round-trip', () => {
  const unit = fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff })).map((u) => String.fromCharCode(u));
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 300, size: 'max' }), (text) => {
      const { parts, dataCoding } = splitSms(text);
      assert.equal(parts.length, countSms(text).segments);
      assert.equal(parts.map((p) => decodePart(dataCoding, p)).join(''), text);
    }),
  );
});
