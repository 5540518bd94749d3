// The one layer forwarder: what one viewer (an EchoTest peer, a Streaming viewer, a VideoRoom subscriber m-line)
// gets of one video source. In Janus's terms: the simulcast `substream` (with `fallback`), the VP8 `temporal`
// layer, and the VP9 SVC `spatial_layer` / `temporal_layer`, each switching up only where the decoder can follow
// (a keyframe, a layer-sync frame, a switching point) and asking the sender for a keyframe when it must wait.
// Per packet it allocates nothing and makes no closure; the packet was read once by its source (SourcePacket).
import { KEYFRAME_RETRY_INTERVAL_MS, KeyframeRequester } from './keyframe-requester.js';
import { SimulcastSelector } from './simulcast-selector.js';
import type { SourcePacket } from './source-packet.js';
import { TemporalLayerFilter } from './temporal-layer-filter.js';
import { writeVp8PictureId } from './vp8-descriptor.js';
import { Vp9LayerFilter } from './vp9-svc.js';

/** A layer change, named as the Janus event field that reports it. */
export type LayerEventField = 'substream' | 'temporal' | 'spatial_layer' | 'temporal_layer';

/**
 * Where a forwarder's decisions go; implemented by the viewer's own object (one per viewer, not per packet).
 * This is also where a batched or native send plugs in: `send` is the only way a packet leaves.
 */
export interface ForwardTarget {
  /**
   * A packet for the viewer. It may be the source's shared buffer with a few bytes changed for this viewer and
   * put back once `send` returns: send must be done with the bytes when it returns (the relay paths are: both
   * copy or encrypt synchronously) and must not keep the buffer.
   */
  send(packet: Buffer): void;
  /**
   * A packet of the stream the viewer gets was dropped (a layer above its target): close the sequence gap. Only
   * for a packet newer than every one before it: a retransmission or a replay (a sender's probing resends recent
   * packets) of a dropped packet is no new gap, and closing one would give the next packet a number already sent.
   */
  skip(): void;
  /** The layer the viewer gets changed. */
  layerChanged(field: LayerEventField, value: number): void;
  /** The viewer waits for a keyframe; throttled per viewer here, the source may throttle again across viewers. */
  keyframeNeeded(): void;
}

export interface LayerForwarderOptions {
  /**
   * The source's codec (lower-case) when it is fixed; decides whether `temporal` (VP8) and `spatial_layer` /
   * `temporal_layer` (VP9) apply. Undefined: decided per packet from the SourcePacket's codec (EchoTest).
   */
  readonly codec?: string;
  /** The packets are the caller's alone (EchoTest): changes are made in place and left there. */
  readonly ownsPackets?: boolean;
  /** The first `substream` target (default: the highest). */
  readonly substream?: number;
  /** `fallback` in ms, undefined for the default. */
  readonly fallbackMs?: number;
}

/** Layers as Janus counts them by default: 0..2, the highest wanted. */
const TOP_LAYER = 2;
/**
 * How far behind the newest packet seen a packet is taken for a retransmission or a replay (seconds of video; a
 * resend comes within the sender's history of a few hundred ms). Farther: the stream jumped (the viewer was not
 * fed for a while), and the packet counts as new.
 */
const LATE_WINDOW = 1024;

export class LayerForwarder {
  private readonly target: ForwardTarget;
  private readonly codec: string | undefined;
  private readonly ownsPackets: boolean;
  private selector: SimulcastSelector | undefined;
  private substreamWanted: number;
  private fallback: number | undefined;
  private temporalFilter: TemporalLayerFilter | undefined;
  private svcFilter: Vp9LayerFilter | undefined;
  /** Asks again, at a slower pace, while an SVC viewer waits to go up (a request can get lost). */
  private readonly svcKeyframes: KeyframeRequester;
  /** Made once: the selector and the SVC retry reach the target through it. */
  private readonly askTarget: () => void;
  /** The newest sequence number seen of the stream forwarded (-1: none yet) and its SSRC. */
  private newestSeq = -1;
  private newestSsrc = -1;

