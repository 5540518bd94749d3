// One handle watching (or about to watch) a mountpoint: its state, the mids it gets, its simulcast and temporal
// layer choices, and what reaches its PeerConnection.
import { LayerForwarder } from '../../forwarding/layer-forwarder.js';
import type { SourcePacket } from '../../forwarding/source-packet.js';
import type { AnswerOptions, PluginHandle } from '../plugin.js';
import type { FilePlayer } from './file-player.js';
import type { Mountpoint } from './mountpoint.js';
import type { StreamSink, StreamSource } from './stream-source.js';
import { ViewerStreamTarget } from './viewer-stream-target.js';

export type ViewerState = 'idle' | 'preparing' | 'starting' | 'started' | 'paused';

/** One handle watching (or about to watch) a mountpoint. */
export class Viewer implements StreamSink {
  mountpoint: Mountpoint | undefined;
  private state_: ViewerState = 'idle';
  private mids_ = new Set<string>();
  /** When the viewer offered: its own mid for each mountpoint mid it gets (otherwise they are the same). */
  readonly peerMid = new Map<string, string>();
  /** When the viewer offered: how its offer was answered (a new offer of its own, an ICE restart, is answered alike). */
  offerAnswer: AnswerOptions | undefined;
  /** This viewer's own playback of an `ondemand` mountpoint. */
  player: FilePlayer | undefined;
  /**
   * Per video stream (by mid), once it simulcasts or `temporal` was asked: which layers this viewer gets. Other
   * streams are relayed as they come.
   */
  readonly forwarders = new Map<string, LayerForwarder>();
  /** The layer asked with `configure` (default: the highest). */
  substreamTarget = 2;
  /** Set by the plugin: asks the mountpoint's sources for a keyframe (throttled there). */
  onLayerKeyframeNeeded: (() => void) | undefined;
  /** Made once, for every forwarder of this viewer. */
  private readonly askKeyframe = () => this.onLayerKeyframeNeeded?.();

  constructor(readonly handle: PluginHandle) {}

  get state(): ViewerState {
    return this.state_;
  }
  /** Each change tells the mountpoint (its relay groups follow who is started). */
  set state(state: ViewerState) {
    this.state_ = state;
    this.mountpoint?.viewersChanged();
  }

  /** The mountpoint mids this viewer gets; replaced whole, never changed in place. */
  get mids(): ReadonlySet<string> {
    return this.mids_;
  }
  set mids(mids: ReadonlySet<string>) {
    this.mids_ = new Set(mids);
    this.mountpoint?.viewersChanged();
  }

  /** Whether this viewer gets every packet of `mid` as it is (started, a mid it chose, no layer forwarder). */
  getsAsIs(mid: string): boolean {
    return this.state_ === 'started' && this.mids_.has(mid) && !this.forwarders.has(mid);
  }

  /** A packet of the mountpoint (from the fan-out): relayed once started, for the mids this viewer gets. */
  receive(stream: StreamSource, packet: SourcePacket): void {
    const mid = stream.config.mid;
    if (this.state !== 'started' || !this.mids.has(mid)) return;
    if (stream.config.type === 'data') {
      this.handle.relayData(stream.config.datatype === 'text' ? packet.buffer.toString('utf8') : packet.buffer);
      return;
    }
    const fwd = packet.layer >= 0 ? this.forwarderFor(stream) : this.forwarders.get(mid);
    if (fwd) fwd.forward(packet);
    else this.handle.relayRtp(this.outMid(mid), packet.buffer);
  }

  /** The forwarder of a stream of the mountpoint, made on first need. */
  forwarderFor(stream: StreamSource): LayerForwarder {
    const mid = stream.config.mid;
    let fwd = this.forwarders.get(mid);
    if (!fwd) {
      fwd = new LayerForwarder(new ViewerStreamTarget(this.handle, mid, this.outMid(mid), this.askKeyframe), { codec: stream.config.codec?.name, substream: this.substreamTarget });
      this.forwarders.set(mid, fwd);
      this.mountpoint?.viewersChanged();
    }
    return fwd;
  }

  /** The mid on this viewer's PeerConnection that carries a mountpoint mid. */
  outMid(mid: string): string {
    return this.peerMid.get(mid) ?? mid;
  }

  /** Leaves the mountpoint (if any) and stops an on-demand playback. */
  detach(): void {
    this.forwarders.clear();
    this.peerMid.clear();
    this.offerAnswer = undefined;
    this.player?.stop();
    this.player = undefined;
    this.mountpoint?.viewers.delete(this);
    this.mountpoint = undefined;
    this.state = 'idle';
  }
}

/** Tells every viewer of the mountpoint `status`, takes it off and closes its PeerConnection. */
export function stopViewers(mp: Mountpoint, status: string): void {
  for (const v of [...mp.viewers]) {
    if (!(v instanceof Viewer)) continue;
    v.handle.pushEvent(undefined, { streaming: 'event', result: { status } });
    v.detach();
    v.handle.closePc();
  }
}
