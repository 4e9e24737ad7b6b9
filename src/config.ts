import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { httpSmsConfigSchema, type HttpSmsConfig } from './delivery/http-sms/config.js';
import { sourceAddress } from './delivery/smpp/submit-sm.js';
import { parseSmppUrl } from './delivery/smpp/url.js';
import { parseViberProvider, ViberSettingsError, type ViberSettings } from './delivery/viber/settings.js';
import { legacySmsProviders, parseSmsProviders, SmsProvidersError, type SmsFailoverSettings, type SmsProviderSettings } from './delivery/sms-providers/settings.js';
import { DEFAULT_LOGO_FILE, readLogo, type Logo } from './brand/logo.js';
import { textColourOn } from './brand/colour.js';
import { frameablePublicUrl, parseFrameAncestors } from './http/frame.js';

// Every setting, with its environment variable, default and meaning. The README table is generated
// from the same list (npm run docs:config), so the two cannot drift apart.
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const domain = z.hostname('must be a domain name like izvestie.example.bg');
const hours = z
  .string()
  .regex(/^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, 'must be HH:MM-HH:MM or off')
  .refine((v) => v === 'off' || v.slice(0, 5) !== v.slice(6), 'must not start and end at the same time (use off for any time)');
// The value is shown back in an error only when it is not a secret.
const secret = true;

/** The check the value meets where it is used, run at start instead: its error (or `message`) is the setting's. */
function accepted(check: (v: string) => unknown, message?: string) {
  return (v: string, ctx: z.RefinementCtx) => {
    try {
      check(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: message ?? (e as Error).message });
    }
  };
}

