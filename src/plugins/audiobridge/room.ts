// An AudioBridge room: its settings, participants, mixer, announcements, forwarders and recording, and how its
// events reach the participants (not those who paused events while suspended).
import type { JsonObject, RelayGroup, UdpEndpoint } from '../../plugin-api/index.js';
import type { WavRecorder } from '../../audio/wav-recorder.js';
import { Mixer, type MixInput, type MixParticipant, type MixSink } from './mixer.js';
import type { Participant } from './participant.js';
import type { RoomId, RoomSettings } from './room-settings.js';

/** An announcement playing in the room (`play_file`). */
export interface Announcement extends MixInput {
  readonly id: string;
  readonly group: string | undefined;
  readonly filename: string;
  readonly loop: boolean;
  readonly done: boolean;
  stop(): void;
}

/** A forwarder of the room's mix (`rtp_forward`). */
export interface MixForwarderLike extends MixSink {
  readonly id: number;
  readonly alwaysOn: boolean;
  describe(): JsonObject;
  close(): void;
}

export class AudioRoom {
  readonly participants = new Map<RoomId, Participant>();
  readonly announcements = new Map<string, Announcement>();
  readonly forwarders = new Map<number, MixForwarderLike>();
  readonly mixer: Mixer;
  readonly allowed = new Set<string>();
  checkTokens = false;
  muted = false;
  recorder: WavRecorder | undefined;
  /** The one socket the room's forwarders send from, opened with the first. */
  forwardSocket: Promise<UdpEndpoint> | undefined;
  destroyed = false;
  // Kept from frame to frame: a tick allocates no list, no sink and no closure.
  private readonly inputs: MixInput[] = [];
  private readonly sinks: MixSink[] = [];
  private readonly list: MixParticipant[] = [];
  private recorderSink: MixSink | undefined;
  private recorderOfSink: WavRecorder | undefined;

  constructor(
    readonly id: RoomId,
    readonly settings: RoomSettings,
    newRelayGroup: () => RelayGroup,
  ) {
    this.mixer = new Mixer(settings.rate, settings.spatial, newRelayGroup);
  }

  /** Sends an event to every participant (but `except`), skipping those whose events are paused. */
  notify(event: JsonObject, except?: Participant): void {
    for (const p of this.participants.values()) {
      if (p === except || p.options.pauseEvents || p.session.destroyed) continue;
      p.session.handle.pushEvent(undefined, event);
    }
  }

  /** Whether the mixer has anything to do this frame. */
  get busy(): boolean {
    if (this.participants.size > 0 || this.announcements.size > 0 || this.recorder) return true;
    for (const f of this.forwarders.values()) if (f.alwaysOn) return true;
    return false;
  }

  /** One 20 ms frame of the room. Announcements that ended are reported through `ended`. */
  tick(ended: (room: AudioRoom, a: Announcement) => void): void {
    const { inputs, sinks, list } = this;
    inputs.length = 0;
    for (const a of this.announcements.values()) inputs.push(a);
    sinks.length = 0;
    const anyone = this.participants.size > 0 || this.announcements.size > 0;
    for (const f of this.forwarders.values()) if (anyone || f.alwaysOn) sinks.push(f);
    if (this.recorder) sinks.push(this.sinkOf(this.recorder));
    list.length = 0;
    for (const p of this.participants.values()) list.push(p);
    this.mixer.tick(list, inputs, sinks, groupOf);
    if (this.announcements.size > 0) for (const a of this.announcements.values()) if (a.done) ended(this, a);
  }

  private sinkOf(recorder: WavRecorder): MixSink {
    if (this.recorderOfSink !== recorder || !this.recorderSink) {
      this.recorderOfSink = recorder;
      this.recorderSink = { receive: (pcm, samples) => recorder.write(pcm, samples) };
    }
    return this.recorderSink;
  }

  close(): void {
    this.destroyed = true;
    for (const p of this.participants.values()) p.close();
    this.participants.clear();
    for (const a of this.announcements.values()) a.stop();
    this.announcements.clear();
    for (const f of this.forwarders.values()) f.close();
    this.forwarders.clear();
    void this.forwardSocket?.then((s) => s.close()).catch(() => undefined);
    this.forwardSocket = undefined;
    void this.recorder?.close();
    this.recorder = undefined;
    this.mixer.close();
  }
}

function groupOf(p: MixParticipant): string | undefined {
  return (p as Participant).options.group;
}
