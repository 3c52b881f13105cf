import {
  Cidr,
  cidrContains,
  effectiveAddress,
  isForbiddenAddress,
  parseAddress,
  parseCidr,
  parseIpv4Loose,
} from './address-policy';

/**
 * Explicit permission to reach otherwise forbidden addresses (see `isForbiddenAddress`): host
 * names (`relay.internal`, or `*.corp.example` for any subdomain) and CIDR ranges
 * (`10.20.0.0/16`, `127.0.0.1/32`, `::1/128`; a bare address is a single host).
 *
 * A host-name entry permits whatever that name resolves to; a CIDR entry permits the resolved
 * (or literal) addresses inside it, whatever name led there.
 */
export interface EgressAllowlist {
  readonly hosts: ReadonlySet<string>;
  /** From `*.suffix` entries, kept as `.suffix`. */
  readonly hostSuffixes: readonly string[];
  readonly cidrs: readonly Cidr[];
}

export const EMPTY_ALLOWLIST: EgressAllowlist = { hosts: new Set(), hostSuffixes: [], cidrs: [] };

/** The default allowlist of NODE_ENV=development: the machine itself (local relays, mocks). */
export const DEVELOPMENT_ALLOWLIST_ENTRIES: readonly string[] = [
  '127.0.0.0/8',
  '::1/128',
  'localhost',
];

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

const normaliseHost = (host: string): string =>
  host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');

type Entry =
  | { kind: 'cidr'; cidr: Cidr }
  | { kind: 'host'; host: string }
  | { kind: 'suffix'; suffix: string };

function parseEntry(raw: string): Entry | null {
  const text = raw.trim();
  if (text.includes('/') || text.includes(':')) {
    const cidr = parseCidr(text);
    return cidr ? { kind: 'cidr', cidr } : null;
  }
  // Anything URL parsing would read as an IPv4 address (`127.1`, `0x7f.1`) is one, never a host
  // name; only the canonical dotted form is accepted in configuration.
  if (parseIpv4Loose(text) !== null) {
    const cidr = parseCidr(text);
    return cidr ? { kind: 'cidr', cidr } : null;
  }
  const host = normaliseHost(text);
  // URL parsing rejects a host whose last label is a number (`1.2.3.256`): no URL can match it.
  if (/(^|\.)(0x[0-9a-f]*|[0-9]+)$/.test(host)) return null;
  if (host.startsWith('*.')) {
    const suffix = host.slice(2);
    return HOST_NAME.test(suffix) ? { kind: 'suffix', suffix: `.${suffix}` } : null;
  }
  return HOST_NAME.test(host) ? { kind: 'host', host } : null;
}

/** For the env schema's validator: is this one well-formed allowlist entry? */
export function isValidAllowlistEntry(entry: string): boolean {
  return parseEntry(entry) !== null;
}

/** Builds an allowlist; throws on a malformed entry (configuration is validated at boot). */
export function parseEgressAllowlist(entries: readonly string[]): EgressAllowlist {
  const hosts = new Set<string>();
  const hostSuffixes: string[] = [];
  const cidrs: Cidr[] = [];
  for (const raw of entries) {
    if (raw.trim() === '') continue;
    const entry = parseEntry(raw);
    if (entry === null) throw new Error(`invalid EGRESS_ALLOWLIST entry: ${raw}`);
    if (entry.kind === 'cidr') cidrs.push(entry.cidr);
    else if (entry.kind === 'host') hosts.add(entry.host);
    else hostSuffixes.push(entry.suffix);
  }
  return { hosts, hostSuffixes, cidrs };
}

/** The subset of the environment the allowlist depends on. */
export interface EgressEnv {
  NODE_ENV: string;
  /** Comma-separated string or already split list; undefined means "the NODE_ENV default". */
  EGRESS_ALLOWLIST?: string | readonly string[];
}

/**
 * The allowlist in force: `EGRESS_ALLOWLIST` when set (an empty list permits nothing);
 * otherwise loopback in development and nothing in production and test.
 */
export function egressAllowlistFromEnv(env: EgressEnv): EgressAllowlist {
  const raw = env.EGRESS_ALLOWLIST;
  if (raw === undefined) {
    return env.NODE_ENV === 'development'
      ? parseEgressAllowlist(DEVELOPMENT_ALLOWLIST_ENTRIES)
      : EMPTY_ALLOWLIST;
  }
  return parseEgressAllowlist(typeof raw === 'string' ? raw.split(',') : raw);
}

export function hostAllowed(allowlist: EgressAllowlist, hostname: string): boolean {
  const host = normaliseHost(hostname);
  return (
    allowlist.hosts.has(host) || allowlist.hostSuffixes.some((suffix) => host.endsWith(suffix))
  );
}

export function addressAllowed(allowlist: EgressAllowlist, ip: string): boolean {
  const parsed = parseAddress(ip);
  if (parsed === null) return false;
  const candidates = [parsed, effectiveAddress(parsed)];
  return allowlist.cidrs.some((cidr) =>
    candidates.some((candidate) => cidrContains(cidr, candidate)),
  );
}

/**
 * Whether a connection to `address`, reached through `hostname`, is permitted: public
 * addresses always are; forbidden ones only with the host name or the address allow-listed.
 */
export function egressPermitted(
  allowlist: EgressAllowlist,
  hostname: string,
  address: string,
): boolean {
  return (
    !isForbiddenAddress(address) ||
    hostAllowed(allowlist, hostname) ||
    addressAllowed(allowlist, address)
  );
}
