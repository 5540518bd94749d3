// Answering a client's offer on one peer: the first answer (werift set up from our offer plan), and later offers
// on the same m-lines (renegotiation, ICE restart).
import { RTCPeerConnection } from 'werift';
import { errorText } from '../../logging/error-text.js';
import { EXT_TWCC } from '../../rtp/header-extensions.js';
import { finishAnswer, planAnswer, type OfferPlan, type PlannedMedia } from '../offer-plan.js';
import type { PeerAcceptOptions } from '../peer-types.js';
import { SdpError, type SdpMedia } from '../sdp.js';
import { registerMid, type MidDescription } from './mid-state.js';
import { describeLocally, gatherOnOurSockets, resumeIceAfterRestart, startConnecting, type NegotiationParts } from './negotiation-parts.js';
import type { NegotiatedMline } from './peer-context.js';
import { preferDtlsServerRole, preferFastSrtpProfile } from './srtp-access.js';
import { admitAnswerCodecs, answerConfig } from './stack-config.js';

type AnswerDirection = 'sendrecv' | 'recvonly' | 'sendonly';

/** What an accepted m-line of an answered offer carries: its codec (the offerer's numbering), extensions, rids. */
function describeNegotiated(p: OfferPlan['media'][number], plan: OfferPlan): NegotiatedMline {
  const c = p.codec;
  const m = plan.session.media[p.index];
  return {
    mid: p.mid,
    kind: p.kind as NegotiatedMline['kind'],
    index: p.index,
    codec: c ? { name: c.name.toLowerCase(), pt: c.pt, clockRate: c.clockRate, channels: c.channels, fmtp: c.fmtp } : undefined,
    extensions: m ? m.extmaps.map((e) => ({ id: e.id, uri: e.uri })) : undefined,
    rids: p.rids,
    direction: p.offerDirection,
  };
}

/** Whether the offer lets us pick the DTLS role (setup:actpass, or nothing said, on its accepted m-lines). */
function offersBothDtlsRoles(plan: OfferPlan): boolean {
  const setups = plan.session.media.filter((m) => plan.media[m.index]?.accepted).map((m) => m.setup ?? plan.session.setup);
  return setups.length > 0 && setups.every((s) => s === undefined || s === 'actpass');
}

/** The id of the transport-wide sequence number extension among these m-lines, 0 when none has it. */
function transportCcExtensionId(media: readonly SdpMedia[]): number {
  for (const m of media) {
    const e = m.extmaps.find((x) => x.uri === EXT_TWCC);
    if (e) return e.id;
  }
  return 0;
}

function setDirections(pc: RTCPeerConnection, plan: OfferPlan, direction: AnswerDirection): void {
  for (const t of pc.getTransceivers()) {
    const planned = plan.media.find((p) => p.mid === t.mid);
    t.setDirection(planned?.accepted ? direction : 'inactive');
  }
}

/** How an accepted audio/video m-line of a plan is registered on the peer. */
function midDescription(p: PlannedMedia): MidDescription {
  const c = p.codec;
  return {
    mid: p.mid,
    kind: p.kind as 'audio' | 'video',
    index: p.index,
    rids: p.rids,
    codec: c?.name.toLowerCase(),
    feedback: c ? { clockRate: c.clockRate, nack: c.rtcpFb.includes('nack') } : undefined,
  };
}

/** The accepted m-lines of an answered offer, as the plugin sees them. */
function acceptedMedia(plan: OfferPlan): NegotiatedMline[] {
  return plan.media.filter((p) => p.accepted && (p.kind === 'audio' || p.kind === 'video' || p.kind === 'application')).map((p) => describeNegotiated(p, plan));
}

/** The codec each audio/video m-line sends with now: a new offer must keep it (our senders are set up for it). */
function codecsInUse(ctx: NegotiationParts['ctx']): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of ctx.mids.values()) {
    const name = st.transceiver.sender.codec?.mimeType.split('/')[1] ?? st.info.codec;
    if (name) out.set(st.mid, name);
  }
  return out;
}

export class OfferAnswerer {
  /** The last offer we answered and the direction we answered with (for renegotiation). */
  private answered: { plan: OfferPlan; direction: AnswerDirection } | undefined;

  constructor(private readonly parts: NegotiationParts) {}

