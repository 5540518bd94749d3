// Offers made by the server on one peer (Streaming viewers, VideoRoom subscribers): the first offer, new offers
// as streams come and go, ICE-restart offers, and the client's answers to them.
import { RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { errorText } from '../../logging/error-text.js';
import { usableRemoteCandidate } from '../offer-plan.js';
import type { OfferTrackSpec } from '../peer-types.js';
import { parseSdp, SdpError, type SdpSession } from '../sdp.js';
import { M_LINE_PLACEHOLDER, M_LINE_PLACEHOLDER_STREAM } from './data-channels.js';
import { registerMid } from './mid-state.js';
import { describeLocally, gatherOnOurSockets, resumeIceAfterRestart, startConnecting, type NegotiationParts } from './negotiation-parts.js';
import type { NegotiatedMline } from './peer-context.js';
import { preferFastSrtpProfile } from './srtp-access.js';
import { offerCodec, offerConfig, offerExtensions } from './stack-config.js';

/** The answer without the candidates we cannot use (names to resolve, TCP). */
function usableAnswer(sdp: string): string {
  return sdp
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('a=candidate:') || usableRemoteCandidate(l.slice(2)))
    .join('\r\n');
}

/** What the client's answer says of each offered m-line: its direction (its own view) and the codec it took. */
function learnAnswer(ctx: NegotiationParts['ctx'], answer: SdpSession): void {
  ctx.negotiated = ctx.negotiated.map((m) => {
    const a = answer.media.find((x) => x.mid === m.mid);
    if (!a) return m;
    const c = a.codecs[0];
    const codec = m.codec ?? (c && m.kind !== 'application' ? { name: c.name.toLowerCase(), pt: c.pt, clockRate: c.clockRate, channels: c.channels, fmtp: c.fmtp } : undefined);
    return { ...m, direction: a.port === 0 ? 'inactive' : a.direction, ...(codec ? { codec } : {}) };
  });
}

export class ServerOfferer {
  /** An ICE-restart offer of ours waits for its answer. */
  private restartOffered = false;
  /** A new offer of ours (reoffer) waits for its answer. */
  private reofferPending = false;

  constructor(private readonly parts: NegotiationParts) {}

  /** Creates an offer for the given tracks (server-initiated negotiation, e.g. Streaming). */
  async create(tracks: readonly OfferTrackSpec[]): Promise<string> {
    const { ctx, receive } = this.parts;
    if (ctx.pc && !ctx.closed && (ctx.state === 'connecting' || ctx.state === 'up')) return this.reoffer(tracks);
    if (ctx.state !== 'new') throw new Error(ctx.closed ? 'PeerConnection is closed' : 'an offer is already being answered');
    if (tracks.length === 0) throw new Error('an offer needs at least one track');
    const mids = new Set<string>();
    for (const [i, t] of tracks.entries()) {
      const mid = t.mid ?? String(i);
      if (mids.has(mid)) throw new Error(`duplicate mid '${mid}'`);
      mids.add(mid);
    }
    const config = offerConfig(tracks, ctx.iceLite);
    ctx.state = 'negotiating';
    ctx.startedAt = performance.now();
    const pc = new RTCPeerConnection(config);
    ctx.pc = pc;
    try {
      this.parts.watch.wire(pc);
      for (const [i, t] of tracks.entries()) {
        const mid = t.mid ?? String(i);
        if (t.kind === 'application') {
          // werift offers an application m-line only once a channel exists. Janus opens none of its own: the browser
          // opens its channels (janus.js its JanusDataChannel), and the server one when a plugin first sends on a
          // label (data-channels.ts). So the channel made here is pre-negotiated on a stream id nobody uses: it
          // sends no DCEP open and the browser never sees it (an announced one made janus.js take it for its own
          // and, with its own, report two open channels: the TextRoom demo joined twice).
          pc.createDataChannel(M_LINE_PLACEHOLDER, { negotiated: true, id: M_LINE_PLACEHOLDER_STREAM });
          // werift would number the data m-line itself, colliding with the mids we gave the others.
          if (pc.sctpTransport) pc.sctpTransport.mid = mid;
          continue;
        }
        const transceiver = pc.addTransceiver(t.kind, { direction: t.direction ?? 'sendonly' });
        transceiver.mid = mid;
        transceiver.codecs = [offerCodec(t)];
        transceiver.headerExtensions = offerExtensions(t.kind);
        registerMid(ctx, receive, transceiver, { mid, kind: t.kind, index: i });
      }
      const first = tracks[0];
      ctx.bundleMid = { mid: first.mid ?? '0', index: 0 };
      ctx.negotiated = tracks.map((t, i) => ({ mid: t.mid ?? String(i), kind: t.kind, index: i }));
      gatherOnOurSockets(this.parts, pc);
      const local = await describeLocally(this.parts, pc, 'offer', () => pc.createOffer());
      preferFastSrtpProfile(pc);
      if (this.parts.endpoints.count === 0) throw new Error('no local address to gather ICE candidates on');
      return local;
    } catch (err) {
      this.parts.close('Gathering error', false);
      throw new Error(`cannot create an offer: ${errorText(err)}`, { cause: err });
    }
  }

