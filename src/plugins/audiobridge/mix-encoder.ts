// Turning a 20 ms frame of the mix into one RTP payload for listeners of one kind: Opus at the room's rate with
// the listener's settings, or G.711 at 8 kHz. Listeners whose settings are the same share one encoder when they
// hear the same mix (`key` says which can).
import { OpusEncoder, type OpusRate } from '../../audio/opus-codec.js';
import { encodeG711 } from '../../audio/g711.js';
import { resampleLinear } from '../../audio/resample.js';
import type { AudioCodec } from './audio-codec.js';

export interface EncoderSettings {
  readonly codec: AudioCodec;
  /** Opus only: bits per second (0: libopus's choice), complexity, FEC and the loss it plans for. */
  readonly bitrate: number;
  readonly complexity: number;
  readonly fec: boolean;
  readonly expectedLoss: number;
}

/** Keys made so far: settings objects are replaced, never changed, so the mixer need not build a string per frame. */
const keys = new WeakMap<EncoderSettings, string>();

/** Listeners with equal keys may share an encoder (and so a packet). */
export function encoderKey(s: EncoderSettings): string {
  let key = keys.get(s);
  if (key === undefined) {
    key = s.codec === 'opus' ? `opus/${s.bitrate}/${s.complexity}/${s.fec ? 1 : 0}/${s.expectedLoss}` : s.codec;
    keys.set(s, key);
  }
  return key;
}

export class MixEncoder {
  private opus: OpusEncoder | undefined;
  private readonly narrow = new Int16Array(160);
  private readonly g711 = Buffer.alloc(160);
  readonly key: string;

  constructor(
    readonly settings: EncoderSettings,
    readonly rate: OpusRate,
    readonly channels: 1 | 2,
  ) {
    this.key = encoderKey(settings);
  }

  /** The payload for one frame (`frameSamples` per channel, interleaved); undefined when encoding failed. */
  encode(mix: Int16Array, frameSamples: number): Buffer | undefined {
    const s = this.settings;
    if (s.codec === 'opus') {
      this.opus ??= new OpusEncoder({
        rate: this.rate,
        channels: this.channels,
        bitrate: s.bitrate > 0 ? s.bitrate : undefined,
        complexity: s.complexity,
        fec: s.fec,
        expectedLoss: s.expectedLoss,
      });
      return this.opus.encode(mix, frameSamples);
    }
    // G.711 is mono at 8 kHz: the left channel of a stereo mix, resampled.
    let mono = mix;
    if (this.channels === 2) {
      mono = new Int16Array(frameSamples);
      for (let i = 0; i < frameSamples; i++) mono[i] = (mix[2 * i] + mix[2 * i + 1]) >> 1;
    }
    resampleLinear(mono, frameSamples, this.narrow, 160);
    encodeG711(s.codec, this.narrow, 160, this.g711, 0);
    return Buffer.from(this.g711);
  }

  close(): void {
    this.opus?.close();
    this.opus = undefined;
  }
}
