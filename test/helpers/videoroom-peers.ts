// VideoRoom clients for tests against server processes: a Janus API handle on its own WebSocket (requests,
// notifications), a werift publisher sending made-up Opus and VP8 RTP, and a werift subscriber counting what
// arrives. Loopback candidates only; no STUN.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { RtpHeader, RtpPacket, type MediaStreamTrack, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import type { UdpIceTransport } from '../../src/media/udp-ice-transport.js';
import type { Network } from '../../src/net/network.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../support/loopback-sdp.js';
import { gatherOn, videoRoomPeer } from '../../support/werift-client.js';

export interface Jsep {
  readonly type: string;
  readonly sdp: string;
  /** Insertable-streams (end-to-end encrypted) media. */
  readonly e2ee?: boolean;
}

/** The answer to a message. */
export interface Reply {
  /** `plugindata.data` of the reply (sync) or of the event carrying the transaction (async). */
  readonly data: Msg;
  readonly jsep?: Jsep;
  /** Janus-level error code (no plugindata), e.g. 454 for a malformed message. */
  readonly janusError?: number;
}

export const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});
export const arr = (v: unknown): Msg[] => (Array.isArray(v) ? v.map(obj) : []);
export const toJsep = (v: unknown): Jsep | undefined => {
  const j = obj(v);
  return typeof j.type === 'string' && typeof j.sdp === 'string' ? { type: j.type, sdp: j.sdp, ...(j.e2ee === true ? { e2ee: true } : {}) } : undefined;
};

/** A UDP socket on `bind` keeping every datagram it gets (the far end of an RTP forwarder). */
export async function udpSink(bind = '127.0.0.1'): Promise<{ socket: dgram.Socket; port: number; packets: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (m) => packets.push(m));
  await new Promise<void>((r) => socket.bind(0, bind, () => r()));
  return { socket, port: socket.address().port, packets };
}

/** A raw Janus API client: one session with one VideoRoom handle on its own WebSocket. */
export class VideoRoomHandle {
  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
  ) {}

  static async open(url: string): Promise<VideoRoomHandle> {
    const ws = await JanusWs.open(url);
    const session = Number(obj((await ws.request({ janus: 'create' })).data).id);
    const handle = Number(obj((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).data).id);
    assert.ok(session > 0 && handle > 0);
    return new VideoRoomHandle(ws, session, handle);
  }

  /** Sends a message; answers with the sync `success` or, after an `ack`, with the event of that transaction. */
  async send(body: Msg, jsep?: Jsep, ms = 10_000): Promise<Reply> {
    const first = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body, ...(jsep ? { jsep } : {}) });
    let m = first;
    if (first.janus === 'ack') m = await this.ws.wait((e) => e.janus === 'event' && e.transaction === first.transaction, ms, `event answering ${String(body.request)}`);
    if (m.janus === 'error') return { data: {}, janusError: Number(obj(m.error).code) };
    return { data: obj(obj(m.plugindata).data), jsep: toJsep(m.jsep) };
  }

  /** Shorthand: `plugindata.data` of the answer. */
  async req(body: Msg, jsep?: Jsep): Promise<Msg> {
    return (await this.send(body, jsep)).data;
  }

  /** Index to start looking for notifications from (events before it are ignored). */
  mark(): number {
    return this.ws.events.length;
  }

  /**
   * The first plugin event of this handle without a transaction (a notification) matching `match`, received
   * since index `from` (every one by default) or to come within `ms`.
   */
  async next(what: string, match: (d: Msg, m: Msg) => boolean, from = 0, ms = 15_000): Promise<{ data: Msg; jsep?: Jsep }> {
    const events = this.ws.events;
    const m = await this.ws.wait((e) => events.indexOf(e) >= from && e.janus === 'event' && e.sender === this.handle && e.transaction === undefined && match(obj(obj(e.plugindata).data), e), ms, what);
    return { data: obj(obj(m.plugindata).data), jsep: toJsep(m.jsep) };
  }

  /** The plugin notifications received so far (from index `from`). */
  notifications(from = 0): Msg[] {
    return this.ws.events
      .slice(from)
      .filter((e) => e.janus === 'event' && e.sender === this.handle && e.transaction === undefined)
      .map((e) => obj(obj(e.plugindata).data));
  }

  webrtcup(ms = 15_000): Promise<Msg> {
    return this.ws.wait((e) => e.janus === 'webrtcup' && e.sender === this.handle, ms, 'webrtcup');
  }

  /** Destroys the session (unless its server is gone) and closes the socket. */
  async close(): Promise<void> {
    if (this.ws.open) await this.ws.request({ janus: 'destroy', session_id: this.session }).catch(() => undefined);
    this.ws.close();
  }
}

