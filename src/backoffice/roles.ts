import type { Role } from './tables.js';

export type { Role };

/** Each role may do what the ones before it may, and more. */
export const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin'];

/**
 * Who may use a route: anyone (the sign-in page, assets), any signed-in staff member (their own
 * account), or a role and those above it.
 */
export type Access = 'public' | 'signed_in' | Role;

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function allows(role: Role, access: Access): boolean {
  if (access === 'public' || access === 'signed_in') return true;
  return ROLES.indexOf(role) >= ROLES.indexOf(access);
}
