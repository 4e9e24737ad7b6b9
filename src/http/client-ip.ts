import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * The client's address for rate limits. Without a trusted proxy it is the socket's peer and
 * X-Forwarded-For is ignored (anyone can send it). Behind a trusted proxy it is the right-most
 * X-Forwarded-For entry: the one our own proxy appended. The entries left of it were written by the
 * client and would let it pick a fresh address for every request.
 *
 * IPv6 clients are keyed by their /64: one subscriber line usually holds a whole /64.
 */
export function clientIp(req: FastifyRequest, trustProxy: boolean): string {
  let ip = req.socket.remoteAddress ?? '';
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim()).filter(Boolean).at(-1);
    if (last !== undefined && isIP(last) !== 0) ip = last;
  }
  return rateLimitKey(ip);
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
