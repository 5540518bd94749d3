// Remote publishers (`add_remote_publisher`): a room's participant fed over plain (or SRTP) RTP by another
// server, on sockets of its own in Janus's fixed port range; keyframe requests go back to the address its RTCP
// socket latched. The copy of another node's participant (span.ts) takes datagrams from that node's media
// address only; with cluster.srtp it latches only SRTCP that authenticates under the crossing's key, and its
// keyframe requests go as SRTCP too.
import { randomUint32 } from '../../plugin-api/index.js';
import { isJsonObject } from '../../plugin-api/index.js';
import type { Logger } from '../../logging/logger.js';
import { BindError, destinationFor, type JsonObject, type Network, type UdpEndpoint } from '../../plugin-api/index.js';
import { buildPli } from '../../rtp/rtcp.js';
import type { SrtpRtpUnprotector } from '../../rtp/srtp/srtp-unprotector.js';
import { parseRemoteStream, REMOTE_SSRC_BASE, remoteSsrc } from './cascade-streams.js';
import { check, E, ELEMENT_CODES, VideoRoomError } from './errors.js';
import { checkRanges, checkStored, RANGES } from './limits.js';
import { Publisher, type PublisherStream, type UserId } from './publisher.js';
import type { Room } from './room.js';
import { parseSrtp, unprotectorFor } from '../srtp-settings.js';
import { NodeSrtpReceiver } from '../node-srtp.js';

/** Whether two descriptions of a remote publisher's stream carry the same media (only `disabled` or the description differ). */
function sameMedia(a: PublisherStream, b: PublisherStream): boolean {
  const codec = (s: PublisherStream): string => JSON.stringify([s.codec?.name, s.codec?.pt, s.codec?.fmtp]);
  return a.type === b.type && a.simulcast === b.simulcast && a.remoteMindex === b.remoteMindex && codec(a) === codec(b) && String(a.extensionTable) === String(b.extensionTable);
}

/** A copy of another node's participant: that node, its media address, and the crossing's cluster.srtp key. */
export interface CopyOf {
  readonly node: string;
  readonly host: string;
  readonly key?: string;
}

/** Remote publishers listen in Janus's fixed range. */
const REMOTE_PORT_RANGE = { min: 10000, max: 60000 };

/** A remote publisher's sockets and what it has learned. */
interface RemoteSource {
  readonly rtp: UdpEndpoint;
  readonly rtcp: UdpEndpoint;
  srtp: SrtpRtpUnprotector | undefined;
  /** A crossing between nodes with cluster.srtp: its RTCP both ways as SRTCP. */
  readonly nodeSrtp: NodeSrtpReceiver | undefined;
  /** Where keyframe requests go: the last sender seen on the RTCP socket. */
  latched: { address: string; port: number } | undefined;
  /** Streams a keyframe was asked for before anything was latched. */
  readonly keyframeWanted: Set<PublisherStream>;
  readonly byMindex: Map<number, PublisherStream>;
  readonly room: Room;
}

export class RemotePublishers {
  private readonly remotes = new Map<Publisher, RemoteSource>();

  constructor(
    private readonly network: Network,
    private readonly log: Logger,
    /** A remote publisher is ready: the room hears of it. */
    private readonly announce: (room: Room, p: Publisher) => void,
  ) {}

  /** Remote publishers with sockets open. */
  publishers(): Publisher[] {
    return [...this.remotes.keys()];
  }

