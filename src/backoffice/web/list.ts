// A list is defined once and shown two ways: as an HTML table and as a CSV download of the same
// rows (every cell through csv-safe, against formula injection). Each download is audited.
import { recordAudit } from '../../audit/record.js';
import { csvRow } from '../../csv-safe.js';
import { html, type SafeHtml } from '../../http/html.js';
import type { Ctx, StaffCtx } from './context.js';

export interface Column<T> {
  bg: string;
  en: string;
  /** The CSV value (also the cell unless `cell` is given). */
  csv: (row: T) => string | number | null;
  cell?: (row: T) => SafeHtml | string | number | null;
  numeric?: boolean;
}

/** The page's URL with format=csv added: the CSV of exactly what the page lists. */
export function csvHref(c: Ctx): string {
  const url = new URL(c.req.url, 'http://x');
  url.searchParams.delete('lang');
  url.searchParams.set('format', 'csv');
  return `${url.pathname}${url.search}`;
}

export const wantsCsv = (c: Ctx): boolean => (c.req.query as Record<string, unknown> | undefined)?.format === 'csv';

export function table<T>(c: Ctx, o: { id: string; caption: string; columns: ReadonlyArray<Column<T>>; rows: readonly T[]; csv?: string | null; empty?: string; more?: string }): SafeHtml {
  const head = o.columns.map((col) => html`<th scope="col"${col.numeric ? html` class="num"` : ''}>${c.t(col.bg, col.en)}</th>`);
  const body = o.rows.map(
    (r) => html`<tr>${o.columns.map((col) => html`<td${col.numeric ? html` class="num"` : ''}>${(col.cell ?? col.csv)(r) ?? '—'}</td>`)}</tr>`,
  );
  const link = o.csv === null ? '' : html`<p class="csv"><a href="${o.csv ?? csvHref(c)}" download>${c.t('Изтегляне като CSV', 'Download as CSV')}<span class="visually-hidden"> – ${o.caption}</span></a></p>`;
  if (o.rows.length === 0) {
    return html`<section class="list" aria-labelledby="${o.id}-title"><h2 id="${o.id}-title">${o.caption}</h2><p class="empty">${o.empty ?? c.t('Няма записи.', 'Nothing to show.')}</p></section>`;
  }
  return html`<section class="list" aria-labelledby="${o.id}-title">
<h2 id="${o.id}-title">${o.caption}</h2>
${link}
<div class="table-wrap" role="region" aria-labelledby="${o.id}-title" tabindex="0">
<table id="${o.id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>
</div>
${o.more ? html`<p class="hint">${o.more}</p>` : ''}
</section>`;
}

/** Answers the CSV of a list (UTF-8 with BOM, CRLF, headers in the page's language). */
export async function sendCsv<T>(c: StaffCtx, name: string, columns: ReadonlyArray<Column<T>>, rows: readonly T[], subject: string | null = null) {
  const lines = [csvRow(columns.map((col) => c.t(col.bg, col.en))), ...rows.map((r) => csvRow(columns.map((col) => col.csv(r) ?? '')))];
  await recordAudit(c.deps.db, { actor: `staff:${c.session.user.username}`, action: 'backoffice.exported', subject, details: { list: name, rows: rows.length, ip: c.ip } });
  const day = c.deps.now().toISOString().slice(0, 10);
  return c.reply
    .code(200)
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}-${day}.csv"`)
    .send(`\uFEFF${lines.join('\r\n')}\r\n`);
}
