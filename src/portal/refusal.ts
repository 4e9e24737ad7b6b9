/** Why the portal said no. Each has its own text on the web and its own code in the API. */
export type RefusalReason =
  | 'not_matched'
  | 'rate_limited'
  | 'contact_daily_limit'
  | 'customer_daily_limit'
  | 'ip_code_limit'
  | 'sms_budget'
  | 'contact_cap'
  | 'same_contact'
  | 'consent_required'
  | 'wrong_code'
  | 'code_expired'
  | 'wrong_step';

/**
 * An expected refusal (not a fault): thrown inside a transaction, it also rolls the transaction
 * back, so a refused code leaves no pending subscription and no counted send behind.
 */
export class PortalRefusal extends Error {
  readonly retryAfterSeconds?: number;
  readonly triesLeft?: number;

  constructor(
    readonly reason: RefusalReason,
    extra: { retryAfterSeconds?: number; triesLeft?: number } = {},
  ) {
    super(reason);
    this.name = 'PortalRefusal';
    if (extra.retryAfterSeconds !== undefined) this.retryAfterSeconds = extra.retryAfterSeconds;
    if (extra.triesLeft !== undefined) this.triesLeft = extra.triesLeft;
  }
}
