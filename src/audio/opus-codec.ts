// Opus encoding and decoding for the audio mixer, on the machine's libopus through the native addon when both are
// there, and on libopus compiled to WebAssembly (npm `opusscript`) otherwise (docs/audio.md says why and how fast).
// A packet from a peer reaches either only after its framing passed the checks of opus-packet.ts.
import OpusScript from 'opusscript';
import { nativeAddon, nativeAddonStatus, type NativeAddon, type NativeOpusDecoder, type NativeOpusEncoder } from '../native/native-addon.js';
import { opusPacketShape } from './opus-packet.js';

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
  readonly backend?: OpusBackendChoice;
}

/** Bytes an Opus packet may take (RFC 6716: 1275 per frame, three frames at most). */
const MAX_PACKET = 3828;

export interface OpusBackend {
  readonly native: boolean;
  /** What encodes and decodes, or why not the native library, for the log. */
  readonly detail: string;
}

/** Which libopus to use: the native one when there is one (undefined), or always one of the two ('native' throws without it). */
export type OpusBackendChoice = 'native' | 'wasm' | undefined;

/** Which libopus codes: the native one when the addon and libopus.so.0 are both there. Read at construction. */
export function opusBackend(): OpusBackend {
  const addon = nativeAddon();
  if (!addon) return { native: false, detail: `WebAssembly libopus (the native addon is not in use: ${nativeAddonStatus()})` };
  const version = addon.opusLibrary();
  if (version === undefined) return { native: false, detail: `WebAssembly libopus (no native libopus: ${addon.opusLibraryError()})` };
  return { native: true, detail: `native ${version}` };
}

/** The addon when the native libopus is to be used, undefined for WebAssembly. */
function nativeLibopus(choice: OpusBackendChoice): NativeAddon | undefined {
  const addon = choice === 'wasm' ? undefined : nativeAddon();
  if (!addon || addon.opusLibrary() === undefined) {
    if (choice === 'native') throw new Error(opusBackend().detail);
    return undefined;
  }
  return addon;
}

export class OpusEncoder {
  private wasm: OpusScript | undefined;
  private native: { addon: NativeAddon; encoder: NativeOpusEncoder } | undefined;
  private readonly pcmBytes: Buffer | undefined;
  private readonly packet: Buffer | undefined;
  /** True when the machine's libopus encodes, false for WebAssembly. */
  readonly isNative: boolean;

  constructor(readonly options: OpusEncoderOptions) {
    const addon = nativeLibopus(options.backend);
    if (addon) this.native = { addon, encoder: addon.opusEncoderCreate(options.rate, options.channels, OpusScript.Application.VOIP) };
    this.isNative = this.native !== undefined;
    if (this.native) this.packet = Buffer.alloc(MAX_PACKET);
    else {
      this.wasm = new OpusScript(options.rate, options.channels, OpusScript.Application.VOIP);
      this.pcmBytes = Buffer.alloc((options.rate / 50) * options.channels * 2 * 3);
    }
    if (options.bitrate !== undefined) this.set(CTL.BITRATE, options.bitrate);
    this.set(CTL.COMPLEXITY, options.complexity ?? DEFAULT_COMPLEXITY);
    if (options.fec) this.set(CTL.INBAND_FEC, 1);
    if (options.expectedLoss !== undefined) this.set(CTL.PACKET_LOSS_PERC, options.expectedLoss);
    if (options.dtx) this.set(CTL.DTX, 1);
  }

  /** Encodes one frame of interleaved samples (`frameSamples` per channel); a new buffer, undefined once closed. */
  encode(pcm: Int16Array, frameSamples: number): Buffer | undefined {
    const native = this.native;
    if (native && this.packet) {
      const n = native.addon.opusEncode(native.encoder, pcm, frameSamples, this.packet);
      return n > 0 ? Buffer.from(this.packet.subarray(0, n)) : undefined;
    }
    const codec = this.wasm;
    const bytes = this.pcmBytes;
    if (!codec || !bytes) return undefined;
    const count = frameSamples * this.options.channels;
    for (let i = 0; i < count; i++) bytes.writeInt16LE(pcm[i], i * 2);
    const packet = codec.encode(bytes.subarray(0, count * 2), frameSamples);
    return packet.length <= MAX_PACKET ? packet : undefined;
  }

  setBitrate(bitrate: number): void {
    this.set(CTL.BITRATE, bitrate);
  }

  close(): void {
    if (this.native) this.native.addon.opusEncoderDestroy(this.native.encoder);
    this.native = undefined;
    this.wasm?.delete();
    this.wasm = undefined;
  }

  private set(request: number, value: number): void {
    if (this.native) this.native.addon.opusEncoderSet(this.native.encoder, request, value);
    else this.wasm?.encoderCTL(request, value);
  }
}

/** The complexity the mixer encodes at unless told otherwise. */
export const DEFAULT_COMPLEXITY = 4;

export class OpusDecoder {
  private wasm: OpusScript | undefined;
  private native: { addon: NativeAddon; decoder: NativeOpusDecoder } | undefined;
  /** True when the machine's libopus decodes, false for WebAssembly. */
  readonly isNative: boolean;

  constructor(
    readonly rate: OpusRate,
    readonly channels: 1 | 2,
    backend?: OpusBackendChoice,
  ) {
    const addon = nativeLibopus(backend);
    if (addon) this.native = { addon, decoder: addon.opusDecoderCreate(rate, channels) };
    else this.wasm = new OpusScript(rate, channels, OpusScript.Application.VOIP);
    this.isNative = this.native !== undefined;
  }

  /**
   * Decodes one packet into `out` (interleaved, `channels` per sample); the samples per channel written, or -1
   * when the packet breaks RFC 6716's framing rules or libopus cannot read it (untrusted input: the caller drops
   * it), or when `out` cannot hold all of it. Nothing beyond `out`.
   */
  decode(packet: Uint8Array, out: Int16Array): number {
    const shape = packet.length <= MAX_PACKET ? opusPacketShape(packet) : undefined;
    if (!shape) return -1;
    const samples = (shape.samples48k * this.rate) / 48000;
    if (samples * this.channels > out.length) return -1;
    const native = this.native;
    if (native) {
      const n = native.addon.opusDecode(native.decoder, packet, packet.length, out, samples, false);
      return n > 0 ? n : -1;
    }
    const codec = this.wasm;
    if (!codec) return -1;
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

  /** Whether `repair` works (the native decoder; the WebAssembly binding exposes neither FEC nor concealment). */
  get canRepairLoss(): boolean {
    return this.native !== undefined;
  }

  /**
   * Fills `frameSamples` per channel for a packet that never came: from the in-band FEC of `next` (the packet
   * after it) when it has some, by libopus's concealment otherwise. The samples written, or -1 (no native decoder).
   */
  repair(next: Uint8Array | undefined, frameSamples: number, out: Int16Array): number {
    const native = this.native;
    if (!native || frameSamples * this.channels > out.length) return -1;
    const usable = next && next.length <= MAX_PACKET && opusPacketShape(next) ? next : undefined;
    const n = native.addon.opusDecode(native.decoder, usable ?? null, usable?.length ?? 0, out, frameSamples, usable !== undefined);
    return n > 0 ? n : -1;
  }

  close(): void {
    if (this.native) this.native.addon.opusDecoderDestroy(this.native.decoder);
    this.native = undefined;
    this.wasm?.delete();
    this.wasm = undefined;
  }
}
