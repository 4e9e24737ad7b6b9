// Form pieces of the back office: several labelled fields per page, each error tied to its field
// and listed in a summary at the top. Everything works without JavaScript.
import { html, type SafeHtml } from '../../http/html.js';
import type { Ctx } from './context.js';

export interface FieldError {
  field: string;
  text: string;
}

export function errorSummary(c: Ctx, errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${c.t('Има проблем', 'There is a problem')}</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.text}</a></li>`)}</ul>
</div>`;
}

export function postForm(csrf: string, action: string, body: SafeHtml, opts: { inline?: boolean; label?: string } = {}): SafeHtml {
  return html`<form method="post" action="${action}" novalidate${opts.inline ? html` class="inline"` : ''}${opts.label ? html` aria-label="${opts.label}"` : ''}>
<input type="hidden" name="_csrf" value="${csrf}">
${body}
</form>`;
}

const errorOf = (errors: readonly FieldError[] | undefined, name: string) => errors?.find((e) => e.field === name)?.text;

function describedBy(name: string, hint: unknown, error: unknown): SafeHtml {
  const ids = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : html``;
}

function errorLine(c: Ctx, name: string, error: string | undefined): SafeHtml {
  return error === undefined ? html`` : html`<p id="${name}-error" class="error-message"><span class="visually-hidden">${c.t('Грешка:', 'Error:')} </span>${error}</p>`;
}

export interface InputOptions {
  name: string;
  label: string;
  value?: string;
  hint?: string;
  type?: 'text' | 'password' | 'email' | 'tel' | 'date' | 'number' | 'search';
  autocomplete?: string;
  inputmode?: 'numeric' | 'text' | 'tel' | 'email';
  width?: 'short' | 'medium' | 'long';
  errors?: readonly FieldError[];
  required?: boolean;
}

export function input(c: Ctx, o: InputOptions): SafeHtml {
  const error = errorOf(o.errors, o.name);
  return html`<div class="field${error ? ' field--error' : ''}">
<label class="label" for="${o.name}">${o.label}</label>
${o.hint ? html`<p id="${o.name}-hint" class="hint">${o.hint}</p>` : ''}
${errorLine(c, o.name, error)}
<input class="input input--${o.width ?? 'medium'}${error ? ' input--error' : ''}" id="${o.name}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.required ? html` required` : ''} spellcheck="false"${describedBy(o.name, o.hint, error)}${error ? html` aria-invalid="true"` : ''}>
</div>`;
}

export function textarea(c: Ctx, o: { name: string; label: string; value: string; hint?: string; rows?: number; errors?: readonly FieldError[] }): SafeHtml {
  const error = errorOf(o.errors, o.name);
  return html`<div class="field${error ? ' field--error' : ''}">
<label class="label" for="${o.name}">${o.label}</label>
${o.hint ? html`<p id="${o.name}-hint" class="hint">${o.hint}</p>` : ''}
${errorLine(c, o.name, error)}
<textarea class="textarea${error ? ' input--error' : ''}" id="${o.name}" name="${o.name}" rows="${o.rows ?? 4}" spellcheck="false"${describedBy(o.name, o.hint, error)}${error ? html` aria-invalid="true"` : ''}>${o.value}</textarea>
</div>`;
}

export interface Option {
  value: string;
  label: string;
}

export function select(c: Ctx, o: { name: string; label: string; options: readonly Option[]; value?: string; hint?: string; errors?: readonly FieldError[] }): SafeHtml {
  const error = errorOf(o.errors, o.name);
  return html`<div class="field${error ? ' field--error' : ''}">
<label class="label" for="${o.name}">${o.label}</label>
${o.hint ? html`<p id="${o.name}-hint" class="hint">${o.hint}</p>` : ''}
${errorLine(c, o.name, error)}
<select class="select" id="${o.name}" name="${o.name}"${describedBy(o.name, o.hint, error)}${error ? html` aria-invalid="true"` : ''}>
${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === o.value ? html` selected` : ''}>${opt.label}</option>`)}
</select>
</div>`;
}

/** A group of checkboxes or radios under one legend. */
export function choices(
  c: Ctx,
  o: { name: string; legend: string; type: 'checkbox' | 'radio'; options: readonly Option[]; checked: readonly string[]; hint?: string; errors?: readonly FieldError[] },
): SafeHtml {
  const error = errorOf(o.errors, o.name);
  return html`<div class="field${error ? ' field--error' : ''}">
<fieldset${describedBy(o.name, o.hint, error)}>
<legend class="label">${o.legend}</legend>
${o.hint ? html`<p id="${o.name}-hint" class="hint">${o.hint}</p>` : ''}
${errorLine(c, o.name, error)}
${o.options.map((opt, i) => {
  const id = i === 0 ? o.name : `${o.name}-${i + 1}`;
  return html`<div class="choice"><input id="${id}" name="${o.name}" type="${o.type}" value="${opt.value}"${o.checked.includes(opt.value) ? html` checked` : ''}><label for="${id}">${opt.label}</label></div>`;
})}
</fieldset>
</div>`;
}

export function button(text: string, variant: 'primary' | 'secondary' | 'warning' = 'primary', name?: string, value?: string): SafeHtml {
  return html`<button type="submit" class="button${variant === 'primary' ? '' : ` button--${variant}`}"${name ? html` name="${name}" value="${value ?? ''}"` : ''}>${text}</button>`;
}

export function banner(text: string | undefined, kind: 'success' | 'warning' = 'success'): SafeHtml {
  return text === undefined || text === '' ? html`` : html`<div class="banner banner--${kind}" role="status"><p>${text}</p></div>`;
}

/** A definition list of label → value. */
export function summary(rows: ReadonlyArray<[string, SafeHtml | string | number | null]>): SafeHtml {
  return html`<dl class="summary">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v ?? '—'}</dd></div>`)}</dl>`;
}
