// The message kinds of a customer's bill lifecycle beyond the overdue notices, each turned on by its
// section of the dunning policy (policy.ts), with its business key:
//   predue_reminder   predue:<customer>:<invoice>          daily run, N working days before the due date
//   payment_received  paid:<customer>:<episode oldest due>  a payment ends an episode that had a notice sent
//   supply_restored   restored:<customer>:<listing due>     a listed customer pays in full
//   contact_check     check:<subscription>:<year>           daily run, contacts verified long ago
export const LIFECYCLE_KINDS = ['predue_reminder', 'payment_received', 'supply_restored', 'contact_check'] as const;
export type LifecycleKind = (typeof LIFECYCLE_KINDS)[number];