export const settings = {
  PORT: { schema: port.default(3000), doc: 'HTTP port of the web server (portal, back office, API).' },
  HOST: { schema: z.string().min(1).default('127.0.0.1'), doc: 'Address to listen on; 0.0.0.0 for every interface.' },
  METRICS_PORT: { schema: port.default(9464), doc: 'Port of GET /metrics (Prometheus), a listener apart from the public one; `izvestie start` only.' },
  METRICS_HOST: { schema: z.string().min(1).default('127.0.0.1'), doc: 'Address the metrics listener binds to: loopback by default, since /metrics needs no key; the monitoring network\'s address to scrape it from elsewhere.' },
  PUBLIC_URL: { schema: z.url().optional(), doc: 'Base URL customers see in links (default http://localhost:PORT).' },
  DATABASE_URL: {
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://').optional(),
    doc: 'PostgreSQL connection URL. Unset: embedded PGlite in IZVESTIE_DATA_DIR.',
    secret,
  },
  DATABASE_POOL_SIZE: { schema: z.coerce.number().int().min(1).max(200).default(10), doc: 'Connections per process (PostgreSQL only).' },
  DATABASE_WAIT_SECONDS: {
    schema: z.coerce.number().int().min(0).max(86_400).default(60),
    doc: 'How long a command waits at start for an unreachable PostgreSQL (retrying with back-off) before it gives up; 0 = not at all.',
  },
  IZVESTIE_DATA_DIR: { schema: z.string().min(1).default('./data'), doc: 'Directory of the embedded database (locked to one process).' },
  IZVESTIE_API_KEYS: {
    schema: z
      .string()
      .default('')
      .transform((s, ctx) => parseApiKeys(s, ctx)),
    doc: 'API keys for /api/v1 as comma-separated name:key pairs (key at least 24 characters). Empty: the API answers 401.',
    secret,
  },
  IZVESTIE_DEMO_DATA: {
    schema: z.enum(['auto', 'on', 'off']).default('auto'),
    doc: 'Load demo data at start when the database has no customers: auto = embedded database only.',
  },
  IZVESTIE_DEMO_CUSTOMERS: { schema: z.coerce.number().int().min(1).max(2_000_000).default(10_000), doc: 'Demo customers loaded at first start.' },
  IMPORT_MAX_REPORTED_ERRORS: { schema: z.coerce.number().int().min(1).max(100_000).default(1000), doc: 'Bad lines listed in an import report (all are counted).' },
  LOG_LEVEL: { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), doc: 'pino log level.' },
  LOG_FORMAT: { schema: z.enum(['auto', 'json', 'pretty']).default('auto'), doc: 'Log lines: pretty = readable lines, json = one JSON object a line; auto = pretty on a terminal, JSON otherwise.' },
  TRUST_PROXY: {
    schema: z.string().default('false').transform((v, ctx) => trustedProxies(v, ctx)),
    doc: 'Your own proxies in front of izvestie: how many (1 = the right-most X-Forwarded-For entry, the one your proxy appended, is the client; true = 1), or their addresses (comma-separated IPs or CIDRs; loopback, linklocal, uniquelocal). false: the socket\'s peer, X-Forwarded-For ignored. Request logs and rate limits take the same address.',
  },
  IZVESTIE_SANDBOX: {
    schema: z.enum(['auto', 'on', 'off']).default('auto'),
    doc: 'Messages are recorded, never sent, listed at /dev/outbox, and every page says so. auto = only when no provider at all is configured (no SMPP_URL, HTTP_SMS_URL or SMTP_URL: the demo). on = every channel is sandboxed, even a configured one. With a provider and auto or off, a channel without one is not sandboxed: its messages wait (back-office providers page, a metric, a warning at start).',
  },
  PORTAL_CONTACT_MAX_CUSTOMERS: { schema: z.coerce.number().int().min(1).max(100).default(5), doc: 'Customer numbers one phone or email may receive notices for (a family with several meters).' },
  PORTAL_SMS_CODES_PER_HOUR: { schema: z.coerce.number().int().min(0).max(1_000_000).default(500), doc: 'Verification SMS the portal sends per clock hour in all (a budget against SMS cost abuse). Only codes sent or still to be sent count: a code replaced before its SMS left gives its share back.' },
  PORTAL_IP_ATTEMPTS_PER_HOUR: { schema: z.coerce.number().int().min(1).max(1_000_000).default(100), doc: 'Customer-number checks per client IP (IPv6: per /48) per hour.' },
  PORTAL_IP_FAILURES_PER_HOUR: { schema: z.coerce.number().int().min(1).max(1_000_000).default(30), doc: 'Failed customer-number checks per client IP (IPv6: per /48) per hour before the IP must wait.' },
  PORTAL_CUSTOMER_CODES_PER_DAY: {
    schema: z.coerce.number().int().min(1).max(1000).default(5),
    doc: 'Verification codes one customer number may be sent in 24 hours (sign-in codes to its own contacts are counted apart), against one known customer and invoice number draining the SMS budget.',
  },
  PORTAL_CUSTOMER_CONTACTS_PER_DAY: {
    schema: z.coerce.number().int().min(1).max(100).default(3),
    doc: 'Different phones and emails one customer number may be sent codes to in 24 hours (a customer needs a few at most).',
  },
  PORTAL_IP_CODES_PER_HOUR: { schema: z.coerce.number().int().min(1).max(1_000_000).default(10), doc: 'Verification codes sent per client IP (IPv6: per /48) per hour.' },
  SMPP_URL: { schema: z.string().superRefine(accepted(parseSmppUrl)).optional(), doc: 'SMSC for SMS over SMPP 3.4 (transceiver bind). Unset, and no HTTP_SMS_URL: SMS wait for a provider (see IZVESTIE_SANDBOX).', secret },
  SMPP_SOURCE_ADDR: { schema: z.string().superRefine(accepted(sourceAddress, 'must be a number of up to 20 digits or a name of up to 11 ASCII characters')).default('IZVESTIE'), doc: 'Sender shown on SMS: an alphanumeric name (up to 11 characters) or a number.' },
  SMPP_WINDOW: { schema: z.coerce.number().int().min(1).max(1000).default(10), doc: 'submit_sm in flight at once per worker process.' },
  SMPP_IN_FLIGHT: {
    schema: z.coerce.number().int().min(1).max(10_000).optional(),
    doc: 'SMS one worker process has under way at once, from the attempt recorded to its outcome recorded (default 4 × SMPP_WINDOW). A worker killed at any moment leaves at most this many that may go twice.',
  },
  SMPP_RATE: {
    schema: z.coerce.number().min(0.1).max(100_000).default(100),
    doc: 'SMS parts (submit_sm PDUs, so a 3-part message counts 3) per second: per worker process, or for all of them together with SMPP_RATE_SCOPE=shared (SMSCs take about 100-150/s per bind).',
  },
  SMPP_RATE_SCOPE: {
    schema: z.enum(['process', 'shared']).default('process'),
    doc: 'process: each worker process paces itself at SMPP_RATE. shared: all worker processes bound with the same system_id to the same SMSC share SMPP_RATE through PostgreSQL (for several `izvestie worker` on one bind).',
  },
  SMPP_REASSEMBLY_SECONDS: {
    schema: z.coerce.number().int().min(1).max(600).default(60),
    doc: 'A part of a concatenated SMS refused for now (ESME_RTHROTTLED, ESME_RMSGQFUL) is sent again alone, same reference and part number, for up to this long after the message started: keep it within the handsets\' reassembly time.',
  },
  SMPP_RECEIPT_TZ: { schema: z.string().superRefine(accepted((tz) => new Intl.DateTimeFormat('en', { timeZone: tz }), 'must be an IANA time zone like Europe/Sofia')).default('UTC'), doc: 'Time zone of the SMSC clock in delivery receipts.' },
  HTTP_SMS_URL: { schema: z.url().optional(), doc: 'HTTP SMS gateway endpoint (used when SMPP_URL is unset); with a preset, the provider\'s base URL (the preset appends its paths).', secret },
  HTTP_SMS_OPTIONS: {
    schema: z.string().default('{}').transform((s, ctx) => {
      let v: unknown = null;
      try {
        v = JSON.parse(s);
      } catch {
        // not JSON: the same answer as JSON that is not an object
      }
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return {};
    }),
    doc: 'HTTP SMS gateway settings as JSON: a preset (mobica, smsapi-bg, infobip) with the account (user, password or token, from, callbackSecret), or the request, answer, callback and poll fields one by one (see README, HTTP SMS gateways).',
    secret,
  },
  HTTP_SMS_RATE: { schema: z.coerce.number().min(0.1).max(100_000).default(50), doc: 'HTTP SMS requests per second per worker process.' },
  SMS_PROVIDERS: {
    schema: z.string().optional(),
    doc: 'Several SMS providers in priority order, as a JSON array (instead of SMPP_URL / HTTP_SMS_URL): each {name, type: "smpp" or "http", url, rate, inFlight, prefixes}, SMPP entries with sourceAddr, window, receiptTimeZone, HTTP entries with the HTTP_SMS_OPTIONS fields. New messages go to the first healthy one; prefixes (digits after +359, like "88") prefer a provider for those numbers. See the README.',
    secret,
  },
  SMS_FAILOVER_FAILURE_RATE: { schema: z.coerce.number().min(0.01).max(1).default(0.5), doc: 'A provider whose failed sends exceed this share over SMS_FAILOVER_WINDOW_SECONDS is taken out of the rotation (with several SMS providers; binds lost and timeouts take it out at once).' },
  SMS_FAILOVER_WINDOW_SECONDS: { schema: z.coerce.number().int().min(5).max(3600).default(60), doc: 'The window over which a provider\'s failure rate is measured.' },
  SMS_FAILOVER_MIN_SAMPLES: { schema: z.coerce.number().int().min(1).max(100_000).default(20), doc: 'Sends in the window before a failure rate counts.' },
  SMS_FAILOVER_RECOVERY_SECONDS: { schema: z.coerce.number().min(1).max(3600).default(30), doc: 'An unhealthy provider takes traffic again after its background probes (bind, or a request to the gateway) have succeeded this long.' },
  SMTP_URL: { schema: z.string().regex(/^smtps?:\/\//, 'must look like smtp://user:pass@host:port').optional(), doc: 'SMTP server for email (pooled); PUBLIC_URL must then be https:// (one-click unsubscribe links). Unset: emails wait for a provider (see IZVESTIE_SANDBOX).', secret },
  SMTP_FROM: { schema: z.string().min(3).default('"Известия за ток" <izvestia@localhost>'), doc: 'From header of notices.' },
  SMTP_POOL_SIZE: { schema: z.coerce.number().int().min(1).max(100).default(5), doc: 'SMTP connections per worker process.' },
  SMTP_IN_FLIGHT: {
    schema: z.coerce.number().int().min(1).max(10_000).optional(),
    doc: 'Emails one worker process has under way at once, from the attempt recorded to its outcome recorded (default 4 × SMTP_POOL_SIZE). A worker killed at any moment leaves at most this many that may go twice.',
  },
  SMTP_RATE: { schema: z.coerce.number().min(0.1).max(100_000).default(100), doc: 'Emails per second per worker process.' },
  EMAIL_DOMAIN: { schema: domain.default('localhost'), doc: 'Right-hand side of Message-IDs.' },
  BOUNCE_DOMAIN: { schema: domain.optional(), doc: 'Domain of the VERP return path bounce+ID@domain; unset: no VERP.' },
  BOUNCE_SMTP_PORT: { schema: port.optional(), doc: 'Port of the built-in SMTP receiver for bounces (DSN); unset: off (bounces can also be POSTed to /api/v1/delivery/bounces).' },
  DKIM_DOMAIN: { schema: domain.optional(), doc: 'DKIM signing domain (with DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE: all three or none).' },
  DKIM_SELECTOR: { schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'must be a DNS label like mail2026').optional(), doc: 'DKIM selector.' },
  DKIM_PRIVATE_KEY_FILE: { schema: z.string().optional(), doc: 'PEM file of the DKIM private key, read once at start.' },
  SMS_QUIET_HOURS: { schema: hours.default('09:00-20:00'), doc: 'When SMS may be sent, Europe/Sofia time; outside it they wait. off: any time.' },
  EMAIL_QUIET_HOURS: { schema: hours.default('off'), doc: 'When email may be sent (as SMS_QUIET_HOURS).' },
  SMS_PRICE_PER_SEGMENT: { schema: z.string().regex(/^\d+(\.\d{1,4})?$/, 'must be an amount in euro like 0.05').default('0.05'), doc: 'Price of one SMS part in euro, for cost estimates.' },
  VIBER_PROVIDER: {
    schema: z.string().optional(),
    doc: 'Viber Business Messages gateway as JSON: {preset: "infobip" or "mobica", url, the account (token or user and password), sender, callbackSecret (infobip), smsFallback (mobica: the gateway sends the SMS itself), rate}. Policy stages with channels ["viber", "sms"] use it; unset: no Viber. See README, Viber.',
    secret,
  },
  VIBER_DELIVERY_TIMEOUT_MINUTES: { schema: z.coerce.number().min(0.001).max(1440).default(10), doc: 'A Viber message without a delivery report this long after it was sent fails as timeout and its SMS goes out.' },
  VIBER_PRICE_PER_MESSAGE: { schema: z.string().regex(/^\d+(\.\d{1,4})?$/, 'must be an amount in euro like 0.03').default('0.03'), doc: 'Price of one Viber message in euro, for cost estimates (beside SMS parts).' },
  SMS_PART_BUDGET: { schema: z.coerce.number().int().min(1).max(10).default(1), doc: 'SMS parts a template may take at worst (longest values); the template editor refuses more unless a supervisor raises the budget of that template.' },
  DELIVERY_LEASE_SECONDS: { schema: z.coerce.number().int().min(5).max(3600).default(120), doc: 'A claimed message is taken over by another worker after this long.' },
  DELIVERY_MAX_RETRY_HOURS: { schema: z.coerce.number().min(0.01).max(168).default(6), doc: 'Transient failures are retried this long; then the next channel takes over.' },
  DELIVERY_HARD_FAILURES: { schema: z.coerce.number().int().min(1).max(100).default(3), doc: 'Permanent failures before a contact is flagged for attention.' },
  LETTER_SENDER: {
    schema: z
      .string()
      .default('Примерно Енергоснабдяване АД\\nул. „Примерна“ 1\\n9000 Варна')
      .transform((s) => s.replaceAll('\\n', '\n').split('\n').map((l) => l.trim()).filter((l) => l !== ''))
      .refine((lines) => lines.length >= 2 && lines.length <= 5 && lines.every((l) => l.length <= 100), 'must be 2 to 5 lines (name, then address), each at most 100 characters, separated by \\n'),
    doc: 'Sender of printed letters: the name, then the address lines, separated by \\n (shown in the letterhead and as the return address).',
  },
  BACKOFFICE_SESSION_IDLE_MINUTES: { schema: z.coerce.number().int().min(1).max(1440).default(30), doc: 'A back-office session ends after this long without a request.' },
  BACKOFFICE_SESSION_MAX_HOURS: { schema: z.coerce.number().int().min(1).max(72).default(10), doc: 'A back-office session ends this long after sign-in, however active.' },
  BACKOFFICE_LOCKOUT_FAILURES: { schema: z.coerce.number().int().min(1).max(100).default(5), doc: 'Wrong passwords or codes in a row before a staff account is locked from the address they came from (and, briefly, everywhere: BACKOFFICE_SIGNIN_USER_BACKOFF_SECONDS).' },
  BACKOFFICE_LOCKOUT_MINUTES: { schema: z.coerce.number().int().min(1).max(1440).default(15), doc: 'How long a staff account stays locked from that address (an admin can unlock it sooner).' },
  BACKOFFICE_SIGNIN_USER_BACKOFF_SECONDS: { schema: z.coerce.number().int().min(0).max(86_400).default(60), doc: 'After BACKOFFICE_LOCKOUT_FAILURES failures from any addresses, the account refuses every sign-in for this long: it slows guesses spread over many addresses, yet nobody can keep the rightful user out.' },
  BACKOFFICE_SIGNIN_ADDRESS_FAILURES: { schema: z.coerce.number().int().min(1).max(100_000).default(10), doc: 'Failed staff sign-ins from one client address (any user names) before that address gets 429 for BACKOFFICE_SIGNIN_ADDRESS_MINUTES (against password spraying). Counted in the database, across every web process.' },
  BACKOFFICE_SIGNIN_ADDRESS_MINUTES: { schema: z.coerce.number().int().min(1).max(1440).default(15), doc: 'The window of BACKOFFICE_SIGNIN_ADDRESS_FAILURES, and how long an address over it waits.' },
  BRAND_NAME: { schema: z.string().trim().min(1).max(120).default('Пример Енерджи АД'), doc: "The utility's name as customers know it: portal, back office, emails, letters ({{utility_name}} in templates). The default is a fictional demo utility." },
  BRAND_SHORT_NAME: { schema: z.string().trim().min(1).max(20).default('PRIMER'), doc: "The utility's short name at the start of every SMS ({{utility_short}}); Latin letters keep an SMS in GSM-7." },
  BRAND_PHONE: { schema: z.string().trim().min(3).max(40).default('0700 10 010'), doc: 'Customer-centre phone shown in notices and on the portal ({{utility_phone}}).' },
  BRAND_WEBSITE: { schema: z.url().default('https://primer-energy.example.bg'), doc: "The utility's website ({{utility_website}})." },
  BRAND_LOGO_FILE: { schema: z.string().min(1).optional(), doc: "The utility's logo: a PNG, JPEG or SVG file (at most 512 KB), read once at start and served at /brand/logo for the portal, back office and emails; letters print PNG and JPEG logos only. PNG is best: many mail programs do not show SVG. Unset: the fictional demo utility's logo (assets/brand/logo.png)." },
  BRAND_COLOUR: { schema: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #0b5cad').default('#0b5cad'), doc: "The utility's primary colour (#rrggbb): portal header and buttons, back-office header, email buttons and links ({{brand_colour}}), letterhead. The text on it is white or black, whichever contrasts more ({{brand_text_colour}})." },
  PORTAL_FRAME_ANCESTORS: {
    schema: z
      .string()
      .default('')
      .transform((s, ctx) => {
        try {
          return parseFrameAncestors(s);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
          return z.NEVER;
        }
      }),
    doc: "Origins (space- or comma-separated, like https://www.example.bg) whose pages may embed the portal's registration pages in an iframe; empty: none may (the back office never). When set, PUBLIC_URL must be https (or http://localhost) and the portal's cookies become SameSite=None; Secure; Partitioned. See the README's \"Embedding the registration\".",
  },
  NOTICE_CUSTOMER_NUMBER: { schema: z.enum(['masked', 'whole']).default('masked'), doc: 'How notices show the customer number ({{customer_no}}): masked (******7890, safe on a lock screen) or whole.' },
  PAY_URL_TEMPLATE: {
    schema: z.string().trim().max(300).refine((v) => v === '' || /^https?:\/\/\S+$/.test(v), 'must be empty or an http(s) URL').default(''),
    doc: "The utility's or its payment provider's payment page for one notice ({{pay_url}}), with {customer_number}, {amount} (123.45, euro) and {invoice} (the oldest overdue invoice) filled in, URL-encoded, e.g. https://pay.example.bg/?c={customer_number}&a={amount}. Empty: {{pay_url}} is a short per-notice link to the portal's payment page (/p/...).",
  },
  PAY_ONLINE_URL: { schema: z.string().trim().max(300).refine((v) => v === '' || /^https?:\/\/\S+$/.test(v), 'must be empty or an http(s) URL').default('https://primer-energy.example.bg/plashtane'), doc: 'Where customers pay online by card ({{pay_online_url}}); shown on the payment page and in notices. Empty: no online payment offered.' },
  PAY_BANK_NAME: { schema: z.string().trim().max(120).default('Примерна банка АД'), doc: "The bank of the utility's account for transfers ({{pay_bank_name}})." },
  PAY_BANK_IBAN: { schema: z.string().trim().max(42).refine((v) => v === '' || /^[A-Z]{2}\d{2}[A-Z0-9 ]{10,40}$/.test(v), 'must be empty or an IBAN').default('BG80 BNBG 9661 1020 3456 78'), doc: "The utility's IBAN for bank transfers ({{pay_bank_iban}}); the customer number is the payment reference. Empty: bank transfer not offered." },
  PAY_BPAY_CODE: { schema: z.string().trim().max(10).refine((v) => v === '' || /^[0-9A-Za-z-]+$/.test(v), 'must be empty or a merchant code (letters, digits)').default('71234'), doc: "The utility's merchant code for payment at an ATM (bPay) ({{pay_bpay_code}}); {{pay_code}} shows it with the whole customer number. Empty: not offered." },
  PAY_CASH_DESKS: { schema: z.string().trim().max(200).default('Easypay, Fastpay'), doc: "Cash-desk networks where the bill can be paid with the customer number ({{pay_cash_desks}}), besides the utility's own customer centres. Empty: only the customer centres." },
  PAY_SETTLEMENT_WORKING_DAYS: { schema: z.coerce.number().int().min(0).max(10).default(2), doc: 'Working days a payment by bank or at a cash desk takes to reach the utility ({{pay_settlement_days}}); notices say so.' },
  NOTICE_SUSPENSION_FEE_EUR: { schema: z.string().trim().regex(/^\d{1,6}(\.\d{1,2})?$/, 'must be an amount in euro such as 15.34').default('15.34'), doc: 'What suspending the supply for non-payment costs the customer, in euro ({{suspension_fee}}), as the general terms say (Energy Act art. 38б).' },
  NOTICE_RESTORATION_FEE_EUR: { schema: z.string().trim().regex(/^\d{1,6}(\.\d{1,2})?$/, 'must be an amount in euro such as 15.34').default('15.34'), doc: 'What restoring the supply after payment costs, in euro ({{restoration_fee}}).' },
  NOTICE_COMPLAINTS_URL: { schema: z.url().default('https://primer-energy.example.bg/zhalbi'), doc: 'Where customers file a complaint or dispute a bill online ({{complaints_url}}); notices say that an open complaint stops disconnection.' },
  NOTICE_SUPPORT_URL: { schema: z.url().default('https://primer-energy.example.bg/podkrepa'), doc: 'Where customers in a difficult situation ask for a payment plan or vulnerable-customer protection ({{support_url}}).' },
  PAY_PAGE_IP_REQUESTS_PER_HOUR: { schema: z.coerce.number().int().min(1).max(100_000).default(60), doc: 'Views of payment pages (/p/...) from one client address (IPv6: its /48) per hour before 429: guessing links stays hopeless.' },
  RUN_APPROVAL_FACTOR: { schema: z.coerce.number().min(1).max(1000).default(3), doc: 'A daily run that creates more than this many times the usual notices (the median per day of the last 20 days with runs) holds them until a supervisor decides.' },
  RUN_APPROVAL_MIN_NOTICES: { schema: z.coerce.number().int().min(0).max(10_000_000).default(1000), doc: 'Runs of up to this many notices never wait for approval.' },
  DUNNING_RUN_AT: { schema: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM').default('10:00'), doc: 'When the daily dunning run starts, Europe/Sofia time.' },
  DUNNING_WORKING_DAYS_ONLY: { schema: bool.default(true), doc: 'Run dunning on Bulgarian working days only (weekends, public holidays and declared days off skipped).' },
} as const;

function parseApiKeys(s: string, ctx: z.RefinementCtx): Array<{ name: string; key: string }> {
  const keys: Array<{ name: string; key: string }> = [];
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const name = part.slice(0, i);
    const key = part.slice(i + 1);
    if (i <= 0 || !/^[a-z0-9_-]+$/i.test(name) || key.length < 24) {
      ctx.addIssue({ code: 'custom', message: `"${part.slice(0, 12)}…" is not name:key with a key of at least 24 characters` });
      return [];
    }
    keys.push({ name, key });
  }
  return keys;
}

/** false, a hop count, or the proxies' addresses: what Fastify's trustProxy takes. */
function trustedProxies(v: string, ctx: z.RefinementCtx): false | number | string[] {
  const s = v.trim().toLowerCase();
  if (['false', '0', 'no'].includes(s)) return false;
  if (['true', 'yes'].includes(s)) return 1;
  if (/^\d+$/.test(s)) return Number(s);
  const list = s.split(',').map((a) => a.trim());
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  const bad = list.find((a) => {
    const [ip = '', bits, ...rest] = a.split('/');
    return !named.includes(a) && (isIP(ip) === 0 || rest.length > 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= (isIP(ip) === 4 ? 32 : 128))));
  });
  if (bad === undefined) return list;
  ctx.addIssue({ code: 'custom', message: `must be false, a number of proxies, or their addresses (IPs or CIDRs, comma-separated); "${bad}" is none of these` });
  return false;
}

