// Builds ICE connectivity checks the way a browser does (RFC 8445 §7.1.1): for unit tests of the STUN reader and
// for tests that play a peer (or a stranger) at a live PeerConnection.
import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export interface BindingRequestSpec {
  /** USERNAME, `<their ufrag>:<our ufrag>`; omitted when undefined. */
  readonly username?: string;
  /** Password keying MESSAGE-INTEGRITY; no MESSAGE-INTEGRITY when undefined. */
  readonly password?: string;
  readonly useCandidate?: boolean;
  /** ICE-CONTROLLED instead of ICE-CONTROLLING (a role conflict when the other side is ICE-lite). */
  readonly controlled?: boolean;
  readonly fingerprint?: boolean;
  readonly transactionId?: Buffer;
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/** A Binding request; lengths in the header always cover what follows. */
export function bindingRequest(spec: BindingRequestSpec): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt32BE(0x2112a442, 4);
  (spec.transactionId ?? randomBytes(12)).copy(header, 8);
  const parts: Buffer[] = [];
  if (spec.username !== undefined) parts.push(attribute(0x0006, Buffer.from(spec.username, 'utf8')));
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(1853824767);
  parts.push(attribute(0x0024, priority));
  parts.push(attribute(spec.controlled ? 0x8029 : 0x802a, randomBytes(8))); // ICE-CONTROLLED / ICE-CONTROLLING
  if (spec.useCandidate) parts.push(attribute(0x0025, Buffer.alloc(0)));
  let msg = Buffer.concat([header, ...parts]);
  if (spec.password !== undefined) {
    msg.writeUInt16BE(msg.length - 20 + 24, 2);
    const mac = createHmac('sha1', Buffer.from(spec.password, 'utf8')).update(msg).digest();
    msg = Buffer.concat([msg, attribute(0x0008, mac)]);
  }
  msg.writeUInt16BE(msg.length - 20, 2);
  if (spec.fingerprint ?? true) {
    msg.writeUInt16BE(msg.length - 20 + 8, 2);
    const fp = Buffer.alloc(4);
    fp.writeUInt32BE((crc32(msg) ^ 0x5354554e) >>> 0);
    msg = Buffer.concat([msg, attribute(0x8028, fp)]);
  }
  return msg;
}
