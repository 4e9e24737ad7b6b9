// The form pieces of the portal, after the GOV.UK Design System patterns: the question is the
// page's h1 (as the label or legend), a hint, an error message tied to the field, and an error
// summary at the top linking to each field. Everything works without JavaScript.
import type { Lang } from '../../delivery/text/default-templates.js';
import { html, type SafeHtml } from '../../http/html.js';
import { common } from './texts.js';

export interface FieldError {
  field: string;
  text: string;
}

export function errorSummary(lang: Lang, errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${common.errorSummary[lang]}</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.text}</a></li>`)}</ul>
</div>`;
}

export function form(csrf: string | undefined, action: string, body: SafeHtml): SafeHtml {
  return html`<form method="post" action="${action}" novalidate>
<input type="hidden" name="_csrf" value="${csrf ?? ''}">
${body}
</form>`;
}

function errorMessage(lang: Lang, id: string, error: string | undefined): SafeHtml {
  return error === undefined ? html`` : html`<p id="${id}-error" class="error-message"><span class="visually-hidden">${common.errorLabel[lang]} </span>${error}</p>`;
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export interface TextFieldOptions {
  name: string;
  /** The question: rendered as the page's h1 wrapping the label. */
  question: string;
  hint?: SafeHtml | string;
  value?: string;
  error?: string;
  type?: 'text' | 'tel' | 'email';
  inputmode?: 'numeric' | 'tel' | 'email' | 'text';
  autocomplete?: string;
  code?: boolean;
}

export function textField(lang: Lang, o: TextFieldOptions): SafeHtml {
  const by = describedBy(o.name, o.hint, o.error);
  return html`<div class="field${o.error ? ' field--error' : ''}">
<h1><label for="${o.name}">${o.question}</label></h1>
${o.hint ? html`<p id="${o.name}-hint" class="hint">${o.hint}</p>` : ''}
${errorMessage(lang, o.name, o.error)}
<input class="input${o.code ? ' input--code' : ''}${o.error ? ' input--error' : ''}" id="${o.name}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''} spellcheck="false"${by ? html` aria-describedby="${by}"` : ''}${o.error ? html` aria-invalid="true"` : ''}>
</div>`;
}

export interface RadioOption {
  value: string;
  label: string;
}

export function radios(lang: Lang, o: { name: string; question: string; hint?: string; options: readonly RadioOption[]; value?: string; error?: string }): SafeHtml {
  const by = describedBy(o.name, o.hint, o.error);
  return html`<div class="field${o.error ? ' field--error' : ''}">
<fieldset${by ? html` aria-describedby="${by}"` : ''}>
<legend><h1>${o.question}</h1></legend>
${o.hint ? html`<p id="${o.name}-hint" class="hint">${o.hint}</p>` : ''}
${errorMessage(lang, o.name, o.error)}
${o.options.map(
  (opt, i) => html`<div class="choice"><input id="${i === 0 ? o.name : `${o.name}-${i + 1}`}" name="${o.name}" type="radio" value="${opt.value}"${opt.value === o.value ? html` checked` : ''}><label for="${i === 0 ? o.name : `${o.name}-${i + 1}`}">${opt.label}</label></div>`,
)}
</fieldset>
</div>`;
}

export function checkbox(lang: Lang, o: { name: string; label: string; error?: string }): SafeHtml {
  return html`<div class="field${o.error ? ' field--error' : ''}">
${errorMessage(lang, o.name, o.error)}
<div class="choice"><input id="${o.name}" name="${o.name}" type="checkbox" value="yes"${o.error ? html` aria-describedby="${o.name}-error" aria-invalid="true"` : ''}><label for="${o.name}">${o.label}</label></div>
</div>`;
}

export function button(text: string, variant: 'primary' | 'secondary' | 'warning' = 'primary'): SafeHtml {
  return html`<button type="submit" class="button${variant === 'primary' ? '' : ` button--${variant}`}">${text}</button>`;
}

export function banner(text: string | undefined): SafeHtml {
  return text === undefined ? html`` : html`<div class="banner" role="status"><p>${text}</p></div>`;
}