  /** `copyOf`: the copy of another node's participant (span.ts). */
  async add(room: Room, id: UserId, body: JsonObject, copyOf?: CopyOf): Promise<JsonObject> {
    check(body, [
      { name: 'display', type: 'string' },
      { name: 'metadata', type: 'object' },
      { name: 'mcast', type: 'string' },
      { name: 'iface', type: 'string' },
      { name: 'port', type: 'positive' },
      { name: 'rtcp_port', type: 'positive' },
      { name: 'streams', type: 'array', required: true },
    ]);
    checkRanges(body, [
      ['port', RANGES.listen_port],
      ['rtcp_port', RANGES.listen_port],
    ]);
    checkStored(body, ['display', 'metadata', 'streams']);
    const raw = body.streams as unknown[];
    if (raw.length === 0) throw new VideoRoomError(E.MISSING_ELEMENT, 'Missing mandatory element (streams)');
    const streams = raw.map((e, i) => parseRemoteStream(room, isJsonObject(e) ? e : {}, i));
    const srtp = parseSrtp(body, ELEMENT_CODES);
    const iface = typeof body.iface === 'string' && body.iface !== '' ? body.iface : undefined;
    const mcast = typeof body.mcast === 'string' && body.mcast !== '' ? body.mcast : undefined;
    const open = async (what: string, port: number): Promise<UdpEndpoint> => {
      try {
        return await this.network.openUdp({ what: `remote publisher ${id} ${what}`, bind: iface, multicast: mcast, port, portRange: REMOTE_PORT_RANGE, recvBufferSize: 4 * 1024 * 1024 });
      } catch (err) {
        if (err instanceof BindError) throw new VideoRoomError(E.UNKNOWN, `Could not open UDP socket for RTP stream: ${err.message}`);
        throw err;
      }
    };
    const rtp = await open('RTP', typeof body.port === 'number' ? body.port : 0);
    let rtcp: UdpEndpoint;
    try {
      rtcp = await open('RTCP', typeof body.rtcp_port === 'number' ? body.rtcp_port : 0);
    } catch (err) {
      void rtp.close();
      throw err;
    }
    const p = new Publisher(id, randomUint32(), undefined);
    p.spannedFrom = copyOf?.node;
    if (typeof body.display === 'string') p.display = body.display;
    if (isJsonObject(body.metadata)) p.metadata = body.metadata;
    p.setStreams(streams);
    const source: RemoteSource = {
      rtp,
      rtcp,
      srtp: srtp ? unprotectorFor(srtp) : undefined,
      nodeSrtp: copyOf?.key === undefined ? undefined : new NodeSrtpReceiver(copyOf.key),
      latched: undefined,
      keyframeWanted: new Set(),
      byMindex: new Map(streams.map((s) => [s.mindex, s])),
      room,
    };
    this.remotes.set(p, source);
    // A copy hears its node only (the host, or the host as an IPv4-mapped address on a dual-stack socket).
    const fromNode = copyOf ? (a: string): boolean => a === copyOf.host || a === `::ffff:${copyOf.host}` : undefined;
    rtp.onMessage((msg, from) => {
      if (!fromNode || fromNode(from.address)) this.remotePacket(source, msg);
    });
    rtcp.onMessage((msg, from) => {
      if (fromNode && !fromNode(from.address)) return;
      if (source.nodeSrtp && !source.nodeSrtp.openRtcp(msg)) return;
      const first = source.latched === undefined;
      source.latched = { address: from.address, port: from.port };
      if (first) {
        for (const s of source.keyframeWanted) this.requestKeyframe(p, s);
        source.keyframeWanted.clear();
      }
    });
    room.participants.set(id, p);
    this.announce(room, p);
    this.log.info(`videoroom: room ${room.id}: remote publisher ${id} on ${rtp.address} port ${rtp.port} (RTCP ${rtcp.port})`);
    const out: JsonObject = { id, port: rtp.port, rtcp_port: rtcp.port };
    if (iface !== undefined || mcast !== undefined) out.ip = mcast ?? iface;
    return out;
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

  /**
   * `update_remote_publisher`. `spanned`: the copy of another node's participant (span.ts), whose streams are known
   * by that node's m-line index alone (a new one may come at any index there, as its renegotiation added it).
   */
  update(room: Room, p: Publisher, body: JsonObject, spanned = false): void {
    check(body, [
      { name: 'display', type: 'string' },
      { name: 'metadata', type: 'object' },
      { name: 'streams', type: 'array', required: true },
    ]);
    checkStored(body, ['display', 'metadata', 'streams']);
    const source = this.remotes.get(p);
    if (!source) throw new VideoRoomError(E.NO_SUCH_FEED, `No such remote publisher (${p.id})`);
    const srtp = parseSrtp(body, ELEMENT_CODES);
    if (srtp) source.srtp = unprotectorFor(srtp);
    const before = JSON.stringify(p.describe());
    if (typeof body.display === 'string') p.display = body.display;
    if (isJsonObject(body.metadata)) p.metadata = body.metadata;
    const streams = [...p.streams];
    for (const raw of body.streams as unknown[]) {
      const e = isJsonObject(raw) ? raw : {};
      const at = streams.findIndex((s) => s.remoteMindex === e.mindex || (!spanned && typeof e.mid === 'string' && s.mid === e.mid));
      if (at >= 0) {
        const fresh = parseRemoteStream(room, e, streams[at].mindex);
        const old = streams[at];
        if (sameMedia(old, fresh)) {
          // The same media, enabled, disabled or described anew: the stream keeps its object, and its subscribers.
          old.disabled = fresh.disabled;
          if (fresh.description !== undefined) old.description = fresh.description;
          continue;
        }
        // Subscribers and forwarders stay with the stream; only its description changes.
        for (const sink of streams[at].sinks) fresh.sinks.add(sink);
        for (const sink of streams[at].dataSinks) fresh.dataSinks.add(sink);
        streams[at] = fresh;
      } else {
        if (!spanned && e.mindex !== streams.length) throw new VideoRoomError(E.INVALID_ELEMENT, `Invalid element (mindex of a new stream should be ${streams.length})`);
        streams.push(parseRemoteStream(room, e, streams.length));
      }
    }
    p.setStreams(streams);
    source.byMindex.clear();
    for (const s of streams) source.byMindex.set(s.mindex, s);
    // As Janus, the room hears of a change only (an update that changes nothing is quiet).
    if (JSON.stringify(p.describe()) !== before) room.notify({ videoroom: 'event', room: room.id, publishers: [p.describe()] });
  }

  /**
   * Sends a PLI for a remote publisher's video stream to the address its RTCP socket latched; false when nothing
   * was latched yet (the request is remembered and goes out with the first RTCP packet received).
   */
  requestKeyframe(p: Publisher, s: PublisherStream): boolean {
    const source = this.remotes.get(p);
    if (!source) return false;
    const to = source.latched;
    if (!to) {
      source.keyframeWanted.add(s);
      return false;
    }
    const pli = buildPli(1, remoteSsrc(s.remoteMindex ?? s.mindex, 0));
    const out = source.nodeSrtp ? source.nodeSrtp.protectRtcp(pli) : pli;
    if (out) source.rtcp.send(out, to.port, destinationFor(to.address, source.rtcp.family));
    return true;
  }

  /** The ports a remote publisher listens on, while it does. */
  ports(p: Publisher): { port: number; rtcp_port: number } | undefined {
    const source = this.remotes.get(p);
    return source ? { port: source.rtp.port, rtcp_port: source.rtcp.port } : undefined;
  }

  /** A remote publisher leaves: its sockets close. */
  remove(p: Publisher): void {
    const source = this.remotes.get(p);
    if (!source) return;
    this.remotes.delete(p);
    void source.rtp.close();
    void source.rtcp.close();
  }
}
