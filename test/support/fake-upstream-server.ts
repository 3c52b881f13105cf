import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | null;
  rawBody: string;
}

/**
 * The plumbing every fake upstream shares: a loopback HTTP server, the requests it received, a
 * queue of scripted behaviours with a fallback, and a close that also cuts kept-alive sockets.
 * Subclasses only answer.
 */
export abstract class FakeUpstreamServer<Behaviour> {
  readonly requests: RecordedRequest[] = [];
  /** Requests whose client went away before the answer ended (the gateway aborted them). */
  abortedRequests = 0;
  private readonly server = createServer();
  private readonly sockets = new Set<Socket>();
  private readonly queue: Behaviour[] = [];
  private fallback: Behaviour;

  protected constructor(private readonly defaultBehaviour: Behaviour) {
    this.fallback = defaultBehaviour;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Behaviours for the next requests, in order; after them the fallback applies. */
  enqueue(...behaviours: Behaviour[]): void {
    this.queue.push(...behaviours);
  }

  always(behaviour: Behaviour): void {
    this.queue.length = 0;
    this.fallback = behaviour;
  }

  reset(): void {
    this.queue.length = 0;
    this.fallback = this.defaultBehaviour;
    this.requests.length = 0;
    this.abortedRequests = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Starts listening on a free loopback port. */
  protected async listen(): Promise<void> {
    this.server.on('request', (request, response) => void this.receive(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  /** The behaviour for the request being answered. */
  protected nextBehaviour(): Behaviour {
    return this.queue.shift() ?? this.fallback;
  }

  /** Answers one request, already read and recorded. */
  protected abstract answer(
    request: IncomingMessage,
    response: ServerResponse,
    recorded: RecordedRequest,
  ): Promise<void>;

  private async receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: parseJson(rawBody),
      rawBody,
    };
    this.requests.push(recorded);
    await this.answer(request, response, recorded);
  }
}

function parseJson(raw: string): Record<string, unknown> | null {
  try {
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
