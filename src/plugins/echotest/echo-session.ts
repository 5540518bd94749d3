// One EchoTest handle's state: what is echoed, the recording, and the video forwarder. The session is also the
// forwarder's target, so a video packet's echo goes through fields set once per packet, never a closure.
import type { MediaTrackInfo, PluginHandle } from '../../plugin-api/index.js';
import { LayerForwarder, type ForwardTarget, type LayerEventField } from '../../forwarding/layer-forwarder.js';
import { SourcePacket } from '../../forwarding/source-packet.js';
import type { RecordedKind } from '../mjr/mjr-recorder.js';
import type { KindRecording } from '../mjr/kind-recording.js';

/** Stands for the video track until the first packet arrives. */
const NO_TRACK: MediaTrackInfo = { mid: '', kind: 'video' };

export class EchoSession implements ForwardTarget {
  audioActive = true;
  videoActive = true;
  dataActive = true;
  bitrate = 0;
  audioCodec: string | undefined;
  videoCodec: string | undefined;
  slowlinkCount = 0;
  /** The sender simulcasts (its offer has rids, or a packet came with a substream): one layer is echoed. */
  simulcast = false;
  destroyed = false;
  recording: KindRecording | undefined;
  /** The video layers echoed: simulcast `substream`, VP8 `temporal`, VP9 `spatial_layer` / `temporal_layer`. */
  forwarder: LayerForwarder;
  /** The video packet being forwarded, read once; reloaded for each packet. */
  private readonly source = new SourcePacket();
  /** The track of the video packet being forwarded: where `send` and `skip` go. */
  private track: MediaTrackInfo = NO_TRACK;

  constructor(readonly handle: PluginHandle) {
    this.forwarder = this.newForwarder();
  }

  /** A video packet, echoed as the forwarder decides (the layers asked for, switching where the decoder can). */
  echoVideo(track: MediaTrackInfo, packet: Buffer): void {
    if (track.substream !== undefined) this.simulcast = true;
    this.track = track;
    this.source.setCodec(track.codec);
    this.source.load(packet, track.substream ?? -1);
    this.forwarder.forward(this.source);
  }

  /** Audio, and video the forwarder let through: recorded, then sent back. */
  echo(track: MediaTrackInfo, packet: Buffer): void {
    this.record(track.kind, track.codec, packet);
    this.handle.relayRtp(track.mid, packet);
  }

  /** Writes a packet to the recording of its kind, if recording. */
  record(kind: RecordedKind, codec: string | undefined, packet: Buffer): void {
    this.recording?.write(kind, codec, packet);
  }

  /** Closes every file now (on disk when this returns). */
  stopRecording(): void {
    this.recording?.close();
    this.recording = undefined;
  }

  /** Asks the sender for a keyframe; the media layer knows the video mids, and '*' reaches each of them. */
  askKeyframe(): void {
    this.handle.requestKeyframe('*');
  }

  /** The call ended: everything back to how a new handle starts, but the slow-link count. */
  resetCall(): void {
    this.audioActive = true;
    this.videoActive = true;
    this.dataActive = true;
    this.bitrate = 0;
    this.audioCodec = undefined;
    this.videoCodec = undefined;
    this.simulcast = false;
    this.forwarder = this.newForwarder();
    this.track = NO_TRACK;
    this.stopRecording();
  }

  // --- ForwardTarget: the forwarder's decisions for the packet given to echoVideo --------------------------------

  send(packet: Buffer): void {
    this.echo(this.track, packet);
  }

  skip(): void {
    this.handle.skipRtp(this.track.mid);
  }

  layerChanged(field: LayerEventField, value: number): void {
    switch (field) {
      case 'substream':
        this.handle.log.verbose(`echotest: echoing simulcast layer ${value} (rid ${this.track.rid ?? '?'})`);
        this.handle.pushEvent(undefined, { echotest: 'event', videocodec: this.track.codec ?? 'vp8', substream: value });
        return;
      case 'spatial_layer':
        this.handle.pushEvent(undefined, { echotest: 'event', videocodec: 'vp9', spatial_layer: value });
        return;
      case 'temporal_layer':
        this.handle.pushEvent(undefined, { echotest: 'event', videocodec: 'vp9', temporal_layer: value });
        return;
      case 'temporal':
        // The EchoTest reports the VP8 temporal target when it is asked, not each switch.
        return;
    }
  }

  keyframeNeeded(): void {
    this.askKeyframe();
  }

  private newForwarder(): LayerForwarder {
    // The packets are the EchoTest's alone: markers and picture IDs are changed in place.
    return new LayerForwarder(this, { ownsPackets: true });
  }
}
