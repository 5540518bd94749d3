// One Ogg page (RFC 3533) of whole packets, for tests of the Ogg reader: lacing values from the packet sizes, no
// CRC (the reader does not check it). headerType: 1 continued, 2 first page, 4 last page.
export function oggPage(serial: number, seq: number, packets: readonly Buffer[], headerType = 0): Buffer {
  const lacing: number[] = [];
  for (const p of packets) {
    let n = p.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    lacing.push(n);
  }
  const head = Buffer.alloc(27 + lacing.length);
  head.write('OggS', 0, 'latin1');
  head[5] = headerType;
  head.writeUInt32LE(serial, 14);
  head.writeUInt32LE(seq, 18);
  head[26] = lacing.length;
  Buffer.from(lacing).copy(head, 27);
  return Buffer.concat([head, ...packets]);
}
