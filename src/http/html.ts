import type { FastifyReply } from 'fastify';

/** Markup that is already safe: produced by `html` or marked with `raw`. */
export interface SafeHtml {
  readonly __html: string;
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function isSafe(v: unknown): v is SafeHtml {
  return typeof v === 'object' && v !== null && '__html' in v;
}

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (isSafe(v)) return v.__html;
  if (Array.isArray(v)) return v.map((x: Value) => render(x)).join('');
  return escapeHtml(String(v));
}

/**
 * A template tag that escapes every interpolated value unless it is SafeHtml, so a page cannot
 * be built with an unescaped customer input by accident. null, undefined and false render nothing;
 * arrays are joined.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return { __html: out };
}

/** Trusted markup, inserted as is (never pass user input). */
export function raw(markup: string): SafeHtml {
  return { __html: markup };
}

export function sendHtml(reply: FastifyReply, status: number, page: SafeHtml): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page.__html);
}
