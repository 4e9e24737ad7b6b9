// A minimal DKIM verifier (RFC 6376, rsa-sha256, relaxed/relaxed and simple body) for tests, so
// a DKIM test checks a signature that a receiver would accept, not only that a header exists.
import { createHash, verify, type KeyObject } from 'node:crypto';

interface HeaderField {
  name: string;
  raw: string;
}

function splitMessage(raw: string): { headers: HeaderField[]; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end + 2);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const headers: HeaderField[] = [];
  for (const line of head.split(/(?<=\r\n)/)) {
    const last = headers.at(-1);
    if (/^[ \t]/.test(line) && last !== undefined) last.raw += line;
    else if (line !== '') headers.push({ name: line.slice(0, line.indexOf(':')).trim().toLowerCase(), raw: line });
  }
  return { headers, body };
}

function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trim().toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

function canonicalBody(body: string, mode: string): string {
  let lines = body.split('\r\n');
  if (mode === 'relaxed') lines = lines.map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const text = lines.join('\r\n');
  return mode === 'relaxed' && text === '' ? '' : `${text}\r\n`;
}

function tags(value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq).trim(), part.slice(eq + 1).replace(/\s+/g, ''));
  }
  return map;
}

/** The tags of the first DKIM-Signature, and whether it verifies against the public key. */
export function verifyDkim(rawMessage: Buffer, publicKey: KeyObject): { valid: boolean; tags: Map<string, string> } {
  const { headers, body } = splitMessage(rawMessage.toString('latin1'));
  const sigHeader = headers.find((h) => h.name === 'dkim-signature');
  if (sigHeader === undefined) throw new Error('no DKIM-Signature header');
  const t = tags(sigHeader.raw.slice(sigHeader.raw.indexOf(':') + 1));
  const [headerMode = 'simple', bodyMode = 'simple'] = (t.get('c') ?? 'simple/simple').split('/');
  if (t.get('a') !== 'rsa-sha256' || headerMode !== 'relaxed') throw new Error(`unsupported DKIM a=${t.get('a')} c=${t.get('c')}`);

  const bodyHash = createHash('sha256').update(canonicalBody(body, bodyMode), 'latin1').digest('base64');
  if (bodyHash !== t.get('bh')) return { valid: false, tags: t };

  // Each name in h= takes the next instance from the bottom; a missing one signs as nothing.
  const used = new Set<HeaderField>();
  let data = '';
  for (const name of (t.get('h') ?? '').toLowerCase().split(':')) {
    const field = headers.filter((h) => h.name === name && h !== sigHeader && !used.has(h)).at(-1);
    if (field === undefined) continue;
    used.add(field);
    data += `${relaxedHeader(field.raw)}\r\n`;
  }
  data += relaxedHeader(sigHeader.raw.replace(/(;\s*b=)[^;]*/, '$1'));
  const valid = verify('sha256', Buffer.from(data, 'latin1'), publicKey, Buffer.from(t.get('b') ?? '', 'base64'));
  return { valid, tags: t };
}
