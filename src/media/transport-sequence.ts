// Reads the transport-wide sequence number (transport-wide CC) of a decrypted RTP packet, without parsing it.
import { rtpExtensionValueStart } from '../rtp/rtp-header.js';

/** The transport-wide sequence number in an RTP header's extensions (one- or two-byte form), -1 when absent. */
export function transportSequenceOf(p: Buffer, id: number): number {
  if (id === 0) return -1;
  const at = rtpExtensionValueStart(p, id, 2);
  return at < 0 ? -1 : (p[at] << 8) | p[at + 1];
}