type Settings = typeof settings;
type Raw = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string; poolSize: number };

export interface PaymentSettings {
  customerNumber: 'masked' | 'whole';
  /** Empty: the portal's payment page. */
  urlTemplate: string;
  onlineUrl: string;
  bankName: string;
  bankIban: string;
  bpayCode: string;
  cashDesks: string;
  settlementDays: number;
  suspensionFeeMinor: number;
  restorationFeeMinor: number;
  complaintsUrl: string;
  supportUrl: string;
  pageIpRequestsPerHour: number;
}

export interface BrandSettings {
  name: string;
  shortName: string;
  phone: string;
  website: string;
  /** #rrggbb, and the text colour that reads on it (white or black). */
  colour: string;
  textColour: string;
  logo: Logo;
}

export interface Config {
  http: {
    host: string;
    port: number;
    publicUrl: string;
    trustProxy: false | number | string[];
    /** Origins that may frame the portal's pages (PORTAL_FRAME_ANCESTORS); empty: none. */
    frameAncestors: readonly string[];
  };
  /** Where GET /metrics listens (never on the public port). */
  metrics: { host: string; port: number };
  database: DatabaseConfig;
  /** Seconds to wait at start for PostgreSQL to answer; 0: fail at once. */
  databaseWaitSeconds: number;
  apiKeys: ReadonlyArray<{ name: string; key: string }>;
  demo: { mode: 'auto' | 'on' | 'off'; customers: number };
  import: { maxReportedErrors: number };
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
  delivery: DeliverySettings;
  /**
   * Deliver every channel through the sandbox, show /dev/outbox and a banner on every page. Off, a
   * channel without a provider is not sent at all: its messages wait (see missingProviders).
   */
  sandbox: boolean;
  portal: {
    contactMaxCustomers: number;
    smsCodesPerHour: number;
    ipAttemptsPerHour: number;
    ipFailuresPerHour: number;
    ipCodesPerHour: number;
    customerCodesPerDay: number;
    customerContactsPerDay: number;
  };
  backoffice: BackofficeSettings;
  /** The daily dunning run: Sofia time of day, and whether only on working days. */
  dunning: { runAt: string; workingDaysOnly: boolean };
  /** The utility's own name, short name, phone and website (template variables, page headers). */
  brand: BrandSettings;
  /** How notices identify the customer and say how to pay (template variables, the payment page). */
  payment: PaymentSettings;
  /** Printed letters: the sender's name and address lines. */
  letters: { sender: { name: string; addressLines: string[] } };
}

