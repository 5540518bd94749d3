// RTP forwarders of local publishers (`rtp_forward`, and the forwarders of a remotization): one socket per
// publisher shared by its forwarders, an RTCP socket per forwarder that wants feedback, a bound on their number.
import { randomUint32 } from '../../plugin-api/index.js';
import { isJsonObject } from '../../plugin-api/index.js';
import type { Logger } from '../../logging/logger.js';
import { BindError, destinationFor, type JsonObject, type Network, type UdpEndpoint } from '../../plugin-api/index.js';
import { buildReceiverReport, summarizeRtcp } from '../../rtp/rtcp.js';
import type { NodeSrtpSender } from '../node-srtp.js';
import { check, E, ELEMENT_CODES, errMessage, VideoRoomError } from './errors.js';
import { resolveHost } from '../forward-host.js';
import { checkRanges, MAX_FORWARDERS_PER_PUBLISHER, RANGES } from './limits.js';
import type { Publisher, PublisherStream } from './publisher.js';
import type { Room } from './room.js';
import { RtpForwarder, type ForwarderTarget } from './rtp-forwarder.js';
import { parseSrtp, protectorFor } from '../srtp-settings.js';

/** What opens the path to a receiver's RTCP port: an empty RTP packet (as Janus sends). */
const EMPTY_RTP = Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** The numbers of one rtp_forward stream entry (and its legacy flat form) with their ranges. */
const FORWARDER_RANGES = [
  ['port', RANGES.port],
  ['port_2', RANGES.port],
  ['port_3', RANGES.port],
  ['rtcp_port', RANGES.listen_port],
  ['pt', RANGES.pt],
  ['pt_2', RANGES.pt],
  ['pt_3', RANGES.pt],
  ['ssrc', RANGES.ssrc],
  ['ssrc_2', RANGES.ssrc],
  ['ssrc_3', RANGES.ssrc],
] as const;

/** A publisher's forwarders and the socket they share. */
interface PublisherForwarding {
  readonly socket: UdpEndpoint;
  readonly forwarders: Map<number, RtpForwarder>;
}

export class Forwarders {
  private readonly forwarding = new Map<Publisher, PublisherForwarding>();

  constructor(
    private readonly network: Network,
    private readonly log: Logger,
    /** A forwarder's receiver asked for a keyframe of a publisher's stream. */
    private readonly keyframe: (p: Publisher, s: PublisherStream) => void,
  ) {}

  /** Publishers with forwarders. */
  publishers(): Publisher[] {
    return [...this.forwarding.keys()];
  }

  /** The socket a publisher's forwarders share, opened with the first of them. */
  async socketFor(p: Publisher): Promise<PublisherForwarding> {
    let f = this.forwarding.get(p);
    if (!f) {
      let socket: UdpEndpoint;
      try {
        socket = await this.network.openUdp({ what: `RTP forwarders of publisher ${p.id}` });
      } catch (err) {
        throw this.socketError('RTP forwarder', err);
      }
      // Nothing is expected back on the media socket: it has no receiver.
      f = this.forwarding.get(p) ?? { socket, forwarders: new Map() };
      if (f.socket !== socket) void socket.close();
      this.forwarding.set(p, f);
    }
    return f;
  }

  /** A socket that could not be opened: the network layer's explanation (a BindError) is shown, anything else logged. */
  private socketError(what: string, err: unknown): VideoRoomError {
    if (err instanceof BindError) return new VideoRoomError(E.UNKNOWN, `Could not open UDP socket for ${what}: ${err.message}`);
    this.log.error(`videoroom: opening a UDP socket for ${what}: ${errMessage(err)}`);
    return new VideoRoomError(E.UNKNOWN, `Could not open UDP socket for ${what}`);
  }

  newForwarderId(): number {
    for (;;) {
      const id = randomUint32();
      let taken = false;
      for (const f of this.forwarding.values()) if (f.forwarders.has(id)) taken = true;
      if (!taken) return id;
    }
  }

  attach(p: Publisher, stream: PublisherStream, fwd: RtpForwarder): void {
    if (stream.type === 'data') stream.dataSinks.add(fwd);
    else stream.sinks.add(fwd);
    this.forwarding.get(p)?.forwarders.set(fwd.id, fwd);
  }

  detach(p: Publisher, fwd: RtpForwarder): void {
    fwd.close();
    for (const s of p.streams) {
      s.sinks.delete(fwd);
      s.dataSinks.delete(fwd);
    }
    const f = this.forwarding.get(p);
    if (!f) return;
    f.forwarders.delete(fwd.id);
    if (f.forwarders.size === 0) {
      void f.socket.close();
      this.forwarding.delete(p);
    }
  }

