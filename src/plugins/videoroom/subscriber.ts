// A subscription: one handle receiving streams of one or more publishers of a room, each on an m-line of the
// PeerConnection the plugin offered. Simulcast and VP8 temporal layers are chosen per m-line.
import type { AnswerOptions, JsonObject, OfferTrack, PluginHandle, RelayMember } from '../plugin.js';
import { LayerForwarder, type ForwardTarget, type LayerEventField } from '../../forwarding/layer-forwarder.js';
import type { SourcePacket } from '../../forwarding/source-packet.js';
import { sinkChoices, type DataSink, type Publisher, type PublisherStream, type RoomId, type StreamSink } from './publisher.js';

export type SubscriberState = 'offered' | 'started' | 'paused';

export class SubscriberStream implements StreamSink, DataSink, ForwardTarget {
  private sending_ = true;
  /** Simulcast substream, VP8 temporal layer and VP9 SVC layers this m-line gets. */
  readonly fwd: LayerForwarder;

  constructor(
    readonly subscriber: Subscriber,
    readonly mindex: number,
    /** The m-line of the subscriber's PeerConnection (for data: the one data m-line). */
    readonly mid: string,
    readonly publisher: Publisher,
    readonly source: PublisherStream,
  ) {
    // A stream without a codec is known to be neither VP8 nor VP9 (never decided per packet).
    this.fwd = new LayerForwarder(this, { codec: source.codec?.name ?? '' });
  }

  /** The subscriber asked not to get this stream for now (`configure` with `send: false`). */
  get sending(): boolean {
    return this.sending_;
  }
  set sending(sending: boolean) {
    this.sending_ = sending;
    sinkChoices.changed();
  }

  /** A member of the publisher stream's relay group while it gets every packet as it is. */
  relayMember(): RelayMember | undefined {
    return this.subscriber.state === 'started' && this.sending_ && this.fwd.passesAll ? { handle: this.subscriber.handle, mid: this.mid } : undefined;
  }

  receive(p: SourcePacket): void {
    if (this.subscriber.state !== 'started' || !this.sending) return;
    this.fwd.forward(p);
  }

  // ForwardTarget: where the forwarder's decisions go.
  send(packet: Buffer): void {
    this.subscriber.handle.relayRtp(this.mid, packet);
  }
  skip(): void {
    this.subscriber.handle.skipRtp(this.mid);
  }
  layerChanged(field: LayerEventField, value: number): void {
    this.subscriber.layerEvent(this, field, value);
  }
  keyframeNeeded(): void {
    this.subscriber.askKeyframe(this.publisher, this.source);
  }

  receiveData(data: Buffer | string, label: string): void {
    if (this.subscriber.state !== 'started' || !this.sending) return;
    this.subscriber.handle.relayData(data, label);
  }

  setFallback(ms: number): void {
    this.fwd.setFallback(ms);
  }

  setSubstream(target: number): void {
    this.fwd.setSubstream(target);
  }

  setTemporal(target: number): void {
    this.fwd.setTemporal(target);
    sinkChoices.changed();
  }

  setSvc(spatial: number | undefined, temporal: number | undefined): void {
    this.fwd.setSvc(spatial, temporal);
    sinkChoices.changed();
  }

  /** The stream as `attached`/`updated` events and `listparticipants` describe it. */
  describe(): JsonObject {
    const s = this.source;
    const f = this.fwd;
    const out: JsonObject = {
      mindex: this.mindex,
      mid: this.mid,
      type: s.type,
      active: true,
      ready: this.subscriber.state !== 'offered',
      send: this.sending,
      feed_id: this.publisher.id,
      feed_mid: s.mid,
    };
    if (this.publisher.display !== undefined) out.feed_display = this.publisher.display;
    if (s.description !== undefined) out.feed_description = s.description;
    if (s.codec) out.codec = s.codec.name;
    if (s.simulcast) out.simulcast = { substream: f.substream, 'substream-target': f.substreamTarget, 'temporal-layer': f.temporal, 'temporal-layer-target': f.temporalTarget };
    if (f.svc) out.svc = { 'spatial-layer': f.spatialLayer, 'target-spatial-layer': f.spatialTarget, 'temporal-layer': f.svcTemporalLayer, 'target-temporal-layer': f.svcTemporalTarget };
    return out;
  }
}

/** An m-line of the subscriber's PeerConnection; one whose stream went away stays, inactive, for reuse. */
export interface SubscriberMline {
  readonly track: OfferTrack;
  active: boolean;
}

export class Subscriber {
  private state_: SubscriberState = 'offered';
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
  /**
   * The client made the offer (a WHEP viewer): how it was answered, for an ICE restart's new offer. Such a
   * subscription is not renegotiated by the plugin (its streams are fixed at join).
   */
  clientOffer: AnswerOptions | undefined;
  /** Set when the handle went away or left: nothing more is sent to it. */
  closed = false;

  constructor(
    readonly handle: PluginHandle,
    readonly room: RoomId,
    readonly privateId: number | undefined,
    /** Asks a publisher for a keyframe (rate-limited by the plugin unless `force`). */
    readonly askKeyframe: (publisher: Publisher, stream: PublisherStream, force?: boolean) => void,
  ) {}

  get state(): SubscriberState {
    return this.state_;
  }
  /** Each change may move its streams in or out of their relay groups. */
  set state(state: SubscriberState) {
    this.state_ = state;
    sinkChoices.changed();
  }

  layerEvent(stream: SubscriberStream, what: LayerEventField, value: number): void {
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
