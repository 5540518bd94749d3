// A room's mixer: every 20 ms it takes one frame from each participant that speaks into the room, adds them
// (volume applied, panned when the room is spatial), and gives every listener the mix without their own voice.
// Listeners who added nothing this frame all hear the same full mix, so each group of them with equal encoder
// settings gets one encoding and one packet relayed to all of them: in a room of 50 where two talk, that is
// three or four Opus encodings per frame instead of 50 (Janus encodes once per listener).
import type { RelayGroup, RelayMember } from '../../plugin-api/index.js';
import type { OpusRate } from '../../audio/opus-codec.js';
import { FRAME_MS } from './mix-clock.js';
import { encoderKey, MixEncoder, type EncoderSettings } from './mix-encoder.js';
import { rtpClock } from './audio-codec.js';
import type { InboundAudio } from './inbound-audio.js';

/** A participant as the mixer sees it. */
export interface MixParticipant {
  /** Undefined until its audio can arrive. */
  readonly inbound: InboundAudio | undefined;
  /** Muted (by itself or a moderator): its audio is left out. */
  readonly silenced: boolean;
  /** Volume as a factor (Janus's `volume` percent / 100). */
  readonly gain: number;
  /** 0 (left) to 100 (right); used in spatial rooms. */
  readonly pan: number;
  /** Gets the mix: its media is up and it is not suspended. */
  readonly listening: boolean;
  readonly encoder: EncoderSettings;
  /** The relay-group member for shared packets; undefined sends each packet with `send` (plain RTP). */
  readonly relayMember: RelayMember | undefined;
  /** Sends one payload (a packet of its own, not shared). */
  send(payload: Buffer, frame: MixFrameInfo): void;
  /** What the mixer keeps between frames for this participant. */
  readonly mixState: ParticipantMixState;
}

/** The frame's place in the room's one outgoing stream (the same for every listener). */
export interface MixFrameInfo {
  /** Frames since the room started: a listener's sequence number and timestamp derive from it. */
  readonly index: number;
}

export class ParticipantMixState {
  frame: Int16Array;
  contributed = false;
  /** The listener's own encoder, made the first time it must hear the mix without itself. */
  privateEncoder: MixEncoder | undefined;
  /** The last frame it added something to (its own encoder stays on for PRIVATE_HOLD_FRAMES after). */
  contributedAt = -Infinity;
  /** Level of the last frame taken (peak, 0–32767), for who speaks. */
  peak = 0;

  constructor(frameSamples: number) {
    this.frame = new Int16Array(frameSamples);
  }

  close(): void {
    this.privateEncoder?.close();
    this.privateEncoder = undefined;
  }
}

/** Something else the room plays into the mix (an announcement file). */
export interface MixInput {
  /** Fills `out` (mono, room rate) and returns true when it has a frame; false when done or silent. */
  take(out: Int16Array): boolean;
}

/** Something that gets the whole mix once per frame (a forwarder, a recorder). */
export interface MixSink {
  /** Only this group's participants (undefined: everyone). */
  readonly group?: string;
  readonly encoder?: EncoderSettings;
  /** The mix's samples (interleaved, valid only during the call) and, with `encoder`, their encoding. */
  receive(pcm: Int16Array, samples: number, payload: Buffer | undefined, frame: MixFrameInfo): void;
}

