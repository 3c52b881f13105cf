import { isForbiddenAddress, parseAddress, parseCidr, parseIpv4Loose } from './address-policy';

/** The host a URL really names, brackets off: what undici hands the connector. */
const urlHost = (url: string): string => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');

describe('isForbiddenAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, top of range'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8, top'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12, top'],
    ['192.168.1.1', 'private 192.168/16'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT, top'],
    ['169.254.169.254', 'link-local / cloud metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast, SSDP'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['[::1]', 'IPv6 loopback in brackets'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with zone'],
    ['febf:ffff::1', 'IPv6 link-local, top of fe80::/10'],
    ['fc00::1', 'unique-local fc00::/7'],
    ['fd12:3456:789a::1', 'unique-local fd00::/8'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:10.1.2.3', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'IPv4-mapped 192.168.1.1, long form'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of 169.254.169.254'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2001:db8::1', 'documentation'],
  ])('forbids %s (%s)', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each([
    ['1.1.1.1'],
    ['8.8.8.8'],
    ['172.15.255.255'],
    ['172.32.0.1'],
    ['100.63.255.255'],
    ['100.128.0.1'],
    ['169.253.255.255'],
    ['192.169.0.1'],
    ['11.0.0.1'],
    ['223.255.255.255'],
    ['2606:4700:4700::1111'],
    ['2a00:1450:4001:80b::200e'],
    ['::ffff:8.8.8.8'],
    ['64:ff9b::808:808'],
    ['2002:808:808::1'],
  ])('permits public %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it('fails closed on anything that is not an address', () => {
    for (const text of ['', 'localhost', 'example.com', '1.2.3.4.5', '256.1.1.1', ':::', 'x::1']) {
      expect(isForbiddenAddress(text)).toBe(true);
    }
  });

  it('judges decimal, hex and octal IPv4 spellings by the address they stand for', () => {
    for (const text of [
      '2130706433',
      '0x7f.1',
      '0x7f000001',
      '017700000001',
      '0177.0.0.1',
      '127.1',
    ]) {
      expect(isForbiddenAddress(text)).toBe(true);
    }
    expect(isForbiddenAddress('0xa9.0xfe.0xa9.0xfe')).toBe(true); // 169.254.169.254
    expect(isForbiddenAddress('134744072')).toBe(false); // 8.8.8.8
  });
});

describe('literal hosts through WHATWG URL parsing', () => {
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7F000001/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe'],
    ['http://[::]/', '::'],
    ['http://[fc00::1]/', 'fc00::1'],
  ])('%s becomes %s, which is forbidden', (url, host) => {
    expect(urlHost(url)).toBe(host);
    expect(isForbiddenAddress(urlHost(url))).toBe(true);
  });

  it('rejects numeric hosts that are out of range instead of wrapping them', () => {
    expect(() => new URL('http://0x100000000/')).toThrow();
    expect(() => new URL('http://1.2.3.256/')).toThrow();
  });
});

describe('parsing', () => {
  it('parses loose IPv4 forms', () => {
    expect(Array.from(parseIpv4Loose('127.1') ?? [])).toEqual([127, 0, 0, 1]);
    expect(Array.from(parseIpv4Loose('1.2.3') ?? [])).toEqual([1, 2, 0, 3]);
    expect(Array.from(parseIpv4Loose('0x0a.010.0.1') ?? [])).toEqual([10, 8, 0, 1]);
    expect(Array.from(parseIpv4Loose('1.2.3.4.') ?? [])).toEqual([1, 2, 3, 4]);
    expect(parseIpv4Loose('1.2.3.4.5')).toBeNull();
    expect(parseIpv4Loose('4294967296')).toBeNull();
    expect(parseIpv4Loose('1.256.0.1')).toBeNull();
    expect(parseIpv4Loose('08')).toBeNull();
    expect(parseIpv4Loose('a.b.c.d')).toBeNull();
  });

  it('parses IPv6 with compression and an embedded IPv4 tail', () => {
    expect(Array.from(parseAddress('::ffff:1.2.3.4')?.bytes ?? [])).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4,
    ]);
    expect(Array.from(parseAddress('1::')?.bytes ?? []).slice(0, 2)).toEqual([0, 1]);
    expect(parseAddress('1:2:3:4:5:6:7:8')?.bytes[15]).toBe(8);
    expect(parseAddress('1:2:3:4:5:6:7:8:9')).toBeNull();
  });

  it('parses CIDRs strictly', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ family: 4, prefix: 8 });
    expect(parseCidr('127.0.0.1')).toMatchObject({ family: 4, prefix: 32 });
    expect(parseCidr('::1/128')).toMatchObject({ family: 6, prefix: 128 });
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('10.0.0.0/')).toBeNull();
    expect(parseCidr('0x7f.1/32')).toBeNull();
    expect(parseCidr('example.com/32')).toBeNull();
  });
});
