// One VideoCall handle: its username, its peer in a call, what it lets through and what it receives. The user
// is also the forwarder's target for the video its peer sends, so a packet goes through fields set once per
// packet, never a closure.
import type { MediaTrackInfo, PluginHandle } from '../../plugin-api/index.js';
import { LayerForwarder, type ForwardTarget, type LayerEventField } from '../../forwarding/layer-forwarder.js';
import { SourcePacket } from '../../forwarding/source-packet.js';
import type { Jsep } from '../../plugin-api/media-types.js';
import type { KindRecording } from '../mjr/kind-recording.js';

const NO_TRACK: MediaTrackInfo = { mid: '', kind: 'video' };

/** Where a user is in a call: calling (offer answered, waiting for the callee), ringing (offered to), in a call. */
export type CallState = 'idle' | 'calling' | 'ringing' | 'incall';

export class CallUser implements ForwardTarget {
  username: string | undefined;
  peer: CallUser | undefined;
  state: CallState = 'idle';
  /** The caller's answer, held until the callee accepts (then it goes out with `accepted`). */
  heldAnswer: Jsep | undefined;
  /** What the server does on each m-line of this user's PeerConnection (call-media.ts), to compare a new one with. */
  layout = '';
  /** What this user sends that reaches the peer. */
  audioActive = true;
  videoActive = true;
  bitrate = 0;
  destroyed = false;
  recording: KindRecording | undefined;
  /** The video layers this user receives of its peer's simulcast: `substream`, VP8 `temporal`. */
  forwarder: LayerForwarder;
  private readonly source = new SourcePacket();
  /** The track the packet being forwarded goes out on. */
  private track: MediaTrackInfo = NO_TRACK;

  constructor(readonly handle: PluginHandle) {
    this.forwarder = new LayerForwarder(this);
  }

  /** A video packet of the peer, sent to this user as its forwarder decides. */
  receiveVideo(track: MediaTrackInfo, packet: Buffer): void {
    this.track = track;
    this.source.setCodec(track.codec);
    this.source.load(packet, track.substream ?? -1);
    this.forwarder.forward(this.source);
  }

  /** The call is over: back to how a registered user starts. */
  resetCall(): void {
    this.peer = undefined;
    this.state = 'idle';
    this.heldAnswer = undefined;
    this.layout = '';
    this.audioActive = true;
    this.videoActive = true;
    this.bitrate = 0;
    this.forwarder = new LayerForwarder(this);
    this.track = NO_TRACK;
    this.stopRecording();
  }

  stopRecording(): void {
    this.recording?.close();
    this.recording = undefined;
  }

  // --- ForwardTarget: decisions on the peer's video packet given to receiveVideo ------------------------------

  send(packet: Buffer): void {
    this.handle.relayRtp(this.track.mid, packet);
  }

  skip(): void {
    this.handle.skipRtp(this.track.mid);
  }

  layerChanged(field: LayerEventField, value: number): void {
    if (field !== 'substream' && field !== 'temporal') return;
    this.handle.pushEvent(undefined, { videocall: 'event', result: { event: 'simulcast', videocodec: this.track.codec ?? 'vp8', [field]: value } });
  }

  keyframeNeeded(): void {
    this.peer?.handle.requestKeyframe('*');
  }
}
