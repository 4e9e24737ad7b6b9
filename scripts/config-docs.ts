// Prints the settings table for the README from src/config.ts (the one list of settings);
// with --write, replaces the table in README.md instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTable } from '../src/config-docs.js';

const table = settingsTable();
if (process.argv.includes('--write')) {
  const lines = readFileSync('README.md', 'utf8').split('\n');
  const start = lines.indexOf('| Variable | Default | Meaning |');
  if (start < 0) throw new Error('README.md has no settings table');
  let end = start;
  while (end < lines.length && lines[end]?.startsWith('|')) end++;
  lines.splice(start, end - start, ...table.split('\n'));
  writeFileSync('README.md', lines.join('\n'));
} else {
  process.stdout.write(table + '\n');
}
