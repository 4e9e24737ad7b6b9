import { settings } from './config.js';

/** The README's table of settings, made from the same list the program validates. */
export function settingsTable(): string {
  const rows = Object.entries(settings).map(([name, s]) => {
    const d = s.schema.safeParse(undefined);
    const def = d.success && d.data !== undefined ? `\`${typeof d.data === 'object' ? (Array.isArray(d.data) && d.data.length === 0 ? '' : JSON.stringify(d.data)) : String(d.data)}\`` : '—';
    return `| \`${name}\` | ${def === '``' ? '(empty)' : def} | ${s.doc} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
