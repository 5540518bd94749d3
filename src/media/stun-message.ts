// STUN messages (RFC 8489) as ICE connectivity checks use them (RFC 8445 §7.3): a bounded reader, the
// short-term-credential check of a Binding request (USERNAME, MESSAGE-INTEGRITY, FINGERPRINT), and the error
// response to a request that fails it, and the success response to a consent check (RFC 7675) we answer ourselves.
// Pure functions; the WebRTC stack only ever sees requests that passed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { encodeXorAddress } from './stun-address.js';
import { isIP } from '../net/address.js';

const MAGIC = 0x2112a442;
const HEADER = 20;
/** Attributes in one message beyond this are not a connectivity check (a browser's has 5-7). */
export const MAX_STUN_ATTRIBUTES = 24;
/** A connectivity check or its answer is ~100 bytes; larger messages are refused before any hashing. */
export const MAX_STUN_BYTES = 2048;

export const STUN_BINDING = 0x001;
export const ATTR_USERNAME = 0x0006;
export const ATTR_MESSAGE_INTEGRITY = 0x0008;
export const ATTR_ERROR_CODE = 0x0009;
export const ATTR_USE_CANDIDATE = 0x0025;
export const ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001c;
export const ATTR_FINGERPRINT = 0x8028;
export const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
export const ATTR_ICE_CONTROLLED = 0x8029;
export const ATTR_ICE_CONTROLLING = 0x802a;

export type StunClass = 'request' | 'indication' | 'success' | 'error';

export interface StunAttribute {
  readonly type: number;
  /** Offset of the attribute's header in the message (its value starts 4 bytes later). */
  readonly at: number;
  readonly length: number;
}

export interface StunMessage {
  readonly method: number;
  readonly cls: StunClass;
  /** The 12-byte transaction id (a view into the message). */
  readonly transactionId: Buffer;
  readonly attributes: readonly StunAttribute[];
}

const CLASSES: readonly StunClass[] = ['request', 'indication', 'success', 'error'];

/** Whether the first byte says STUN (RFC 7983: 0-3). */
export function looksLikeStun(b: Uint8Array): boolean {
  return b.length > 0 && b[0] < 4;
}

/**
 * The message in `b`, or a reason it is not a well-formed STUN message: a 20-byte header with the magic cookie
 * and a length that covers exactly the rest of the datagram (at most MAX_STUN_BYTES in all), attributes each within that length and padded to
 * 32 bits, at most MAX_STUN_ATTRIBUTES of them, and nothing but FINGERPRINT after MESSAGE-INTEGRITY, nothing
 * after FINGERPRINT.
 */
export function readStunMessage(b: Buffer): StunMessage | string {
  if (b.length < HEADER) return 'shorter than a STUN header';
  if (b.length > MAX_STUN_BYTES) return 'larger than a connectivity check';
  if (b[0] >> 6 !== 0) return 'not STUN';
  if (b.readUInt32BE(4) !== MAGIC) return 'no magic cookie';
  const length = b.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER + length !== b.length) return 'length does not match the datagram';
  const type = b.readUInt16BE(0);
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = CLASSES[((type >> 4) & 0x01) | ((type >> 7) & 0x02)];
  const attributes: StunAttribute[] = [];
  let afterIntegrity = false;
  let afterFingerprint = false;
  for (let at = HEADER; at < b.length;) {
    if (attributes.length >= MAX_STUN_ATTRIBUTES) return 'too many attributes';
    if (at + 4 > b.length) return 'attribute header past the end';
    const attrType = b.readUInt16BE(at);
    const attrLength = b.readUInt16BE(at + 2);
    const next = at + 4 + Math.ceil(attrLength / 4) * 4;
    if (next > b.length) return 'attribute past the end';
    if (afterFingerprint) return 'attribute after FINGERPRINT';
    if (afterIntegrity && attrType !== ATTR_FINGERPRINT && attrType !== ATTR_MESSAGE_INTEGRITY_SHA256) return 'attribute after MESSAGE-INTEGRITY';
    if (attrType === ATTR_MESSAGE_INTEGRITY) afterIntegrity = true;
    if (attrType === ATTR_FINGERPRINT) afterFingerprint = true;
    attributes.push({ type: attrType, at, length: attrLength });
    at = next;
  }
  return { method, cls, transactionId: b.subarray(8, 20), attributes };
}

