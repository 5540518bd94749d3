// RTP header extensions (RFC 8285): the URIs Portunus knows, the ids it uses in its own offers, and an in-place
// renumbering of a packet's extension ids. A relayed packet carries its sender's numbering; a receiver that
// numbered the same extensions otherwise (or gave the id to another URI, such as the mid) would misread it.
import { rtpExtensionStart } from './rtp-header.js';

export const EXT_MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
export const EXT_RID = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
export const EXT_REPAIRED_RID = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';
export const EXT_AUDIO_LEVEL = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
export const EXT_ABS_SEND_TIME = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';
export const EXT_TWCC = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
export const EXT_VIDEO_ORIENTATION = 'urn:3gpp:video-orientation';
export const EXT_PLAYOUT_DELAY = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';

/**
 * Extension ids Portunus uses in its own offers (Streaming viewers, VideoRoom subscribers). No transport-wide CC:
 * what we send carries no transport-wide sequence numbers, and its feedback would only cost both sides.
 */
export const OFFER_EXTENSION_IDS: Readonly<Record<'audio' | 'video', readonly (readonly [number, string])[]>> = {
  audio: [
    [1, EXT_MID],
    [2, EXT_ABS_SEND_TIME],
    [4, EXT_AUDIO_LEVEL],
  ],
  video: [
    [1, EXT_MID],
    [2, EXT_ABS_SEND_TIME],
    [13, EXT_VIDEO_ORIENTATION],
  ],
};

/** Extensions whose value stays true when a packet is relayed; the others describe the sender's own hop. */
const RELAYED_URIS = new Set([EXT_AUDIO_LEVEL, EXT_VIDEO_ORIENTATION]);

/** One-byte ids that none of our offers uses: an element renumbered to it is ignored by the receiver. */
const UNUSED_ONE_BYTE_ID = 14;
const UNUSED_TWO_BYTE_ID = 255;

/**
 * A table from a sender's extension ids (index) to the ids of our offers for `kind`: extensions whose value
 * survives relaying keep their meaning; every other id goes to one that the receiver never negotiated.
 */
export function relayExtensionTable(sender: readonly { readonly id: number; readonly uri: string }[], kind: 'audio' | 'video'): Uint8Array {
  const table = new Uint8Array(256);
  for (let id = 1; id < 256; id++) table[id] = id < 15 ? UNUSED_ONE_BYTE_ID : UNUSED_TWO_BYTE_ID;
  for (const e of sender) {
    if (e.id < 1 || e.id > 255 || !RELAYED_URIS.has(e.uri)) continue;
    const ours = OFFER_EXTENSION_IDS[kind].find(([, uri]) => uri === e.uri);
    if (ours) table[e.id] = ours[0];
  }
  return table;
}

/**
 * Renumbers the header extension ids of an RTP packet in place through `table` (see relayExtensionTable).
 * Returns false, leaving the packet as it was where it was already read, when the extension block is malformed.
 */
export function renumberExtensions(packet: Buffer, table: Uint8Array): boolean {
  const start = rtpExtensionStart(packet);
  if (start < 0) return true;
  if (packet.length < start + 4) return false;
  const profile = packet.readUInt16BE(start);
  const end = start + 4 + packet.readUInt16BE(start + 2) * 4;
  if (end > packet.length) return false;
  let at = start + 4;
  if (profile === 0xbede) {
    // One-byte headers: 4-bit id, 4-bit length-1; id 0 is padding, id 15 ends the block.
    while (at < end) {
      const b = packet[at];
      const id = b >> 4;
      if (id === 0) {
        at++;
        continue;
      }
      if (id === 15) return true;
      const len = (b & 0x0f) + 1;
      if (at + 1 + len > end) return false;
      const to = table[id];
      packet[at] = ((to < 15 ? to : UNUSED_ONE_BYTE_ID) << 4) | (b & 0x0f);
      at += 1 + len;
    }
    return true;
  }
  if ((profile & 0xfff0) === 0x1000) {
    // Two-byte headers: 8-bit id, 8-bit length; id 0 is padding.
    while (at < end) {
      const id = packet[at];
      if (id === 0) {
        at++;
        continue;
      }
      if (at + 2 > end) return false;
      const len = packet[at + 1];
      if (at + 2 + len > end) return false;
      packet[at] = table[id];
      at += 2 + len;
    }
    return true;
  }
  return true;
}

/**
 * The value byte of the one-byte header extension `id` (e.g. audio level: V bit and level in -dBov), or -1 when
 * the packet does not carry it or its extension block is malformed.
 */
export function readOneByteExtension(packet: Buffer, id: number): number {
  const start = rtpExtensionStart(packet);
  if (start < 0) return -1;
  if (packet.length < start + 4 || packet.readUInt16BE(start) !== 0xbede) return -1;
  const end = start + 4 + packet.readUInt16BE(start + 2) * 4;
  if (end > packet.length) return -1;
  for (let at = start + 4; at < end;) {
    const b = packet[at];
    const elementId = b >> 4;
    if (elementId === 0) {
      at++;
      continue;
    }
    if (elementId === 15) return -1;
    const len = (b & 0x0f) + 1;
    if (at + 1 + len > end) return -1;
    if (elementId === id) return packet[at + 1];
    at += 1 + len;
  }
  return -1;
}

/** Our id for the audio level extension (after renumberExtensions). */
export const OUR_AUDIO_LEVEL_ID = 4;
