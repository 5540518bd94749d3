// Reads the transport-wide sequence number (transport-wide CC) of a decrypted RTP packet, without parsing it.

/** The transport-wide sequence number in an RTP header's extensions (one- or two-byte form), -1 when absent. */
export function transportSequenceOf(p: Buffer, id: number): number {
  if (id === 0) return -1;
  const at = 12 + 4 * (p[0] & 0x0f);
  if (at + 4 > p.length) return -1;
  const profile = p.readUInt16BE(at);
  const end = at + 4 + 4 * p.readUInt16BE(at + 2);
  if (end > p.length) return -1;
  const oneByte = profile === 0xbede;
  if (!oneByte && (profile & 0xfff0) !== 0x1000) return -1;
  let i = at + 4;
  while (i < end) {
    if (p[i] === 0) {
      i++; // padding
      continue;
    }
    const extId = oneByte ? p[i] >> 4 : p[i];
    const len = oneByte ? (p[i] & 0x0f) + 1 : p[i + 1];
    const data = i + (oneByte ? 1 : 2);
    if (oneByte && extId === 15) return -1;
    if (extId === id) return len >= 2 && data + 2 <= end ? (p[data] << 8) | p[data + 1] : -1;
    i = data + len;
  }
  return -1;
}
