import { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { EgressAllowlist, egressPermitted } from './egress-allowlist';

/** `code` of {@link EgressRefusedError}, for callers that only see a plain error. */
export const EGRESS_REFUSED_CODE = 'CCH_EGRESS_REFUSED';

/**
 * The egress guard refused a connection: the host is, or resolves to, a forbidden address
 * (loopback, private, link-local…) that neither the provider nor `EGRESS_ALLOWLIST` permits.
 * Deterministic — retrying the same target cannot succeed — and no byte was sent to it.
 */
export class EgressRefusedError extends Error {
  readonly code = EGRESS_REFUSED_CODE;

  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(
      hostname === address
        ? `egress refused: ${address} is not a permitted address`
        : `egress refused: ${hostname} resolves to ${address}, which is not a permitted address`,
    );
    this.name = 'EgressRefusedError';
  }
}

/** Whether `error` (or an error it wraps as `cause`) is the egress guard's refusal. */
export function isEgressRefused(error: unknown): boolean {
  for (let current = error, depth = 0; depth < 5; depth += 1) {
    if (current instanceof EgressRefusedError) return true;
    if (!(current instanceof Error)) return false;
    if ((current as Error & { code?: unknown }).code === EGRESS_REFUSED_CODE) return true;
    current = current.cause;
  }
  return false;
}

/** Resolves a host name to every address it has (like `dns.lookup(host, { all: true })`). */
export type EgressResolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: EgressResolver = (hostname) =>
  dnsLookup(hostname, { all: true, order: 'verbatim' });

export interface EgressGuardOptions {
  allowlist: EgressAllowlist;
  /** The provider is explicitly permitted to reach private addresses: no address checks. */
  allowPrivate?: boolean;
  /** DNS resolution; defaults to the system resolver. Tests substitute their own. */
  resolve?: EgressResolver;
}

export interface GuardedAgentOptions extends EgressGuardOptions {
  connectTimeoutMs?: number;
  /** Pool options of the agent; `connect` is the guard's and cannot be replaced. */
  agent?: Omit<Agent.Options, 'connect'>;
}

function refusalOf(
  options: EgressGuardOptions,
  hostname: string,
  addresses: readonly string[],
): EgressRefusedError | null {
  if (options.allowPrivate === true) return null;
  const refused = addresses.find(
    (address) => !egressPermitted(options.allowlist, hostname, address),
  );
  return refused === undefined ? null : new EgressRefusedError(hostname, refused);
}

/**
 * A `lookup` for `net.connect`: resolves the name once, refuses when ANY address is forbidden,
 * and hands exactly the checked addresses to the socket — it connects to them without resolving
 * again, so a DNS answer that changes between check and connect (rebinding) cannot slip past.
 */
export function guardedLookup(options: EgressGuardOptions): LookupFunction {
  const resolve = options.resolve ?? systemResolver;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (resolved) => {
        const refusal = refusalOf(
          options,
          hostname,
          resolved.map((entry) => entry.address),
        );
        if (refusal) return callback(refusal, []);
        const family = lookupOptions.family;
        const wanted =
          family === 4 || family === 'IPv4' ? 4 : family === 6 || family === 'IPv6' ? 6 : 0;
        const usable = resolved.filter((entry) => wanted === 0 || entry.family === wanted);
        const first = usable[0];
        if (first === undefined) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, []);
        }
        if (lookupOptions.all === true) return callback(null, usable);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}

/**
 * An undici connector that applies the egress guard. Host names go through
 * {@link guardedLookup}; IP literals (which `net.connect` would never look up) are judged
 * directly. WHATWG URL parsing has already turned `2130706433` or `0x7f.1` into `127.0.0.1`.
 */
export function guardedConnector(
  options: EgressGuardOptions & { connectTimeoutMs?: number },
): buildConnector.connector {
  const connect = buildConnector({
    timeout: options.connectTimeoutMs,
    lookup: guardedLookup(options),
  });
  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    if (isIP(hostname) !== 0) {
      const refusal = refusalOf(options, hostname, [hostname]);
      if (refusal) {
        process.nextTick(() => callback(refusal, null));
        return;
      }
    }
    connect(connectOptions, callback);
  };
}

/**
 * The only way CCH should build an outbound connection pool: every connection it opens passes
 * the egress guard. It does not follow redirects (undici's `request` never does; a 3xx is an
 * answer), so a permitted host cannot bounce a request to a forbidden one.
 */
export function createGuardedAgent(options: GuardedAgentOptions): Agent {
  return new Agent({ ...options.agent, connect: guardedConnector(options) });
}
