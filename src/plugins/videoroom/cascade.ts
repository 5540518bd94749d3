// Media leaving and entering a room over plain RTP: RTP forwarders (`rtp_forward`), remotizations that feed a
// publisher to a room on another server (`publish_remotely`), and remote publishers fed that way
// (`add_remote_publisher`). Every socket comes from the network layer, so a host without IPv6 gets IPv4 sockets
// rather than the "Address family not supported" failure Janus had there.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { randomUint32 } from '../../core/ids.js';
import { isJsonObject } from '../../core/validate.js';
import type { Logger } from '../../logging/logger.js';
import { BindError } from '../../net/bind-error.js';
import { destinationFor } from '../../net/address.js';
import type { BoundUdpSocket, Network } from '../../net/network.js';
import { EXT_AUDIO_LEVEL, EXT_PLAYOUT_DELAY, EXT_VIDEO_ORIENTATION } from '../../rtp/header-extensions.js';
import { buildPli, summarizeRtcp } from '../../rtp/rtcp.js';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../../rtp/srtp/srtp-protector.js';
import { SrtpRtpUnprotector } from '../../rtp/srtp/srtp-unprotector.js';
import type { JsonObject, NegotiatedCodec } from '../plugin.js';
import { check, E, VideoRoomError } from './errors.js';
import { Publisher, PublisherStream, type UserId } from './publisher.js';
import type { Room } from './room.js';
import { checkRange, checkRanges, checkStored, MAX_FORWARDERS_PER_PUBLISHER, RANGES } from './limits.js';
import { AUDIO_CODECS, VIDEO_CODECS } from './room-settings.js';
import { RtpForwarder, type ForwarderTarget } from './rtp-forwarder.js';

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

/** Remote publishers listen in Janus's fixed range. */
const REMOTE_PORT_RANGE = { min: 10000, max: 60000 };
/** SSRC of a remotized stream: this base, plus 10 per m-line index, plus the simulcast layer. */
const REMOTE_SSRC_BASE = 1000;

/** Payload types a remote publisher's streams are offered with (the sender's own are not known). */
const DEFAULT_PT: Readonly<Record<string, number>> = { opus: 111, multiopus: 111, vp8: 96, vp9: 101, h264: 107, av1: 98, h265: 100, pcmu: 0, pcma: 8, g722: 9 };
const CLOCK_RATE: Readonly<Record<string, number>> = { pcmu: 8000, pcma: 8000, g722: 8000, opus: 48000, multiopus: 48000 };

/** What the cascade needs from the plugin. */
export interface CascadeHost {
  /** A remote publisher is ready: the room hears of it. */
  announce(room: Room, p: Publisher): void;
  /** A forwarder's receiver asked for a keyframe of a local publisher's stream. */
  keyframe(p: Publisher, s: PublisherStream): void;
}

interface SrtpSettings {
  readonly suite: 32 | 80;
  readonly key: Buffer;
  readonly salt: Buffer;
}

function parseSrtp(body: JsonObject, suiteKey = 'srtp_suite', cryptoKey = 'srtp_crypto'): SrtpSettings | undefined {
  const suite = body[suiteKey];
  const crypto = body[cryptoKey];
  if (suite === undefined && crypto === undefined) return undefined;
  if (suite !== 32 && suite !== 80) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid SRTP suite (${String(suite)})`);
  if (typeof crypto !== 'string') throw new VideoRoomError(E.MISSING_ELEMENT, `Missing mandatory element (${cryptoKey})`);
  const raw = Buffer.from(crypto, 'base64');
  if (raw.length !== 30) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (${cryptoKey} should be the base64 of a 16-byte key and a 14-byte salt)`);
  return { suite, key: raw.subarray(0, 16), salt: raw.subarray(16) };
}

function protectorFor(s: SrtpSettings | undefined): ForwarderTarget['srtp'] {
  if (!s) return undefined;
  return { protector: new SrtpRtpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, s.key, s.salt)), tagLength: s.suite === 32 ? 4 : 10 };
}


