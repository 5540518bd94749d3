// Remotizations (`publish_remotely`): a local publisher fed to a room on another server, as forwarders of each
// stream (every simulcast layer) numbered by the cascade's SSRC convention. A crossing to another node of the
// cluster (span.ts) is one too; with cluster.srtp its RTCP both ways goes as SRTCP under the crossing's key.
import type { JsonObject, Network } from '../../plugin-api/index.js';
import { check, E, ELEMENT_CODES, VideoRoomError } from './errors.js';
import { remoteSsrc } from './cascade-streams.js';
import { resolveHost } from '../forward-host.js';
import type { Forwarders } from './forwarders.js';
import { checkRanges, checkStored, RANGES } from './limits.js';
import type { Publisher, PublisherStream } from './publisher.js';
import { RtpForwarder } from './rtp-forwarder.js';
import { parseSrtp, protectorFor, type SrtpSettings } from '../srtp-settings.js';
import { NodeSrtpSender } from '../node-srtp.js';

/** A remotization that is a crossing to another node of the cluster; `key`: its cluster.srtp key. */
export interface NodeCrossing {
  readonly key?: string;
}

/** A remotization of a local publisher (publish_remotely). */
interface Remotization {
  readonly remoteId: string;
  readonly host: string;
  readonly port: number;
  readonly rtcpPort: number | undefined;
  readonly srtp: SrtpSettings | undefined;
  readonly nodeSrtp: NodeSrtpSender | undefined;
  /** The RTCP socket that takes the other side's keyframe requests is open (with the first video stream). */
  feedbackOpened: boolean;
  readonly forwarders: RtpForwarder[];
}

export class Remotizations {
  private readonly remotizations = new Map<Publisher, Map<string, Remotization>>();

  constructor(
    private readonly network: Network,
    private readonly forwarders: Forwarders,
  ) {}

  async publishRemotely(p: Publisher, body: JsonObject, crossing?: NodeCrossing): Promise<JsonObject> {
    check(body, [
      { name: 'remote_id', type: 'string', required: true },
      { name: 'host', type: 'string', required: true },
      { name: 'host_family', type: 'string' },
      { name: 'port', type: 'positive', required: true },
      { name: 'rtcp_port', type: 'positive' },
    ]);
    checkRanges(body, [
      ['port', RANGES.port],
      ['rtcp_port', RANGES.listen_port],
    ]);
    checkStored(body, ['remote_id']);
    // An operator's remote publisher crosses to the other nodes holding its room as local ones do.
    if (p.remote && !crossing) throw new VideoRoomError(E.INVALID_ELEMENT, 'Only local publishers can be remotized');
    if (!p.active) throw new VideoRoomError(E.NO_SUCH_FEED, `No such publisher (${p.id}) publishing`);
    if (body.port === 0) throw new VideoRoomError(E.INVALID_ELEMENT, 'Invalid element (port should not be 0)');
    const remoteId = body.remote_id as string;
    if (this.remotizations.get(p)?.has(remoteId)) throw new VideoRoomError(E.ID_EXISTS, `Remotization already exists (${remoteId})`);
    const host = await resolveHost(this.network, body.host as string, body.host_family, ELEMENT_CODES);
    const srtp = parseSrtp(body, ELEMENT_CODES);
    const port = body.port as number;
    const rtcpPort = typeof body.rtcp_port === 'number' && body.rtcp_port > 0 ? body.rtcp_port : undefined;
    const nodeSrtp = crossing?.key === undefined ? undefined : new NodeSrtpSender(crossing.key);
    const r: Remotization = { remoteId, host, port, rtcpPort, srtp, nodeSrtp, feedbackOpened: false, forwarders: [] };
    await this.forward(p, r, p.streams);
    // Read after the awaits: remotizations of one publisher made at once (to several nodes) all stay listed.
    let mine = this.remotizations.get(p);
    if (!mine) this.remotizations.set(p, (mine = new Map<string, Remotization>()));
    mine.set(remoteId, r);
    return { remote_id: remoteId };
  }

  unpublishRemotely(p: Publisher, body: JsonObject): void {
    check(body, [{ name: 'remote_id', type: 'string', required: true }]);
    const mine = this.remotizations.get(p);
    const r = mine?.get(body.remote_id as string);
    if (!mine || !r) throw new VideoRoomError(E.NO_SUCH_FEED, `No such remotization (${String(body.remote_id)})`);
    for (const fwd of r.forwarders) this.forwarders.detach(p, fwd);
    mine.delete(r.remoteId);
  }

  listRemotes(p: Publisher): JsonObject[] {
    return [...(this.remotizations.get(p)?.values() ?? [])].map((r) => {
      const out: JsonObject = { remote_id: r.remoteId, host: r.host, port: r.port };
      if (r.rtcpPort !== undefined) out.rtcp_port = r.rtcpPort;
      // Not in Janus's answer: whether the media goes as SRTP (srtp_suite and srtp_crypto given).
      if (r.srtp !== undefined) out.srtp = true;
      // A crossing's RTCP from the other node that did not authenticate.
      if (r.nodeSrtp) out.srtcp_refused = r.nodeSrtp.refused;
      return out;
    });
  }

  /**
   * A renegotiation added streams to a remotized publisher: every remotization forwards them too, as Janus does
   * (the other side learns of them with update_remote_publisher).
   */
  async streamsAdded(p: Publisher, streams: readonly PublisherStream[]): Promise<void> {
    const mine = this.remotizations.get(p);
    if (!mine || streams.length === 0) return;
    for (const r of mine.values()) await this.forward(p, r, streams);
  }

  /** Forwarders of `streams` (each simulcast layer) to a remotization's address, numbered by the cascade's SSRCs. */
  private async forward(p: Publisher, r: Remotization, streams: readonly PublisherStream[]): Promise<void> {
    this.forwarders.checkRoomFor(
      p,
      streams.reduce((n, s) => n + (s.simulcast ? 3 : 1), 0),
    );
    const { socket } = await this.forwarders.socketFor(p);
    for (const s of streams) {
      const layers = s.simulcast ? [0, 1, 2] : [undefined];
      const videoFwds: RtpForwarder[] = [];
      for (const layer of layers) {
        const ssrc = remoteSsrc(s.mindex, layer ?? 0);
        const fwd = new RtpForwarder(this.forwarders.newForwarderId(), s.type, s.mid, socket, { host: r.host, port: r.port, ssrc, substream: layer, srtp: protectorFor(r.srtp) }, r.remoteId);
        this.forwarders.attach(p, s, fwd);
        r.forwarders.push(fwd);
        if (s.type === 'video') videoFwds.push(fwd);
      }
      if (r.rtcpPort !== undefined && !r.feedbackOpened && videoFwds.length > 0) {
        r.feedbackOpened = true;
        await this.forwarders.openFeedback(
          p,
          s,
          videoFwds[0],
          r.rtcpPort,
          videoFwds.map((f) => f.target.ssrc),
          r.nodeSrtp,
        );
      }
    }
  }

  /** The publisher stopped publishing (its forwarders are ended by Forwarders). */
  forget(p: Publisher): void {
    this.remotizations.delete(p);
  }
}
