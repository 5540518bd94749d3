// A subscription: one handle receiving streams of one or more publishers of a room, each on an m-line of the
// PeerConnection the plugin offered. Simulcast and VP8 temporal layers are chosen per m-line.
import type { JsonObject, OfferTrack, PluginHandle } from '../plugin.js';
import { parseRtpHeader } from '../rtp/rtp-header.js';
import { SimulcastSelector } from '../rtp/simulcast-selector.js';
import { TemporalLayerFilter } from '../rtp/temporal-layer-filter.js';
import { parseVp9Descriptor, Vp9LayerFilter } from '../rtp/vp9-svc.js';
import type { DataSink, Publisher, PublisherStream, RoomId, StreamSink } from './publisher.js';

export type SubscriberState = 'offered' | 'started' | 'paused';

export class SubscriberStream implements StreamSink, DataSink {
  /** The subscriber asked not to get this stream for now (`configure` with `send: false`). */
  send = true;
  private selector: SimulcastSelector | undefined;
  temporal: TemporalLayerFilter | undefined;
  /** VP9 SVC layers (`spatial_layer`, `temporal_layer`), once one was asked. */
  svc: Vp9LayerFilter | undefined;
  private svcKeyframeAskedAt = 0;
  substreamTarget = 2;
  /** `fallback` (ms): how long the target layer may be silent before a lower one is forwarded. */
  fallbackMs: number | undefined;

  constructor(
    readonly subscriber: Subscriber,
    readonly mindex: number,
    /** The m-line of the subscriber's PeerConnection (for data: the one data m-line). */
    readonly mid: string,
    readonly publisher: Publisher,
    readonly source: PublisherStream,
  ) {}

  receive(packet: Buffer, layer: number | undefined, keyframe?: boolean): void {
    const sub = this.subscriber;
    if (sub.state !== 'started' || !this.send) return;
    if (layer !== undefined && (keyframe === undefined || !this.acceptLayer(layer, keyframe))) return;
    let out: Buffer | undefined = packet;
    if (this.svc) {
      out = this.filterSvc(this.svc, packet);
      if (!out) return;
    }
    if (this.temporal) {
      const before = this.temporal.forwarding;
      out = this.temporal.filterPacket(packet, 'copy');
      if (!out) sub.handle.skipRtp(this.mid);
      if (this.temporal.forwarding !== before) sub.layerEvent(this, 'temporal', this.temporal.forwarding);
    }
    if (out) sub.handle.relayRtp(this.mid, out);
  }

  /** VP9 SVC: drops layers above the targets; the packet ending a picture gets the marker (in a copy: shared buffer). */
  private filterSvc(svc: Vp9LayerFilter, packet: Buffer): Buffer | undefined {
    const h = parseRtpHeader(packet);
    const d = h ? parseVp9Descriptor(packet.subarray(h.headerLength)) : undefined;
    if (!d) return packet;
    const now = performance.now();
    if (svc.waitingForKeyframe && now - this.svcKeyframeAskedAt > 1000) {
      // A higher spatial layer starts at a keyframe; a lost request must not leave the subscriber low.
      this.svcKeyframeAskedAt = now;
      this.subscriber.askKeyframe(this.publisher, this.source);
    }
    const before = [svc.spatial, svc.temporal];
    const decision = svc.decide(d);
    if (svc.spatial !== before[0]) this.subscriber.layerEvent(this, 'spatial_layer', svc.spatial);
    if (svc.temporal !== before[1]) this.subscriber.layerEvent(this, 'temporal_layer', svc.temporal);
    if (decision === 'drop') {
      this.subscriber.handle.skipRtp(this.mid);
      return undefined;
    }
    if (decision === 'pass-and-mark' && (packet[1] & 0x80) === 0) {
      const copy = Buffer.from(packet);
      copy[1] |= 0x80;
      return copy;
    }
    return packet;
  }

  setSvc(spatial: number | undefined, temporal: number | undefined): void {
    if (this.source.codec?.name !== 'vp9') return;
    this.svc ??= new Vp9LayerFilter();
    if (spatial !== undefined) this.svc.targetSpatial = spatial;
    if (temporal !== undefined) this.svc.targetTemporal = temporal;
  }

  receiveData(data: Buffer | string, label: string): void {
    if (this.subscriber.state !== 'started' || !this.send) return;
    this.subscriber.handle.relayData(data, label);
  }

  setFallback(ms: number): void {
    this.fallbackMs = ms;
    if (this.selector) this.selector.fallbackMs = ms;
  }

  setSubstream(target: number): void {
    this.substreamTarget = target;
    this.selector?.setTarget(target);
  }