/** A VP8 payload that looks like the start of a key frame. */
const VP8_KEYFRAME = Buffer.from([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/**
 * A werift publisher (audio + video, or audio alone until `addVideo`; send only) that sends a packet of each every
 * 20 ms once started; with `level`, its audio carries that audio level (RFC 6464, dBov: lower is louder) in a
 * header extension.
 */
export class TestPublisher {
  readonly pc: RTCPeerConnection;
  readonly audio: RTCRtpTransceiver;
  video: RTCRtpTransceiver | undefined;
  private readonly sockets: UdpIceTransport[] = [];
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  /** Keyframe requests (PLI) received. */
  plis = 0;

  constructor(
    network: Network,
    private readonly bind = '127.0.0.1',
    private readonly level?: number,
    audioOnly = false,
  ) {
    this.pc = videoRoomPeer(level !== undefined);
    this.audio = this.pc.addTransceiver('audio', { direction: 'sendonly' });
    if (!audioOnly) this.video = this.newVideo();
    gatherOn(this.pc, network, bind, this.sockets, 'videoroom test ICE');
  }

  private newVideo(): RTCRtpTransceiver {
    const video = this.pc.addTransceiver('video', { direction: 'sendonly' });
    video.sender.onPictureLossIndication.subscribe(() => this.plis++);
    return video;
  }

  /** An audio-only publisher turns its camera on: `configure` with a new offer adding a video m-line; sends both. */
  async addVideo(h: VideoRoomHandle): Promise<Msg> {
    assert.equal(this.video, undefined);
    this.stopSending();
    this.video = this.newVideo();
    const r = await h.send({ request: 'configure' }, await this.offer());
    assert.equal(r.data.configured, 'ok', JSON.stringify(r.data));
    await this.accept(r.jsep);
    this.startSending();
    return r.data;
  }

  /** Publishes on `h` (joined already) and waits for the PeerConnection; then sends. */
  async publish(h: VideoRoomHandle): Promise<void> {
    const r = await h.send({ request: 'publish' }, await this.offer());
    assert.equal(r.data.configured, 'ok', JSON.stringify(r.data));
    await this.accept(r.jsep);
    await h.webrtcup();
    this.startSending();
  }

  /** The offer to publish with (for a client library that carries it itself). */
  async offer(): Promise<Jsep> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const sdp = this.pc.localDescription?.sdp;
    assert.ok(sdp);
    return { type: 'offer', sdp };
  }

  /** Takes the server's answer. */
  async accept(answer: Jsep | undefined): Promise<void> {
    assert.equal(answer?.type, 'answer');
    await this.pc.setRemoteDescription({ type: 'answer', sdp: candidatesFor(answer.sdp, this.bind) });
  }

  /** Sends a packet of audio and one of video every 20 ms from now on. */
  startSending(): void {
    const sdp = this.pc.localDescription?.sdp ?? '';
    const apt = this.audio.sender.codec?.payloadType ?? 111;
    const video = this.video;
    const vpt = video?.sender.codec?.payloadType ?? 96;
    const levelId = Number(/^a=extmap:(\d+)\S* urn:ietf:params:rtp-hdrext:ssrc-audio-level/m.exec(sdp)?.[1] ?? 0);
    const extensions = this.level !== undefined && levelId > 0 ? [{ id: levelId, payload: Buffer.from([0x80 | this.level]) }] : [];
    this.timer = setInterval(() => {
      const s = ++this.seq;
      void this.audio.sender
        .sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: s & 0xffff, timestamp: s * 960, payloadType: apt, ssrc: 11, extensions }), Buffer.from([0xf8, 0xff, 0xfe, s & 0xff])))
        .catch(() => undefined);
      void video?.sender.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: s & 0xffff, timestamp: s * 3000, payloadType: vpt, ssrc: 22, marker: true }), VP8_KEYFRAME)).catch(() => undefined);
    }, 20);
  }

  stopSending(): void {
    clearInterval(this.timer);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pc.close().catch(() => undefined);
    await Promise.all(this.sockets.map((s) => s.close()));
  }
}

