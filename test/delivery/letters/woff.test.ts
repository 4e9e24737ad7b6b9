import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { woffToSfnt } from '../../../src/delivery/letters/woff.js';

const file = createRequire(import.meta.url).resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff');

function tableChecksum(data: Buffer, isHead: boolean): number {
  const padded = Buffer.alloc((data.length + 3) & ~3);
  data.copy(padded);
  if (isHead) padded.writeUInt32BE(0, 8); // checkSumAdjustment is left out of head's own sum
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

test('every unpacked table matches the checksum the font was built with', () => {
  const sfnt = woffToSfnt(readFileSync(file));
  assert.equal(sfnt.readUInt32BE(0), 0x00010000); // TrueType outlines
  const numTables = sfnt.readUInt16BE(4);
  assert.ok(numTables >= 10);
  assert.equal(sfnt.readUInt16BE(6), 2 ** Math.floor(Math.log2(numTables)) * 16);
  const tags: string[] = [];
  for (let i = 0; i < numTables; i++) {
    const at = 12 + i * 16;
    const tag = sfnt.subarray(at, at + 4).toString('latin1');
    const offset = sfnt.readUInt32BE(at + 8);
    const length = sfnt.readUInt32BE(at + 12);
    assert.equal(offset % 4, 0, tag);
    const data = sfnt.subarray(offset, offset + length);
    assert.equal(tableChecksum(data, tag === 'head'), sfnt.readUInt32BE(at + 4), `checksum of ${tag}`);
    tags.push(tag);
  }
  assert.deepEqual([...tags].sort(), tags);
  for (const required of ['cmap', 'glyf', 'head', 'hhea', 'hmtx', 'loca', 'maxp', 'name', 'post']) assert.ok(tags.includes(required), required);
});

test('anything but a WOFF 1.0 font is refused', () => {
  assert.throws(() => woffToSfnt(Buffer.from('not a font, certainly not one with a 44-byte header')), /not a WOFF/);
  assert.throws(() => woffToSfnt(readFileSync(file).subarray(0, 200)), /out of bounds|truncated/);
});
