// The two capture formats of Admin `start_pcap` and `start_text2pcap` (pure): a libpcap file whose packets wear a
// made-up Ethernet/IPv4/UDP header (10.1.1.1:1000 is the peer, 10.2.2.2:2000 the server), so Wireshark decodes
// the RTP inside with "Decode As"; and text2pcap's hex-dump lines, which Wireshark's text2pcap turns into one.
// These are the layouts Janus writes, so tools made for Janus's captures read ours.

export type CaptureKind = 'RTP' | 'RTCP' | 'DATA';

/** Bytes of the made-up link, network and transport headers before each captured packet. */
const FAKE_HEADERS = 14 + 20 + 8;
const RECORD_HEADER = 16;

/** The libpcap global header: microsecond timestamps, snap length 65535, Ethernet link type. */
export function pcapFileHeader(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(65535, 16);
  b.writeUInt32LE(1, 20);
  return b;
}

/**
 * One libpcap record: the record header, the made-up headers, and the packet (its first `truncate` bytes when
 * truncate > 0). `timeUs` is the capture time in microseconds since the epoch.
 */
export function pcapRecord(incoming: boolean, timeUs: number, packet: Uint8Array, truncate: number): Buffer {
  const kept = truncate > 0 ? Math.min(truncate, packet.length) : packet.length;
  // Lengths in the IP and UDP headers are 16-bit; a data channel message may be longer than any datagram.
  const len = Math.min(packet.length, 65535 - FAKE_HEADERS);
  const shown = Math.min(kept, len);
  const b = Buffer.alloc(RECORD_HEADER + FAKE_HEADERS + shown);
  b.writeUInt32LE(Math.floor(timeUs / 1e6) >>> 0, 0);
  b.writeUInt32LE(Math.floor(timeUs % 1e6), 4);
  b.writeUInt32LE(FAKE_HEADERS + shown, 8);
  b.writeUInt32LE(FAKE_HEADERS + len, 12);
  let at = RECORD_HEADER + 12; // destination and source MAC addresses stay zero
  b.writeUInt16BE(0x0800, at); // IPv4
  at += 2;
  b[at] = 0x45; // version 4, 5 words of header
  b.writeUInt16BE(28 + len, at + 2);
  b.writeUInt16BE(0x4000, at + 6); // don't fragment
  b[at + 8] = 64;
  b[at + 9] = 17; // UDP
  const peer = [10, 1, 1, 1];
  const server = [10, 2, 2, 2];
  b.set(incoming ? peer : server, at + 12);
  b.set(incoming ? server : peer, at + 16);
  at += 20;
  b.writeUInt16BE(incoming ? 1000 : 2000, at);
  b.writeUInt16BE(incoming ? 2000 : 1000, at + 2);
  b.writeUInt16BE(8 + len, at + 4);
  at += 8;
  b.set(packet.subarray(0, shown), at);
  return b;
}

/** One text2pcap line: direction, local time of day with microseconds, offset 0, the bytes in hex, the kind. */
export function text2pcapLine(incoming: boolean, time: Date, packet: Uint8Array, truncate: number, kind: CaptureKind): string {
  const kept = truncate > 0 ? Math.min(truncate, packet.length) : packet.length;
  const two = (n: number): string => String(n).padStart(2, '0');
  const clock = `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${String(time.getMilliseconds() * 1000).padStart(6, '0')}`;
  let hex = '';
  for (let i = 0; i < kept; i++) hex += ' ' + packet[i].toString(16).padStart(2, '0');
  return `${incoming ? 'I' : 'O'} ${clock} 000000 ${hex} ${kind}\r\n`;
}
