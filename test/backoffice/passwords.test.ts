import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentParams, generatePassword, hashPassword, needsRehash, parseParams, passwordProblem, verifyPassword } from '../../src/backoffice/passwords.js';

test('scrypt hashes verify the right password only, with a fresh salt and the parameters kept', async () => {
  const a = await hashPassword('correct horse battery staple');
  const b = await hashPassword('correct horse battery staple');
  assert.equal(a.salt.length, 16);
  assert.equal(a.hash.length, currentParams.keylen);
  assert.notDeepEqual(a.hash, b.hash, 'a different salt gives a different hash');
  assert.deepEqual(a.params, { algorithm: 'scrypt', N: 32768, r: 8, p: 1, keylen: 32 });
  assert.equal(await verifyPassword('correct horse battery staple', a), true);
  assert.equal(await verifyPassword('correct horse battery stapl', a), false);
  // Unicode is normalised: the same text typed two ways is the same password.
  const n = await hashPassword('паролата е café ok');
  assert.equal(await verifyPassword('паролата е cafe\u0301 ok', n), true);
});

test('a hash made with other parameters still verifies, and asks to be redone when weaker', async () => {
  const weak = { algorithm: 'scrypt' as const, N: 1024, r: 8, p: 1, keylen: 32 };
  const h = await hashPassword('a long enough password', weak);
  assert.equal(await verifyPassword('a long enough password', { ...h, params: parseParams(JSON.parse(JSON.stringify(h.params))) }), true);
  assert.equal(needsRehash(weak), true);
  assert.equal(needsRehash(currentParams), false);
  assert.throws(() => parseParams({ algorithm: 'md5' }), /unknown/);
});

test('password rules: length, not the username', () => {
  assert.equal(passwordProblem('short', 'ivan'), 'too_short');
  assert.equal(passwordProblem('x'.repeat(129), 'ivan'), 'too_long');
  assert.equal(passwordProblem('my name is Ivan and more', 'ivan'), 'is_username');
  assert.equal(passwordProblem('дълга фраза от думи', 'ivan'), null);
});

test('generated passwords are 20 characters of the unambiguous alphabet, and differ', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const p = generatePassword();
    assert.match(p, /^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    seen.add(p);
  }
  assert.equal(seen.size, 200);
});