export interface BackofficeSettings {
  sessionIdleMs: number;
  sessionMaxMs: number;
  lockoutFailures: number;
  lockoutMs: number;
  signinUserBackoffMs: number;
  signinAddressFailures: number;
  signinAddressMs: number;
  /** A run waits for approval when it would create more than factor × the usual notices and more than minNotices. */
  runApproval: { factor: number; minNotices: number };
}

export interface DeliverySettings {
  smpp: { url: string; sourceAddr: string; window: number; inFlight: number; rate: number; receiptTimeZone: string } | null;
  /** `options` is the gateway's whole configuration, validated (its url included). */
  httpSms: { url: string; options: HttpSmsConfig; rate: number } | null;
  /** Every SMS provider in priority order: SMS_PROVIDERS, or the one of SMPP_URL / HTTP_SMS_URL. */
  smsProviders: SmsProviderSettings[];
  smsFailover: SmsFailoverSettings;
  /** Pacing of submit_sm (SMS parts) for every SMPP bind: per process or shared through PostgreSQL. */
  smppRateScope: 'process' | 'shared';
  /** How long a refused part of a concatenated SMS is retried alone. */
  smppReassemblyMs: number;
  smtp: { url: string; from: string; poolSize: number; inFlight: number; rate: number; domain: string; bounceDomain: string | null; bounceSmtpPort: number | null; dkim: DkimSettings | null } | null;
  smsWindow: { from: string; to: string } | null;
  emailWindow: { from: string; to: string } | null;
  smsPricePerSegmentMinor: number;
  /** VIBER_PROVIDER with its timeout and price; null: no Viber. */
  viber: (ViberSettings & { timeoutMs: number; pricePerMessageMinor: number }) | null;
  /** SMS_PART_BUDGET: parts an SMS template may take at worst unless its own budget is raised. */
  smsPartBudget: number;
  leaseSeconds: number;
  maxRetryAgeMs: number;
  hardFailureThreshold: number;
}

