import {
  addressAllowed,
  egressAllowlistFromEnv,
  egressPermitted,
  hostAllowed,
  isValidAllowlistEntry,
  parseEgressAllowlist,
} from './egress-allowlist';

describe('egress allowlist', () => {
  const allowlist = parseEgressAllowlist([
    '127.0.0.1/32',
    '10.20.0.0/16',
    '::1/128',
    'relay.internal',
    '*.corp.example',
  ]);

  it('permits public addresses whatever the list says', () => {
    expect(egressPermitted(parseEgressAllowlist([]), 'api.anthropic.com', '160.79.104.10')).toBe(
      true,
    );
  });

  it('permits forbidden addresses inside an allow-listed CIDR', () => {
    expect(egressPermitted(allowlist, 'x', '127.0.0.1')).toBe(true);
    expect(egressPermitted(allowlist, 'x', '127.0.0.2')).toBe(false);
    expect(egressPermitted(allowlist, 'x', '10.20.3.4')).toBe(true);
    expect(egressPermitted(allowlist, 'x', '10.21.0.1')).toBe(false);
    expect(egressPermitted(allowlist, 'x', '::1')).toBe(true);
  });

  it('judges IPv4-mapped addresses by their IPv4 address', () => {
    expect(addressAllowed(allowlist, '::ffff:127.0.0.1')).toBe(true);
    expect(addressAllowed(allowlist, '::ffff:127.0.0.2')).toBe(false);
  });

  it('permits allow-listed host names, case- and trailing-dot-insensitively', () => {
    expect(egressPermitted(allowlist, 'relay.internal', '10.9.9.9')).toBe(true);
    expect(hostAllowed(allowlist, 'RELAY.internal.')).toBe(true);
    expect(hostAllowed(allowlist, 'evil-relay.internal')).toBe(false);
    expect(hostAllowed(allowlist, 'a.corp.example')).toBe(true);
    expect(hostAllowed(allowlist, 'corp.example')).toBe(false);
    expect(hostAllowed(allowlist, 'xcorp.example')).toBe(false);
  });

  it('validates entries', () => {
    for (const good of ['127.0.0.1/32', '::1/128', '10.0.0.1', 'localhost', 'a-b.c_d.e', '*.x.y']) {
      expect(isValidAllowlistEntry(good)).toBe(true);
    }
    for (const bad of ['10.0.0.0/33', '0x7f.1', '1.2.3.256', 'http://x', '*', 'a b', '::1/129']) {
      expect(isValidAllowlistEntry(bad)).toBe(false);
    }
    expect(() => parseEgressAllowlist(['10.0.0.0/99'])).toThrow(/EGRESS_ALLOWLIST/);
  });

  describe('from the environment', () => {
    it('defaults to loopback in development', () => {
      const dev = egressAllowlistFromEnv({ NODE_ENV: 'development' });
      expect(egressPermitted(dev, 'localhost', '127.0.0.1')).toBe(true);
      expect(egressPermitted(dev, '127.0.0.1', '127.0.0.1')).toBe(true);
      expect(egressPermitted(dev, '::1', '::1')).toBe(true);
      expect(egressPermitted(dev, 'x', '10.0.0.1')).toBe(false);
      expect(egressPermitted(dev, 'x', '169.254.169.254')).toBe(false);
    });

    it('defaults to nothing in production and test', () => {
      for (const NODE_ENV of ['production', 'test']) {
        const list = egressAllowlistFromEnv({ NODE_ENV });
        expect(egressPermitted(list, 'localhost', '127.0.0.1')).toBe(false);
      }
    });

    it('takes EGRESS_ALLOWLIST as a string or a list, replacing the default', () => {
      const fromString = egressAllowlistFromEnv({
        NODE_ENV: 'development',
        EGRESS_ALLOWLIST: ' 10.0.0.0/8 , relay.internal ',
      });
      expect(egressPermitted(fromString, 'x', '10.1.1.1')).toBe(true);
      expect(egressPermitted(fromString, 'relay.internal', '192.168.0.1')).toBe(true);
      expect(egressPermitted(fromString, 'x', '127.0.0.1')).toBe(false);
      const fromList = egressAllowlistFromEnv({
        NODE_ENV: 'production',
        EGRESS_ALLOWLIST: ['127.0.0.1/32'],
      });
      expect(egressPermitted(fromList, 'x', '127.0.0.1')).toBe(true);
      expect(
        egressPermitted(
          egressAllowlistFromEnv({ NODE_ENV: 'development', EGRESS_ALLOWLIST: [] }),
          'x',
          '127.0.0.1',
        ),
      ).toBe(false);
    });
  });
});
