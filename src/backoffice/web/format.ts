import { formatMoney } from '../../delivery/text/money.js';
import type { Lang } from '../../delivery/text/default-templates.js';

const dateTime = new Intl.DateTimeFormat('bg-BG', {
  timeZone: 'Europe/Sofia',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Sofia wall-clock time, "24.11.2026 10:30", as staff read it. */
export function fmtDateTime(d: Date | null | undefined): string {
  if (!d) return '—';
  const p = Object.fromEntries(dateTime.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}

/** '2026-11-24' → '24.11.2026'. */
export function fmtDate(d: string | null | undefined): string {
  if (!d) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : d;
}

export function fmtEur(minor: number | null | undefined, lang: Lang): string {
  return minor === null || minor === undefined ? '—' : formatMoney(minor, 'EUR', lang);
}

/** Euro cents as a plain decimal for CSV ("1234.50"): spreadsheets read it as a number. */
export function csvEur(minor: number | null | undefined): string {
  if (minor === null || minor === undefined) return '';
  const sign = minor < 0 ? '-' : '';
  const a = Math.abs(minor);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

export const iso = (d: Date | null | undefined): string => (d ? d.toISOString() : '');
