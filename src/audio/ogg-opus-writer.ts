// An Ogg Opus file (RFC 7845) written packet by packet: the OpusHead and OpusTags pages first, then one page per
// Opus packet with its granule position (48 kHz samples up to its end). Page building is a pure function.
import { closeSync, openSync, writeSync } from 'node:fs';

const CRC_TABLE = ((): Uint32Array => {
  // Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0.
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0;
  return crc;
}

export const OGG_BOS = 0x02;
export const OGG_EOS = 0x04;
/** A page's packet is at most 255 segments of 255 bytes. */
export const MAX_OGG_PACKET = 255 * 255 - 1;

/** One page holding one whole packet. */
export function oggPage(packet: Uint8Array, granule: bigint, serial: number, sequence: number, flags: number): Buffer {
  if (packet.length > MAX_OGG_PACKET) throw new RangeError(`an Ogg packet of ${packet.length} bytes does not fit a page`);
  const segments = Math.floor(packet.length / 255) + 1;
  const page = Buffer.alloc(27 + segments + packet.length);
  page.write('OggS', 0, 'latin1');
  page[4] = 0;
  page[5] = flags;
  page.writeBigInt64LE(granule, 6);
  page.writeUInt32LE(serial >>> 0, 14);
  page.writeUInt32LE(sequence >>> 0, 18);
  page[26] = segments;
  for (let i = 0; i < segments - 1; i++) page[27 + i] = 255;
  page[27 + segments - 1] = packet.length % 255;
  page.set(packet, 27 + segments);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/** The identification header: `channels`, no pre-skip, 48 kHz input, no gain, mapping family 0. */
export function opusHead(channels: number): Buffer {
  const b = Buffer.alloc(19);
  b.write('OpusHead', 0, 'latin1');
  b[8] = 1;
  b[9] = channels;
  b.writeUInt16LE(0, 10);
  b.writeUInt32LE(48000, 12);
  b.writeInt16LE(0, 16);
  b[18] = 0;
  return b;
}

/** The comment header: a vendor string and no comments. */
export function opusTags(vendor: string): Buffer {
  const v = Buffer.from(vendor);
  const b = Buffer.alloc(8 + 4 + v.length + 4);
  b.write('OpusTags', 0, 'latin1');
  b.writeUInt32LE(v.length, 8);
  v.copy(b, 12);
  b.writeUInt32LE(0, 12 + v.length);
  return b;
}

/** A file being written; synchronous writes of a page each (tens of bytes, fifty times a second). */
export class OggOpusWriter {
  private fd: number | undefined;
  private sequence = 0;
  private readonly serial = Math.floor(Math.random() * 0x100000000);
  packets = 0;

  /** Creates (or replaces) `path` and writes the two header pages; throws when the file cannot be written. */
  constructor(readonly path: string) {
    const fd = openSync(path, 'w');
    this.fd = fd;
    try {
      this.put(opusHead(2), 0n, OGG_BOS);
      this.put(opusTags('Portunus VoiceMail'), 0n, 0);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  get open(): boolean {
    return this.fd !== undefined;
  }

  /** Appends one Opus packet ending at `granule` samples (48 kHz) from the start. */
  write(packet: Uint8Array, granule: bigint): void {
    if (this.fd === undefined || packet.length === 0 || packet.length > MAX_OGG_PACKET) return;
    this.put(packet, granule, 0);
    this.packets++;
  }

  /** Closes the file; synchronous. No end-of-stream page: the last packet is not known when it is written, and players take the file's end for the stream's. */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    closeSync(fd);
  }

  private put(packet: Uint8Array, granule: bigint, flags: number): void {
    if (this.fd === undefined) return;
    const page = oggPage(packet, granule, this.serial, this.sequence++, flags);
    writeSync(this.fd, page);
  }
}
