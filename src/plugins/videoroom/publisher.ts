// A participant of a room and, once it publishes, the source of its streams: each packet it sends is handed to
// the subscriber streams fed by it and to its RTP forwarders. A remote publisher (fed over plain RTP by another
// server) is the same thing without a handle.
import type { HeaderExtension, JsonObject, NegotiatedCodec, PluginHandle, RelayGroup, RelayMember } from '../plugin.js';
import { RelaySinks, VersionedSet } from '../relay-sinks.js';
import { EXT_AUDIO_LEVEL, OUR_AUDIO_LEVEL_ID, readOneByteExtension, relayExtensionTable, renumberExtensions } from '../../rtp/header-extensions.js';
import type { KeyframeRequester } from '../../forwarding/keyframe-requester.js';
import { SourcePacket } from '../../forwarding/source-packet.js';
import type { TalkingDetector, TalkingChange } from '../talking-detector.js';
import type { MjrRecorder } from '../mjr/mjr-recorder.js';

export type RoomId = number | string;
export type UserId = number | string;

/** Where a publisher stream's packets go: a subscriber's m-line, or an RTP forwarder. */
export interface StreamSink {
  /**
   * One packet of the stream, read once for every sink: `p.buffer` the bytes (shared: a sink changes none it
   * does not put back before returning), `p.layer` the simulcast substream (-1 without simulcast).
   */
  receive(p: SourcePacket): void;
  /** The relay group member this sink is when it gets every packet of no simulcast layer as it is, if it is one. */
  relayMember?(): RelayMember | undefined;
}

/**
 * Moves whenever a sink's choices change anywhere (a subscriber started or paused, `send`, a layer filter): every
 * stream's relay group is made again at its next packet. Rare next to packets; one counter for all streams, so a
 * sink need not know which stream object feeds it now.
 */
export const sinkChoices = {
  version: 0,
  changed(): void {
    this.version++;
  },
};

/** Where a publisher's data-channel messages go. */
export interface DataSink {
  receiveData(data: Buffer | string, label: string): void;
}

export class PublisherStream {
  readonly sinks = new VersionedSet<StreamSink>();
  readonly dataSinks = new Set<DataSink>();
  description: string | undefined;
  /** The publisher offered this m-line recvonly or with a codec the room does not allow. */
  disabled = false;
  /** A moderator muted it: nothing is relayed. */
  muted = false;
  /** The publisher asked not to relay it for now (`configure` with `send: false`). */
  paused = false;
  /** Sender numbering of header extensions → ours (see rtp/header-extensions.ts). */
  readonly extensionTable: Uint8Array | undefined;
  /** The packet being relayed, as every sink reads it (one per stream, reloaded per packet). */
  private readonly packet: SourcePacket;
  /** The sender writes audio levels (RFC 6464) we can read after renumbering. */
  readonly hasAudioLevel: boolean;
  recorder: MjrRecorder | undefined;
  /** Keyframe requests to the sender, throttled (set by the room once the publisher is known; see keyframes.ts). */
  keyframes: KeyframeRequester | undefined;
  /** Talking detection (the room's `audiolevel_event`) and whom to tell of a change. */
  talking: { readonly detector: TalkingDetector; readonly report: (change: TalkingChange, average: number) => void } | undefined;
  /** A remote publisher's stream: the m-line index on the sending server (its SSRCs are numbered by it). */
  remoteMindex: number | undefined;
  /** The sinks that get packets as they are, relayed in one call (made at the first packet of no simulcast layer). */
  private relaySinks: RelaySinks<StreamSink> | undefined;

  constructor(
    readonly mindex: number,
    readonly mid: string,
    readonly type: 'audio' | 'video' | 'data',
    readonly codec: NegotiatedCodec | undefined,
    readonly simulcast: boolean,
    extensions: readonly HeaderExtension[] | undefined,
    private readonly newRelayGroup: () => RelayGroup,
  ) {
    this.extensionTable = type !== 'data' && extensions ? relayExtensionTable(extensions, type) : undefined;
    this.packet = new SourcePacket(codec?.name);
    this.hasAudioLevel = type === 'audio' && (extensions ?? []).some((e) => e.uri === EXT_AUDIO_LEVEL);
  }

  /** Relays one packet (decrypted, header included) to every sink; the buffer is renumbered in place first. */
  relay(packet: Buffer, layer: number | undefined): void {
    if (this.muted || this.paused) return;
    if (this.extensionTable) renumberExtensions(packet, this.extensionTable);
    if (this.talking) {
      const level = readOneByteExtension(packet, OUR_AUDIO_LEVEL_ID);
      const change = level >= 0 ? this.talking.detector.add(level) : undefined;
      if (change) this.talking.report(change, this.talking.detector.lastAverage);
    }
    this.recorder?.write(packet);
    const p = this.packet;
    p.load(packet, layer ?? -1);
    if (p.layer >= 0 || this.type === 'data') {
      for (const sink of this.sinks) sink.receive(p);
      return;
    }
    const relay = (this.relaySinks ??= new RelaySinks<StreamSink>(this.newRelayGroup()));
    const version = this.sinks.version + sinkChoices.version;
    if (!relay.isCurrent(version)) relay.update(version, this.sinks, (s) => s.relayMember?.());
    relay.group.relay(packet);
    const others = relay.others;
    for (let i = 0; i < others.length; i++) others[i].receive(p);
  }

