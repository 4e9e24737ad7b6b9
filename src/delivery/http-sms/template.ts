// Request templates: JSON values (objects, arrays, strings) whose strings hold {placeholders}.
// One template shape serves JSON bodies (nested, as Infobip's messages[].destinations[]), form
// bodies and query strings (flat), so a gateway is described by configuration alone.

export type Template = string | number | boolean | null | Template[] | { [k: string]: Template };

const placeholderPattern = /\{([a-z_]+)\}/g;

/** Values of the placeholders a template may name; a list stands for a whole array in JSON. */
export type Values = Record<string, string | readonly string[] | undefined>;

/** Every {name} a template uses, with the dotted path where it appears. */
export function placeholdersOf(t: unknown, path: string[] = []): Array<{ name: string; path: string[] }> {
  if (typeof t === 'string') return [...t.matchAll(placeholderPattern)].map((m) => ({ name: m[1] ?? '', path }));
  if (Array.isArray(t)) return t.flatMap((v, i) => placeholdersOf(v, [...path, String(i)]));
  if (t !== null && typeof t === 'object') return Object.entries(t).flatMap(([k, v]) => placeholdersOf(v, [...path, k]));
  return [];
}

function text(v: string | readonly string[] | undefined): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : v.join(',');
}

/**
 * A template with its placeholders filled. A string that is exactly one placeholder whose value is
 * a list becomes that list (or the given JSON values, e.g. the rendered messages of a batch);
 * anywhere else a list is joined with commas. Unknown placeholders stay as written.
 */
export function render(t: Template, values: Values, whole: Record<string, unknown> = {}): unknown {
  if (typeof t === 'string') {
    const only = /^\{([a-z_]+)\}$/.exec(t)?.[1];
    if (only !== undefined && Object.hasOwn(whole, only)) return whole[only];
    if (only !== undefined && Array.isArray(values[only])) return [...(values[only] as readonly string[])];
    return t.replace(placeholderPattern, (all, name: string) => (Object.hasOwn(values, name) ? text(values[name]) : all));
  }
  if (Array.isArray(t)) return t.map((v) => render(v, values, whole));
  if (t !== null && typeof t === 'object') return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, render(v, values, whole)]));
  return t;
}

/** A rendered flat template as form or query fields: scalars as text; nested values are refused at configuration time. */
export function flatFields(rendered: unknown): Array<[string, string]> {
  if (rendered === null || typeof rendered !== 'object') return [];
  return Object.entries(rendered).map(([k, v]) => [k, typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : JSON.stringify(v)]);
}
