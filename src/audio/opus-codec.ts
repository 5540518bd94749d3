// Opus encoding and decoding for the audio mixer, on libopus compiled to WebAssembly (npm `opusscript`): it needs
// no compiler, no install script and no download, and runs wherever Node does (docs/audio.md says why and how fast).
import OpusScript from 'opusscript';

/** The rates libopus encodes and decodes at (an AudioBridge room's sampling rate is one of them). */
export type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;
export const OPUS_RATES: readonly OpusRate[] = [8000, 12000, 16000, 24000, 48000];

export function isOpusRate(rate: number): rate is OpusRate {
  return (OPUS_RATES as readonly number[]).includes(rate);
}

/** libopus's encoder requests (opus_defines.h numbering). */
const CTL = { BITRATE: 4002, COMPLEXITY: 4010, INBAND_FEC: 4012, PACKET_LOSS_PERC: 4014, DTX: 4016 } as const;

export interface OpusEncoderOptions {
  readonly rate: OpusRate;
  readonly channels: 1 | 2;
  /** Bits per second; undefined leaves libopus's choice. */
  readonly bitrate?: number;
  /** 0 (cheapest) to 10; the mixer's default trades a little quality for CPU (docs/audio.md). */
  readonly complexity?: number;
  /** In-band forward error correction, useful when `expectedLoss` is above 0. */
  readonly fec?: boolean;
  /** Percent of packets the receiver is expected to lose (0–20). */
  readonly expectedLoss?: number;
  readonly dtx?: boolean;
}

/** Bytes an Opus packet may take (RFC 6716: 1275 per frame, three frames at most). */
const MAX_PACKET = 3828;

export class OpusEncoder {
  private codec: OpusScript | undefined;
  private readonly pcmBytes: Buffer;

  constructor(readonly options: OpusEncoderOptions) {
    const codec = new OpusScript(options.rate, options.channels, OpusScript.Application.VOIP);
    this.codec = codec;
    if (options.bitrate !== undefined) codec.encoderCTL(CTL.BITRATE, options.bitrate);
    codec.encoderCTL(CTL.COMPLEXITY, options.complexity ?? DEFAULT_COMPLEXITY);
    if (options.fec) codec.encoderCTL(CTL.INBAND_FEC, 1);
    if (options.expectedLoss !== undefined) codec.encoderCTL(CTL.PACKET_LOSS_PERC, options.expectedLoss);
    if (options.dtx) codec.encoderCTL(CTL.DTX, 1);
    this.pcmBytes = Buffer.alloc((options.rate / 50) * options.channels * 2 * 3);
  }

  /** Encodes one frame of interleaved samples (`frameSamples` per channel); a new buffer, undefined once closed. */
  encode(pcm: Int16Array, frameSamples: number): Buffer | undefined {
    const codec = this.codec;
    if (!codec) return undefined;
    const count = frameSamples * this.options.channels;
    const bytes = this.pcmBytes;
    for (let i = 0; i < count; i++) bytes.writeInt16LE(pcm[i], i * 2);
    const packet = codec.encode(bytes.subarray(0, count * 2), frameSamples);
    return packet.length <= MAX_PACKET ? packet : undefined;
  }

  setBitrate(bitrate: number): void {
    this.codec?.encoderCTL(CTL.BITRATE, bitrate);
  }

  close(): void {
    this.codec?.delete();
    this.codec = undefined;
  }
}

/** The complexity the mixer encodes at unless told otherwise. */
export const DEFAULT_COMPLEXITY = 5;

export class OpusDecoder {
  private codec: OpusScript | undefined;

  constructor(
    readonly rate: OpusRate,
    readonly channels: 1 | 2,
  ) {
    this.codec = new OpusScript(rate, channels, OpusScript.Application.VOIP);
  }

  /**
   * Decodes one packet into `out` (interleaved, `channels` per sample); the samples per channel written, or -1
   * when the packet is not Opus libopus can read (untrusted input: the caller drops it). Nothing beyond `out`.
   */
  decode(packet: Uint8Array, out: Int16Array): number {
    const codec = this.codec;
    if (!codec || packet.length === 0 || packet.length > MAX_PACKET) return -1;
    let pcm: Buffer;
    try {
      pcm = codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.length));
    } catch {
      return -1;
    }
    const count = Math.min(pcm.length >> 1, out.length);
    for (let i = 0; i < count; i++) out[i] = pcm.readInt16LE(i * 2);
    return Math.floor(count / this.channels);
  }

  close(): void {
    this.codec?.delete();
    this.codec = undefined;
  }
}
