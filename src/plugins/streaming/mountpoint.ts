// A mountpoint: its settings, its streams (stream-source.ts), the viewers watching it, and the fan-out from one
// to the others.
import { KEYFRAME_RETRY_INTERVAL_MS, KeyframeRequester } from '../../forwarding/keyframe-requester.js';
import type { SourcePacket } from '../../forwarding/source-packet.js';
import type { AudioFrames } from '../../audio/audio-file.js';
import type { FilePlayer } from './file-player.js';
import type { RelayGroup } from '../plugin.js';
import { RelaySinks, VersionedSet } from '../relay-sinks.js';
import type { RtspClient } from './rtsp-client.js';
import type { StreamSink, StreamSource } from './stream-source.js';
import { Viewer } from './viewer.js';
import type { WebRtcPublisher } from './webrtc-publisher.js';

/** A mountpoint id: a positive integer, or a string with Janus's `string_ids`. */
export type MountpointId = number | string;

export interface MountpointSettings {
  readonly id: MountpointId;
  name: string;
  description: string;
  metadata?: string;
  secret?: string;
  pin?: string;
  isPrivate: boolean;
  readonly legacy: boolean;
  /** `collision` (ms), `bufferkf_ms`, `bufferkf_bytes` (0: not set), `e2ee` of an `rtp` mountpoint. */
  readonly collision: number;
  readonly bufferkfMs: number;
  readonly bufferkfBytes: number;
  readonly e2ee: boolean;
}

/** An SRTP-protected source (SDES keys given at create time). */
export interface SrtpSourceSettings {
  readonly suite: 32 | 80;
  /** The key as given (base64), for saving. */
  readonly crypto: string;
  readonly key: Buffer;
  readonly salt: Buffer;
}

/** What a `live` or `ondemand` mountpoint plays. */
export interface FileSettings {
  readonly kind: 'live' | 'ondemand';
  readonly filename: string;
  readonly audio: AudioFrames;
  readonly pt: number;
  /** The shared player of a `live` mountpoint. */
  player?: FilePlayer;
}

export class Mountpoint {
  enabled = true;
  readonly streams: StreamSource[] = [];
  readonly viewers = new VersionedSet<StreamSink>();
  /** PLIs to the video sources on the viewers' behalf, at most one a second, as Janus sends them. */
  private readonly keyframes = new KeyframeRequester(() => this.sendPlis(), KEYFRAME_RETRY_INTERVAL_MS);
  /** Moves whenever a viewer's choices change (with the set's own version: who gets which stream, and how). */
  private viewerChanges = 0;
  private readonly relays = new Map<StreamSource, RelaySinks<StreamSink>>();

  constructor(
    readonly settings: MountpointSettings,
    /** Makes a relay group (the plugin context's). */
    private readonly newRelayGroup: () => RelayGroup,
    /** Told when a viewer (or another node's feed) comes or goes: a node holds a mountpoint it has viewers of. */
    onWatchers?: (mp: Mountpoint) => void,
  ) {
    if (onWatchers) this.viewers.onChange = () => onWatchers(this);
  }

  /** The handles watching here (the other sinks are other nodes' feeds). */
  get viewerCount(): number {
    let n = 0;
    for (const v of this.viewers) if (v instanceof Viewer) n++;
    return n;
  }

  /** A viewer started, paused, changed mids or got a layer filter, or a sink came or went. */
  viewersChanged(): void {
    this.viewerChanges++;
  }

  /** Asks the video sources for a keyframe (throttled: viewers may ask on every packet). */
  requestKeyframe(): void {
    this.keyframes.request();
  }

  /** A keyframe request to every video source (a PLI to an RTP source that sent, the WebRTC publisher's sender). */
  private sendPlis(): void {
    for (const s of this.streams) if (s.config.type === 'video') s.requestKeyframe();
  }

  get id(): MountpointId {
    return this.settings.id;
  }

  /**
   * Hands a source packet to every viewer; a disabled mountpoint relays nothing. A packet of no simulcast layer goes
   * to the stream's relay group in one call (the viewers that get it as it is) and to the other sinks one by one.
   */
  fanOut(stream: StreamSource, packet: SourcePacket): void {
    if (!this.enabled) return;
    if (packet.layer < 0 && stream.config.type !== 'data') {
      const relay = this.relayOf(stream);
      relay.group.relay(packet.buffer);
      const others = relay.others;
      for (let i = 0; i < others.length; i++) others[i].receive(stream, packet);
      return;
    }
    for (const v of this.viewers) v.receive(stream, packet);
  }

  /** The stream's relay group and other sinks, split again when the viewers changed since. */
  private relayOf(stream: StreamSource): RelaySinks<StreamSink> {
    let relay = this.relays.get(stream);
    if (!relay) {
      relay = new RelaySinks<StreamSink>(this.newRelayGroup());
      this.relays.set(stream, relay);
    }
    const version = this.viewers.version + this.viewerChanges;
    if (!relay.isCurrent(version)) {
      const mid = stream.config.mid;
      relay.update(version, this.viewers, (v) => (v instanceof Viewer && v.getsAsIs(mid) ? { handle: v.handle, mid: v.outMid(mid) } : undefined));
    }
    return relay;
  }

  /** Set for file mountpoints (`live`, `ondemand`). */
  file: FileSettings | undefined;
  /** Set when the sources send SRTP. */
  srtp: SrtpSourceSettings | undefined;
  /** Set for `webrtc` mountpoints (webrtc-publisher.ts): who publishes now, and whether the mountpoint goes with it. */
  webrtc: { publisher: WebRtcPublisher | undefined; readonly transient: boolean } | undefined;
  /** Set for `rtsp` mountpoints: the session with the camera. */
  rtsp: { readonly client: RtspClient; readonly url: string; readonly saved: Readonly<Record<string, unknown>> } | undefined;

  /**
   * Set on a node that shows another node's mountpoint (mountpoint-relay.ts): the node with the source, and the
   * relay that receives it from there while someone here watches.
   */
  remote: { readonly node: string; close(): void } | undefined;

  /** Stops the playback, the RTSP session, the WebRTC publisher, every socket and recorder now; settles once all of them are done. */
  close(): Promise<void> {
    this.remote?.close();
    this.webrtc?.publisher?.closePc();
    if (this.webrtc) this.webrtc.publisher = undefined;
    for (const r of this.relays.values()) r.close();
    this.relays.clear();
    this.file?.player?.stop();
    for (const s of this.streams) s.close();
    return (this.rtsp?.client.close() ?? Promise.resolve()).catch(() => undefined);
  }
}