/** The key is read at start, so a missing or unreadable file stops the program, not every email. */
export interface DkimSettings {
  domain: string;
  selector: string;
  keyFile: string;
  privateKey: string;
}

function window(v: string): { from: string; to: string } | null {
  if (v === 'off') return null;
  const [from, to] = v.split('-') as [string, string];
  return { from, to };
}

/** A setting that cannot work, named with what is wrong, on one line. */
export class ConfigError extends Error {
  constructor(name: string, problem: string) {
    super(`${name}: ${problem.replace(/\s*\n\s*/g, ' ')}`);
  }
}

function readRaw(env: Record<string, string | undefined>): Raw {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(settings)) {
    const value = env[name] === '' && name !== 'IZVESTIE_API_KEYS' ? undefined : env[name];
    const r = s.schema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new ConfigError(name, `${issue?.message ?? 'invalid value'}${'secret' in s ? '' : ` (got ${JSON.stringify(value)})`}`);
    }
    out[name] = r.data;
  }
  return out as Raw;
}

function httpSmsGateway(r: Raw): HttpSmsConfig {
  const parsed = httpSmsConfigSchema.safeParse({ ...r.HTTP_SMS_OPTIONS, url: r.HTTP_SMS_URL });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const problem = issue?.code === 'invalid_type' && issue.message.endsWith('received undefined') ? 'is required' : (issue?.message ?? 'invalid value');
  if (field === 'url') throw new ConfigError('HTTP_SMS_URL', problem);
  throw new ConfigError('HTTP_SMS_OPTIONS', `${field ? `${field}: ` : ''}${problem}`);
}

