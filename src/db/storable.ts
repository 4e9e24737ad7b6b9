// PostgreSQL cannot store NUL in text or jsonb, and a lone UTF-16 surrogate has no UTF-8 form (the
// driver would store U+FFFD, and jsonb refuses its escape).
export const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The text with every character PostgreSQL cannot store replaced by U+FFFD (for records of what was sent). */
export function storable(s: string): string {
  return UNSTORABLE.test(s) ? s.replace(new RegExp(UNSTORABLE.source, 'g'), '\uFFFD') : s;
}
