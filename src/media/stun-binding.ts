// STUN Binding (RFC 8489) just far enough to learn our server-reflexive address: a request, and the mapped
// address in the success response. Pure functions; garbage gives undefined.

const MAGIC = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;

export function buildBindingRequest(transactionId: Buffer): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(BINDING_REQUEST, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(MAGIC, 4);
  transactionId.copy(b, 8, 0, 12);
  return b;
}

export interface MappedAddress {
  readonly address: string;
  readonly port: number;
}

/** The (XOR-)MAPPED-ADDRESS of a Binding success response to `transactionId`, if that is what `buf` is. */
export function parseBindingResponse(buf: Buffer, transactionId: Buffer): MappedAddress | undefined {
  if (buf.length < 20 || buf.readUInt16BE(0) !== BINDING_SUCCESS || buf.readUInt32BE(4) !== MAGIC) return undefined;
  if (!buf.subarray(8, 20).equals(transactionId.subarray(0, 12))) return undefined;
  const end = Math.min(buf.length, 20 + buf.readUInt16BE(2));
  let plain: MappedAddress | undefined;
  for (let at = 20; at + 4 <= end;) {
    const type = buf.readUInt16BE(at);
    const len = buf.readUInt16BE(at + 2);
    const value = at + 4;
    if (value + len > end) return undefined;
    if (type === ATTR_XOR_MAPPED_ADDRESS || type === ATTR_MAPPED_ADDRESS) {
      const parsed = readAddress(buf.subarray(value, value + len), type === ATTR_XOR_MAPPED_ADDRESS ? buf.subarray(4, 20) : undefined);
      if (parsed && type === ATTR_XOR_MAPPED_ADDRESS) return parsed;
      plain ??= parsed;
    }
    at = value + Math.ceil(len / 4) * 4;
  }
  return plain;
}

/** An address attribute; `xorKey` (magic cookie + transaction id) for the XOR form. */
function readAddress(v: Buffer, xorKey: Buffer | undefined): MappedAddress | undefined {
  if (v.length < 8) return undefined;
  const family = v[1];
  const port = v.readUInt16BE(2) ^ (xorKey ? MAGIC >>> 16 : 0);
  if (family === 0x01 && v.length >= 8) {
    const a = [0, 1, 2, 3].map((i) => v[4 + i] ^ (xorKey ? xorKey[i] : 0));
    return { address: a.join('.'), port };
  }
  if (family === 0x02 && v.length >= 20) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) {
      const hi = v[4 + i] ^ (xorKey ? xorKey[i] : 0);
      const lo = v[5 + i] ^ (xorKey ? xorKey[i + 1] : 0);
      words.push(((hi << 8) | lo).toString(16));
    }
    return { address: words.join(':'), port };
  }
  return undefined;
}

/** A Binding success response (for tests and a minimal reflector). */
export function buildBindingResponse(transactionId: Buffer, mapped: MappedAddress): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16BE(BINDING_SUCCESS, 0);
  b.writeUInt16BE(12, 2);
  b.writeUInt32BE(MAGIC, 4);
  transactionId.copy(b, 8, 0, 12);
  b.writeUInt16BE(ATTR_XOR_MAPPED_ADDRESS, 20);
  b.writeUInt16BE(8, 22);
  b[25] = 0x01;
  b.writeUInt16BE(mapped.port ^ (MAGIC >>> 16), 26);
  const parts = mapped.address.split('.').map(Number);
  for (let i = 0; i < 4; i++) b[28 + i] = parts[i] ^ b[4 + i];
  return b;
}
