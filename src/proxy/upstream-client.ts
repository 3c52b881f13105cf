import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, Dispatcher, request } from 'undici';
import { ProviderTimeouts } from '../providers/provider.entity';

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
  signal: AbortSignal;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * All outbound provider traffic. One keep-alive connection pool per provider (created once, not
 * per request), with the provider's connect timeout; first-byte and idle timeouts apply per
 * request. undici.request never follows redirects: a 3xx is just a failed attempt.
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly agents = new Map<string, Agent>();

  send(upstream: UpstreamRequest): Promise<UpstreamResponse> {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...upstream.timeouts };
    return request(upstream.url, {
      method: upstream.method,
      headers: upstream.headers,
      body: upstream.body,
      signal: upstream.signal,
      dispatcher: this.agentFor(upstream.providerId, timeouts.connectMs),
      headersTimeout: timeouts.firstByteMs,
      bodyTimeout: timeouts.idleMs,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.agents.values()].map((agent) => agent.close().catch(() => undefined)),
    );
    this.agents.clear();
  }

  private agentFor(providerId: string, connectMs: number): Agent {
    const key = `${providerId}:${connectMs}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        connect: { timeout: connectMs },
        keepAliveTimeout: 30_000,
        connections: 256,
        pipelining: 1,
      });
      this.agents.set(key, agent);
    }
    return agent;
  }
}
