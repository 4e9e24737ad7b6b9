// Which letters an SMS template goes out in. Cyrillic forces UCS-2 (70 characters a part, 67 in a
// multi-part message); transliterated by the Bulgarian Transliteration Act (2009) the same text is
// GSM-7 (160, 153 a part), so about a third of the parts for the same words.
import { renderTemplate, type TemplateVars } from './render.js';
import { toGsmSafe } from './transliterate.js';

/** 'latin': transliterated when rendered (GSM-7, the default); 'cyrillic': sent as written (UCS-2). */
export type SmsScript = 'latin' | 'cyrillic';
export const SMS_SCRIPTS: readonly SmsScript[] = ['latin', 'cyrillic'];
export const DEFAULT_SMS_SCRIPT: SmsScript = 'latin';

export function isSmsScript(s: unknown): s is SmsScript {
  return s === 'latin' || s === 'cyrillic';
}

/** The text as it goes out in `script`: values (a Cyrillic "лв.", a name) are transliterated too. */
export function smsForScript(text: string, script: SmsScript = DEFAULT_SMS_SCRIPT): string {
  return script === 'latin' ? toGsmSafe(text) : text;
}

/** Renders an SMS template and applies its script (absent: Latin). */
export function renderSms(t: { sms: string; smsScript?: SmsScript }, vars: TemplateVars): string {
  return smsForScript(renderTemplate(t.sms, vars), t.smsScript);
}
