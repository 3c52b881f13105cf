import { LookupAddress } from 'node:dns';
import { Socket } from 'node:net';
import { parseEgressAllowlist } from './egress-allowlist';
import {
  EgressRefusedError,
  EgressResolver,
  guardedConnector,
  guardedLookup,
  isEgressRefused,
} from './guarded-agent';

const none = parseEgressAllowlist([]);

const resolverOf =
  (answers: Record<string, LookupAddress[]>): EgressResolver =>
  (hostname) =>
    Promise.resolve(answers[hostname] ?? []);

interface LookupOutcome {
  error: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
}

const lookupWith = (
  resolve: EgressResolver,
  hostname: string,
  all: boolean,
  allowPrivate = false,
): Promise<LookupOutcome> =>
  new Promise((done) => {
    guardedLookup({ allowlist: none, allowPrivate, resolve })(
      hostname,
      { all },
      (error, address, family) => done({ error, address, family }),
    );
  });

describe('guardedLookup', () => {
  const resolve = resolverOf({
    'public.example': [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ],
    'mixed.example': [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ],
    'mapped.example': [{ address: '::ffff:169.254.169.254', family: 6 }],
  });

  it('hands over exactly the resolved public addresses', async () => {
    const all = await lookupWith(resolve, 'public.example', true);
    expect(all.error).toBeNull();
    expect(all.address).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
    const one = await lookupWith(resolve, 'public.example', false);
    expect(one).toEqual({ error: null, address: '93.184.215.14', family: 4 });
  });

  it('refuses when any resolved address is forbidden', async () => {
    const outcome = await lookupWith(resolve, 'mixed.example', true);
    expect(outcome.error).toBeInstanceOf(EgressRefusedError);
    expect(outcome.error).toMatchObject({ hostname: 'mixed.example', address: '10.0.0.5' });
    expect(isEgressRefused(outcome.error)).toBe(true);
  });

  it('refuses IPv4-mapped forbidden answers', async () => {
    const outcome = await lookupWith(resolve, 'mapped.example', false);
    expect(outcome.error).toBeInstanceOf(EgressRefusedError);
  });

  it('lets an allowPrivate provider through', async () => {
    const outcome = await lookupWith(resolve, 'mixed.example', true, true);
    expect(outcome.error).toBeNull();
  });

  it('reports a name without addresses as not found', async () => {
    const outcome = await lookupWith(resolve, 'nothing.example', true);
    expect(outcome.error?.code).toBe('ENOTFOUND');
  });
});

describe('guardedConnector', () => {
  it('refuses forbidden IP literals without resolving or connecting', async () => {
    const resolve = jest.fn<Promise<LookupAddress[]>, [string]>();
    const connect = guardedConnector({ allowlist: none, resolve });
    const error = await new Promise<Error | null>((done) =>
      connect(
        { hostname: '127.0.0.1', host: '127.0.0.1:1', protocol: 'http:', port: '1' },
        (err: Error | null, socket: Socket | null) => {
          socket?.destroy();
          done(err);
        },
      ),
    );
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(resolve).not.toHaveBeenCalled();
  });
});

describe('isEgressRefused', () => {
  it('sees the refusal through wrapping causes and by code', () => {
    const refusal = new EgressRefusedError('h', '10.0.0.1');
    expect(isEgressRefused(new Error('wrapped', { cause: refusal }))).toBe(true);
    expect(isEgressRefused(Object.assign(new Error('x'), { code: 'CCH_EGRESS_REFUSED' }))).toBe(
      true,
    );
    expect(isEgressRefused(new Error('ECONNREFUSED'))).toBe(false);
    expect(isEgressRefused('string')).toBe(false);
  });
});
