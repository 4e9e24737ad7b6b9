export type TemplateVars = Record<string, string | number>;

export interface RenderOptions {
  /** Escape values for HTML (the template itself is trusted markup). */
  html?: boolean;
}

// Anything between double braces is a placeholder, so a typo such as {{total eur}} fails
// loudly instead of reaching a customer verbatim.
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function renderTemplate(template: string, vars: TemplateVars, options: RenderOptions = {}): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    if (!Object.hasOwn(vars, name)) throw new Error(`Unknown template placeholder: {{${name}}}`);
    const value = String(vars[name]);
    return options.html === true ? escapeHtml(value) : value;
  });
}

/** Placeholder names in order of first appearance, without duplicates. */
export function listPlaceholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1] as string))];
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Keeps the last 4 characters: "1234567890" → "******7890"; 4 or fewer are masked entirely. */
export function maskCustomerNumber(customerNumber: string): string {
  const keep = customerNumber.length > 4 ? 4 : 0;
  return '*'.repeat(customerNumber.length - keep) + customerNumber.slice(customerNumber.length - keep);
}

/** '2026-11-24' → '24.11.2026'; throws on anything but a real calendar date. */
export function formatDateBg(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (m === null) throw invalidDate(isoDate);
  const [, y, mo, d] = m as unknown as [string, string, string, string];
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (date.toISOString().slice(0, 10) !== isoDate) throw invalidDate(isoDate);
  return `${d}.${mo}.${y}`;
}

function invalidDate(isoDate: string): RangeError {
  return new RangeError(`formatDateBg: '${isoDate}' is not a YYYY-MM-DD date`);
}
