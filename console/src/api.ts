/**
 * The console's only way to the server: the documented admin API under /api, same origin.
 * The credential lives in sessionStorage (gone when the tab closes) and travels only in the
 * Authorization header: never in a URL, never logged.
 */
const CREDENTIAL_KEY = 'cch.console.credential';

export type Role = 'admin' | 'finance' | 'user';

export interface Session {
  kind: 'admin-token' | 'user';
  role: Role;
  userId: string | null;
  userName: string | null;
  keyId: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function storedCredential(): string | null {
  return sessionStorage.getItem(CREDENTIAL_KEY);
}

export function storeCredential(credential: string | null): void {
  if (credential === null) sessionStorage.removeItem(CREDENTIAL_KEY);
  else sessionStorage.setItem(CREDENTIAL_KEY, credential);
}

/** Called when the server says the stored credential no longer works. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function request(
  method: string,
  path: string,
  body?: unknown,
  credential = storedCredential(),
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credential) headers.authorization = `Bearer ${credential}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!response.ok) {
    const message = await errorMessage(response);
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, message);
  }
  return response;
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: unknown };
    if (Array.isArray(body.message)) return body.message.join('; ');
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: fall through to the status line.
  }
  return `${response.status} ${response.statusText}`;
}

export const api = {
  async get<T>(path: string, query?: Query): Promise<T> {
    return (await (await request('GET', withQuery(path, query))).json()) as T;
  },
  async post<T>(path: string, body: unknown = {}): Promise<T> {
    const response = await request('POST', path, body);
    return (response.status === 204 ? undefined : await response.json()) as T;
  },
  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await (await request('PATCH', path, body)).json()) as T;
  },
  async del(path: string): Promise<void> {
    await request('DELETE', path);
  },
  /** Downloads a CSV through the authenticated API (a plain link could not carry the header). */
  async download(path: string, query: Query, fallbackName: string): Promise<void> {
    const response = await request('GET', withQuery(path, query));
    const disposition = response.headers.get('content-disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  },
  /** Checks a credential before it is stored. */
  async login(credential: string): Promise<Session> {
    const response = await request('GET', '/api/session', undefined, credential);
    return (await response.json()) as Session;
  },
};
