// Opus test audio for the AudioBridge tests and bench: a tone encoded packet by packet as a sender would, and a
// receiver that decodes what arrives and measures how loud it is and at what pitch.
import { OpusDecoder, OpusEncoder } from '../src/audio/opus-codec.js';

const RATE = 48000;
const FRAME = 960;

/** Opus packets of a sine tone (or silence with frequency 0), 20 ms each, at 48 kHz mono. */
export class ToneSource {
  private readonly encoder = new OpusEncoder({ rate: RATE, channels: 1, complexity: 1 });
  private readonly pcm = new Int16Array(FRAME);
  private sample = 0;

  constructor(
    public frequency: number,
    public amplitude = 8000,
  ) {}

  next(): Buffer {
    for (let i = 0; i < FRAME; i++, this.sample++) this.pcm[i] = this.frequency > 0 ? Math.round(this.amplitude * Math.sin((2 * Math.PI * this.frequency * this.sample) / RATE)) : 0;
    const packet = this.encoder.encode(this.pcm, FRAME);
    if (!packet) throw new Error('the tone did not encode');
    return packet;
  }

  close(): void {
    this.encoder.close();
  }
}

/** Decodes received Opus packets and keeps the level and pitch of the last ones. */
export class ToneMeter {
  private readonly decoder: OpusDecoder;
  private readonly out: Int16Array;
  packets = 0;
  /** Mean absolute sample value of the recent packets, and zero crossings per second. */
  level = 0;
  pitch = 0;

  constructor(readonly channels: 1 | 2 = 1) {
    this.decoder = new OpusDecoder(RATE, channels);
    this.out = new Int16Array(5760 * channels);
  }

  add(payload: Buffer): void {
    const n = this.decoder.decode(payload, this.out);
    if (n <= 0) return;
    this.packets++;
    let sum = 0;
    let crossings = 0;
    const step = this.channels;
    for (let i = 0; i < n; i++) {
      const v = this.out[i * step];
      sum += Math.abs(v);
      if (i > 0 && this.out[(i - 1) * step] < 0 !== v < 0) crossings++;
    }
    // A moving average over a few packets: a tone's level is steady, a change shows within about 100 ms.
    this.level = this.level * 0.7 + (sum / n) * 0.3;
    this.pitch = this.pitch * 0.7 + (crossings / 2) * (RATE / n) * 0.3;
  }

  close(): void {
    this.decoder.close();
  }
}
