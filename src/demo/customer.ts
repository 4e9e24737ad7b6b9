// One synthetic customer, derived from (seed, index) alone: class, meter-reading group, consumption
// level, payment habits, number, name and address.
import {
  BRAND_HEADS, BRAND_TAILS, FAMILY, FEMALE_FIRST, MALE_FIRST, PATRONYMIC_COUNT, TURKISH_FAMILY,
  TURKISH_FEMALE_FIRST, TURKISH_MALE_FIRST, feminine,
} from './bulgarian-names.js';
import {
  COMMON_BOULEVARDS, COMMON_STREETS, ENTRANCES, HOUSE_SUFFIXES, SETTLEMENTS, VILLAGE_STREETS,
} from './places.js';
import { below, cumulative, hashKey, pickWeighted, unit } from './random.js';

/** Invoice and payment numbers are laid out in blocks per customer index; see ledger.ts. */
export const MAX_CUSTOMERS = 10_000_000;

export const CHANNELS = ['bank', 'cash_desk', 'epay', 'easypay', 'direct_debit', 'card'] as const;
export const BANK = 0;
export const CASH_DESK = 1;
export const DIRECT_DEBIT = 4;

export const DUE_DAYS: readonly number[] = [5, 15, 20, 24];

export const PUNCTUAL = 0;
export const LATE = 1;
/** Stopped paying some months ago. */
export const CHRONIC = 2;

/** hashKey purposes: each kind of data has its own key so the files can be generated separately. */
export const PURPOSE_TRAITS = 1;
export const PURPOSE_NAME = 2;
export const PURPOSE_ADDRESS = 3;
export const PURPOSE_INVOICE = 4;
export const PURPOSE_CONTACTS = 5;

export interface Traits {
  index: number;
  number: string;
  business: boolean;
  dueDay: number;
  /** Consumption of a summer month in euro cents. */
  level: number;
  payer: number;
  /** CHRONIC only: how many recent months are unpaid. */
  unpaidMonths: number;
  /** Preferred payment channel, index into CHANNELS. */
  channel: number;
  /** Habitually pays without quoting the invoice number. */
  noReference: boolean;
}

const HOUSEHOLD_CHANNELS = cumulative([12, 26, 14, 22, 8, 18]);
const BUSINESS_CHANNELS = cumulative([70, 4, 8, 2, 10, 6]);

export function customerTraits(seed: number, index: number): Traits {
  const key = hashKey(seed, index, PURPOSE_TRAITS);
  const business = unit(key, 0) < 0.06;
  const u = unit(key, 2);
  const payerRoll = unit(key, 3);
  return {
    index,
    number: String(3_000_000_000 + index * 8 + below(key, 7, 8)),
    business,
    dueDay: DUE_DAYS[below(key, 1, DUE_DAYS.length)]!,
    // Skewed towards small consumers: households 26-90 EUR in summer, businesses 140-1,640 EUR.
    level: business ? 14_000 + u * u * u * 150_000 : 2_600 + u * u * 6_400,
    payer: payerRoll < 0.012 ? CHRONIC : payerRoll < 0.17 ? LATE : PUNCTUAL,
    unpaidMonths: 3 + below(key, 4, 4),
    channel: pickWeighted(business ? BUSINESS_CHANNELS : HOUSEHOLD_CHANNELS, key, 5),
    noReference: unit(key, 6) < 0.09,
  };
}

export interface Identity {
  name: string;
  /** A person's first and family name (households and sole traders), else the company's brand. */
  first: string;
  family: string;
  brand: string;
}

function person(key: number): { first: string; middle: string; family: string } {
  const female = unit(key, 0) < 0.52;
  const turkish = unit(key, 1) < 0.1;
  const firsts = turkish ? (female ? TURKISH_FEMALE_FIRST : TURKISH_MALE_FIRST) : female ? FEMALE_FIRST : MALE_FIRST;
  const families = turkish ? TURKISH_FAMILY : FAMILY;
  const fathers = turkish ? TURKISH_FAMILY.length : PATRONYMIC_COUNT;
  const gender = (s: string): string => (female ? feminine(s) : s);
  return {
    first: firsts[below(key, 2, firsts.length)]!,
    middle: unit(key, 4) < 0.6 ? gender(families[below(key, 5, fathers)]!) : '',
    family: gender(families[below(key, 3, families.length)]!),
  };
}

export function customerIdentity(seed: number, index: number, business: boolean): Identity {
  const key = hashKey(seed, index, PURPOSE_NAME);
  const p = person(key);
  if (!business) {
    const name = p.middle === '' ? `${p.first} ${p.family}` : `${p.first} ${p.middle} ${p.family}`;
    return { name, first: p.first, family: p.family, brand: '' };
  }
  const form = unit(key, 6);
  if (form < 0.25) {
    const suffix = unit(key, 9) < 0.3 ? ` - ${1 + below(key, 10, 99)}` : '';
    return { name: `ЕТ "${p.first} ${p.family}${suffix}"`, first: p.first, family: p.family, brand: '' };
  }
  const brand = `${BRAND_HEADS[below(key, 7, BRAND_HEADS.length)]!} ${BRAND_TAILS[below(key, 8, BRAND_TAILS.length)]!}`;
  const legal = form < 0.7 ? 'ЕООД' : form < 0.95 ? 'ООД' : 'АД';
  return { name: `"${brand}" ${legal}`, first: '', family: '', brand };
}

export interface Address {
  street: string;
  town: string;
  postcode: string;
}

const SETTLEMENT_WEIGHTS = cumulative(SETTLEMENTS.map((s) => s.weight));

export function customerAddress(seed: number, index: number, business: boolean): Address {
  const key = hashKey(seed, index, PURPOSE_ADDRESS);
  const place = SETTLEMENTS[pickWeighted(SETTLEMENT_WEIGHTS, key, 0)]!;
  const kind = unit(key, 1);
  const houseNumber = (max: number): string => `${1 + below(key, 3, max)}${unit(key, 4) < 0.08 ? HOUSE_SUFFIXES[below(key, 5, HOUSE_SUFFIXES.length)]! : ''}`;
  let street: string;
  if (place.village) {
    street = `ул. "${VILLAGE_STREETS[below(key, 2, VILLAGE_STREETS.length)]!}" ${houseNumber(80)}`;
  } else if (!business && place.estates.length > 0 && kind < 0.4) {
    const estate = place.estates[below(key, 2, place.estates.length)]!;
    street = `ж.к. "${estate}" бл. ${1 + below(key, 8, 180)}, вх. ${ENTRANCES[below(key, 9, ENTRANCES.length)]!}, ет. ${1 + below(key, 6, 8)}, ап. ${1 + below(key, 7, 60)}`;
  } else if (kind > (business ? 0.5 : 0.88)) {
    const boulevards = place.boulevards.length > 0 && unit(key, 10) < 0.6 ? place.boulevards : COMMON_BOULEVARDS;
    street = `бул. "${boulevards[below(key, 2, boulevards.length)]!}" ${houseNumber(160)}`;
  } else {
    const flat = !business && unit(key, 11) < 0.3 ? `, ет. ${1 + below(key, 6, 6)}, ап. ${1 + below(key, 7, 24)}` : '';
    street = `ул. "${COMMON_STREETS[below(key, 2, COMMON_STREETS.length)]!}" ${houseNumber(150)}${flat}`;
  }
  return { street, town: place.name, postcode: place.postcode };
}
