// The STUN messages a TURN client needs (RFC 5389, RFC 5766), as pure functions: Allocate, Refresh,
// CreatePermission and ChannelBind requests with long-term credentials, their answers, Send and Data indications,
// and ChannelData framing. Nothing here touches a socket.
import { createHash, createHmac } from 'node:crypto';
import { decodeXorAddress, encodeXorAddress, type TransportAddress } from './stun-address.js';

export const MAGIC_COOKIE = 0x2112a442;

export const METHOD_ALLOCATE = 0x003;
export const METHOD_REFRESH = 0x004;
export const METHOD_SEND = 0x006;
export const METHOD_DATA = 0x007;
export const METHOD_CREATE_PERMISSION = 0x008;
export const METHOD_CHANNEL_BIND = 0x009;

export const CLASS_REQUEST = 0x0000;
export const CLASS_INDICATION = 0x0010;
export const CLASS_SUCCESS = 0x0100;
export const CLASS_ERROR = 0x0110;

const ATTR_USERNAME = 0x0006;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const ATTR_ERROR_CODE = 0x0009;
const ATTR_CHANNEL_NUMBER = 0x000c;
const ATTR_LIFETIME = 0x000d;
const ATTR_XOR_PEER_ADDRESS = 0x0012;
const ATTR_DATA = 0x0013;
const ATTR_REALM = 0x0014;
const ATTR_NONCE = 0x0015;
const ATTR_XOR_RELAYED_ADDRESS = 0x0016;
const ATTR_REQUESTED_TRANSPORT = 0x0019;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;

export type { TransportAddress } from './stun-address.js';

/** Long-term credentials as the server gave realm and nonce (RFC 5389 §10.2). */
export interface TurnAuth {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  /** MD5(username:realm:password). */
  readonly key: Buffer;
}

export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest();
}

type Attribute = readonly [type: number, value: Buffer];