  constructor(target: ForwardTarget, options: LayerForwarderOptions = {}) {
    this.target = target;
    this.codec = options.codec?.toLowerCase();
    this.ownsPackets = options.ownsPackets === true;
    this.substreamWanted = options.substream ?? TOP_LAYER;
    this.fallback = options.fallbackMs;
    this.askTarget = () => this.target.keyframeNeeded();
    // Always given the packet's arrival time (SourcePacket's clock), so it never reads a clock of its own.
    this.svcKeyframes = new KeyframeRequester(this.askTarget, KEYFRAME_RETRY_INTERVAL_MS);
  }

  // --- What the viewer asked for -------------------------------------------------------------------------------

  /** `substream`: the simulcast layer to aim for. */
  setSubstream(layer: number): void {
    this.substreamWanted = layer;
    this.selector?.setTarget(layer);
  }

  /** `fallback` (ms): how long the layer forwarded may be silent before a lower one is taken. */
  setFallback(ms: number): void {
    this.fallback = ms;
    if (this.selector) this.selector.fallbackMs = ms;
  }

  /** `temporal`: the highest VP8 temporal layer; false (nothing changed) when the source is known not to be VP8. */
  setTemporal(layer: number): boolean {
    if (this.codec !== undefined && this.codec !== 'vp8') return false;
    // While it passed everything it may have been relayed without forward(): what it saw is not known.
    if (this.passesAll) this.newestSeq = -1;
    (this.temporalFilter ??= new TemporalLayerFilter()).target = layer;
    return true;
  }

  /**
   * `spatial_layer` / `temporal_layer` (either may be left out); false when the source is known not to be VP9.
   * When this leaves the viewer waiting for a keyframe, the caller asks for one at once (waitingForKeyframe).
   */
  setSvc(spatial: number | undefined, temporal: number | undefined): boolean {
    if (this.codec !== undefined && this.codec !== 'vp9') return false;
    if (this.passesAll) this.newestSeq = -1;
    const f = (this.svcFilter ??= new Vp9LayerFilter());
    if (spatial !== undefined) f.targetSpatial = spatial;
    if (temporal !== undefined) f.targetTemporal = temporal;
    return true;
  }

  /** Forgets the simulcast choice (a new offer): the next packets choose again, from the target kept. */
  resetSubstream(): void {
    this.selector = undefined;
  }

  // --- What the viewer gets (for events, info and `listparticipants`) ---------------------------------------------

  /** The simulcast layer forwarded, -1 before the first one (or without simulcast). */
  get substream(): number {
    return this.selector?.current ?? -1;
  }
  get substreamTarget(): number {
    return this.substreamWanted;
  }
  /** Whether a simulcast packet has been seen (a selector exists). */
  get simulcast(): boolean {
    return this.selector !== undefined;
  }
  /**
   * Whether every packet of no simulcast layer goes on as it is (no VP8 temporal or VP9 SVC choice was asked): such
   * a viewer may be relayed with others in one call, bypassing forward().
   */
  get passesAll(): boolean {
    return this.temporalFilter === undefined && this.svcFilter === undefined;
  }
  /** Whether `temporal` was asked. */
  get temporalFiltering(): boolean {
    return this.temporalFilter !== undefined;
  }
  /** The VP8 temporal layer forwarded (all of them, 2, until `temporal` is asked) and its target. */
  get temporal(): number {
    return this.temporalFilter?.forwarding ?? TOP_LAYER;
  }
  get temporalTarget(): number {
    return this.temporalFilter?.target ?? TOP_LAYER;
  }
  /** Whether VP9 SVC targets were asked. */
  get svc(): boolean {
    return this.svcFilter !== undefined;
  }
  get spatialLayer(): number {
    return this.svcFilter?.spatial ?? TOP_LAYER;
  }
  get spatialTarget(): number {
    return this.svcFilter?.targetSpatial ?? TOP_LAYER;
  }
  get svcTemporalLayer(): number {
    return this.svcFilter?.temporal ?? TOP_LAYER;
  }
  get svcTemporalTarget(): number {
    return this.svcFilter?.targetTemporal ?? TOP_LAYER;
  }
  /** An SVC viewer waits for a keyframe to go up a spatial layer. */
  get waitingForKeyframe(): boolean {
    return this.svcFilter?.waitingForKeyframe ?? false;
  }

  // --- Per packet --------------------------------------------------------------------------------------------------

