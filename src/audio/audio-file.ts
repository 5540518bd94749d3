// Audio files a `live` or `ondemand` mountpoint plays: raw G.711 (.alaw, .mulaw) and Ogg Opus (.opus), cut into
// the frames one RTP packet each carries. Pure parsers; the file is read whole once, at create time.

export interface AudioFrames {
  readonly codec: 'pcma' | 'pcmu' | 'opus';
  readonly clockRate: number;
  /** Default payload type for the codec (G.711's static ones; 111 for Opus, as in Janus's demos). */
  readonly pt: number;
  readonly frames: readonly Buffer[];
  /** RTP timestamp step of each frame (samples at clockRate). */
  readonly durations: readonly number[];
}

export class AudioFileError extends Error {}

const G711_FRAME = 160; // 20 ms at 8 kHz, one byte a sample

/** Splits raw G.711 into 20 ms frames (a short last frame is kept). */
export function g711Frames(data: Buffer, codec: 'pcma' | 'pcmu'): AudioFrames {
  if (data.length === 0) throw new AudioFileError('the file is empty');
  const frames: Buffer[] = [];
  const durations: number[] = [];
  for (let at = 0; at < data.length; at += G711_FRAME) {
    const f = data.subarray(at, Math.min(data.length, at + G711_FRAME));
    frames.push(f);
    durations.push(f.length);
  }
  return { codec, clockRate: 8000, pt: codec === 'pcma' ? 8 : 0, frames, durations };
}

/** Most packets an Ogg file may hold (over 11 hours of 20 ms Opus): each costs a Buffer view in memory. */
export const MAX_OGG_PACKETS = 2_000_000;

/**
 * The packets of the first logical stream of an Ogg file (RFC 3533): pages are checked for the capture pattern
 * and length; a packet continued across pages is joined, and the tail of one whose start is missing (a page
 * flagged "continued" with nothing before it) is dropped. Throws AudioFileError on anything malformed, and when
 * the file holds more than `maxPackets` packets.
 */
export function oggPackets(data: Buffer, maxPackets = MAX_OGG_PACKETS): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  let serial: number | undefined;
  let at = 0;
  while (at < data.length) {
    if (at + 27 > data.length || data.toString('latin1', at, at + 4) !== 'OggS') throw new AudioFileError(`not an Ogg page at byte ${at}`);
    if (data[at + 4] !== 0) throw new AudioFileError(`unsupported Ogg version ${data[at + 4]}`);
    const headerType = data[at + 5];
    const pageSerial = data.readUInt32LE(at + 14);
    const segments = data[at + 26];
    const tableEnd = at + 27 + segments;
    if (tableEnd > data.length) throw new AudioFileError('truncated Ogg page header');
    let bodyLen = 0;
    for (let i = 0; i < segments; i++) bodyLen += data[at + 27 + i];
    if (tableEnd + bodyLen > data.length) throw new AudioFileError('truncated Ogg page');
    serial ??= pageSerial;
    if (pageSerial === serial) {
      if (!(headerType & 0x01) && pending.length > 0) pending = []; // a continuation that never came
      // Continued, but the packet's start is not here (the first page, or after a lost one): skip its tail.
      let skipping = (headerType & 0x01) !== 0 && pending.length === 0;
      let body = tableEnd;
      let start = body;
      for (let i = 0; i < segments; i++) {
        const lace = data[at + 27 + i];
        body += lace;
        if (lace < 255) {
          if (!skipping) {
            pending.push(data.subarray(start, body));
            if (packets.length >= maxPackets) throw new AudioFileError(`more than ${maxPackets} packets`);
            packets.push(pending.length === 1 ? pending[0] : Buffer.concat(pending));
          }
          skipping = false;
          pending = [];
          start = body;
        }
      }
      if (start < body && !skipping) pending.push(data.subarray(start, body)); // continues on the next page
    }
    at = tableEnd + bodyLen;
  }
  return packets;
}

/** Samples (at 48 kHz) an Opus packet holds, from its TOC byte (RFC 6716 §3.1); 0 when malformed. */
export function opusPacketSamples(packet: Buffer): number {
  if (packet.length < 1) return 0;
  const toc = packet[0];
  const config = toc >> 3;
  let frameSamples: number;
  if (config < 12)
    frameSamples = [480, 960, 1920, 2880][config & 3]; // SILK: 10/20/40/60 ms
  else if (config < 16)
    frameSamples = (config & 1) === 0 ? 480 : 960; // Hybrid: 10/20 ms
  else frameSamples = [120, 240, 480, 960][config & 3]; // CELT: 2.5/5/10/20 ms
  const code = toc & 3;
  let count: number;
  if (code === 0) count = 1;
  else if (code === 1 || code === 2) count = 2;
  else {
    if (packet.length < 2) return 0;
    count = packet[1] & 0x3f;
  }
  const samples = frameSamples * count;
  return count > 0 && samples <= 5760 ? samples : 0; // at most 120 ms
}

/** The audio packets of an Ogg Opus file (OpusHead and OpusTags skipped). */
export function opusFrames(data: Buffer): AudioFrames {
  const packets = oggPackets(data);
  if (packets.length < 2 || packets[0].toString('latin1', 0, 8) !== 'OpusHead') throw new AudioFileError('not an Ogg Opus file (no OpusHead)');
  const frames: Buffer[] = [];
  const durations: number[] = [];
  for (const p of packets.slice(2)) {
    const samples = opusPacketSamples(p);
    if (samples === 0) continue;
    frames.push(p);
    durations.push(samples);
  }
  if (frames.length === 0) throw new AudioFileError('the Opus file has no audio packets');
  return { codec: 'opus', clockRate: 48000, pt: 111, frames, durations };
}

/** Frames of a file by its extension, as Janus decides: .alaw, .mulaw, .opus. */
export function audioFramesFor(filename: string, data: Buffer): AudioFrames {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.alaw')) return g711Frames(data, 'pcma');
  if (lower.endsWith('.mulaw')) return g711Frames(data, 'pcmu');
  if (lower.endsWith('.opus')) return opusFrames(data);
  throw new AudioFileError('unsupported file type (use .alaw, .mulaw or .opus)');
}