/** The server's candidates on `bind`'s address family and network (loopback, or the namespace's address). */
function candidatesFor(sdp: string, bind: string): string {
  if (bind.startsWith('127.')) return loopbackCandidatesOnly(sdp);
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') || !(l.split(' ')[4] ?? '').includes(':'))
    .join('\r\n');
}

/** A werift subscriber counting the RTP packets it gets, by kind. */
export class TestSubscriber {
  readonly pc = videoRoomPeer();
  readonly received = { audio: 0, video: 0 };
  private readonly sockets: UdpIceTransport[] = [];
  private videoSsrc: number | undefined;

  constructor(
    private readonly network: Network,
    private readonly bind = '127.0.0.1',
  ) {
    this.pc.onTrack.subscribe((track: MediaStreamTrack) =>
      track.onReceiveRtp.subscribe((p: RtpPacket) => {
        if (track.kind === 'audio' || track.kind === 'video') this.received[track.kind]++;
        if (track.kind === 'video') this.videoSsrc = p.header.ssrc;
      }),
    );
  }

  /** Asks the server for a keyframe of the video it sends (a PLI), once video has arrived. */
  async requestKeyframe(): Promise<void> {
    const video = this.pc.getTransceivers().find((t) => t.kind === 'video');
    assert.ok(video && this.videoSsrc !== undefined, 'video arrived');
    await video.receiver.sendRtcpPLI(this.videoSsrc);
  }

  /** Subscribes on `h` to `feed` (every stream) in `room`, answers and starts; waits for the PeerConnection. */
  async subscribe(h: VideoRoomHandle, room: number, feed: number | string): Promise<void> {
    const r = await h.send({ request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
    assert.equal(r.data.videoroom, 'attached', JSON.stringify(r.data));
    const started = await h.req({ request: 'start' }, await this.answer(r.jsep));
    assert.equal(started.started, 'ok', JSON.stringify(started));
    await h.webrtcup();
  }

  /** `subscribe` on `h` to more streams of the subscription (a publisher's new one): the new offer answered with `start`. */
  async subscribeMore(h: VideoRoomHandle, streams: Msg[]): Promise<Msg> {
    const r = await h.send({ request: 'subscribe', streams });
    assert.equal(r.data.videoroom, 'updated', JSON.stringify(r.data));
    assert.equal(r.jsep?.type, 'offer');
    await this.pc.setRemoteDescription({ type: 'offer', sdp: candidatesFor(r.jsep.sdp, this.bind) });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const sdp = this.pc.localDescription?.sdp;
    assert.ok(sdp);
    const started = await h.req({ request: 'start' }, { type: 'answer', sdp });
    assert.equal(started.started, 'ok', JSON.stringify(started));
    return r.data;
  }

  /** The answer to the server's offer (for a client library that carries both itself). */
  async answer(offer: Jsep | undefined): Promise<Jsep> {
    assert.equal(offer?.type, 'offer');
    await this.pc.setRemoteDescription({ type: 'offer', sdp: candidatesFor(offer.sdp, this.bind) });
    gatherOn(this.pc, this.network, this.bind, this.sockets, 'videoroom test ICE');
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const sdp = this.pc.localDescription?.sdp;
    assert.ok(sdp);
    return { type: 'answer', sdp };
  }

  async close(): Promise<void> {
    await this.pc.close().catch(() => undefined);
    await Promise.all(this.sockets.map((s) => s.close()));
  }
}
