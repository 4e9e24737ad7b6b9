import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * The client's address for rate limits and the audit trail: Fastify's `req.ip`, so the request log
 * takes the same one. Fastify applies TRUST_PROXY: without it the socket's peer (X-Forwarded-For is
 * ignored: anyone can send it); with a hop count or the proxies' addresses, the first address not
 * of a trusted proxy, counting from the right: the entries left of it were written by the client
 * and would let it pick a fresh address for every request.
 *
 * IPv6 clients are keyed by their /64: one subscriber line usually holds a whole /64.
 */
export function clientIp(req: FastifyRequest): string {
  return rateLimitKey(req.ip);
}

/**
 * TRUST_PROXY as Fastify's `trustProxy`. Fastify refuses a bare hop count (it cannot tell the proxy
 * from a client at the socket), so a count becomes "the first n addresses from the right are our
 * proxies": the operator who sets it says the port is reachable only through them.
 */
export function trustProxyOption(setting: false | number | readonly string[]): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting === false ? false : [...setting];
}

/** '::ffff:1.2.3.4' → '1.2.3.4'; IPv6 → its /64 prefix ('2001:db8:1:2::/64'); unknown → 'unknown'. */
export function rateLimitKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (isIP(ip) === 4) return ip;
  if (isIP(ip) !== 6) return 'unknown';
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) stands for two groups.
  const width = right.length + (right.at(-1)?.includes('.') ? 1 : 0);
  const fill = tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - width)).fill('0');
  return [...left, ...fill, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}
