// Writes docs/notices.md: one message of every type on every channel, rendered through the
// composition root (src/app/notice-examples.ts). --check: exit 1 when the file is not current.
import { readFileSync, writeFileSync } from 'node:fs';
import { noticesDocument } from '../src/app/notice-examples.js';

const text = await noticesDocument();
if (process.argv.includes('--check')) {
  if (readFileSync('docs/notices.md', 'utf8') !== text) {
    console.error('docs/notices.md is stale: run npm run docs:notices');
    process.exitCode = 1;
  }
} else {
  writeFileSync('docs/notices.md', text);
}
