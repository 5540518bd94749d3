// One WHIP or WHEP session: a Janus session with one handle, the client's offer and the ICE state of its
// PeerConnection (the entity tag), trickled candidates and ICE restarts, kept alive until DELETE or a hangup.
import { randomString } from '../../core/ids.js';
import type { JsonObject } from '../../core/validate.js';
import type { Logger } from '../../logging/logger.js';
import { JanusReplyError, type InProcessJanus } from './janus-client.js';
import { formatSdpFrag, iceUfragOf, restartFragmentOf, withIceCredentials, type SdpFrag } from './sdpfrag.js';
import type { TargetPlan } from './whip-targets.js';
import type { WhipProtocol } from './whip-path.js';

/** A failure with the HTTP status it answers. */
export class WhipHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The mids of an SDP's m= sections, in order (undefined where one has none). */
export function midsOf(sdp: string): Array<string | undefined> {
  const mids: Array<string | undefined> = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) mids.push(undefined);
    else if (line.startsWith('a=mid:') && mids.length > 0) mids[mids.length - 1] = line.slice(6).trim();
  }
  return mids;
}

/** A fresh strong entity tag. */
function newEtag(): string {
  return `"${randomString(16)}"`;
}

export class WhipSession {
  readonly id: string;
  etag = newEtag();
  private ended = false;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private offer: string;
  private remoteUfrag: string | undefined;
  /** PATCHes one at a time: a restart must not interleave with trickles. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly protocol: WhipProtocol,
    private readonly janus: InProcessJanus,
    readonly sessionId: number,
    readonly handleId: number,
    /** The credentials of every request (token, apisecret), as the POST gave them. */
    readonly auth: JsonObject,
    /** The bearer token the POST gave: later requests must give it too. */
    readonly bearer: string | undefined,
    private readonly plan: TargetPlan,
    offer: string,
    private readonly log: Logger,
    private readonly onEnd: (s: WhipSession) => void,
    /** Names this node among the local nodes of its machine (cluster.local_nodes); empty on a node alone. */
    idPrefix = '',
  ) {
    this.id = idPrefix + randomString(24);
    this.offer = offer;
    this.remoteUfrag = iceUfragOf(offer);
  }

  /** Keeps the Janus session from timing out while the client has no requests to send. */
  keepAlive(periodMs: number): void {
    if (periodMs <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      this.janus.keepalive(this.sessionId, this.auth).catch(() => this.end('session lost'));
    }, periodMs);
    this.keepaliveTimer.unref?.();
  }

  /** A PATCH: trickled candidates (204, no body) or an ICE restart (200 with the server's fragment). */
  patch(frag: SdpFrag): Promise<string | undefined> {
    const run = this.queue.then(() => this.applyPatch(frag));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyPatch(frag: SdpFrag): Promise<string | undefined> {
    if (this.ended) throw new WhipHttpError(404, 'session ended');
    const restart = frag.ufrag !== undefined && frag.ufrag !== this.remoteUfrag;
    let answerFragment: string | undefined;
    if (restart) {
      const offer = withIceCredentials(this.offer, frag.ufrag, frag.pwd!);
      let reply;
      try {
        reply = await this.janus.message(this.sessionId, this.handleId, this.auth, this.plan.restart, { type: 'offer', sdp: offer });
      } catch (err) {
        if (err instanceof JanusReplyError) throw new WhipHttpError(422, `ICE restart refused: ${err.reason}`);
        throw err;
      }
      const fragment = reply.jsep?.type === 'answer' ? restartFragmentOf(reply.jsep.sdp) : undefined;
      if (!fragment) throw new WhipHttpError(422, 'ICE restart not possible on this session');
      this.offer = offer;
      this.remoteUfrag = frag.ufrag;
      this.etag = newEtag();
      answerFragment = formatSdpFrag(fragment);
      this.log.verbose(`${this.protocol} session ${this.id}: ICE restart`);
    }
    const candidates = this.candidatesOf(frag);
    try {
      if (candidates.length > 0) await this.janus.trickle(this.sessionId, this.handleId, this.auth, candidates);
      if (frag.endOfCandidates) await this.janus.trickle(this.sessionId, this.handleId, this.auth, 'completed');
    } catch (err) {
      if (err instanceof JanusReplyError) throw new WhipHttpError(422, `candidates refused: ${err.reason}`);
      throw err;
    }
    return answerFragment;
  }

  /** The fragment's candidates as Janus trickles them: by mid, a section without one by its place in the offer. */
  private candidatesOf(frag: SdpFrag): JsonObject[] {
    const mids = midsOf(this.offer);
    const out: JsonObject[] = [];
    const forSection = (mid: string | undefined, index: number, candidate: string): void => {
      if (mid !== undefined) {
        const at = mids.indexOf(mid);
        if (at < 0) throw new WhipHttpError(422, `no m= section with mid ${mid}`);
        out.push({ candidate, sdpMid: mid, sdpMLineIndex: at });
      } else {
        if (index >= mids.length) throw new WhipHttpError(422, 'more m= sections than the offer had');
        const c: JsonObject = { candidate, sdpMLineIndex: index };
        if (mids[index] !== undefined) c.sdpMid = mids[index];
        out.push(c);
      }
    };
    for (const c of frag.sessionCandidates) forSection(undefined, 0, c);
    for (const m of frag.media) for (const c of m.candidates) forSection(m.mid, m.index, c);
    return out;
  }

  /** DELETE, a hangup, the session's end or shutdown: the Janus session goes, once. */
  end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepaliveTimer);
    this.log.verbose(`${this.protocol} session ${this.id} ended (${why})`);
    this.onEnd(this);
    void this.janus.destroy(this.sessionId, this.auth);
  }

  get isEnded(): boolean {
    return this.ended;
  }
}