  /** Decides one packet of the source: the target gets send, skip, or nothing (another simulcast layer). */
  forward(p: SourcePacket): void {
    if (p.layer >= 0 && !this.acceptLayer(p)) return;
    const fresh = this.advance(p);
    let marker = false;
    const svc = this.svcFilter;
    if (svc && this.applies('vp9', p)) {
      const d = p.vp9Descriptor();
      if (d) {
        if (svc.waitingForKeyframe) this.svcKeyframes.request(false, p.arrival);
        const spatial = svc.spatial;
        const temporal = svc.temporal;
        // An older packet (a retransmission, a replay) is judged by the layers of now: it switches nothing.
        const decision = svc.decide(d, fresh);
        if (svc.spatial !== spatial) this.target.layerChanged('spatial_layer', svc.spatial);
        if (svc.temporal !== temporal) this.target.layerChanged('temporal_layer', svc.temporal);
        if (decision === 'drop') return fresh ? this.target.skip() : undefined;
        marker = decision === 'pass-and-mark';
      }
    }
    let pictureId = -1;
    const temporal = this.temporalFilter;
    if (temporal && this.applies('vp8', p)) {
      const d = p.vp8Descriptor();
      if (d) {
        const before = temporal.forwarding;
        const pass = temporal.accept(d);
        if (temporal.forwarding !== before) this.target.layerChanged('temporal', temporal.forwarding);
        if (!pass) return fresh ? this.target.skip() : undefined;
        pictureId = temporal.pictureIdFor(d);
      }
    }
    this.send(p, marker, pictureId);
  }

  /**
   * Whether the packet is newer than every packet of its stream before it (false for a retransmission, a replay,
   * a duplicate or a reordered one, up to LATE_WINDOW behind); a new SSRC starts afresh. A packet without a
   * readable header counts as new.
   */
  private advance(p: SourcePacket): boolean {
    if (!p.valid) return true;
    const { ssrc, sequence } = p.header;
    if (ssrc !== this.newestSsrc || this.newestSeq < 0) {
      this.newestSsrc = ssrc;
      this.newestSeq = sequence;
      return true;
    }
    if (((this.newestSeq - sequence) & 0xffff) < LATE_WINDOW) return false; // a copy of the newest too
    this.newestSeq = sequence;
    return true;
  }

  /** The simulcast choice for a packet of a layer; false when it is not the layer the viewer gets. */
  private acceptLayer(p: SourcePacket): boolean {
    if (!p.valid) return false;
    let sel = this.selector;
    if (!sel) {
      sel = this.selector = new SimulcastSelector(this.askTarget);
      sel.setTarget(this.substreamWanted);
      if (this.fallback !== undefined) sel.fallbackMs = this.fallback;
    }
    const before = sel.current;
    const pass = sel.accept(p.layer, p.keyframe, p.arrival);
    if (sel.current !== before) this.target.layerChanged('substream', sel.current);
    return pass;
  }

  private applies(codec: 'vp8' | 'vp9', p: SourcePacket): boolean {
    return this.codec !== undefined ? this.codec === codec : codec === 'vp8' ? p.isVp8 : p.isVp9;
  }

  /** Sends with the marker set and/or the VP8 picture renumbered; a shared buffer gets its bytes back afterwards. */
  private send(p: SourcePacket, marker: boolean, pictureId: number): void {
    const b = p.buffer;
    const setMarker = marker && (b[1] & 0x80) === 0;
    if (!setMarker && pictureId < 0) return this.target.send(b);
    const d = pictureId >= 0 ? p.vp8Descriptor() : undefined;
    const at = p.header.headerLength;
    const byte1 = b[1];
    const pid0 = d ? b[at + d.pictureIdAt] : 0;
    const pid1 = d && d.pictureIdBits === 15 ? b[at + d.pictureIdAt + 1] : 0;
    if (setMarker) b[1] = byte1 | 0x80;
    if (d) writeVp8PictureId(b, d, pictureId, at);
    if (this.ownsPackets) return this.target.send(b);
    try {
      this.target.send(b);
    } finally {
      b[1] = byte1;
      if (d) {
        b[at + d.pictureIdAt] = pid0;
        if (d.pictureIdBits === 15) b[at + d.pictureIdAt + 1] = pid1;
      }
    }
  }
}