  /** Lets the relay group's members go (the stream is done). */
  closeRelay(): void {
    this.relaySinks?.close();
    this.relaySinks = undefined;
  }

  relayData(data: Buffer | string, label: string): void {
    if (this.muted || this.paused) return;
    this.recorder?.write(typeof data === 'string' ? Buffer.from(data) : data);
    for (const sink of this.dataSinks) sink.receiveData(data, label);
  }

  describe(): JsonObject {
    const out: JsonObject = { type: this.type, mindex: this.mindex, mid: this.mid };
    if (this.disabled) out.disabled = true;
    if (this.description !== undefined) out.description = this.description;
    if (this.codec) out.codec = this.codec.name;
    if (this.codec?.name === 'opus') {
      const fmtp = this.codec.fmtp ?? '';
      if (/stereo=1/.test(fmtp)) out.stereo = true;
      if (/useinbandfec=1/.test(fmtp)) out.fec = true;
      if (/usedtx=1/.test(fmtp)) out.dtx = true;
    }
    if (this.codec?.name === 'h264') {
      const m = /profile-level-id=([0-9a-fA-F]{6})/.exec(this.codec.fmtp ?? '');
      if (m) out.h264_profile = m[1].toLowerCase();
    }
    if (this.codec?.name === 'vp9') {
      const m = /profile-id=(\d)/.exec(this.codec.fmtp ?? '');
      if (m) out.vp9_profile = m[1];
    }
    if (this.simulcast) out.simulcast = true;
    if (this.muted) out.moderated = true;
    if (this.paused) out.send = false;
    if (this.talking) out.talking = this.talking.detector.talking;
    return out;
  }
}

export class Publisher {
  display: string | undefined;
  metadata: JsonObject | undefined;
  /** Streams of the current publication (empty when not publishing). */
  streams: PublisherStream[] = [];
  /** Set once the PeerConnection is up (a remote publisher: at once): only then is it announced. */
  active = false;
  /** A publication is being negotiated (counts against the room's publisher limit). */
  publishing = false;
  bitrate = 0;
  audioActivePackets: number | undefined;
  audioLevelAverage: number | undefined;
  recording = false;
  recordingBase: string | undefined;
  /** The publication is end-to-end encrypted (insertable streams). */
  e2ee = false;
  /** `descriptions` given before the offer that creates the streams they name. */
  readonly pendingDescriptions = new Map<string, string>();
  /** A remote publisher that is another node's participant in the same room (docs/cluster.md): that node's name. */
  spannedFrom: string | undefined;
  /** Streams by mid, for the per-packet lookup. */
  private byMid = new Map<string, PublisherStream>();

  constructor(
    readonly id: UserId,
    readonly privateId: number,
    /** The publisher's handle; undefined for a remote publisher. */
    readonly handle: PluginHandle | undefined,
  ) {}

  get remote(): boolean {
    return this.handle === undefined;
  }

  setStreams(streams: PublisherStream[]): void {
    // A stream left out is done: its relay group lets its members go.
    for (const s of this.streams) if (!streams.includes(s)) s.closeRelay();
    this.streams = streams;
    this.byMid = new Map(streams.map((s) => [s.mid, s]));
  }

  stream(mid: string): PublisherStream | undefined {
    return this.byMid.get(mid);
  }

  /** The publisher object of `joined.publishers` and `publishers` events. */
  describe(): JsonObject {
    const out: JsonObject = { id: this.id };
    if (this.display !== undefined) out.display = this.display;
    if (this.metadata !== undefined) out.metadata = this.metadata;
    // Another node's participant is described as that node describes it: the room is one.
    if (this.remote && this.spannedFrom === undefined) out.remote = true;
    const firstAudio = this.streams.find((s) => s.type === 'audio' && !s.disabled && s.codec);
    const firstVideo = this.streams.find((s) => s.type === 'video' && !s.disabled && s.codec);
    if (firstAudio?.codec) out.audio_codec = firstAudio.codec.name;
    if (firstVideo?.codec) out.video_codec = firstVideo.codec.name;
    if (firstVideo?.simulcast) out.simulcast = true;
    out.streams = this.streams.map((s) => s.describe());
    if (this.streams.some((s) => s.talking)) out.talking = this.isTalking();
    return out;
  }

  /** Whether any of its audio streams is talking (rooms with `audiolevel_event`). */
  isTalking(): boolean {
    return this.streams.some((s) => s.talking?.detector.talking === true);
  }

  /** The short form for `joining`, `attendees` and `listparticipants`. */
  identity(): JsonObject {
    const out: JsonObject = { id: this.id };
    if (this.display !== undefined) out.display = this.display;
    if (this.metadata !== undefined) out.metadata = this.metadata;
    return out;
  }
}
