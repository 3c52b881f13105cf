import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, Dispatcher, errors } from 'undici';
import { boundedMemo } from '../common/cache/bounded-memo';
import { EgressAllowlist, egressAllowlistFromEnv } from '../common/egress/egress-allowlist';
import { createGuardedAgent } from '../common/egress/guarded-agent';
import { AppConfig } from '../config/app-config';
import { ProviderTimeouts } from '../providers/provider.entity';
import { ClientAbort } from './client-abort';

export const DEFAULT_TIMEOUTS: Required<ProviderTimeouts> = {
  connectMs: 10_000,
  firstByteMs: 120_000,
  idleMs: 300_000,
};

export interface UpstreamRequest {
  providerId: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Buffer;
  timeouts: ProviderTimeouts;
  /** The client's hang-up (proxy requests) or a deadline (health probes). */
  signal: AbortSignal | ClientAbort;
  /**
   * The provider may reach private/loopback addresses (an operator's explicit per-provider
   * permission). Absent or false: only public addresses and those `EGRESS_ALLOWLIST` permits.
   */
  allowPrivate?: boolean;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** Where a request goes, as undici's `request(url)` would derive it from the URL. */
interface UpstreamTarget {
  origin: string;
  path: string;
}

/**
 * The origin and path of an upstream URL, parsed once per distinct URL: undici's top-level
 * `request(url, …)` parses the text with `new URL` and copies the options on every call, which
 * showed in profiles of the hot path. Distinct upstream URLs are few (provider × endpoint ×
 * query); one over 2 KB (a client's long query string) is parsed each time, so the memo stays
 * small.
 */
export const targetOf = boundedMemo(parseTarget, 1_000, 2_048);

function parseTarget(url: string): UpstreamTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new errors.InvalidArgumentError(
      'Invalid URL protocol: the URL must start with `http:` or `https:`.',
    );
  }
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

/**
 * All outbound HTTP (provider requests and health probes). One keep-alive connection pool per
 * provider (created once, not per request), with the provider's connect timeout; first-byte and
 * idle timeouts apply per request. Every pool is egress-guarded (see `createGuardedAgent`): a
 * host that is or resolves to a loopback/private/link-local… address is refused with
 * `EgressRefusedError` before any byte is sent, unless permitted. undici.request never follows
 * redirects: a 3xx is just a failed attempt.
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly agents = new Map<string, Agent>();
  private readonly allowlist: EgressAllowlist;

  constructor(config: AppConfig) {
    this.allowlist = egressAllowlistFromEnv(config.env);
  }

  send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
    const { timeouts } = upstream;
    const { origin, path } = targetOf(upstream.url);
    const agent = this.agentFor(
      upstream.providerId,
      timeouts.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
      upstream.allowPrivate === true,
    );
    return agent.request({
      origin,
      path,
      method: upstream.method,
      headers: upstream.headers,
      body: upstream.body,
      signal: upstream.signal,
      headersTimeout: timeouts.firstByteMs ?? DEFAULT_TIMEOUTS.firstByteMs,
      bodyTimeout: timeouts.idleMs ?? DEFAULT_TIMEOUTS.idleMs,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.agents.values()].map((agent) => agent.close().catch(() => undefined)),
    );
    this.agents.clear();
  }

  private agentFor(providerId: string, connectMs: number, allowPrivate: boolean): Agent {
    const key = `${providerId}:${connectMs}:${allowPrivate ? 'private' : 'public'}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = createGuardedAgent({
        allowlist: this.allowlist,
        allowPrivate,
        connectTimeoutMs: connectMs,
        agent: { keepAliveTimeout: 30_000, connections: 256, pipelining: 1 },
      });
      this.agents.set(key, agent);
    }
    return agent;
  }
}