  /** Answers a remote offer. Rejects with SdpError (bad or unusable SDP) or Error (state, stack failure). */
  async accept(sdp: string, accept: PeerAcceptOptions): Promise<string> {
    const { ctx, endpoints, receive } = this.parts;
    if (ctx.closed) throw new Error('PeerConnection is closed');
    if (ctx.state === 'connecting' || ctx.state === 'up') return this.renegotiate(sdp, accept);
    if (ctx.state !== 'new') throw new Error('an offer is already being answered');
    const plan = planAnswer(sdp, accept);
    endpoints.permitOfferCandidates(plan);
    if (plan.droppedCandidates > 0) ctx.log('verbose', `ignored ${plan.droppedCandidates} offer candidate(s) needing name resolution or TCP`);
    ctx.state = 'negotiating';
    ctx.startedAt = performance.now();
    // Our answer keeps the offer's extension ids; ICE may connect before the answer text is finished.
    receive.feedback.twccExtId = transportCcExtensionId(plan.session.media.filter((m) => plan.media[m.index]?.accepted));
    const pc = new RTCPeerConnection(answerConfig(plan, ctx.iceLite));
    ctx.pc = pc;
    const direction = accept.direction ?? 'sendrecv';
    try {
      this.parts.watch.wire(pc);
      pc.onRemoteTransceiverAdded.subscribe((t) => {
        const planned = plan.media.find((p) => p.mid === t.mid);
        if (planned?.accepted && (planned.kind === 'audio' || planned.kind === 'video')) registerMid(ctx, receive, t, midDescription(planned));
      });
      await pc.setRemoteDescription({ type: 'offer', sdp: plan.stackSdp });
      ctx.assertOpen();
      setDirections(pc, plan, direction);
      const first = plan.media.find((p) => p.accepted);
      ctx.bundleMid = first ? { mid: first.mid, index: first.index } : undefined;
      gatherOnOurSockets(this.parts, pc);
      if (offersBothDtlsRoles(plan)) preferDtlsServerRole(pc);
      const local = await describeLocally(this.parts, pc, 'answer', () => pc.createAnswer());
      preferFastSrtpProfile(pc);
      if (endpoints.count === 0) throw new Error('no local address to gather ICE candidates on');
      const final = finishAnswer(local, plan);
      this.answered = { plan, direction };
      ctx.negotiated = acceptedMedia(plan);
      startConnecting(this.parts);
      return final;
    } catch (err) {
      const reason = err instanceof SdpError ? err : new Error(`cannot answer the offer: ${errorText(err)}`);
      this.parts.close('Gathering error', false);
      throw reason;
    }
  }

  /**
   * A new offer on a PeerConnection that is up, whether we answered or made the offer before: the m-lines already
   * negotiated keep their place, kind and codec (one may now be rejected), new audio/video ones may follow when
   * the plugin takes them (`newStreams`: a VideoCall user adding a stream), and new ICE credentials restart ICE (werift gathers again through our sockets and
   * checks start over; DTLS and SRTP carry on).
   */
  private async renegotiate(sdp: string, accept: PeerAcceptOptions): Promise<string> {
    const { ctx, receive } = this.parts;
    const pc = ctx.pc;
    if (!pc) throw new Error('no PeerConnection to renegotiate');
    const before = ctx.negotiated;
    const plan = planAnswer(sdp, { ...accept, codecsByMid: codecsInUse(ctx) });
    for (const [i, m] of before.entries()) {
      const p = plan.media[m.index ?? i];
      if (!p || p.kind !== m.kind || (p.accepted && p.mid !== m.mid)) throw new SdpError('renegotiation may not remove or reorder m-lines');
    }
    const added = plan.media.filter((p) => p.accepted && !before.some((m) => m.mid === p.mid));
    if (added.length > 0 && !accept.newStreams) throw new SdpError('renegotiation may not add m-lines here');
    if (added.some((p) => p.kind === 'application')) throw new SdpError('a data channel m-line can only come in the first offer');
    this.parts.endpoints.permitOfferCandidates(plan);
    const previousUfrag = /^a=ice-ufrag:(\S+)/m.exec(pc.remoteDescription?.sdp ?? '')?.[1];
    const restart = plan.session.media.some((m) => m.port !== 0 && (m.iceUfrag ?? plan.session.iceUfrag) !== previousUfrag);
    try {
      admitAnswerCodecs(pc.config, plan);
      await pc.setRemoteDescription({ type: 'offer', sdp: plan.stackSdp });
      ctx.assertOpen();
      this.parts.candidates.flush();
      for (const p of added) {
        const t = pc.getTransceivers().find((x) => x.mid === p.mid);
        if (t && (p.kind === 'audio' || p.kind === 'video')) registerMid(ctx, receive, t, midDescription(p));
      }
      const direction = accept.direction ?? this.answered?.direction ?? 'sendrecv';
      setDirections(pc, plan, direction);
      const local = await describeLocally(this.parts, pc, 'answer', () => pc.createAnswer());
      this.answered = { plan, direction };
      ctx.negotiated = acceptedMedia(plan);
      if (restart) {
        resumeIceAfterRestart(this.parts, pc);
        ctx.log('info', 'ICE restart');
      }
      if (added.length > 0) ctx.log('info', `renegotiated: ${added.length} new m-line(s)`);
      return finishAnswer(local, plan);
    } catch (err) {
      if (err instanceof SdpError) throw err;
      throw new Error(`cannot answer the new offer: ${errorText(err)}`, { cause: err });
    }
  }
}