/** Builds the 12-byte RTP header a relayed mix packet carries (the media layer rewrites SSRC, type, numbers). */
function mixPacket(payload: Buffer, index: number, clock: number): Buffer {
  const packet = Buffer.allocUnsafe(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = 111;
  packet.writeUInt16BE(index & 0xffff, 2);
  packet.writeUInt32BE((index * (clock / 50)) >>> 0, 4);
  packet.writeUInt32BE(0, 8);
  payload.copy(packet, 12);
  return packet;
}

interface SharedStream {
  readonly encoder: MixEncoder;
  readonly group: RelayGroup;
  members: RelayMember[];
  others: MixParticipant[];
  usedAt: number;
}

/**
 * A frame whose loudest sample stays below this (about -66 dBFS) adds nothing audible: it is left out of the mix,
 * so its sender hears the shared full mix. Decoded Opus silence comes out at ±1, a quiet room's microphone well above.
 */
export const SILENCE_PEAK = 16;

/**
 * Frames a listener keeps its own encoder after it last added something. A receiver's decoder follows one
 * encoder's state; switching it between its own encoding and the shared one every few frames (a sender whose
 * packets come in bursts) would be heard as clicks, so the switch back waits for a second of silence.
 */
export const PRIVATE_HOLD_FRAMES = 50;

/** Frames a shared encoder may go unused before it is closed. */
const SHARED_IDLE_FRAMES = 250;

export class Mixer {
  readonly frameSamples: number;
  private readonly sum: Int32Array;
  private readonly mix: Int16Array;
  private readonly groupMix: Int16Array;
  private readonly inputFrame: Int16Array;
  private readonly shared = new Map<string, SharedStream>();
  /** This frame's listeners who hear the full mix, by encoder key (kept between frames: no allocation per tick). */
  private readonly byKey = new Map<string, MixParticipant[]>();
  private readonly sinkEncoders = new Map<string, MixEncoder>();
  private frameIndex = 0;
  /** Encodings made in the last frame (for tests, stats and the bench). */
  lastEncodings = 0;

  constructor(
    readonly rate: OpusRate,
    readonly spatial: boolean,
    private readonly newRelayGroup: () => RelayGroup,
  ) {
    this.frameSamples = (rate * FRAME_MS) / 1000;
    const channels = spatial ? 2 : 1;
    this.sum = new Int32Array(this.frameSamples * channels);
    this.mix = new Int16Array(this.frameSamples * channels);
    this.groupMix = new Int16Array(this.frameSamples * channels);
    this.inputFrame = new Int16Array(this.frameSamples);
  }

  get channels(): 1 | 2 {
    return this.spatial ? 2 : 1;
  }

  /** One frame: mix, encode and send. `groupOf` names a participant's group for group sinks. */
  tick(participants: readonly MixParticipant[], inputs: readonly MixInput[], sinks: readonly MixSink[], groupOf?: (p: MixParticipant) => string | undefined): void {
    const n = this.frameSamples;
    const sum = this.sum;
    sum.fill(0);
    const frame: MixFrameInfo = { index: this.frameIndex++ };
    let encodings = 0;
    const count = participants.length;
    for (let i = 0; i < count; i++) {
      const p = participants[i];
      const st = p.mixState;
      st.contributed = false;
      const inbound = p.inbound;
      if (!inbound || !inbound.take(st.frame)) {
        st.peak = 0;
        continue;
      }
      st.peak = peakOf(st.frame, n);
      if (p.silenced || p.gain <= 0 || st.peak < SILENCE_PEAK) continue;
      st.contributed = true;
      st.contributedAt = frame.index;
      this.add(sum, st.frame, p.gain, p.pan);
    }
    for (const input of inputs) if (input.take(this.inputFrame)) this.add(sum, this.inputFrame, 1, 50);
    clampInto(this.mix, sum);

    // Listeners: those who spoke get the mix without themselves; the others share the full mix by encoder.
    const byKey = this.byKey;
    for (const list of byKey.values()) list.length = 0;
    for (let i = 0; i < count; i++) {
      const p = participants[i];
      if (!p.listening) continue;
      const st = p.mixState;
      if (!st.contributed && st.privateEncoder && frame.index - st.contributedAt <= PRIVATE_HOLD_FRAMES) {
        // Spoke a moment ago: the full mix (nothing of its own in it this frame) on its own encoder still.
        const payload = st.privateEncoder.encode(this.mix, n);
        encodings++;
        if (payload) p.send(payload, frame);
        continue;
      }
      if (!st.contributed) {
        const key = encoderKey(p.encoder);
        const list = byKey.get(key);
        if (list) list.push(p);
        else byKey.set(key, [p]);
        continue;
      }
      this.mixWithout(this.groupMix, sum, st.frame, p.gain, p.pan);
      st.privateEncoder ??= new MixEncoder(p.encoder, this.rate, this.channels);
      const payload = st.privateEncoder.encode(this.groupMix, n);
      encodings++;
      if (payload) p.send(payload, frame);
    }
    for (const [key, listeners] of byKey) {
      if (listeners.length === 0) {
        if (!this.shared.has(key)) byKey.delete(key);
        continue;
      }
      const stream = this.sharedStream(key, listeners[0].encoder);
      stream.usedAt = frame.index;
      const payload = stream.encoder.encode(this.mix, n);
      encodings++;
      if (!payload) continue;
      this.updateMembers(stream, listeners);
      if (stream.members.length > 0) stream.group.relay(mixPacket(payload, frame.index, rtpClock(stream.encoder.settings.codec)));
      for (const p of stream.others) p.send(payload, frame);
    }
    for (const sink of sinks) {
      let pcm = this.mix;
      if (sink.group !== undefined && groupOf) {
        sum.fill(0);
        for (const p of participants) if (p.mixState.contributed && groupOf(p) === sink.group) this.add(sum, p.mixState.frame, p.gain, p.pan);
        clampInto(this.groupMix, sum);
        pcm = this.groupMix;
      }
      let payload: Buffer | undefined;
      if (sink.encoder) {
        payload = this.sinkEncoder(sink, sink.encoder).encode(pcm, n);
        encodings++;
      }
      sink.receive(pcm, n * this.channels, payload, frame);
    }
    this.lastEncodings = encodings;
    this.dropIdle(frame.index);
  }

  close(): void {
    for (const s of this.shared.values()) {
      s.encoder.close();
      s.group.close();
    }
    this.shared.clear();
    for (const e of this.sinkEncoders.values()) e.close();
    this.sinkEncoders.clear();
  }

  /** Adds one mono frame, scaled, into the sum (both channels when spatial). */
  private add(sum: Int32Array, frame: Int16Array, gain: number, pan: number): void {
    const n = this.frameSamples;
    if (!this.spatial) {
      if (gain === 1) for (let i = 0; i < n; i++) sum[i] += frame[i];
      else for (let i = 0; i < n; i++) sum[i] += Math.round(frame[i] * gain);
      return;
    }
    const left = gain * (pan <= 50 ? 1 : (100 - pan) / 50);
    const right = gain * (pan >= 50 ? 1 : pan / 50);
    for (let i = 0; i < n; i++) {
      sum[2 * i] += Math.round(frame[i] * left);
      sum[2 * i + 1] += Math.round(frame[i] * right);
    }
  }

  /** `out` = the sum without one mono frame (scaled as `add` scales it), clamped: one pass, the sum untouched. */
  private mixWithout(out: Int16Array, sum: Int32Array, frame: Int16Array, gain: number, pan: number): void {
    const n = this.frameSamples;
    if (!this.spatial) {
      if (gain === 1) for (let i = 0; i < n; i++) out[i] = clamp16(sum[i] - frame[i]);
      else for (let i = 0; i < n; i++) out[i] = clamp16(sum[i] - Math.round(frame[i] * gain));
      return;
    }
    const left = gain * (pan <= 50 ? 1 : (100 - pan) / 50);
    const right = gain * (pan >= 50 ? 1 : pan / 50);
    for (let i = 0; i < n; i++) {
      out[2 * i] = clamp16(sum[2 * i] - Math.round(frame[i] * left));
      out[2 * i + 1] = clamp16(sum[2 * i + 1] - Math.round(frame[i] * right));
    }
  }

  private sharedStream(key: string, settings: EncoderSettings): SharedStream {
    let s = this.shared.get(key);
    if (!s) {
      s = { encoder: new MixEncoder(settings, this.rate, this.channels), group: this.newRelayGroup(), members: [], others: [], usedAt: 0 };
      this.shared.set(key, s);
    }
    return s;
  }

  private sinkEncoder(sink: MixSink, settings: EncoderSettings): MixEncoder {
    const key = `${sink.group ?? ''}|${encoderKey(settings)}`;
    let e = this.sinkEncoders.get(key);
    if (!e) {
      e = new MixEncoder(settings, this.rate, this.channels);
      this.sinkEncoders.set(key, e);
    }
    return e;
  }

  /** The group's members change only when who listens there does (setMembers is not free). */
  private updateMembers(stream: SharedStream, listeners: readonly MixParticipant[]): void {
    const members: RelayMember[] = [];
    const others: MixParticipant[] = [];
    for (const p of listeners) {
      if (p.relayMember) members.push(p.relayMember);
      else others.push(p);
    }
    stream.others = others;
    const old = stream.members;
    if (old.length === members.length && old.every((m, i) => m === members[i])) return;
    stream.members = members;
    stream.group.setMembers(members);
  }

  private dropIdle(now: number): void {
    for (const [key, s] of this.shared) {
      if (now - s.usedAt < SHARED_IDLE_FRAMES) continue;
      s.encoder.close();
      s.group.close();
      this.shared.delete(key);
    }
  }
}

function peakOf(frame: Int16Array, n: number): number {
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const v = frame[i] < 0 ? -frame[i] : frame[i];
    if (v > peak) peak = v;
  }
  return peak;
}

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

function clampInto(out: Int16Array, sum: Int32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = clamp16(sum[i]);
}
