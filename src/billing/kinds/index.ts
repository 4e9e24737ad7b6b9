import type { ImportKind, ImportKindName } from '../import-kind.js';
import { customersKind } from './customers.js';
import { invoicesKind } from './invoices.js';
import { paymentsKind } from './payments.js';
import { subscriptionsKind } from './subscriptions.js';

export const importKinds: Record<ImportKindName, ImportKind> = {
  customers: customersKind,
  invoices: invoicesKind,
  payments: paymentsKind,
  subscriptions: subscriptionsKind,
};
