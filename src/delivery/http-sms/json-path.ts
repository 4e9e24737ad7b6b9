/**
 * The value at a dotted path ('data.id', 'messages.0.id') in parsed JSON, or undefined. Own
 * properties only, so a configured path can never reach an inherited member such as 'constructor'.
 */
export function valueAtPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A scalar as text (ids and statuses come as strings or numbers); anything else is absent. */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}
