import type { BrandSettings } from '../config.js';
import type { LetterBrand } from '../delivery/letters/pdf.js';
import { rasterLogo } from './logo.js';
import { LOGO_PATH } from './routes.js';

/** What a page shows of the utility: its name, logo, customer-centre phone and website. */
export interface PageBrand {
  name: string;
  phone: string;
  website: string;
  /** The logo's address on this site, changing with the file (so caches may keep it a day). */
  logoUrl: string;
}

export function pageBrand(b: BrandSettings): PageBrand {
  return { name: b.name, phone: b.phone, website: b.website, logoUrl: `${LOGO_PATH}?v=${b.logo.etag.slice(1, 9)}` };
}

/**
 * The brand colour for a stylesheet: custom properties the portal's and the back office's CSS use
 * (the header stripe, the footer rule). Stylesheets only: the CSP allows no inline style.
 */
export function brandCss(b: Pick<BrandSettings, 'colour' | 'textColour'>): string {
  return `:root{--brand:${b.colour};--brand-text:${b.textColour}}\n`;
}

/** The letterhead's part of the brand: pdfkit draws PNG and JPEG, so an SVG logo is left out. */
export function letterBrand(b: BrandSettings): LetterBrand {
  return { logo: rasterLogo(b.logo), colour: b.colour, phone: b.phone, website: b.website };
}