  async rtpForward(room: Room, p: Publisher, body: JsonObject): Promise<JsonObject> {
    check(body, [
      { name: 'host', type: 'string', required: true },
      { name: 'host_family', type: 'string' },
      { name: 'streams', type: 'array' },
      { name: 'simulcast', type: 'boolean' },
    ]);
    if (!p.active) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${p.id}) publishing`);
    const defaults = parseSrtp(body, ELEMENT_CODES);
    const entries: JsonObject[] = Array.isArray(body.streams) ? body.streams.map((e) => (isJsonObject(e) ? e : {})) : this.legacyStreams(p, body);
    if (entries.length === 0) throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (streams)');
    const specs: { stream: PublisherStream; target: ForwarderTarget; rtcpPort?: number }[] = [];
    for (const e of entries) {
      check(e, [
        { name: 'mid', type: 'string', required: true },
        { name: 'port', type: 'positive', required: true },
        { name: 'host', type: 'string' },
        { name: 'rtcp_port', type: 'positive' },
        { name: 'ssrc', type: 'positive' },
        { name: 'pt', type: 'positive' },
        { name: 'simulcast', type: 'boolean' },
        { name: 'port_2', type: 'positive' },
        { name: 'port_3', type: 'positive' },
      ]);
      // A port beyond 65535 would be accepted here and then fail on every packet sent.
      checkRanges(e, FORWARDER_RANGES);
      const stream = p.stream(e.mid as string);
      if (!stream) {
        this.log.warn(`videoroom: rtp_forward of ${p.id}: no mid '${String(e.mid)}', skipped`);
        continue;
      }
      if (e.port === 0) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element (port should not be 0)');
      const host = await resolveHost(this.network, typeof e.host === 'string' ? e.host : (body.host as string), e.host_family ?? body.host_family, ELEMENT_CODES);
      const srtp = protectorFor(parseSrtp(e, ELEMENT_CODES) ?? defaults);
      const base = { host, pt: typeof e.pt === 'number' ? e.pt : undefined, ssrc: typeof e.ssrc === 'number' ? e.ssrc : undefined, srtp };
      // rtcp_port 0 is no RTCP, as in Janus.
      const rtcpPort = typeof e.rtcp_port === 'number' && e.rtcp_port > 0 ? e.rtcp_port : undefined;
      const layered = stream.simulcast && (typeof e.port_2 === 'number' || typeof e.port_3 === 'number');
      if (layered && (e.simulcast === true || body.simulcast === true)) throw new VideoRoomError(E.INVALID_ELEMENT, "Invalid element (simulcast can't be used with per-layer ports)");
      if (stream.simulcast && (e.simulcast === true || body.simulcast === true)) {
        specs.push({ stream, target: { ...base, port: e.port as number, substream: 2 }, rtcpPort });
      } else if (layered) {
        specs.push({ stream, target: { ...base, port: e.port as number, substream: 0 }, rtcpPort });
        if (typeof e.port_2 === 'number')
          specs.push({ stream, target: { ...base, port: e.port_2, substream: 1, ssrc: typeof e.ssrc_2 === 'number' ? e.ssrc_2 : base.ssrc, pt: typeof e.pt_2 === 'number' ? e.pt_2 : base.pt } });
        if (typeof e.port_3 === 'number')
          specs.push({ stream, target: { ...base, port: e.port_3, substream: 2, ssrc: typeof e.ssrc_3 === 'number' ? e.ssrc_3 : base.ssrc, pt: typeof e.pt_3 === 'number' ? e.pt_3 : base.pt } });
      } else {
        specs.push({ stream, target: { ...base, port: e.port as number, substream: stream.simulcast ? 0 : undefined }, rtcpPort });
      }
    }
    this.checkRoomFor(p, specs.length);
    const { socket } = await this.socketFor(p);
    // Again: another request may have added forwarders while this one waited.
    try {
      this.checkRoomFor(p, specs.length);
    } catch (err) {
      this.releaseIfIdle(p);
      throw err;
    }
    const created: RtpForwarder[] = [];
    for (const s of specs) {
      const fwd = new RtpForwarder(this.newForwarderId(), s.stream.type, s.stream.mid, socket, s.target);
      if (s.rtcpPort !== undefined && s.stream.type === 'video') await this.openFeedback(p, s.stream, fwd, s.rtcpPort, [fwd.target.ssrc]);
      this.attach(p, s.stream, fwd);
      created.push(fwd);
    }
    if (created.length === 0) this.releaseIfIdle(p);
    this.log.info(`videoroom: room ${room.id} publisher ${p.id}: ${created.length} RTP forwarder(s) to ${String(body.host)}`);
    return { forwarders: created.map((f) => f.describe()) };
  }

  /** Each forwarder may hold a socket of its own: a publisher's number of forwarders is bounded. */
  checkRoomFor(p: Publisher, more: number): void {
    const now = this.forwarding.get(p)?.forwarders.size ?? 0;
    if (now + more > MAX_FORWARDERS_PER_PUBLISHER) {
      throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (a publisher can have at most ${MAX_FORWARDERS_PER_PUBLISHER} forwarders, ${now} exist)`);
    }
  }

  /** The deprecated flat form (audio_port, video_port, ...) as stream entries. */
  private legacyStreams(p: Publisher, body: JsonObject): JsonObject[] {
    const out: JsonObject[] = [];
    const audio = p.streams.find((s) => s.type === 'audio');
    const video = p.streams.find((s) => s.type === 'video');
    const data = p.streams.find((s) => s.type === 'data');
    if (audio && typeof body.audio_port === 'number') out.push({ mid: audio.mid, port: body.audio_port, rtcp_port: body.audio_rtcp_port, ssrc: body.audio_ssrc, pt: body.audio_pt });
    if (video && typeof body.video_port === 'number') {
      out.push({
        mid: video.mid,
        port: body.video_port,
        rtcp_port: body.video_rtcp_port,
        ssrc: body.video_ssrc,
        pt: body.video_pt,
        port_2: body.video_port_2,
        ssrc_2: body.video_ssrc_2,
        pt_2: body.video_pt_2,
        port_3: body.video_port_3,
        ssrc_3: body.video_ssrc_3,
        pt_3: body.video_pt_3,
      });
    }
    if (data && typeof body.data_port === 'number') out.push({ mid: data.mid, port: body.data_port });
    return out;
  }

  /**
   * An RTCP socket for a forwarder: two empty RTP packets open the path to the receiver's RTCP port (NAT and
   * latching), and PLI/FIR coming back for one of `ssrcs` asks the publisher for a keyframe. A crossing between
   * nodes with cluster.srtp (`nodeSrtp`) opens the path with an SRTCP receiver report instead and takes only SRTCP.
   */
  async openFeedback(p: Publisher, stream: PublisherStream, fwd: RtpForwarder, rtcpPort: number, ssrcs: (number | undefined)[], nodeSrtp?: NodeSrtpSender): Promise<void> {
    let sock: UdpEndpoint;
    try {
      sock = await this.network.openUdp({ what: `RTCP of forwarder ${fwd.id}` });
    } catch (err) {
      throw this.socketError('RTCP', err);
    }
    fwd.rtcp = sock;
    const to = destinationFor(fwd.target.host, sock.family);
    for (let i = 0; i < 2; i++) {
      const hello = nodeSrtp ? nodeSrtp.protectRtcp(buildReceiverReport(fwd.target.ssrc ?? 0, 0, () => undefined)) : EMPTY_RTP;
      if (hello) sock.send(hello, rtcpPort, to);
    }
    sock.onMessage((datagram) => {
      const msg = nodeSrtp ? nodeSrtp.openRtcp(datagram) : datagram;
      if (!msg) return;
      const summary = summarizeRtcp(msg);
      if (!summary?.keyframeRequest) return;
      const media = msg.length >= 12 ? msg.readUInt32BE(8) : 0;
      if (ssrcs.every((s) => s === undefined) || ssrcs.includes(media)) this.keyframe(p, stream);
    });
  }

  private releaseIfIdle(p: Publisher): void {
    const f = this.forwarding.get(p);
    if (f && f.forwarders.size === 0) {
      void f.socket.close();
      this.forwarding.delete(p);
    }
  }

  stopForward(p: Publisher, id: number): void {
    const fwd = this.forwarding.get(p)?.forwarders.get(id);
    if (!fwd || fwd.remoteId !== undefined) throw new VideoRoomError(E.NO_SUCH_FEED, `No such stream (${id})`);
    this.detach(p, fwd);
  }

  listForwarders(room: Room): JsonObject[] {
    const out: JsonObject[] = [];
    for (const p of room.participants.values()) {
      const f = this.forwarding.get(p);
      const list = f ? [...f.forwarders.values()].filter((x) => x.remoteId === undefined) : [];
      if (list.length === 0) continue;
      const entry: JsonObject = { publisher_id: p.id, forwarders: list.map((x) => x.describe()) };
      if (p.display !== undefined) entry.display = p.display;
      if (p.metadata !== undefined) entry.metadata = p.metadata;
      out.push(entry);
    }
    return out;
  }

  /** Every forwarder of a publisher ends (it stopped publishing). */
  detachAll(p: Publisher): void {
    const f = this.forwarding.get(p);
    if (f) for (const fwd of [...f.forwarders.values()]) this.detach(p, fwd);
  }
}
