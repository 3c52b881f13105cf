import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses outbound requests may reach. Pure: no DNS, no I/O.
 *
 * An address is forbidden when it is not a public unicast address: loopback, RFC 1918 private,
 * CGNAT, link-local (which holds cloud metadata endpoints such as 169.254.169.254), multicast,
 * unspecified, reserved, IPv6 unique-local and the like. IPv6 forms that carry an IPv4 address
 * (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that
 * IPv4 address.
 */

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export interface ParsedAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

const V4_FORBIDDEN: readonly string[] = [
  '0.0.0.0/8', // "this network", includes the unspecified 0.0.0.0
  '10.0.0.0/8', // private
  '100.64.0.0/10', // CGNAT shared address space
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes broadcast 255.255.255.255
];

const V6_FORBIDDEN: readonly string[] = [
  '::/96', // unspecified, loopback and the deprecated IPv4-compatible form
  '100::/64', // discard-only
  '2001:db8::/32', // documentation
  '64:ff9b:1::/48', // local-use NAT64
  'fc00::/7', // unique-local
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
];

/** IPv6 prefixes whose low bits carry an IPv4 address, judged by that address. */
const V4_MAPPED = mustParseCidr('::ffff:0:0/96');
const NAT64 = mustParseCidr('64:ff9b::/96');
const SIX_TO_FOUR = mustParseCidr('2002::/16');

const FORBIDDEN_V4 = V4_FORBIDDEN.map(mustParseCidr);
const FORBIDDEN_V6 = V6_FORBIDDEN.map(mustParseCidr);

/**
 * Parses an IPv4 address the way WHATWG URL hosts and `inet_aton` do: one to four parts, each
 * decimal, octal (leading `0`) or hex (`0x`), the last filling the remaining bytes. So
 * `2130706433`, `0x7f.1`, `017700000001` and `127.1` all are 127.0.0.1. Null when it is not one.
 */
export function parseIpv4Loose(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = parseIpv4Part(part);
    if (value === null) return null;
    numbers.push(value);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((value) => value > 255)) return null;
  if (last >= 256 ** (4 - numbers.length)) return null;
  const bytes = new Uint8Array(4);
  numbers.forEach((value, index) => (bytes[index] = value));
  let rest = last;
  for (let index = 3; index >= numbers.length; index -= 1) {
    bytes[index] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return bytes;
}

function parseIpv4Part(part: string): number | null {
  if (part === '') return null;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === '') return 0;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  const pattern = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return null;
  const value = parseInt(digits, radix);
  // Anything above 2^32 cannot be an address; the bound also keeps the arithmetic exact.
  return Number.isSafeInteger(value) && value < 2 ** 32 ? value : null;
}

/** Parses a canonical IPv6 address (zone ids allowed) into 16 bytes. */
function parseIpv6(text: string): Uint8Array | null {
  let address = text.split('%')[0] ?? '';
  if (!isIPv6(address)) return null;
  // A trailing dotted quad (`::ffff:1.2.3.4`) becomes the two hex groups it stands for.
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = isIPv4(tail) ? parseIpv4Loose(tail) : null;
    if (v4 === null) return null;
    const high = (((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16);
    const low = (((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16);
    address = `${address.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const [head = '', rest] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  if (fill < 0) return null;
  const groups = [
    ...headGroups.map((group) => parseInt(group, 16)),
    ...Array<number>(fill).fill(0),
    ...restGroups.map((group) => parseInt(group, 16)),
  ];
  if (groups.length !== 8 || groups.some((group) => !Number.isInteger(group))) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/**
 * Parses an IP address: canonical IPv4 and IPv6 (with or without `[...]` and zone id), plus the
 * loose IPv4 forms of {@link parseIpv4Loose}. Null for anything else, host names included.
 */
export function parseAddress(text: string): ParsedAddress | null {
  let address = text.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  if (address.includes(':')) {
    const bytes = parseIpv6(address);
    return bytes ? { family: 6, bytes } : null;
  }
  const bytes = parseIpv4Loose(address);
  return bytes ? { family: 4, bytes } : null;
}

/** `a.b.c.d/n` or `x::y/n`; a bare address is a single-host range. Null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  // Configuration takes canonical addresses only: `0x7f.1/32` is more likely a typo than intent.
  const bare = addressText.replace(/^\[(.*)\]$/, '$1').split('%')[0] ?? '';
  if (!isIPv4(bare) && !isIPv6(bare)) return null;
  const address = parseAddress(bare);
  if (address === null) return null;
  const bits = address.bytes.length * 8;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return null;
  return { ...address, prefix };
}

function mustParseCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (cidr === null) throw new Error(`bad built-in CIDR ${text}`);
  return cidr;
}

export function cidrContains(cidr: Cidr, address: ParsedAddress): boolean {
  if (cidr.family !== address.family) return false;
  let remaining = cidr.prefix;
  for (let index = 0; remaining > 0; index += 1, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if (((cidr.bytes[index] ?? 0) & mask) !== ((address.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * The IPv4 address an IPv6 address stands for (IPv4-mapped, NAT64, 6to4), else the address as
 * it is. Allow-list and deny-list checks both see this form, so `::ffff:10.0.0.1` is 10.0.0.1.
 */
export function effectiveAddress(address: ParsedAddress): ParsedAddress {
  if (address.family === 4) return address;
  if (cidrContains(V4_MAPPED, address) || cidrContains(NAT64, address)) {
    return { family: 4, bytes: address.bytes.slice(12, 16) };
  }
  if (cidrContains(SIX_TO_FOUR, address)) {
    return { family: 4, bytes: address.bytes.slice(2, 6) };
  }
  return address;
}

/**
 * True when outbound traffic must not go to `ip` without explicit permission. Fails closed:
 * anything that does not parse as an IP address (a host name, garbage) is forbidden too.
 */
export function isForbiddenAddress(ip: string): boolean {
  const parsed = parseAddress(ip);
  if (parsed === null) return true;
  const address = effectiveAddress(parsed);
  const ranges = address.family === 4 ? FORBIDDEN_V4 : FORBIDDEN_V6;
  return ranges.some((range) => cidrContains(range, address));
}