/** A STUN message; with `auth`, USERNAME, REALM, NONCE and MESSAGE-INTEGRITY are added. */
export function buildStunMessage(method: number, cls: number, transactionId: Buffer, attributes: readonly Attribute[], auth?: TurnAuth): Buffer {
  const all: Attribute[] = [...attributes];
  if (auth) {
    all.push([ATTR_USERNAME, Buffer.from(auth.username, 'utf8')], [ATTR_REALM, Buffer.from(auth.realm, 'utf8')], [ATTR_NONCE, Buffer.from(auth.nonce, 'utf8')]);
  }
  let length = 0;
  for (const [, v] of all) length += 4 + ((v.length + 3) & ~3);
  const integrity = auth ? 24 : 0;
  const b = Buffer.alloc(20 + length + integrity);
  b.writeUInt16BE((method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | cls, 0);
  b.writeUInt16BE(length + integrity, 2);
  b.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(b, 8, 0, 12);
  let at = 20;
  for (const [type, v] of all) {
    b.writeUInt16BE(type, at);
    b.writeUInt16BE(v.length, at + 2);
    v.copy(b, at + 4);
    at += 4 + ((v.length + 3) & ~3);
  }
  if (auth) {
    // The HMAC covers everything before the attribute, with the length already counting it.
    const mac = createHmac('sha1', auth.key).update(b.subarray(0, at)).digest();
    b.writeUInt16BE(ATTR_MESSAGE_INTEGRITY, at);
    b.writeUInt16BE(20, at + 2);
    mac.copy(b, at + 4);
  }
  return b;
}

export interface StunMessage {
  readonly method: number;
  readonly cls: number;
  readonly transactionId: Buffer;
  readonly errorCode?: number;
  readonly errorReason?: string;
  readonly realm?: string;
  readonly nonce?: string;
  readonly lifetime?: number;
  readonly relayed?: TransportAddress;
  readonly mapped?: TransportAddress;
  readonly peer?: TransportAddress;
  readonly data?: Buffer;
}

/** Whether a datagram looks like STUN (first two bits zero, magic cookie in place). */
export function isStun(buf: Buffer): boolean {
  return buf.length >= 20 && (buf[0] & 0xc0) === 0 && buf.readUInt32BE(4) === MAGIC_COOKIE;
}

/** Parses a STUN message; undefined for anything malformed. `data` is a view into `buf`. */
export function parseStunMessage(buf: Buffer): StunMessage | undefined {
  if (!isStun(buf)) return undefined;
  const length = buf.readUInt16BE(2);
  if ((length & 3) !== 0 || 20 + length > buf.length) return undefined;
  const type = buf.readUInt16BE(0);
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = type & 0x0110;
  const transactionId = buf.subarray(8, 20);
  const out: { -readonly [K in keyof StunMessage]: StunMessage[K] } = { method, cls, transactionId };
  let at = 20;
  const end = 20 + length;
  while (at + 4 <= end) {
    const t = buf.readUInt16BE(at);
    const len = buf.readUInt16BE(at + 2);
    if (at + 4 + len > end) return undefined;
    const v = buf.subarray(at + 4, at + 4 + len);
    switch (t) {
      case ATTR_ERROR_CODE:
        if (len >= 4) {
          out.errorCode = (v[2] & 0x07) * 100 + v[3];
          out.errorReason = v.toString('utf8', 4);
        }
        break;
      case ATTR_REALM:
        out.realm = v.toString('utf8');
        break;
      case ATTR_NONCE:
        out.nonce = v.toString('utf8');
        break;
      case ATTR_LIFETIME:
        if (len >= 4) out.lifetime = v.readUInt32BE(0);
        break;
      case ATTR_XOR_RELAYED_ADDRESS:
        out.relayed = decodeXorAddress(v, transactionId);
        break;
      case ATTR_XOR_MAPPED_ADDRESS:
        out.mapped = decodeXorAddress(v, transactionId);
        break;
      case ATTR_XOR_PEER_ADDRESS:
        out.peer = decodeXorAddress(v, transactionId);
        break;
      case ATTR_DATA:
        out.data = v;
        break;
    }
    at += 4 + ((len + 3) & ~3);
  }
  return out;
}

export function allocateRequest(transactionId: Buffer, lifetime: number, auth?: TurnAuth): Buffer {
  const transport = Buffer.from([17, 0, 0, 0]); // UDP
  const life = Buffer.alloc(4);
  life.writeUInt32BE(lifetime);
  return buildStunMessage(
    METHOD_ALLOCATE,
    CLASS_REQUEST,
    transactionId,
    [
      [ATTR_REQUESTED_TRANSPORT, transport],
      [ATTR_LIFETIME, life],
    ],
    auth,
  );
}

export function refreshRequest(transactionId: Buffer, lifetime: number, auth: TurnAuth): Buffer {
  const life = Buffer.alloc(4);
  life.writeUInt32BE(lifetime);
  return buildStunMessage(METHOD_REFRESH, CLASS_REQUEST, transactionId, [[ATTR_LIFETIME, life]], auth);
}

export function createPermissionRequest(transactionId: Buffer, peer: TransportAddress, auth: TurnAuth): Buffer {
  return buildStunMessage(METHOD_CREATE_PERMISSION, CLASS_REQUEST, transactionId, [[ATTR_XOR_PEER_ADDRESS, encodeXorAddress(peer, transactionId)]], auth);
}

export function channelBindRequest(transactionId: Buffer, channel: number, peer: TransportAddress, auth: TurnAuth): Buffer {
  const number = Buffer.alloc(4);
  number.writeUInt16BE(channel);
  return buildStunMessage(
    METHOD_CHANNEL_BIND,
    CLASS_REQUEST,
    transactionId,
    [
      [ATTR_CHANNEL_NUMBER, number],
      [ATTR_XOR_PEER_ADDRESS, encodeXorAddress(peer, transactionId)],
    ],
    auth,
  );
}

export function sendIndication(transactionId: Buffer, peer: TransportAddress, data: Buffer): Buffer {
  return buildStunMessage(METHOD_SEND, CLASS_INDICATION, transactionId, [
    [ATTR_XOR_PEER_ADDRESS, encodeXorAddress(peer, transactionId)],
    [ATTR_DATA, data],
  ]);
}

/** Channel numbers a client may bind (RFC 5766 §11). */
export const FIRST_CHANNEL = 0x4000;
export const LAST_CHANNEL = 0x7fff;

/** The 4-byte ChannelData header for `length` bytes on `channel`. */
export function channelDataHeader(channel: number, length: number, into: Buffer = Buffer.alloc(4)): Buffer {
  into.writeUInt16BE(channel, 0);
  into.writeUInt16BE(length, 2);
  return into;
}

/** A ChannelData message's channel and payload (a view), or undefined. */
export function parseChannelData(buf: Buffer): { channel: number; data: Buffer } | undefined {
  if (buf.length < 4) return undefined;
  const channel = buf.readUInt16BE(0);
  if (channel < FIRST_CHANNEL || channel > LAST_CHANNEL) return undefined;
  const length = buf.readUInt16BE(2);
  if (4 + length > buf.length) return undefined;
  return { channel, data: buf.subarray(4, 4 + length) };
}
