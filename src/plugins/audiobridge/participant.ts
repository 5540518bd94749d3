// A participant of a room: who it is, how it is heard (mute, volume, position, group) and how it hears the mix
// (codec and encoder settings), with the link its audio comes and goes on: a WebRTC handle's audio m-line, or
// plain RTP (`rtp` in join).
import type { JsonObject, PluginHandle, RelayMember } from '../../plugin-api/index.js';
import type { MjrRecorder } from '../mjr/mjr-recorder.js';
import { TalkingDetector } from '../talking-detector.js';
import { InboundAudio } from './inbound-audio.js';
import { ParticipantMixState, type MixFrameInfo, type MixParticipant } from './mixer.js';
import type { EncoderSettings } from './mix-encoder.js';
import { rtpClock, type AudioCodec } from './audio-codec.js';
import type { PlainRtpLink } from './plain-rtp-link.js';
import type { AudioRoom } from './room.js';
import type { RoomId } from './room-settings.js';

/** What a handle holds of the plugin: its participant (once joined) and how its PeerConnection was negotiated. */
export class AudioBridgeSession {
  participant: Participant | undefined;
  /** Who offered first on this PeerConnection: Janus keeps the same side for renegotiations. */
  offerer: 'client' | 'server' | undefined;
  /** The audio m-line and its ssrc-audio-level extension id, once negotiated. */
  mid: string | undefined;
  audioLevelId = 0;
  /** The peer's SDP asked for in-band FEC (Opus `useinbandfec=1`): its mix is encoded with it, as Janus does; never unset. */
  peerFec = false;
  mediaUp = false;
  destroyed = false;

  constructor(readonly handle: PluginHandle) {}
}

export interface ParticipantOptions {
  muted: boolean;
  suspended: boolean;
  pauseEvents: boolean;
  codec: AudioCodec;
  bitrate: number;
  quality: number;
  expectedLoss: number;
  volume: number;
  spatialPosition: number;
  group: string | undefined;
  prebuffer: number;
  audioLevelAverage: number | undefined;
  audioActivePackets: number | undefined;
  admin: boolean;
}

export class Participant implements MixParticipant {
  display: string | undefined;
  room: AudioRoom;
  readonly options: ParticipantOptions;
  inbound: InboundAudio | undefined;
  readonly mixState: ParticipantMixState;
  talking: TalkingDetector | undefined;
  plain: PlainRtpLink | undefined;
  recorder: MjrRecorder | undefined;
  /** The encoder settings the mixer keys on, made again when the options change. */
  encoder: EncoderSettings;
  relayMember: RelayMember | undefined;
  private readonly header = Buffer.alloc(12);

  constructor(
    readonly id: RoomId,
    readonly session: AudioBridgeSession,
    room: AudioRoom,
    display: string | undefined,
    options: ParticipantOptions,
  ) {
    this.room = room;
    this.display = display;
    this.options = options;
    this.mixState = new ParticipantMixState(room.mixer.frameSamples);
    this.encoder = this.encoderSettings();
    this.resetInbound();
  }

  /** Not heard in the mix: muted (by itself, a moderator or the whole room), or suspended. */
  get silenced(): boolean {
    return this.options.muted || this.options.suspended || (this.room.muted && !this.options.admin);
  }

  get gain(): number {
    return this.options.volume / 100;
  }

  get pan(): number {
    return this.options.spatialPosition;
  }

  /** Media is up (a PeerConnection, or plain RTP that has heard from its peer). */
  get setup(): boolean {
    return this.plain ? this.plain.latched : this.session.mediaUp;
  }

  get listening(): boolean {
    return this.setup && !this.options.suspended && (this.plain !== undefined || this.session.mid !== undefined);
  }

  /** Options changed: the mixer's encoder key and the inbound queue follow. */
  optionsChanged(): void {
    const next = this.encoderSettings();
    const old = this.encoder;
    if (next.codec !== old.codec || next.bitrate !== old.bitrate || next.complexity !== old.complexity || next.fec !== old.fec || next.expectedLoss !== old.expectedLoss) {
      this.encoder = next;
      this.mixState.close();
    }
    if (this.inbound) this.inbound.prebuffering = this.options.prebuffer;
  }

  /** A new decoder and queue (join, changeroom, `resetdecoder`, a codec change). */
  resetInbound(): void {
    this.inbound?.close();
    this.inbound = new InboundAudio(this.options.codec, this.room.settings.rate, this.room.mixer.frameSamples, this.options.prebuffer);
    const r = this.room.settings;
    this.talking = r.audiolevelExt ? new TalkingDetector(this.options.audioActivePackets ?? r.audioActivePackets, this.options.audioLevelAverage ?? r.audioLevelAverage) : undefined;
  }

  /** The WebRTC m-line this participant hears the mix on is known (or gone). */
  linkChanged(): void {
    const mid = this.session.mid;
    this.relayMember = !this.plain && mid !== undefined ? { handle: this.session.handle, mid } : undefined;
  }

  send(payload: Buffer, frame: MixFrameInfo): void {
    if (this.plain) {
      this.plain.send(payload, frame.index);
      return;
    }
    const mid = this.session.mid;
    if (mid === undefined || this.session.destroyed) return;
    const h = this.header;
    h[0] = 0x80;
    h[1] = 111;
    h.writeUInt16BE(frame.index & 0xffff, 2);
    h.writeUInt32BE((frame.index * (rtpClock(this.options.codec) / 50)) >>> 0, 4);
    this.session.handle.relayRtp(mid, Buffer.concat([h, payload]));
  }

  /** As `listparticipants` and the events describe it. */
  describe(withTalking: boolean): JsonObject {
    const out: JsonObject = { id: this.id };
    if (this.display !== undefined) out.display = this.display;
    out.setup = this.setup;
    out.muted = this.options.muted;
    if (this.options.suspended) out.suspended = true;
    if (withTalking && this.talking) out.talking = this.talking.talking;
    if (this.room.settings.spatial) out.spatial_position = this.options.spatialPosition;
    return out;
  }

  close(): void {
    this.inbound?.close();
    this.inbound = undefined;
    this.mixState.close();
    this.recorder?.close();
    this.recorder = undefined;
    void this.plain?.close();
    this.plain = undefined;
  }

  private encoderSettings(): EncoderSettings {
    const o = this.options;
    // Janus: FEC when the peer asked for it (its SDP, or `fec` in a plain `rtp`); the expected loss is set either way.
    const fec = o.codec === 'opus' && (this.plain ? this.plain.peer.fec : this.session.peerFec);
    return { codec: o.codec, bitrate: o.bitrate, complexity: o.quality, fec, expectedLoss: o.expectedLoss };
  }
}