/** The value of the first attribute of `type`, or undefined. */
export function attributeValue(b: Buffer, msg: StunMessage, type: number): Buffer | undefined {
  const a = msg.attributes.find((x) => x.type === type);
  return a ? b.subarray(a.at + 4, a.at + 4 + a.length) : undefined;
}

/** The message's first `upTo` bytes as they are hashed: with the header's length covering up to `coveredEnd`. */
function hashedPrefix(b: Buffer, upTo: number, coveredEnd: number): Buffer {
  const copy = Buffer.from(b.subarray(0, upTo));
  copy.writeUInt16BE(coveredEnd - HEADER, 2);
  return copy;
}

/** Whether the FINGERPRINT attribute (if any) is right; true when there is none. */
export function fingerprintValid(b: Buffer, msg: StunMessage): boolean {
  const fp = msg.attributes.find((a) => a.type === ATTR_FINGERPRINT);
  if (!fp) return true;
  if (fp.length !== 4) return false;
  const expected = (crc32(hashedPrefix(b, fp.at, fp.at + 8)) ^ 0x5354554e) >>> 0;
  return b.readUInt32BE(fp.at + 4) === expected;
}

/** Whether MESSAGE-INTEGRITY is present and is the HMAC-SHA1 of the message keyed with `password` (§14.5). */
export function integrityValid(b: Buffer, msg: StunMessage, password: string): boolean {
  const mi = msg.attributes.find((a) => a.type === ATTR_MESSAGE_INTEGRITY);
  if (!mi || mi.length !== 20) return false;
  const mac = createHmac('sha1', Buffer.from(password, 'utf8'))
    .update(hashedPrefix(b, mi.at, mi.at + 24))
    .digest();
  return timingSafeEqual(mac, b.subarray(mi.at + 4, mi.at + 24));
}

/** What ICE credentials a Binding request is checked against. */
export interface LocalIceCredentials {
  /** The password of one of our username fragments (current or of an earlier generation), if it is ours. */
  passwordOf(ufrag: string): string | undefined;
}

export type BindingVerdict =
  | { readonly ok: true; readonly ufrag: string; readonly useCandidate: boolean }
  /** `code`: the error response to send (400/401), or undefined to stay silent. */
  | { readonly ok: false; readonly code: 400 | 401 | undefined; readonly reason: string };

/**
 * Checks a Binding request as RFC 8445 §7.3 and RFC 8489 §9.1.3 ask: a wrong FINGERPRINT means it is not for us
 * (silence); no USERNAME or no MESSAGE-INTEGRITY is 400; a username that is not `<our ufrag>:<theirs>` or an
 * integrity that our password does not reproduce is 401.
 */
export function verifyBindingRequest(b: Buffer, msg: StunMessage, credentials: LocalIceCredentials): BindingVerdict {
  if (msg.cls !== 'request' || msg.method !== STUN_BINDING) return { ok: false, code: undefined, reason: 'not a Binding request' };
  if (!fingerprintValid(b, msg)) return { ok: false, code: undefined, reason: 'wrong FINGERPRINT' };
  const username = attributeValue(b, msg, ATTR_USERNAME);
  if (!username || !msg.attributes.some((a) => a.type === ATTR_MESSAGE_INTEGRITY)) return { ok: false, code: 400, reason: 'no USERNAME or MESSAGE-INTEGRITY' };
  const text = username.toString('utf8');
  const colon = text.indexOf(':');
  const ufrag = colon > 0 ? text.slice(0, colon) : '';
  if (ufrag === '' || colon === text.length - 1) return { ok: false, code: 401, reason: 'USERNAME is not <ufrag>:<ufrag>' };
  const password = credentials.passwordOf(ufrag);
  if (password === undefined) return { ok: false, code: 401, reason: 'USERNAME is not for us' };
  if (!integrityValid(b, msg, password)) return { ok: false, code: 401, reason: 'wrong MESSAGE-INTEGRITY' };
  return { ok: true, ufrag, useCandidate: msg.attributes.some((a) => a.type === ATTR_USE_CANDIDATE) };
}

