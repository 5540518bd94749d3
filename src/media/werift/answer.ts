// Answering a client's offer on one peer: the first answer (werift set up from our offer plan), and later offers
// on the same m-lines (renegotiation, ICE restart).
import { RTCPeerConnection } from 'werift';
import { errorText } from '../../logging/error-text.js';
import { EXT_TWCC } from '../../rtp/header-extensions.js';
import { finishAnswer, planAnswer, type OfferPlan } from '../offer-plan.js';
import type { PeerAcceptOptions } from '../peer-types.js';
import { SdpError, type SdpMedia } from '../sdp.js';
import { registerMid } from './mid-state.js';
import { describeLocally, gatherOnOurSockets, startConnecting, type NegotiationParts } from './negotiation-parts.js';
import type { NegotiatedMline } from './peer-context.js';
import { preferDtlsServerRole, preferFastSrtpProfile } from './srtp-access.js';
import { answerConfig } from './stack-config.js';

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

export class OfferAnswerer {
  /** The last offer we answered and the direction we answered with (for renegotiation). */
  private answered: { plan: OfferPlan; direction: AnswerDirection } | undefined;

  constructor(private readonly parts: NegotiationParts) {}

  /** Whether the client offered on this peer (then it renegotiates, not us). */
  get clientOffered(): boolean {
    return this.answered !== undefined;
  }

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
        if (!planned || !planned.accepted || (planned.kind !== 'audio' && planned.kind !== 'video')) return;
        const c = planned.codec;
        registerMid(ctx, receive, t, {
          mid: planned.mid,
          kind: planned.kind,
          index: planned.index,
          rids: planned.rids,
          codec: c?.name.toLowerCase(),
          feedback: c ? { clockRate: c.clockRate, nack: c.rtcpFb.includes('nack') } : undefined,
        });
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
      ctx.negotiated = plan.media.filter((p) => p.accepted && (p.kind === 'audio' || p.kind === 'video' || p.kind === 'application')).map((p) => describeNegotiated(p, plan));
      startConnecting(this.parts);
      return final;
    } catch (err) {
      const reason = err instanceof SdpError ? err : new Error(`cannot answer the offer: ${errorText(err)}`);
      this.parts.close('Gathering error', false);
      throw reason;
    }
  }

  /**
   * A new offer on a PeerConnection we answered before: the same m-lines (kinds and mids), possibly with new ICE
   * credentials (an ICE restart: werift gathers again through our sockets and checks start over; DTLS and SRTP
   * carry on). Adding or removing m-lines is refused.
   */
  private async renegotiate(sdp: string, accept: PeerAcceptOptions): Promise<string> {
    const ctx = this.parts.ctx;
    const pc = ctx.pc;
    const before = this.answered;
    if (!pc || !before) throw new Error('renegotiation of a PeerConnection we offered is not supported');
    const plan = planAnswer(sdp, accept);
    const same = plan.media.length === before.plan.media.length && plan.media.every((p, i) => p.mid === before.plan.media[i].mid && p.kind === before.plan.media[i].kind);
    if (!same) throw new SdpError('renegotiation may not add, remove or reorder m-lines');
    this.parts.endpoints.permitOfferCandidates(plan);
    const restart = plan.session.media.some((m, i) => (m.iceUfrag ?? plan.session.iceUfrag) !== (before.plan.session.media[i]?.iceUfrag ?? before.plan.session.iceUfrag));
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: plan.stackSdp });
      ctx.assertOpen();
      const direction = accept.direction ?? before.direction;
      setDirections(pc, plan, direction);
      const local = await describeLocally(this.parts, pc, 'answer', () => pc.createAnswer());
      this.answered = { plan, direction };
      if (restart) ctx.log('info', 'ICE restart');
      return finishAnswer(local, plan);
    } catch (err) {
      if (err instanceof SdpError) throw err;
      throw new Error(`cannot answer the new offer: ${errorText(err)}`, { cause: err });
    }
  }
}