function viberSettings(r: Raw): DeliverySettings['viber'] {
  if (r.VIBER_PROVIDER === undefined) return null;
  try {
    return { ...parseViberProvider(r.VIBER_PROVIDER), timeoutMs: Math.round(r.VIBER_DELIVERY_TIMEOUT_MINUTES * 60_000), pricePerMessageMinor: Math.round(Number(r.VIBER_PRICE_PER_MESSAGE) * 100) };
  } catch (e) {
    if (e instanceof ViberSettingsError) throw new ConfigError('VIBER_PROVIDER', e.message);
    throw e;
  }
}

/** SMS_PROVIDERS, or SMPP_URL / HTTP_SMS_URL as a list of one; never both. */
function smsProviderList(r: Raw): SmsProviderSettings[] {
  if (r.SMS_PROVIDERS === undefined) {
    const smpp = r.SMPP_URL ? { url: r.SMPP_URL, sourceAddr: r.SMPP_SOURCE_ADDR, window: r.SMPP_WINDOW, inFlight: r.SMPP_IN_FLIGHT ?? 4 * r.SMPP_WINDOW, rate: r.SMPP_RATE, receiptTimeZone: r.SMPP_RECEIPT_TZ } : null;
    return legacySmsProviders({ smpp, httpSms: !smpp && r.HTTP_SMS_URL ? { url: r.HTTP_SMS_URL, options: httpSmsGateway(r), rate: r.HTTP_SMS_RATE } : null });
  }
  if (r.SMPP_URL || r.HTTP_SMS_URL) throw new ConfigError('SMS_PROVIDERS', 'set either SMS_PROVIDERS or SMPP_URL / HTTP_SMS_URL, not both');
  try {
    return parseSmsProviders(r.SMS_PROVIDERS);
  } catch (e) {
    if (e instanceof SmsProvidersError) throw new ConfigError('SMS_PROVIDERS', e.message.replace(/^SMS_PROVIDERS/, '').replace(/^[:.]\s*/, '') || e.message);
    throw e;
  }
}

