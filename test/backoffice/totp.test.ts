import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base32Decode, base32Encode, hotp, otpauthUri, totp, verifyTotp, type TotpAlgorithm } from '../../src/backoffice/totp.js';

const SEEDS: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};

// RFC 6238 Appendix B: 8 digits, 30-second steps, T0 = 0.
const RFC6238: Array<[number, string, TotpAlgorithm]> = [
  [59, '94287082', 'sha1'],
  [59, '46119246', 'sha256'],
  [59, '90693936', 'sha512'],
  [1111111109, '07081804', 'sha1'],
  [1111111109, '68084774', 'sha256'],
  [1111111109, '25091201', 'sha512'],
  [1111111111, '14050471', 'sha1'],
  [1111111111, '67062674', 'sha256'],
  [1111111111, '99943326', 'sha512'],
  [1234567890, '89005924', 'sha1'],
  [1234567890, '91819424', 'sha256'],
  [1234567890, '93441116', 'sha512'],
  [2000000000, '69279037', 'sha1'],
  [2000000000, '90698825', 'sha256'],
  [2000000000, '38618901', 'sha512'],
  [20000000000, '65353130', 'sha1'],
  [20000000000, '77737706', 'sha256'],
  [20000000000, '47863826', 'sha512'],
];

test('TOTP matches every test vector of RFC 6238', () => {
  for (const [seconds, expected, algorithm] of RFC6238) {
    assert.equal(totp(SEEDS[algorithm], new Date(seconds * 1000), { algorithm, digits: 8, step: 30 }), expected, `${algorithm} at ${seconds}`);
  }
});

test('HOTP matches the test vectors of RFC 4226', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  expected.forEach((code, counter) => assert.equal(hotp(SEEDS.sha1, counter), code));
});

test('a code is accepted within one step of drift, once', () => {
  const secret = SEEDS.sha1;
  const at = new Date(1_700_000_000_000);
  const code = totp(secret, at);
  const step = verifyTotp(secret, code, at, null);
  assert.equal(step, Math.floor(at.getTime() / 30_000));
  // The same code again (a replay) is refused once its step was used.
  assert.equal(verifyTotp(secret, code, at, step), null);
  // A code from the previous step is still good 30 s later, but not 90 s later.
  assert.equal(verifyTotp(secret, code, new Date(at.getTime() + 30_000), null), step);
  assert.equal(verifyTotp(secret, code, new Date(at.getTime() + 90_000), null), null);
  assert.equal(verifyTotp(secret, '12345', at, null), null);
  assert.equal(verifyTotp(secret, 'abcdef', at, null), null);
});

test('base32 follows RFC 4648 (without padding) and round-trips', () => {
  const vectors: Array<[string, string]> = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
  for (const [plain, encoded] of vectors) {
    assert.equal(base32Encode(Buffer.from(plain)), encoded);
    assert.equal(base32Decode(`${encoded}====`).toString(), plain);
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => base32Decode(base32Encode(Buffer.from(bytes))).equals(Buffer.from(bytes))));
  assert.throws(() => base32Decode('MZ1'), /not base32/);
});

test('the otpauth URI names the issuer and account and carries the secret', () => {
  const uri = otpauthUri(SEEDS.sha1, 'ivan', 'izvestie');
  assert.equal(uri, `otpauth://totp/izvestie%3Aivan?secret=${base32Encode(SEEDS.sha1)}&issuer=izvestie&algorithm=SHA1&digits=6&period=30`);
});
