// One handle watching (or about to watch) a mountpoint: its state, the mids it gets, its simulcast and temporal
// layer choices, and what reaches its PeerConnection.
import type { PluginHandle } from '../plugin.js';
import { keyframeTest } from '../rtp/keyframe.js';
import { parseRtpHeader } from '../rtp/rtp-header.js';
import { SimulcastSelector } from '../rtp/simulcast-selector.js';
import type { TemporalLayerFilter } from '../rtp/temporal-layer-filter.js';
import type { FilePlayer } from './file-player.js';
import type { Mountpoint } from './mountpoint.js';
import type { StreamSink, StreamSource } from './stream-source.js';

export type ViewerState = 'idle' | 'preparing' | 'starting' | 'started' | 'paused';

/** One handle watching (or about to watch) a mountpoint. */
export class Viewer implements StreamSink {
  mountpoint: Mountpoint | undefined;
  state: ViewerState = 'idle';
  mids = new Set<string>();
  /** When the viewer offered: its own mid for each mountpoint mid it gets (otherwise they are the same). */
  readonly peerMid = new Map<string, string>();
  /** This viewer's own playback of an `ondemand` mountpoint. */
  player: FilePlayer | undefined;
  /** Per simulcast stream (by mid): which layer this viewer gets. */
  readonly layers = new Map<string, SimulcastSelector>();
  /** The layer asked with `configure` (default: the highest). */
  substreamTarget = 2;
  /** Per VP8 stream (by mid), once `temporal` was asked: which temporal layers this viewer gets. */
  readonly temporal = new Map<string, TemporalLayerFilter>();
  /** Set by the plugin: asks the mountpoint's sources for a keyframe (rate-limited there). */
  onLayerKeyframeNeeded: (() => void) | undefined;

  constructor(readonly handle: PluginHandle) {}

  /** A packet of the mountpoint (from the fan-out): relayed once started, for the mids this viewer gets. */
  receive(stream: StreamSource, packet: Buffer, layer?: number): void {
    if (this.state !== 'started' || !this.mids.has(stream.config.mid)) return;
    if (layer !== undefined && !this.acceptLayer(stream, packet, layer)) return;
    if (stream.config.type === 'data') {
      this.handle.relayData(stream.config.datatype === 'text' ? packet.toString('utf8') : packet);
      return;
    }
    const out = this.temporal.size > 0 ? this.filterTemporal(stream, packet) : packet;
    if (out) this.handle.relayRtp(this.outMid(stream.config.mid), out);
  }

  /** The mid on this viewer's PeerConnection that carries a mountpoint mid. */
  outMid(mid: string): string {
    return this.peerMid.get(mid) ?? mid;
  }

  /** Leaves the mountpoint (if any) and stops an on-demand playback. */
  detach(): void {
    this.layers.clear();
    this.peerMid.clear();
    this.temporal.clear();
    this.player?.stop();
    this.player = undefined;
    this.mountpoint?.viewers.delete(this);
    this.mountpoint = undefined;
    this.state = 'idle';
  }

  private acceptLayer(stream: StreamSource, packet: Buffer, layer: number): boolean {
    const mid = stream.config.mid;
    let sel = this.layers.get(mid);
    if (!sel) {
      sel = new SimulcastSelector(() => this.onLayerKeyframeNeeded?.());
      sel.setTarget(this.substreamTarget);
      this.layers.set(mid, sel);
    }
    const h = parseRtpHeader(packet);
    if (!h) return false;
    const test = keyframeTest(stream.config.codec?.name);
    const before = sel.current;
    const pass = sel.accept(layer, test ? test(packet.subarray(h.headerLength)) : true);
    if (sel.current !== before) this.handle.pushEvent(undefined, { streaming: 'event', result: { mid, substream: sel.current } });
    return pass;
  }

  /**
   * Drops frames above the viewer's temporal layer (closing the sequence gap) and renumbers pictures; returns
   * the packet to send (a copy when renumbered: the source's buffer is shared by every viewer), or undefined.
   */
  private filterTemporal(stream: StreamSource, packet: Buffer): Buffer | undefined {
    const f = this.temporal.get(stream.config.mid);
    if (!f) return packet;
    const before = f.forwarding;
    const out = f.filterPacket(packet, 'copy');
    if (!out) this.handle.skipRtp(this.outMid(stream.config.mid));
    if (f.forwarding !== before) this.handle.pushEvent(undefined, { streaming: 'event', result: { mid: stream.config.mid, temporal: f.forwarding } });
    return out;
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
