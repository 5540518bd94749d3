// A `webrtc` mountpoint's source (a Portunus extension): a WebRTC publisher on a Streaming handle, which sends its
// offer with `publish` (WHIP does this). Its m-lines become the mountpoint's streams the first time; a later
// publisher must send the same codecs. A mountpoint `publish` made (`create: true`) goes when its publisher goes.
import type { AnswerOptions, Jsep, JsonObject, MediaTrackInfo, NegotiatedMedia, PluginHandle, PluginMessage } from '../plugin.js';
import { relayExtensionTable, renumberExtensions } from '../../rtp/header-extensions.js';
import { errorText } from '../../logging/error-text.js';
import { findCodec } from './codecs.js';
import { createMountpoint } from './mountpoint-create.js';
import type { Mountpoint } from './mountpoint.js';
import { removeMountpoint } from './mountpoint-requests.js';
import { StreamSource, type StreamConfig } from './stream-source.js';
import { check, E, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';
import type { Viewer } from './viewer.js';
import type { ViewerReply } from './viewer-requests.js';
import { mountpointCreated } from './handler-events.js';
import { sameSecret } from '../../plugin-api/index.js';

/** One of the publisher's m-lines: the stream it feeds, the sender's extension ids → ours, whether it simulcasts. */
interface Feed {
  readonly source: StreamSource;
  readonly extensions: Uint8Array | undefined;
  readonly simulcast: boolean;
}

export class WebRtcPublisher {
  /** By the publisher's mid. */
  readonly feeds = new Map<string, Feed>();

  constructor(
    readonly handle: PluginHandle,
    readonly mountpoint: Mountpoint,
    /** How its offers are answered (an ICE restart's new offer is answered alike). */
    readonly answer: AnswerOptions,
  ) {}

  /** A packet from the publisher (lent by the media layer: handed on at once, kept nowhere). */
  rtp(track: MediaTrackInfo, packet: Buffer): void {
    const feed = this.feeds.get(track.mid);
    if (!feed) return;
    if (feed.extensions) renumberExtensions(packet, feed.extensions);
    feed.source.ingest(packet, feed.simulcast ? (track.substream ?? 0) : undefined);
  }

  /** The mountpoint is gone: the publisher's PeerConnection closes (hangupMedia then lets it go). */
  closePc(): void {
    this.handle.pushEvent(undefined, { streaming: 'event', result: { status: 'stopped' } });
    this.handle.closePc();
  }
}

/**
 * `publish`: the handle's offer feeds mountpoint `id` (a `webrtc` one; with `create: true` one is made when none
 * has the id). The mountpoint's `secret`, and to create one the plugin's `admin_key`, are needed (457 without).
 * `restart: true` with a new offer answers an ICE restart of the publisher.
 */
export async function publishRequest(state: StreamingState, handle: PluginHandle, v: Viewer, message: PluginMessage): Promise<ViewerReply> {
  const body = message.body;
  check(body, [
    { name: 'create', type: 'boolean' },
    { name: 'restart', type: 'boolean' },
    { name: 'secret', type: 'string' },
    { name: 'admin_key', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'description', type: 'string' },
    { name: 'metadata', type: 'string' },
    { name: 'pin', type: 'string' },
    { name: 'is_private', type: 'boolean' },
  ]);
  const jsep = message.jsep;
  if (jsep?.type !== 'offer') throw new StreamingError(E.INVALID_SDP, 'A publish needs an SDP offer');
  const id = state.idOf(body, true)!;
  const current = state.publishers.get(handle.id);
  if (body.restart === true) {
    if (!current || current.mountpoint.id !== id) throw new StreamingError(E.INVALID_STATE, 'Can only restart the publication of this handle');
    const answer = await answerOffer(handle, jsep, current.answer);
    return { data: { streaming: 'event', result: { status: 'updating', id } }, jsep: answer };
  }
  if (current) throw new StreamingError(E.INVALID_STATE, `Already publishing to mountpoint ${current.mountpoint.id}`);
  if (v.mountpoint) throw new StreamingError(E.INVALID_STATE, `Already watching mountpoint ${v.mountpoint.id}`);
  let mp = state.mountpoints.get(id);
  let made = false;
  if (!mp) {
    if (body.create !== true) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `No such mountpoint/stream ${String(id)}`);
    need(body, 'admin_key', state.adminKey);
    const spec: JsonObject = { type: 'webrtc', id };
    for (const k of ['admin_key', 'name', 'description', 'metadata', 'secret', 'pin', 'is_private']) if (body[k] !== undefined && body[k] !== null) spec[k] = body[k];
    mp = await createMountpoint(state, spec, 'api', true);
    made = true;
  } else {
    if (!mp.webrtc) throw new StreamingError(E.INVALID_STATE, `Mountpoint ${String(id)} is not fed over WebRTC`);
    need(body, 'secret', mp.settings.secret);
    if (mp.webrtc.publisher) throw new StreamingError(E.INVALID_STATE, `Mountpoint ${String(id)} already has a publisher`);
  }
  const existing = mp.streams;
  const codecOf = (kind: string) => existing.find((s) => s.config.type === kind)?.config.codec?.name;
  // Viewers were offered the first publisher's codecs: a later one is answered with those only.
  const options: AnswerOptions = { audio: true, video: true, data: false, direction: 'recvonly', audioCodec: codecOf('audio'), videoCodec: codecOf('video') };
  const publisher = new WebRtcPublisher(handle, mp, options);
  // Taken before the answer is awaited: a second publisher meanwhile is refused.
  mp.webrtc!.publisher = publisher;
  state.publishers.set(handle.id, publisher);
  let answer: Jsep;
  try {
    answer = await answerOffer(handle, jsep, options);
    if (state.mountpoints.get(id) !== mp || mp.webrtc!.publisher !== publisher) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `Mountpoint ${String(id)} went away`);
    feedStreams(state, mp, publisher, handle.negotiatedMedia());
    if (publisher.feeds.size === 0) throw new StreamingError(E.INVALID_SDP, 'The offer sends nothing this mountpoint can carry');
  } catch (err) {
    state.publishers.delete(handle.id);
    if (mp.webrtc?.publisher === publisher) mp.webrtc.publisher = undefined;
    if (made) {
      // Never announced: it goes without a word.
      void mp.close();
      state.mountpoints.delete(mp.id);
    }
    throw err;
  }
  if (made) mountpointCreated(state, mp, handle);
  // The other nodes' copies get the streams (a mountpoint `publish` made is shared only now).
  if (made) state.span?.share(mp);
  else state.span?.changed(mp);
  state.log.info(`mountpoint ${String(id)}: a WebRTC publisher feeds ${[...publisher.feeds].map(([mid, f]) => `${f.source.config.mid} (${f.source.config.codec?.name}) from mid ${mid}`).join(', ')}`);
  return { data: { streaming: 'event', result: { status: 'publishing', id } }, jsep: answer };
}