/** Resolves a forwarding destination: literals as they are, names through the resolver (the user's choice). */
async function resolveHost(host: string, family: unknown, canIpv6: boolean): Promise<string> {
  if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') throw new VideoRoomError(E.INVALID_ELEMENT, `Unsupported protocol family (${String(family)})`);
  const literal = isIP(host);
  let address = host;
  if (literal === 0) {
    try {
      address = (await lookup(host, { family: family === 'ipv6' ? 6 : family === 'ipv4' ? 4 : 0 })).address;
    } catch {
      throw new VideoRoomError(E.INVALID_ELEMENT, `Could not resolve address (${host})...`);
    }
  }
  if (isIP(address) === 6 && !canIpv6) throw new VideoRoomError(E.INVALID_ELEMENT, `Can't forward to ${host}: IPv6 is not available on this host`);
  return address;
}

/** A remote publisher's sockets and what it has learned. */
interface RemoteSource {
  readonly rtp: BoundUdpSocket;
  readonly rtcp: BoundUdpSocket;
  srtp: SrtpRtpUnprotector | undefined;
  /** Where keyframe requests go: the last sender seen on the RTCP socket. */
  latched: { address: string; port: number } | undefined;
  /** Streams a keyframe was asked for before anything was latched. */
  readonly keyframeWanted: Set<PublisherStream>;
  readonly byMindex: Map<number, PublisherStream>;
  readonly room: Room;
}

/** A remotization of a local publisher (publish_remotely). */
interface Remotization {
  readonly remoteId: string;
  readonly host: string;
  readonly port: number;
  readonly rtcpPort: number | undefined;
  readonly forwarders: RtpForwarder[];
}

export class Cascade {
  /** Per publisher: the socket its forwarders share, and the forwarders. */
  private readonly forwarding = new Map<Publisher, { socket: BoundUdpSocket; forwarders: Map<number, RtpForwarder> }>();
  private readonly remotizations = new Map<Publisher, Map<string, Remotization>>();
  private readonly remotes = new Map<Publisher, RemoteSource>();

  constructor(
    private readonly network: Network,
    private readonly log: Logger,
    private readonly host: CascadeHost,
  ) {}

  // ------------------------------------------------------------------------------------------- forwarders

  private async socketFor(p: Publisher): Promise<{ socket: BoundUdpSocket; forwarders: Map<number, RtpForwarder> }> {
    let f = this.forwarding.get(p);
    if (!f) {
      let socket: BoundUdpSocket;
      try {
        socket = await this.network.openUdp({ what: `RTP forwarders of publisher ${p.id}` });
      } catch (err) {
        throw this.socketError('RTP forwarder', err);
      }
      socket.socket.on('message', () => {}); // nothing is expected back on the media socket
      f = this.forwarding.get(p) ?? { socket, forwarders: new Map() };
      if (f.socket !== socket) socket.socket.close();
      this.forwarding.set(p, f);
    }
    return f;
  }

  /** A socket that could not be opened: the network layer's explanation (a BindError) is shown, anything else logged. */
  private socketError(what: string, err: unknown): VideoRoomError {
    if (err instanceof BindError) return new VideoRoomError(E.UNKNOWN, `Could not open UDP socket for ${what}: ${err.message}`);
    this.log.error(`videoroom: opening a UDP socket for ${what}: ${err instanceof Error ? err.message : String(err)}`);
    return new VideoRoomError(E.UNKNOWN, `Could not open UDP socket for ${what}`);
  }

  private newForwarderId(): number {
    for (;;) {
      const id = randomUint32();
      let taken = false;
      for (const f of this.forwarding.values()) if (f.forwarders.has(id)) taken = true;
      if (!taken) return id;
    }
  }

