import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, Dispatcher, request } from 'undici';
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
    return request(upstream.url, {
      method: upstream.method,
      headers: upstream.headers,
      body: upstream.body,
      signal: upstream.signal,
      dispatcher: this.agentFor(
        upstream.providerId,
        timeouts.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
        upstream.allowPrivate === true,
      ),
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
