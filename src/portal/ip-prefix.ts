import { rateLimitKey } from '../http/client-ip.js';

/**
 * The key of the portal's per-address limits: an IPv4 address, or an IPv6 /48. One allocation is
 * often a /48 (65,536 /64s), and keyed by /64 it could act as that many clients. Takes a client
 * key ('2001:db8:1:2::/64') or a bare address.
 */
export function ipLimitKey(ip: string): string {
  const key = ip.endsWith('::/64') ? ip : rateLimitKey(ip);
  if (!key.endsWith('::/64')) return key;
  return `${key.split(':').slice(0, 3).join(':')}::/48`;
}
