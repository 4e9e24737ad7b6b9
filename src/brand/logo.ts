import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

/** The fictional demo utility's logo, shipped with the program. */
export const DEFAULT_LOGO_FILE = join(packageRoot, 'assets', 'brand', 'logo.png');

export type LogoType = 'image/png' | 'image/jpeg' | 'image/svg+xml';

/**
 * The logo as read at start. The bytes are kept as base64 so the frozen config can hold them
 * (a Buffer cannot be frozen); `etag` names this content for caches.
 */
export interface Logo {
  file: string;
  contentType: LogoType;
  base64: string;
  etag: string;
}

// Large enough for any sensible logo, small enough to send with every email view and letter.
const MAX_BYTES = 512 * 1024;

/** Reads and checks a logo file; throws an Error whose message says what is wrong with the file. */
export function readLogo(file: string): Logo {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  if (bytes.length === 0) throw new Error(`${file} is empty`);
  if (bytes.length > MAX_BYTES) throw new Error(`${file} is ${bytes.length} bytes; a logo may be at most ${MAX_BYTES}`);
  const contentType = sniff(bytes);
  if (contentType === null) throw new Error(`${file} is not a PNG, JPEG or SVG image`);
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
  return { file, contentType, base64: bytes.toString('base64'), etag };
}

// By content, not by file name: a renamed file must not be served with the wrong type.
function sniff(b: Buffer): LogoType | null {
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  const head = b.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'image/svg+xml';
  return null;
}

/** Letters draw raster images only (pdfkit): an SVG logo is left out of the letterhead. */
export function rasterLogo(logo: Logo): Buffer | null {
  return logo.contentType === 'image/svg+xml' ? null : Buffer.from(logo.base64, 'base64');
}