  /** A new offer with new ICE credentials on a PeerConnection that is connecting or up, whoever offered first. */
  async restartIce(): Promise<string> {
    const ctx = this.parts.ctx;
    const pc = ctx.pc;
    if (!pc || ctx.closed || (ctx.state !== 'connecting' && ctx.state !== 'up')) throw new Error('no PeerConnection to restart');
    const local = await describeLocally(this.parts, pc, 'offer', () => pc.createOffer({ iceRestart: true }));
    this.restartOffered = true;
    ctx.log('info', 'ICE restart offered');
    return local;
  }

  /** Applies the remote answer to an offer made with create() or restartIce(). */
  async acceptAnswer(sdp: string): Promise<void> {
    const ctx = this.parts.ctx;
    const pc = ctx.pc;
    if (pc && (this.restartOffered || this.reofferPending) && (ctx.state === 'connecting' || ctx.state === 'up')) {
      // The answer to an ICE-restart offer or to a new offer of ours: everything established carries on.
      const restarted = this.restartOffered;
      this.restartOffered = false;
      this.reofferPending = false;
      try {
        await pc.setRemoteDescription({ type: 'answer', sdp: usableAnswer(sdp) });
      } catch (err) {
        throw new SdpError(`answer rejected: ${errorText(err)}`);
      }
      learnAnswer(ctx, parseSdp(sdp));
      // Candidates of the new ICE generation that came before the answer was set.
      this.parts.candidates.flush();
      if (restarted) resumeIceAfterRestart(this.parts, pc);
      return;
    }
    if (!pc || ctx.state !== 'negotiating') throw new Error('no offer is waiting for an answer');
    const parsed = parseSdp(sdp);
    if (parsed.media.length === 0) throw new SdpError('answer has no m-lines');
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: usableAnswer(sdp) });
    } catch (err) {
      throw new SdpError(`answer rejected: ${errorText(err)}`);
    }
    learnAnswer(ctx, parsed);
    // Server offers leave receive-side transport-wide CC to the stack: their viewers hardly send media.
    startConnecting(this.parts);
  }

  /**
   * A new offer on a PeerConnection that is connecting or up, whoever offered first (a VideoRoom subscription
   * that changes, a VideoCall peer whose caller added a stream): m-lines already there keep their mid and codec,
   * those no longer listed become inactive, new ones are added at the end. DTLS, SRTP and ICE carry on; the
   * answer comes through acceptAnswer.
   */
  private async reoffer(tracks: readonly OfferTrackSpec[]): Promise<string> {
    const { ctx, receive } = this.parts;
    const pc = ctx.pc!;
    const listed = new Map(tracks.map((t, i) => [t.mid ?? String(i), t]));
    for (const st of ctx.mids.values()) {
      const t = listed.get(st.mid);
      st.transceiver.setDirection(t && t.active !== false ? (t.direction ?? 'sendonly') : 'inactive');
    }
    const known = new Set(ctx.negotiated.map((m) => m.mid));
    const added: { mid: string; kind: 'audio' | 'video'; transceiver: RTCRtpTransceiver }[] = [];
    for (const [mid, t] of listed) {
      if (known.has(mid)) continue;
      if (t.kind === 'application') throw new Error('a data channel can only be offered in the first offer');
      const transceiver = pc.addTransceiver(t.kind, { direction: t.active === false ? 'inactive' : (t.direction ?? 'sendonly') });
      transceiver.mid = mid;
      const codec = offerCodec(t);
      transceiver.codecs = [codec];
      transceiver.headerExtensions = offerExtensions(t.kind);
      // werift matches the answer against the PeerConnection's codec and extension lists, made for the first offer:
      // a kind (or codec) that first appears now must be added there too.
      const config = pc.config;
      const kindCodecs = (config.codecs[t.kind] ??= []);
      if (!kindCodecs.some((c) => c.mimeType.toLowerCase() === codec.mimeType.toLowerCase())) kindCodecs.push(codec);
      const extensions = (config.headerExtensions[t.kind] ??= []);
      if (extensions.length === 0) extensions.push(...offerExtensions(t.kind));
      added.push({ mid, kind: t.kind, transceiver });
    }
    let local: string;
    try {
      local = await describeLocally(this.parts, pc, 'offer', () => pc.createOffer());
    } catch (err) {
      throw new Error(`cannot create the new offer: ${errorText(err)}`, { cause: err });
    }
    // A new m-line's place in the offer (a PeerConnection the client offered may have rejected lines before it).
    const lines = parseSdp(local).media;
    for (const a of added) registerMid(ctx, receive, a.transceiver, { mid: a.mid, kind: a.kind, index: lines.findIndex((m) => m.mid === a.mid) });
    ctx.negotiated = [...ctx.negotiated, ...added.map((a): NegotiatedMline => ({ mid: a.mid, kind: a.kind, index: lines.findIndex((m) => m.mid === a.mid) }))];
    this.reofferPending = true;
    ctx.log('info', `renegotiating: ${listed.size} stream(s), ${added.length} new`);
    // werift writes port 0 (rejected) for an inactive m-line; ours are only idle, and when every media line is
    // idle a port-0 bundle would make the browser drop the whole transport.
    return local.replace(/^m=(audio|video) 0 /gm, 'm=$1 9 ');
  }
}