/** Janus's secret check, a missing one refused as unauthorized (a WHIP client that gave none gets 403). */
function need(body: JsonObject, member: string, expected: string | undefined): void {
  if (expected !== undefined && !sameSecret(body[member], expected)) throw new StreamingError(E.UNAUTHORIZED, `Unauthorized (wrong or missing ${member})`);
}

function answerOffer(handle: PluginHandle, offer: Jsep, options: AnswerOptions): Promise<Jsep> {
  return handle.answerOffer(offer, options).catch((err: unknown) => {
    throw new StreamingError(E.INVALID_SDP, `Error processing SDP: ${errorText(err)}`);
  });
}

/**
 * Ties the publisher's sending m-lines to the mountpoint's streams: the first publisher's make them (mids `a`,
 * `v`, then `a2`, `v2` ...); a later one's are matched in order, by kind and codec.
 */
function feedStreams(state: StreamingState, mp: Mountpoint, p: WebRtcPublisher, media: readonly NegotiatedMedia[]): void {
  const first = mp.streams.length === 0;
  const unused = [...mp.streams];
  const count = { audio: 0, video: 0 };
  for (const m of media) {
    if (m.kind === 'data' || !m.codec || m.direction === 'recvonly' || m.direction === 'inactive') continue;
    let source: StreamSource | undefined;
    if (first) {
      const codec = findCodec(m.kind, m.codec.name);
      if (!codec) continue;
      const n = ++count[m.kind];
      const config: StreamConfig = {
        type: m.kind,
        mid: `${m.kind[0]}${n > 1 ? n : ''}`,
        label: `${m.kind}${n > 1 ? n : ''}`,
        pt: m.codec.pt,
        codec,
        codecText: codec.name,
        fmtp: m.codec.fmtp,
        datatype: 'binary',
      };
      source = new StreamSource(
        config,
        undefined,
        undefined,
        (s, packet) => mp.fanOut(s, packet),
        (msg) => state.log.warn(`mountpoint ${mp.id}: ${msg}`),
      );
      mp.streams.push(source);
    } else {
      const at = unused.findIndex((s) => s.config.type === m.kind && s.config.codec?.name === m.codec!.name);
      if (at < 0) continue;
      source = unused.splice(at, 1)[0];
    }
    const simulcast = (m.rids?.length ?? 0) > 1;
    source.uplink = { handle: p.handle, mid: m.mid };
    source.peerSimulcast = simulcast;
    p.feeds.set(m.mid, { source, simulcast, extensions: m.extensions ? relayExtensionTable(m.extensions, m.kind) : undefined });
  }
}

/** The publisher's media is up: viewers already there get a keyframe soon. */
export function publisherUp(p: WebRtcPublisher): void {
  if (p.mountpoint.viewers.size > 0) p.mountpoint.requestKeyframe();
}

/**
 * The publisher's PeerConnection or handle went away: its streams go silent (viewers stay, for the next one), or
 * the mountpoint goes with it when `publish` made it.
 */
export function endPublication(state: StreamingState, p: WebRtcPublisher): void {
  if (state.publishers.get(p.handle.id) === p) state.publishers.delete(p.handle.id);
  const mp = p.mountpoint;
  if (!mp.webrtc || mp.webrtc.publisher !== p) return;
  mp.webrtc.publisher = undefined;
  for (const f of p.feeds.values()) f.source.uplink = undefined;
  state.log.info(`mountpoint ${mp.id}: its WebRTC publisher left`);
  if (mp.webrtc.transient && state.mountpoints.get(mp.id) === mp) removeMountpoint(state, mp, p.handle);
}