  private attach(p: Publisher, stream: PublisherStream, fwd: RtpForwarder): void {
    if (stream.type === 'data') stream.dataSinks.add(fwd);
    else stream.sinks.add(fwd);
    this.forwarding.get(p)?.forwarders.set(fwd.id, fwd);
  }

  private detach(p: Publisher, fwd: RtpForwarder): void {
    fwd.close();
    for (const s of p.streams) {
      s.sinks.delete(fwd);
      s.dataSinks.delete(fwd);
    }
    const f = this.forwarding.get(p);
    if (!f) return;
    f.forwarders.delete(fwd.id);
    if (f.forwarders.size === 0) {
      f.socket.socket.close();
      this.forwarding.delete(p);
    }
  }

  async rtpForward(room: Room, p: Publisher, body: JsonObject): Promise<JsonObject> {
    check(body, [{ name: 'host', type: 'string', required: true }, { name: 'host_family', type: 'string' }, { name: 'streams', type: 'array' }, { name: 'simulcast', type: 'boolean' }]);
    if (!p.active) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${p.id}) publishing`);
    const defaults = parseSrtp(body);
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
      const host = await resolveHost(typeof e.host === 'string' ? e.host : (body.host as string), e.host_family ?? body.host_family, this.network.ipv6Available);
      const srtp = protectorFor(parseSrtp(e) ?? defaults);
      const base = { host, pt: typeof e.pt === 'number' ? e.pt : undefined, ssrc: typeof e.ssrc === 'number' ? e.ssrc : undefined, srtp };
      // rtcp_port 0 is no RTCP, as in Janus.
      const rtcpPort = typeof e.rtcp_port === 'number' && e.rtcp_port > 0 ? e.rtcp_port : undefined;
      const layered = stream.simulcast && (typeof e.port_2 === 'number' || typeof e.port_3 === 'number');
      if (layered && (e.simulcast === true || body.simulcast === true)) throw new VideoRoomError(E.INVALID_ELEMENT, "Invalid element (simulcast can't be used with per-layer ports)");
      if (stream.simulcast && (e.simulcast === true || body.simulcast === true)) {
        specs.push({ stream, target: { ...base, port: e.port as number, substream: 2 }, rtcpPort });
      } else if (layered) {
        specs.push({ stream, target: { ...base, port: e.port as number, substream: 0 }, rtcpPort });
        if (typeof e.port_2 === 'number') specs.push({ stream, target: { ...base, port: e.port_2, substream: 1, ssrc: typeof e.ssrc_2 === 'number' ? e.ssrc_2 : base.ssrc, pt: typeof e.pt_2 === 'number' ? e.pt_2 : base.pt } });
        if (typeof e.port_3 === 'number') specs.push({ stream, target: { ...base, port: e.port_3, substream: 2, ssrc: typeof e.ssrc_3 === 'number' ? e.ssrc_3 : base.ssrc, pt: typeof e.pt_3 === 'number' ? e.pt_3 : base.pt } });
      } else {
        specs.push({ stream, target: { ...base, port: e.port as number, substream: stream.simulcast ? 0 : undefined }, rtcpPort });
      }
    }
    this.checkForwarderRoom(p, specs.length);
    const { socket } = await this.socketFor(p);
    // Again: another request may have added forwarders while this one waited.
    try {
      this.checkForwarderRoom(p, specs.length);
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
  private checkForwarderRoom(p: Publisher, more: number): void {
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
      out.push({ mid: video.mid, port: body.video_port, rtcp_port: body.video_rtcp_port, ssrc: body.video_ssrc, pt: body.video_pt, port_2: body.video_port_2, ssrc_2: body.video_ssrc_2, pt_2: body.video_pt_2, port_3: body.video_port_3, ssrc_3: body.video_ssrc_3, pt_3: body.video_pt_3 });
    }
    if (data && typeof body.data_port === 'number') out.push({ mid: data.mid, port: body.data_port });
    return out;
  }

  /**
   * An RTCP socket for a forwarder: two empty RTP packets open the path to the receiver's RTCP port (NAT and
   * latching), and PLI/FIR coming back for one of `ssrcs` asks the publisher for a keyframe.
   */
  private async openFeedback(p: Publisher, stream: PublisherStream, fwd: RtpForwarder, rtcpPort: number, ssrcs: (number | undefined)[]): Promise<void> {
    let sock: BoundUdpSocket;
    try {
      sock = await this.network.openUdp({ what: `RTCP of forwarder ${fwd.id}` });
    } catch (err) {
      throw this.socketError('RTCP', err);
    }
    fwd.rtcp = sock;
    const to = destinationFor(fwd.target.host, sock.family);
    const hello = Buffer.alloc(12);
    hello[0] = 0x80;
    for (let i = 0; i < 2; i++) sock.socket.send(hello, rtcpPort, to);
    sock.socket.on('message', (msg) => {
      const summary = summarizeRtcp(msg);
      if (!summary?.keyframeRequest) return;
      const media = msg.length >= 12 ? msg.readUInt32BE(8) : 0;
      if (ssrcs.every((s) => s === undefined) || ssrcs.includes(media)) this.host.keyframe(p, stream);
    });
  }

  private releaseIfIdle(p: Publisher): void {
    const f = this.forwarding.get(p);
    if (f && f.forwarders.size === 0) {
      f.socket.socket.close();
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

  /** A publisher stopped publishing: its forwarders and remotizations end with it. */
  publisherGone(p: Publisher): void {
    const f = this.forwarding.get(p);
    if (f) for (const fwd of [...f.forwarders.values()]) this.detach(p, fwd);
    this.remotizations.delete(p);
  }

  // ---------------------------------------------------------------------------------------- remotizations

  async publishRemotely(p: Publisher, body: JsonObject): Promise<JsonObject> {
    check(body, [
      { name: 'remote_id', type: 'string', required: true },
      { name: 'host', type: 'string', required: true },
      { name: 'host_family', type: 'string' },
      { name: 'port', type: 'positive', required: true },
      { name: 'rtcp_port', type: 'positive' },
    ]);
    checkRanges(body, [['port', RANGES.port], ['rtcp_port', RANGES.listen_port]]);
    checkStored(body, ['remote_id']);
    if (p.remote) throw new VideoRoomError(E.INVALID_ELEMENT, 'Only local publishers can be remotized');
    if (!p.active) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${p.id}) publishing`);
    if (body.port === 0) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element (port should not be 0)');
    const remoteId = body.remote_id as string;
    const mine = this.remotizations.get(p) ?? new Map<string, Remotization>();
    if (mine.has(remoteId)) throw new VideoRoomError(E.ID_EXISTS, `Remotization already exists (${remoteId})`);
    const host = await resolveHost(body.host as string, body.host_family, this.network.ipv6Available);
    const srtp = parseSrtp(body);
    this.checkForwarderRoom(p, p.streams.reduce((n, s) => n + (s.simulcast ? 3 : 1), 0));
    const { socket } = await this.socketFor(p);
    const port = body.port as number;
    const rtcpPort = typeof body.rtcp_port === 'number' && body.rtcp_port > 0 ? body.rtcp_port : undefined;
    const forwarders: RtpForwarder[] = [];
    let feedbackOpened = false;
    for (const s of p.streams) {
      const layers = s.simulcast ? [0, 1, 2] : [undefined];
      const videoFwds: RtpForwarder[] = [];
      for (const layer of layers) {
        const ssrc = REMOTE_SSRC_BASE + 10 * s.mindex + (layer ?? 0);
        const fwd = new RtpForwarder(this.newForwarderId(), s.type, s.mid, socket, { host, port, ssrc, substream: layer, srtp: protectorFor(srtp) }, remoteId);
        this.attach(p, s, fwd);
        forwarders.push(fwd);
        if (s.type === 'video') videoFwds.push(fwd);
      }
      if (rtcpPort !== undefined && !feedbackOpened && videoFwds.length > 0) {
        feedbackOpened = true;
        await this.openFeedback(p, s, videoFwds[0], rtcpPort, videoFwds.map((f) => f.target.ssrc));
      }
    }
    mine.set(remoteId, { remoteId, host, port, rtcpPort, forwarders });
    this.remotizations.set(p, mine);
    return { remote_id: remoteId };
  }

  unpublishRemotely(p: Publisher, body: JsonObject): void {
    check(body, [{ name: 'remote_id', type: 'string', required: true }]);
    const mine = this.remotizations.get(p);
    const r = mine?.get(body.remote_id as string);
    if (!mine || !r) throw new VideoRoomError(E.NO_SUCH_FEED, `No such remotization (${String(body.remote_id)})`);
    for (const fwd of r.forwarders) this.detach(p, fwd);
    mine.delete(r.remoteId);
  }

  listRemotes(p: Publisher): JsonObject[] {
    return [...(this.remotizations.get(p)?.values() ?? [])].map((r) => {
      const out: JsonObject = { remote_id: r.remoteId, host: r.host, port: r.port };
      if (r.rtcpPort !== undefined) out.rtcp_port = r.rtcpPort;
      return out;
    });
  }

  // ------------------------------------------------------------------------------------- remote publishers

  async addRemotePublisher(room: Room, id: UserId, body: JsonObject): Promise<JsonObject> {
    check(body, [
      { name: 'display', type: 'string' },
      { name: 'metadata', type: 'object' },
      { name: 'mcast', type: 'string' },
      { name: 'iface', type: 'string' },
      { name: 'port', type: 'positive' },
      { name: 'rtcp_port', type: 'positive' },
      { name: 'streams', type: 'array', required: true },
    ]);
    checkRanges(body, [['port', RANGES.listen_port], ['rtcp_port', RANGES.listen_port]]);
    checkStored(body, ['display', 'metadata', 'streams']);
    const raw = body.streams as unknown[];
    if (raw.length === 0) throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (streams)');
    const streams = raw.map((e, i) => this.remoteStream(room, isJsonObject(e) ? e : {}, i));
    const srtp = parseSrtp(body);
    const iface = typeof body.iface === 'string' && body.iface !== '' ? body.iface : undefined;
    const mcast = typeof body.mcast === 'string' && body.mcast !== '' ? body.mcast : undefined;
    const open = async (what: string, port: number): Promise<BoundUdpSocket> => {
      try {
        return await this.network.openUdp({ what: `remote publisher ${id} ${what}`, bind: iface, multicast: mcast, port, portRange: REMOTE_PORT_RANGE, recvBufferSize: 4 * 1024 * 1024 });
      } catch (err) {
        if (err instanceof BindError) throw new VideoRoomError(E.UNKNOWN, `Could not open UDP socket for RTP stream: ${err.message}`);
        throw err;
      }
    };
    const rtp = await open('RTP', typeof body.port === 'number' ? body.port : 0);
    let rtcp: BoundUdpSocket;
    try {
      rtcp = await open('RTCP', typeof body.rtcp_port === 'number' ? body.rtcp_port : 0);
    } catch (err) {
      rtp.socket.close();
      throw err;
    }
    const p = new Publisher(id, randomUint32(), undefined);
    if (typeof body.display === 'string') p.display = body.display;
    if (isJsonObject(body.metadata)) p.metadata = body.metadata;
    p.setStreams(streams);
    const source: RemoteSource = {
      rtp,
      rtcp,
      srtp: srtp ? new SrtpRtpUnprotector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, srtp.key, srtp.salt), srtp.suite === 32 ? 4 : 10) : undefined,
      latched: undefined,
      keyframeWanted: new Set(),
      byMindex: new Map(streams.map((s) => [s.mindex, s])),
      room,
    };
    this.remotes.set(p, source);
    rtp.socket.on('message', (msg) => this.remotePacket(source, msg));
    rtcp.socket.on('message', (_msg, rinfo) => {
      const first = source.latched === undefined;
      source.latched = { address: rinfo.address, port: rinfo.port };
      if (first) {
        for (const s of source.keyframeWanted) this.requestRemoteKeyframe(p, s);
        source.keyframeWanted.clear();
      }
    });
    room.participants.set(id, p);
    this.host.announce(room, p);
    this.log.info(`videoroom: room ${room.id}: remote publisher ${id} on ${rtp.address} port ${rtp.port} (RTCP ${rtcp.port})`);
    const out: JsonObject = { id, port: rtp.port, rtcp_port: rtcp.port };
    if (iface !== undefined || mcast !== undefined) out.ip = mcast ?? iface;
    return out;
  }

  private remoteStream(room: Room, e: JsonObject, index: number): PublisherStream {
    check(e, [
      { name: 'type', type: 'string', required: true },
      { name: 'mid', type: 'string', required: true },
      { name: 'mindex', type: 'positive', required: true },
      { name: 'codec', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'disabled', type: 'boolean' },
      { name: 'simulcast', type: 'boolean' },
    ]);
    checkRange(e, 'mindex', RANGES.mindex);
    const type = e.type as string;
    if (type !== 'audio' && type !== 'video' && type !== 'data') throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (type should be audio, video or data)`);
    let codec: NegotiatedCodec | undefined;
    let allowed = true;
    if (type !== 'data') {
      const name = typeof e.codec === 'string' ? e.codec.toLowerCase() : undefined;
      if (!name) throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (codec)');
      const known: readonly string[] = type === 'audio' ? AUDIO_CODECS : VIDEO_CODECS;
      if (!known.includes(name) || DEFAULT_PT[name] === undefined) throw new VideoRoomError(E.MISSING_ELEMENT, `Invalid codec (${name})`);
      allowed = (type === 'audio' ? room.settings.audioCodecs : room.settings.videoCodecs).includes(name);
      const fmtp = name === 'opus' ? [e.stereo === true ? 'stereo=1' : '', e.fec === true ? 'useinbandfec=1' : '', e.dtx === true ? 'usedtx=1' : ''].filter((x) => x).join(';') : name === 'h264' && typeof e.h264_profile === 'string' ? `profile-level-id=${e.h264_profile};packetization-mode=1` : name === 'vp9' && typeof e.vp9_profile === 'string' ? `profile-id=${e.vp9_profile}` : undefined;
      codec = { name, pt: DEFAULT_PT[name], clockRate: CLOCK_RATE[name] ?? 90000, channels: name === 'opus' ? 2 : undefined, fmtp: fmtp || undefined };
    }
    // Stream m-lines here are numbered in the order given, whatever the sender called them.
    // The sender's extension ids, as the stream description gives them.
    const extensions = [
      [e.audiolevel_ext_id, EXT_AUDIO_LEVEL],
      [e.videoorient_ext_id, EXT_VIDEO_ORIENTATION],
      [e.playoutdelay_ext_id, EXT_PLAYOUT_DELAY],
    ].flatMap(([id, uri]) => (typeof id === 'number' && id > 0 ? [{ id, uri: uri as string }] : []));
    const s = new PublisherStream(index, String(index), type, codec, e.simulcast === true, type === 'data' ? undefined : extensions);
    s.remoteMindex = e.mindex as number;
    if (typeof e.description === 'string') s.description = e.description;
    if (e.disabled === true || !allowed) s.disabled = true;
    return s;
  }

  private remotePacket(source: RemoteSource, msg: Buffer): void {
    if (msg.length < 12 || msg[0] >> 6 !== 2) return;
    const ssrc = msg.readUInt32BE(8);
    if (ssrc < REMOTE_SSRC_BASE) return;
    const mindex = Math.floor((ssrc - REMOTE_SSRC_BASE) / 10);
    const layer = (ssrc - REMOTE_SSRC_BASE) % 10;
    let stream: PublisherStream | undefined;
    for (const s of source.byMindex.values()) if (s.remoteMindex === mindex) stream = s;
    if (!stream || stream.disabled || layer > (stream.simulcast ? 2 : 0)) return;
    if (stream.type === 'data') {
      const body = msg.subarray(12);
      stream.relayData(msg[1] & 0x7f ? Buffer.from(body) : body.toString('utf8'), 'JanusDataChannel');
      return;
    }
    let packet = msg;
    if (source.srtp) {
      const r = source.srtp.unprotect(msg);
      if (!Buffer.isBuffer(r)) return;
      packet = r;
    }
    stream.relay(packet, stream.simulcast ? layer : undefined);
  }

  updateRemotePublisher(room: Room, p: Publisher, body: JsonObject): void {
    check(body, [{ name: 'display', type: 'string' }, { name: 'metadata', type: 'object' }, { name: 'streams', type: 'array', required: true }]);
    checkStored(body, ['display', 'metadata', 'streams']);
    const source = this.remotes.get(p);
    if (!source) throw new VideoRoomError(E.NO_SUCH_FEED, `No such remote publisher (${p.id})`);
    const srtp = parseSrtp(body);
    if (srtp) source.srtp = new SrtpRtpUnprotector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, srtp.key, srtp.salt), srtp.suite === 32 ? 4 : 10);
    if (typeof body.display === 'string') p.display = body.display;
    if (isJsonObject(body.metadata)) p.metadata = body.metadata;
    const streams = [...p.streams];
    for (const raw of body.streams as unknown[]) {
      const e = isJsonObject(raw) ? raw : {};
      const at = streams.findIndex((s) => s.remoteMindex === e.mindex || (typeof e.mid === 'string' && s.mid === e.mid));
      if (at >= 0) {
        const fresh = this.remoteStream(room, e, streams[at].mindex);
        // Subscribers and forwarders stay with the stream; only its description changes.
        for (const sink of streams[at].sinks) fresh.sinks.add(sink);
        for (const sink of streams[at].dataSinks) fresh.dataSinks.add(sink);
        streams[at] = fresh;
      } else {
        if (e.mindex !== streams.length) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (mindex of a new stream should be ${streams.length})`);
        streams.push(this.remoteStream(room, e, streams.length));
      }
    }
    p.setStreams(streams);
    source.byMindex.clear();
    for (const s of streams) source.byMindex.set(s.mindex, s);
    room.notify({ videoroom: 'event', room: room.id, publishers: [p.describe()] });
  }

  /**
   * Sends a PLI for a remote publisher's video stream to the address its RTCP socket latched; false when nothing
   * was latched yet (the request is remembered and goes out with the first RTCP packet received).
   */
  requestRemoteKeyframe(p: Publisher, s: PublisherStream): boolean {
    const source = this.remotes.get(p);
    if (!source) return false;
    const to = source.latched;
    if (!to) {
      source.keyframeWanted.add(s);
      return false;
    }
    source.rtcp.socket.send(buildPli(1, REMOTE_SSRC_BASE + 10 * (s.remoteMindex ?? s.mindex)), to.port, destinationFor(to.address, source.rtcp.family));
    return true;
  }

  /** A remote publisher leaves: its sockets close. */
  removeRemote(p: Publisher): void {
    const source = this.remotes.get(p);
    if (!source) return;
    this.remotes.delete(p);
    source.rtp.socket.close();
    source.rtcp.socket.close();
  }

  closeAll(): void {
    for (const p of [...this.forwarding.keys()]) this.publisherGone(p);
    for (const p of [...this.remotes.keys()]) this.removeRemote(p);
  }
}