/** The HTTP gateway of SMS_PROVIDERS named http-sms, whose reports come where HTTP_SMS_URL's do (the others' under their names). */
function listedHttpSms(list: readonly SmsProviderSettings[]): DeliverySettings['httpSms'] {
  const p = list.find((x) => x.type === 'http' && x.name === 'http-sms');
  return p?.type === 'http' ? { url: p.url, options: p.options, rate: p.rate } : null;
}

function dkim(r: Raw): DkimSettings | null {
  const given = [r.DKIM_DOMAIN, r.DKIM_SELECTOR, r.DKIM_PRIVATE_KEY_FILE];
  if (given.every((v) => v === undefined)) return null;
  if (r.DKIM_DOMAIN === undefined) throw new ConfigError('DKIM_DOMAIN', 'must be set with DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE');
  if (r.DKIM_SELECTOR === undefined) throw new ConfigError('DKIM_SELECTOR', 'must be set with DKIM_DOMAIN and DKIM_PRIVATE_KEY_FILE');
  if (r.DKIM_PRIVATE_KEY_FILE === undefined) throw new ConfigError('DKIM_PRIVATE_KEY_FILE', 'must be set with DKIM_DOMAIN and DKIM_SELECTOR');
  let privateKey: string;
  try {
    privateKey = readFileSync(r.DKIM_PRIVATE_KEY_FILE, 'utf8');
  } catch (e) {
    throw new ConfigError('DKIM_PRIVATE_KEY_FILE', `cannot read ${r.DKIM_PRIVATE_KEY_FILE} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    createPrivateKey(privateKey);
  } catch {
    throw new ConfigError('DKIM_PRIVATE_KEY_FILE', `${r.DKIM_PRIVATE_KEY_FILE} is not a PEM private key`);
  }
  return { domain: r.DKIM_DOMAIN, selector: r.DKIM_SELECTOR, keyFile: r.DKIM_PRIVATE_KEY_FILE, privateKey };
}

function logo(file: string | undefined): Logo {
  try {
    return readLogo(file ?? DEFAULT_LOGO_FILE);
  } catch (e) {
    throw new ConfigError('BRAND_LOGO_FILE', (e as Error).message);
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Reads and validates every setting once; the result is frozen and passed down from main. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const r = readRaw(env);
  const publicUrl = (r.PUBLIC_URL ?? `http://localhost:${r.PORT}`).replace(/\/$/, '');
  // Emails to subscribers carry an RFC 8058 one-click link, which must be https: with any other URL
  // every such email would fail to compose and be retried for hours, sending nothing.
  if (r.SMTP_URL && !publicUrl.startsWith('https://')) {
    throw new ConfigError('PUBLIC_URL', `must be an https:// URL when SMTP_URL is set (one-click unsubscribe links, RFC 8058); it is ${publicUrl}`);
  }
  // A framed portal's cookies are third-party cookies, which browsers keep only when Secure.
  if (r.PORTAL_FRAME_ANCESTORS.length > 0 && !frameablePublicUrl(publicUrl)) {
    throw new ConfigError('PUBLIC_URL', `must be an https:// URL when PORTAL_FRAME_ANCESTORS is set (cookies inside a frame must be Secure); it is ${publicUrl}`);
  }
  const smsProviders = smsProviderList(r);
  const config: Config = {
    http: {
      host: r.HOST,
      port: r.PORT,
      publicUrl,
      trustProxy: r.TRUST_PROXY,
      frameAncestors: r.PORTAL_FRAME_ANCESTORS,
    },
    metrics: { host: r.METRICS_HOST, port: r.METRICS_PORT },
    database: r.DATABASE_URL
      ? { kind: 'postgres', url: r.DATABASE_URL, poolSize: r.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dataDir: r.IZVESTIE_DATA_DIR },
    databaseWaitSeconds: r.DATABASE_WAIT_SECONDS,
    apiKeys: r.IZVESTIE_API_KEYS,
    demo: { mode: r.IZVESTIE_DEMO_DATA, customers: r.IZVESTIE_DEMO_CUSTOMERS },
    import: { maxReportedErrors: r.IMPORT_MAX_REPORTED_ERRORS },
    logLevel: r.LOG_LEVEL,
    logFormat: r.LOG_FORMAT,
    delivery: {
      smpp: r.SMPP_URL ? { url: r.SMPP_URL, sourceAddr: r.SMPP_SOURCE_ADDR, window: r.SMPP_WINDOW, inFlight: r.SMPP_IN_FLIGHT ?? 4 * r.SMPP_WINDOW, rate: r.SMPP_RATE, receiptTimeZone: r.SMPP_RECEIPT_TZ } : null,
      httpSms: r.HTTP_SMS_URL && !r.SMPP_URL ? { url: r.HTTP_SMS_URL, options: httpSmsGateway(r), rate: r.HTTP_SMS_RATE } : listedHttpSms(smsProviders),
      smsProviders,
      smppRateScope: r.SMPP_RATE_SCOPE,
      smppReassemblyMs: r.SMPP_REASSEMBLY_SECONDS * 1000,
      smsFailover: { failureRate: r.SMS_FAILOVER_FAILURE_RATE, windowMs: r.SMS_FAILOVER_WINDOW_SECONDS * 1000, minSamples: r.SMS_FAILOVER_MIN_SAMPLES, recoveryMs: r.SMS_FAILOVER_RECOVERY_SECONDS * 1000 },
      smtp: r.SMTP_URL
        ? {
            url: r.SMTP_URL,
            from: r.SMTP_FROM,
            poolSize: r.SMTP_POOL_SIZE,
            inFlight: r.SMTP_IN_FLIGHT ?? 4 * r.SMTP_POOL_SIZE,
            rate: r.SMTP_RATE,
            domain: r.EMAIL_DOMAIN,
            bounceDomain: r.BOUNCE_DOMAIN ?? null,
            bounceSmtpPort: r.BOUNCE_SMTP_PORT ?? null,
            dkim: dkim(r),
          }
        : null,
      smsWindow: window(r.SMS_QUIET_HOURS),
      emailWindow: window(r.EMAIL_QUIET_HOURS),
      smsPricePerSegmentMinor: Math.round(Number(r.SMS_PRICE_PER_SEGMENT) * 100),
      smsPartBudget: r.SMS_PART_BUDGET,
      viber: viberSettings(r),
      leaseSeconds: r.DELIVERY_LEASE_SECONDS,
      maxRetryAgeMs: r.DELIVERY_MAX_RETRY_HOURS * 3_600_000,
      hardFailureThreshold: r.DELIVERY_HARD_FAILURES,
    },
    // Only the demo (no provider at all) is sandboxed by itself: with one real provider, a sandboxed
    // second channel would publish its messages, login codes included, on /dev/outbox.
    sandbox: r.IZVESTIE_SANDBOX === 'on' || (r.IZVESTIE_SANDBOX === 'auto' && !r.SMPP_URL && !r.HTTP_SMS_URL && !r.SMS_PROVIDERS && !r.SMTP_URL),
    portal: {
      contactMaxCustomers: r.PORTAL_CONTACT_MAX_CUSTOMERS,
      smsCodesPerHour: r.PORTAL_SMS_CODES_PER_HOUR,
      ipAttemptsPerHour: r.PORTAL_IP_ATTEMPTS_PER_HOUR,
      ipFailuresPerHour: r.PORTAL_IP_FAILURES_PER_HOUR,
      ipCodesPerHour: r.PORTAL_IP_CODES_PER_HOUR,
      customerCodesPerDay: r.PORTAL_CUSTOMER_CODES_PER_DAY,
      customerContactsPerDay: r.PORTAL_CUSTOMER_CONTACTS_PER_DAY,
    },
    backoffice: {
      sessionIdleMs: r.BACKOFFICE_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: r.BACKOFFICE_SESSION_MAX_HOURS * 3_600_000,
      lockoutFailures: r.BACKOFFICE_LOCKOUT_FAILURES,
      lockoutMs: r.BACKOFFICE_LOCKOUT_MINUTES * 60_000,
      signinUserBackoffMs: r.BACKOFFICE_SIGNIN_USER_BACKOFF_SECONDS * 1000,
      signinAddressFailures: r.BACKOFFICE_SIGNIN_ADDRESS_FAILURES,
      signinAddressMs: r.BACKOFFICE_SIGNIN_ADDRESS_MINUTES * 60_000,
      runApproval: { factor: r.RUN_APPROVAL_FACTOR, minNotices: r.RUN_APPROVAL_MIN_NOTICES },
    },
    dunning: { runAt: r.DUNNING_RUN_AT, workingDaysOnly: r.DUNNING_WORKING_DAYS_ONLY },
    brand: {
      name: r.BRAND_NAME,
      shortName: r.BRAND_SHORT_NAME,
      phone: r.BRAND_PHONE,
      website: r.BRAND_WEBSITE,
      colour: r.BRAND_COLOUR.toLowerCase(),
      textColour: textColourOn(r.BRAND_COLOUR),
      logo: logo(r.BRAND_LOGO_FILE),
    },
    payment: {
      customerNumber: r.NOTICE_CUSTOMER_NUMBER,
      urlTemplate: r.PAY_URL_TEMPLATE,
      onlineUrl: r.PAY_ONLINE_URL,
      bankName: r.PAY_BANK_NAME,
      bankIban: r.PAY_BANK_IBAN,
      bpayCode: r.PAY_BPAY_CODE,
      cashDesks: r.PAY_CASH_DESKS,
      settlementDays: r.PAY_SETTLEMENT_WORKING_DAYS,
      suspensionFeeMinor: Math.round(Number(r.NOTICE_SUSPENSION_FEE_EUR) * 100),
      restorationFeeMinor: Math.round(Number(r.NOTICE_RESTORATION_FEE_EUR) * 100),
      complaintsUrl: r.NOTICE_COMPLAINTS_URL,
      supportUrl: r.NOTICE_SUPPORT_URL,
      pageIpRequestsPerHour: r.PAY_PAGE_IP_REQUESTS_PER_HOUR,
    },
    letters: { sender: { name: r.LETTER_SENDER[0] ?? '', addressLines: r.LETTER_SENDER.slice(1) } },
  };
  return deepFreeze(config);
}
