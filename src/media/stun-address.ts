// STUN's (XOR-)address attributes (RFC 8489 §14.1-14.2): a transport address XORed with the magic cookie (and,
// for IPv6, the transaction id). Pure functions, shared by the TURN client and our answers to connectivity checks.
import { isIPv4, isIPv6 } from '../net/address.js';

const MAGIC_COOKIE = 0x2112a442;

export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

/** The XOR-MAPPED-ADDRESS (or XOR-PEER/RELAYED-ADDRESS) value of `a`; throws for what is not an IP literal. */
export function encodeXorAddress(a: TransportAddress, transactionId: Buffer): Buffer {
  if (isIPv4(a.address)) {
    const b = Buffer.alloc(8);
    b[1] = 0x01;
    b.writeUInt16BE(a.port ^ (MAGIC_COOKIE >>> 16), 2);
    const parts = a.address.split('.').map(Number);
    b.writeUInt32BE((((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) ^ MAGIC_COOKIE) >>> 0, 4);
    return b;
  }
  if (!isIPv6(a.address)) throw new Error(`'${a.address}' is not an IP address`);
  const b = Buffer.alloc(20);
  b[1] = 0x02;
  b.writeUInt16BE(a.port ^ (MAGIC_COOKIE >>> 16), 2);
  const raw = ipv6Bytes(a.address);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  for (let i = 0; i < 16; i++) b[4 + i] = raw[i] ^ mask[i];
  return b;
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail = ''] = address.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return out;
}

/** A decoded XOR address value, or undefined for a malformed one. */
export function decodeXorAddress(v: Buffer, transactionId: Buffer): TransportAddress | undefined {
  if (v.length < 8) return undefined;
  const port = v.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (v[1] === 0x01) {
    const x = (v.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
    return { address: `${x >>> 24}.${(x >>> 16) & 0xff}.${(x >>> 8) & 0xff}.${x & 0xff}`, port };
  }
  if (v[1] === 0x02 && v.length >= 20) {
    const mask = Buffer.alloc(16);
    mask.writeUInt32BE(MAGIC_COOKIE, 0);
    transactionId.copy(mask, 4);
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push((((v[4 + 2 * i] ^ mask[2 * i]) << 8) | (v[5 + 2 * i] ^ mask[2 * i + 1])).toString(16));
    // The URL parser writes IPv6 in its canonical short form (RFC 5952), as the rest of the stack compares it.
    return { address: new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1), port };
  }
  return undefined;
}
