// One Record&Play handle: nothing yet, a recorder (the client's media into .mjr files), or a player (a
// recording's frames out to the client).
import type { MediaTrackInfo, PluginHandle } from '../../plugin-api/index.js';
import { LayerForwarder, type ForwardTarget, type LayerEventField } from '../../forwarding/layer-forwarder.js';
import { SourcePacket } from '../../forwarding/source-packet.js';
import type { MjrRecorder } from '../mjr/mjr-recorder.js';
import type { Playout } from './playout.js';
import type { PlayoutFrame } from './playout-schedule.js';
import type { Recording } from './recording-library.js';

/** Janus's defaults: the publisher is capped at 1 Mbit/s and asked for a keyframe every 15 s. */
export const DEFAULT_VIDEO_BITRATE = 1024 * 1024;
export const DEFAULT_KEYFRAME_INTERVAL_MS = 15_000;

export interface RecorderFiles {
  audio?: MjrRecorder;
  video?: MjrRecorder;
  data?: MjrRecorder;
}

export class RecordPlaySession implements ForwardTarget {
  videoBitrate = DEFAULT_VIDEO_BITRATE;
  keyframeIntervalMs = DEFAULT_KEYFRAME_INTERVAL_MS;
  destroyed = false;
  /** What the handle records or plays. */
  recording: Recording | undefined;
  /**
   * The id of the last recording made or played here, kept after it ends: a client's `stop` may be handled after
   * the hang-up it sent right behind it (janus.js's demo does both at once), and its `stopped` still names it.
   */
  lastRecordingId: number | undefined;
  /** The last recording's .nfo being written: a `stop` that comes after the hang-up waits for it before answering. */
  completing: Promise<void> | undefined;
  /** Recording: the open files, the pause flag, the keyframe timer. */
  files: RecorderFiles | undefined;
  paused = false;
  keyframeTimer: NodeJS.Timeout | undefined;
  /** Playing: the frames read at `play`, then the player once media is up. */
  frames: readonly PlayoutFrame[] | undefined;
  player: Playout | undefined;
  /** Recording simulcast video: one layer (the highest) goes to the file, with one SSRC and no gaps. */
  private forwarder: LayerForwarder;
  private readonly source = new SourcePacket();
  private videoSsrc = 0;

  constructor(readonly handle: PluginHandle) {
    this.forwarder = new LayerForwarder(this);
  }

  get kind(): 'recorder' | 'player' | 'none' {
    return this.files ? 'recorder' : this.recording ? 'player' : 'none';
  }

  /** A packet from the recording client. */
  record(track: MediaTrackInfo, packet: Buffer): void {
    const files = this.files;
    if (!files || this.paused) return;
    if (track.kind === 'audio') {
      files.audio?.write(packet);
      return;
    }
    if (!files.video) return;
    if (track.substream === undefined) {
      files.video.write(packet);
      return;
    }
    this.source.setCodec(track.codec);
    this.source.load(packet, track.substream);
    this.forwarder.forward(this.source);
  }

  /** Closes the files (on disk when this returns) and stops asking for keyframes. */
  closeFiles(): void {
    if (this.keyframeTimer) clearInterval(this.keyframeTimer);
    this.keyframeTimer = undefined;
    const f = this.files;
    this.files = undefined;
    f?.audio?.close();
    f?.video?.close();
    f?.data?.close();
    this.forwarder = new LayerForwarder(this);
    this.videoSsrc = 0;
    this.paused = false;
  }

  stopPlayer(): void {
    this.player?.stop();
    this.player = undefined;
    this.frames = undefined;
  }

  // --- ForwardTarget: the layer the forwarder lets through, into the video file -----------------------------------

  send(packet: Buffer): void {
    // One SSRC in the file whatever the layer: a player sees a layer switch as the same stream.
    if (this.videoSsrc === 0) this.videoSsrc = packet.readUInt32BE(8) || 1;
    const copy = Buffer.from(packet);
    copy.writeUInt32BE(this.videoSsrc, 8);
    this.files?.video?.write(copy);
  }

  skip(): void {}

  layerChanged(field: LayerEventField, value: number): void {
    this.handle.log.verbose(`recordplay: recording ${field} ${value}`);
  }

  keyframeNeeded(): void {
    this.handle.requestKeyframe('*');
  }
}