  setTemporal(target: number): void {
    if (this.source.codec?.name !== 'vp8') return;
    this.temporal ??= new TemporalLayerFilter();
    this.temporal.target = target;
  }

  private acceptLayer(layer: number, keyframe: boolean): boolean {
    if (!this.selector) {
      this.selector = new SimulcastSelector(() => this.subscriber.askKeyframe(this.publisher, this.source));
      this.selector.setTarget(this.substreamTarget);
      if (this.fallbackMs !== undefined) this.selector.fallbackMs = this.fallbackMs;
    }
    const before = this.selector.current;
    const pass = this.selector.accept(layer, keyframe);
    if (this.selector.current !== before) this.subscriber.layerEvent(this, 'substream', this.selector.current);
    return pass;
  }

  /** The stream as `attached`/`updated` events and `listparticipants` describe it. */
  describe(): JsonObject {
    const s = this.source;
    const out: JsonObject = { mindex: this.mindex, mid: this.mid, type: s.type, active: true, ready: this.subscriber.state !== 'offered', send: this.send, feed_id: this.publisher.id, feed_mid: s.mid };
    if (this.publisher.display !== undefined) out.feed_display = this.publisher.display;
    if (s.description !== undefined) out.feed_description = s.description;
    if (s.codec) out.codec = s.codec.name;
    if (s.simulcast) out.simulcast = { substream: this.selector?.current ?? -1, 'substream-target': this.substreamTarget, 'temporal-layer': this.temporal?.forwarding ?? 2, 'temporal-layer-target': this.temporal?.target ?? 2 };
    if (this.svc) out.svc = { 'spatial-layer': this.svc.spatial, 'target-spatial-layer': this.svc.targetSpatial, 'temporal-layer': this.svc.temporal, 'target-temporal-layer': this.svc.targetTemporal };
    return out;
  }
}

/** An m-line of the subscriber's PeerConnection; one whose stream went away stays, inactive, for reuse. */
export interface SubscriberMline {
  readonly track: OfferTrack;
  active: boolean;
}

export class Subscriber {
  state: SubscriberState = 'offered';
  streams: SubscriberStream[] = [];
  /** Every m-line offered so far, in order (the mid is the index). */
  readonly mlines: SubscriberMline[] = [];
  /** The mid of the one data m-line, if any. */
  dataMid: string | undefined;
  /** An offer of ours waits for the client's answer (`start` with a JSEP). */
  awaitingAnswer = false;
  /** Streams changed while an offer was out: offer again once it is answered. */
  renegotiateAfterAnswer = false;
  /** A renegotiation is scheduled (changes of one moment go out in one offer). */
  renegotiationScheduled = false;
  autoupdate = true;
  /** Set when the handle went away or left: nothing more is sent to it. */
  closed = false;

  constructor(
    readonly handle: PluginHandle,
    readonly room: RoomId,
    readonly privateId: number | undefined,
    /** Asks a publisher for a keyframe (rate-limited by the plugin unless `force`). */
    readonly askKeyframe: (publisher: Publisher, stream: PublisherStream, force?: boolean) => void,
  ) {}

  layerEvent(stream: SubscriberStream, what: 'substream' | 'temporal' | 'spatial_layer' | 'temporal_layer', value: number): void {
    this.handle.pushEvent(undefined, { videoroom: 'event', room: this.room, mid: stream.mid, [what]: value });
  }

  /** The tracks to offer: every m-line, those without a stream inactive. */
  offerTracks(): OfferTrack[] {
    return this.mlines.map((m) => ({ ...m.track, active: m.active }));
  }

  /** Stream summaries for `attached`/`updated`: the live streams, then m-lines left inactive. */
  describeStreams(): JsonObject[] {
    const out: JsonObject[] = [];
    const seen = new Set<string>();
    for (const s of this.streams) {
      if (s.source.type === 'data' && seen.has(s.mid)) continue;
      seen.add(s.mid);
      out.push(s.describe());
    }
    for (const [i, m] of this.mlines.entries()) if (!m.active && !seen.has(String(i))) out.push({ mindex: i, mid: String(i), type: m.track.kind, active: false });
    return out.sort((a, b) => (a.mindex as number) - (b.mindex as number));
  }

  /** Stops feeding this subscriber: its streams leave their publishers. */
  detachAll(): void {
    for (const s of this.streams) {
      s.source.sinks.delete(s);
      s.source.dataSinks.delete(s);
    }
  }

  /** Asks every video publisher it gets for a keyframe (a new or resumed subscriber: it cannot wait). */
  askKeyframes(): void {
    for (const s of this.streams) if (s.source.type === 'video') this.askKeyframe(s.publisher, s.source, true);
  }
}
