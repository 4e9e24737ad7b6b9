// Bulgarian Transliteration Act (2009), so that a Cyrillic SMS can be sent as GSM-7
// (160/153 characters a part instead of 70/67).

const BG: Readonly<Record<string, string>> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y',
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u',
  ф: 'f', х: 'h', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'sht', ъ: 'a', ь: 'y', ю: 'yu', я: 'ya',
  // Bulgarian accented forms used to tell homographs apart.
  ѝ: 'i', ѐ: 'e',
  // Letters of customers' Russian and Ukrainian names, which the Act does not cover.
  ё: 'yo', ы: 'y', э: 'e', і: 'i', ї: 'yi', є: 'ye', ґ: 'g',
};

// Typographic characters that would force UCS-2 although a GSM-7 equivalent reads the same.
const TYPOGRAPHY: Readonly<Record<string, string>> = {
  '\u201e': '"', '\u201c': '"', '\u201d': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '`': "'",
  '\u2013': '-', '\u2014': '-', '\u2010': '-', '\u2011': '-', '\u2212': '-',
  '\u2116': 'No',
  '\u00a0': ' ', '\u202f': ' ', '\u2009': ' ', '\u2007': ' ', '\t': ' ',
  '\u2026': '...',
  '\u00ad': '',
};

const WORD = /[\p{L}\p{M}]+/gu;
const TYPOGRAPHIC = new RegExp(`[${Object.keys(TYPOGRAPHY).join('')}]`, 'gu');

/** Transliterates Bulgarian Cyrillic to Latin by the 2009 Act; everything else passes unchanged. */
export function transliterateBg(text: string): string {
  return text.replace(WORD, transliterateWord);
}

/** transliterateBg plus typographic replacements: the text to send as GSM-7 where possible. */
export function toGsmSafe(text: string): string {
  return transliterateBg(text.replace(TYPOGRAPHIC, (ch) => TYPOGRAPHY[ch] ?? ch));
}

function transliterateWord(word: string): string {
  const chars = Array.from(word);
  // A one-letter capital reads as an initial (Щ. → Sht.), so only longer words count as all caps.
  const allCaps = chars.length > 1 && word === word.toUpperCase() && word !== word.toLowerCase();
  // Art. 6 of the Act: the country's name keeps its established form, not "Balgaria".
  if (word.toLowerCase() === 'българия') {
    if (allCaps) return 'BULGARIA';
    return word.startsWith('Б') ? 'Bulgaria' : 'bulgaria';
  }
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const lower = ch.toLowerCase();
    let latin = BG[lower];
    if (latin === undefined) {
      out += ch;
      continue;
    }
    if (lower === 'я' && i === chars.length - 1 && chars[i - 1]?.toLowerCase() === 'и') latin = 'a';
    if (ch === lower) out += latin;
    else out += allCaps ? latin.toUpperCase() : latin.charAt(0).toUpperCase() + latin.slice(1);
  }
  return out;
}
