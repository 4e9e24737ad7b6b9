// The utility's primary colour and the text colour that reads on it. Buttons, the portal's header
// stripe and the email's button are filled with the brand colour, so their text colour is derived
// here (WCAG 2.1 relative luminance) rather than configured: a light brand colour gets dark text.

const HEX = /^#[0-9a-fA-F]{6}$/;

export function isHexColour(v: string): boolean {
  return HEX.test(v);
}

function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

// Pure black: with white, one of the two always reaches 4.58:1 whatever the colour (WCAG AA).
export const DARK_TEXT = '#000000';
export const LIGHT_TEXT = '#ffffff';

/** White or black, whichever contrasts more with the colour. */
export function textColourOn(colour: string): string {
  return contrast(colour, LIGHT_TEXT) >= contrast(colour, DARK_TEXT) ? LIGHT_TEXT : DARK_TEXT;
}
