import type { PageBrand } from '../../brand/page.js';
import type { Lang } from '../../delivery/text/default-templates.js';
import { html, type SafeHtml } from '../../http/html.js';
import { errorSummary, type FieldError } from './components.js';
import { common } from './texts.js';

/** What every page needs to know about the request. */
export interface PageContext {
  lang: Lang;
  /** The path of this page (the language switch links back to it). */
  path: string;
  sandbox: boolean;
  csrf?: string;
  /** The utility's name, logo, phone and website (BRAND_* settings). */
  brand: PageBrand;
}

export const CSS_PATH = '/assets/portal.css';

const sandboxBanner = {
  text: { bg: 'Тестов режим: нищо не се изпраща наистина. Съобщенията са в ', en: 'Sandbox: nothing is really sent. The messages are in the ' },
  link: { bg: 'пробната пощенска кутия', en: 'sandbox outbox' },
};

export interface PageOptions {
  title: string;
  main: SafeHtml;
  errors?: readonly FieldError[];
  back?: string;
  /** Show where the sandbox's messages are (code pages). */
  sandboxHint?: boolean;
}

export function layout(c: PageContext, p: PageOptions): SafeHtml {
  const other: Lang = c.lang === 'bg' ? 'en' : 'bg';
  const errors = p.errors ?? [];
  const title = `${errors.length ? common.errorPrefix[c.lang] : ''}${p.title} – ${common.service[c.lang]}`;
  return html`<!DOCTYPE html>
<html lang="${c.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${CSS_PATH}">
</head>
<body>
<a class="skip" href="#main-content">${common.skip[c.lang]}</a>
${c.sandbox ? html`<div class="sandbox" id="sandbox-banner" role="note"><div class="wrap">${sandboxBanner.text[c.lang]}<a href="/dev/outbox">${sandboxBanner.link[c.lang]}</a>.</div></div>` : ''}
<header class="header"><div class="wrap">
<a class="home" href="/"><img class="logo" src="${c.brand.logoUrl}" alt="${c.brand.name}" height="40"><span>${common.service[c.lang]}</span></a>
<a class="lang" href="${c.path}?lang=${other}" lang="${other}" hreflang="${other}" aria-label="${common.switchLabel[c.lang]}">${common.switchTo[c.lang]}</a>
</div></header>
<div class="wrap">
${p.back ? html`<nav aria-label="${common.back[c.lang]}"><a class="back" href="${p.back}">${common.back[c.lang]}</a></nav>` : ''}
<main id="main-content" tabindex="-1">
${c.sandbox && p.sandboxHint ? html`<p class="sandbox">${common.sandbox[c.lang]}<a href="/dev/outbox">${common.sandboxLink[c.lang]}</a>.</p>` : ''}
${errorSummary(c.lang, errors)}
${p.main}
</main>
</div>
<footer class="footer"><div class="wrap"><p>${common.footer[c.lang]}</p>
<p>${c.brand.name} · ${common.phone[c.lang]} <a href="tel:${c.brand.phone.replace(/[^\d+]/g, '')}">${c.brand.phone}</a> · <a href="${c.brand.website}" target="_blank" rel="noopener">${c.brand.website.replace(/^https?:\/\//, '').replace(/\/$/, '')}</a></p></div></footer>
</body>
</html>`;
}
