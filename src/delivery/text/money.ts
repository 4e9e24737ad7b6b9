// Amounts are integer minor units (cents, stotinki): floats would make totals and the
// half-up rounding of the euro conversion depend on binary representation errors.

export type Currency = 'EUR' | 'BGN';

/** The fixed conversion rate, 1 EUR = 1.95583 BGN (kept as text: it is never used as a float). */
export const BGN_PER_EUR = '1.95583';

const RATE_NUMERATOR = 195583; // BGN_PER_EUR × 100000
const RATE_SCALE = 100000;
// bgnMinor × RATE_SCALE must stay an exact (safe) integer.
const MAX_CONVERTIBLE = Math.floor(Number.MAX_SAFE_INTEGER / RATE_SCALE);

/**
 * Converts stotinki to euro cents: divide by the full rate, round half up to the cent.
 * Negative amounts (credits) round symmetrically, so a credit converts to minus its debit.
 */
export function bgnToEurMinor(bgnMinor: number): number {
  if (!Number.isSafeInteger(bgnMinor) || Math.abs(bgnMinor) > MAX_CONVERTIBLE) {
    throw new RangeError(`bgnToEurMinor: ${bgnMinor} is not an integer amount within ±${MAX_CONVERTIBLE}`);
  }
  const scaled = Math.abs(bgnMinor) * RATE_SCALE;
  // % on integer-valued doubles is exact, and so is dividing an exact multiple: no float
  // rounding enters the result or the half-up decision.
  const remainder = scaled % RATE_NUMERATOR;
  let quotient = (scaled - remainder) / RATE_NUMERATOR;
  if (remainder * 2 >= RATE_NUMERATOR) quotient += 1;
  return bgnMinor < 0 ? -quotient : quotient;
}

/** bg: "1 234,56 EUR" / "1 234,56 лв."; en: "EUR 1,234.56" / "BGN 1,234.56" (plain spaces). */
export function formatMoney(minor: number, currency: Currency, lang: 'bg' | 'en'): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`formatMoney: ${minor} is not an integer amount`);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const cents = String(abs % 100).padStart(2, '0');
  const whole = String(Math.floor(abs / 100));
  if (lang === 'bg') {
    return `${sign}${groupThousands(whole, ' ')},${cents} ${currency === 'EUR' ? 'EUR' : 'лв.'}`;
  }
  return `${currency} ${sign}${groupThousands(whole, ',')}.${cents}`;
}

function groupThousands(digits: string, separator: string): string {
  return digits.replace(/\B(?=(\d{3})+$)/g, separator);
}

// Digits with optional space-grouped thousands ("1 234"), then "." or "," and 1-2 decimals.
const AMOUNT = /^(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](\d{1,2}))?$/;

/** Parses "12.34", "12,34", "12", "1 234,56" into minor units; null if invalid or negative. */
export function parseAmountToMinor(s: string): number | null {
  const m = AMOUNT.exec(s.trim());
  if (m === null) return null;
  const whole = (m[1] as string).replace(/[ \u00a0\u202f]/g, '');
  const minor = Number(whole) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}