/** A Binding error response (400 or 401) to `request`, with FINGERPRINT and without MESSAGE-INTEGRITY (§9.1.3). */
export function buildBindingError(request: StunMessage, code: 400 | 401): Buffer {
  const reason = code === 400 ? 'Bad Request' : 'Unauthorized';
  const value = 4 + reason.length;
  const padded = Math.ceil(value / 4) * 4;
  const b = Buffer.alloc(HEADER + 4 + padded + 8);
  b.writeUInt16BE(0x0111, 0); // Binding error response
  b.writeUInt16BE(b.length - HEADER, 2);
  b.writeUInt32BE(MAGIC, 4);
  request.transactionId.copy(b, 8);
  b.writeUInt16BE(ATTR_ERROR_CODE, HEADER);
  b.writeUInt16BE(value, HEADER + 2);
  b[HEADER + 6] = Math.floor(code / 100);
  b[HEADER + 7] = code % 100;
  b.write(reason, HEADER + 8, 'ascii');
  const fpAt = HEADER + 4 + padded;
  b.writeUInt16BE(ATTR_FINGERPRINT, fpAt);
  b.writeUInt16BE(4, fpAt + 2);
  b.writeUInt32BE((crc32(b.subarray(0, fpAt)) ^ 0x5354554e) >>> 0, fpAt + 4);
  return b;
}

/**
 * The Binding success response to `request` as RFC 8445 §7.3.1.4 wants it: XOR-MAPPED-ADDRESS of where the
 * request came from, MESSAGE-INTEGRITY keyed with our password (the one its USERNAME named), FINGERPRINT.
 * Undefined when `from` is no IP literal this can encode (an IPv4-mapped IPv6 text, say).
 */
export function buildBindingSuccess(request: StunMessage, from: { readonly address: string; readonly port: number }, password: string): Buffer | undefined {
  const family = isIP(from.address);
  if (family === 0 || (family === 6 && from.address.includes('.')) || !(from.port >= 0 && from.port <= 0xffff)) return undefined;
  const mapped = encodeXorAddress(from, request.transactionId);
  const length = 4 + mapped.length + 24 + 8;
  const b = Buffer.alloc(HEADER + length);
  b.writeUInt16BE(0x0101, 0); // Binding success response
  b.writeUInt32BE(MAGIC, 4);
  request.transactionId.copy(b, 8);
  let at = HEADER;
  b.writeUInt16BE(ATTR_XOR_MAPPED_ADDRESS, at);
  b.writeUInt16BE(mapped.length, at + 2);
  mapped.copy(b, at + 4);
  at += 4 + mapped.length;
  // The HMAC covers the message up to MESSAGE-INTEGRITY, with the length counting it (not FINGERPRINT yet).
  b.writeUInt16BE(at + 24 - HEADER, 2);
  const mac = createHmac('sha1', Buffer.from(password, 'utf8')).update(b.subarray(0, at)).digest();
  b.writeUInt16BE(ATTR_MESSAGE_INTEGRITY, at);
  b.writeUInt16BE(20, at + 2);
  mac.copy(b, at + 4);
  at += 24;
  b.writeUInt16BE(length, 2);
  b.writeUInt16BE(ATTR_FINGERPRINT, at);
  b.writeUInt16BE(4, at + 2);
  b.writeUInt32BE((crc32(b.subarray(0, at)) ^ 0x5354554e) >>> 0, at + 4);
  return b;
}
