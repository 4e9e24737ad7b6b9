import type { AuditEventsTable } from '../audit/tables.js';
import type {
  CustomersTable,
  InvoicesTable,
  PaymentAllocationsTable,
  PaymentsTable,
  SubscriptionsTable,
} from '../billing/tables.js';
import type { DeliveryReceiptsTable, MessageAttemptsTable, OutboxMessagesTable } from '../delivery/outbox/tables.js';
import type { LetterBatchesTable } from '../delivery/letters/tables.js';
import type {
  CalendarOverridesTable,
  DunningHoldsTable,
  DunningListingsTable,
  DunningPoliciesTable,
  DunningRunsTable,
} from '../dunning/tables.js';
import type { PortalCountersTable, PortalSessionsTable, VerificationCodesTable } from '../portal/tables.js';
import type { DunningRunApprovalsTable, MessageTemplatesTable, StaffSessionsTable, StaffUsersTable } from '../backoffice/tables.js';

/** Every table Kysely may touch, gathered from the folders that own them. */
export interface DB {
  audit_events: AuditEventsTable;
  customers: CustomersTable;
  invoices: InvoicesTable;
  payments: PaymentsTable;
  payment_allocations: PaymentAllocationsTable;
  subscriptions: SubscriptionsTable;
  outbox_messages: OutboxMessagesTable;
  message_attempts: MessageAttemptsTable;
  delivery_receipts: DeliveryReceiptsTable;
  letter_batches: LetterBatchesTable;
  dunning_policies: DunningPoliciesTable;
  calendar_overrides: CalendarOverridesTable;
  dunning_holds: DunningHoldsTable;
  dunning_runs: DunningRunsTable;
  dunning_listings: DunningListingsTable;
  portal_sessions: PortalSessionsTable;
  verification_codes: VerificationCodesTable;
  portal_counters: PortalCountersTable;
  staff_users: StaffUsersTable;
  staff_sessions: StaffSessionsTable;
  message_templates: MessageTemplatesTable;
  dunning_run_approvals: DunningRunApprovalsTable;
}
