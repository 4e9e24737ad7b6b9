export interface SmppEndpoint {
  host: string;
  port: number;
  systemId: string;
  password: string;
}

const DEFAULT_PORT = 2775;
// SMPP 3.4 (5.2.1, 5.2.2): C-Octet strings of at most 16 and 9 octets, the NUL included.
const MAX_SYSTEM_ID = 15;
const MAX_PASSWORD = 8;

// The URL carries a password: errors name the host at most, never the whole URL.
function invalid(reason: string): Error {
  return new Error(`Invalid SMPP URL: ${reason} (expected smpp://system_id:password@host:port)`);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`${what} is not valid percent-encoding`);
  }
}

/** Parses smpp://system_id:password@host:port (port 2775 when omitted). */
export function parseSmppUrl(url: string): SmppEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('not a URL');
  }
  if (u.protocol !== 'smpp:') throw invalid(`scheme "${u.protocol}" is not smpp:`);
  if (u.hostname === '') throw invalid('no host');
  if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') {
    throw invalid(`unexpected path, query or fragment on host ${u.hostname}`);
  }
  const port = u.port === '' ? DEFAULT_PORT : Number(u.port);
  if (port === 0) throw invalid(`port 0 on host ${u.hostname}`);

  const systemId = decode(u.username, 'system_id');
  const password = decode(u.password, 'password');
  if (systemId === '') throw invalid(`no system_id for host ${u.hostname}`);
  if (systemId.length > MAX_SYSTEM_ID) throw invalid(`system_id longer than ${MAX_SYSTEM_ID} characters`);
  if (password.length > MAX_PASSWORD) throw invalid(`password longer than ${MAX_PASSWORD} characters`);
  // The package writes these as ASCII: anything else would reach the SMSC mangled.
  if (!/^[\x20-\x7e]*$/.test(systemId + password)) throw invalid('system_id and password must be printable ASCII');

  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port, systemId, password };
}
