// Trickled remote ICE candidates of one peer: held until there is a description to add them to, checked, then
// given to werift on the bundle's m-line. Garbage is logged and ignored.
import { parseCandidate } from '../candidate.js';
import { usableRemoteCandidate } from '../offer-plan.js';
import type { RemoteCandidateInput } from '../peer-types.js';
import type { IceEndpoints } from './ice-endpoints.js';
import type { PeerContext } from './peer-context.js';

/** Candidates held before negotiation, at most. */
const MAX_PENDING = 100;

export class RemoteCandidates {
  private readonly pending: RemoteCandidateInput[] = [];

  constructor(
    private readonly ctx: PeerContext,
    private readonly endpoints: IceEndpoints,
  ) {}

  add(c: RemoteCandidateInput): void {
    const ctx = this.ctx;
    if (ctx.closed) return;
    if (!c || typeof c !== 'object') {
      ctx.log('warn', 'ignoring a remote candidate that is not an object');
      return;
    }
    if (ctx.state === 'new' || ctx.state === 'negotiating') {
      if (this.pending.length < MAX_PENDING) this.pending.push(c);
      return;
    }
    this.apply(c);
  }

  /** Adds what arrived before the descriptions were set (or before a new offer of the client's was). */
  flush(): void {
    for (const c of this.pending.splice(0)) this.apply(c);
  }

  private apply(c: RemoteCandidateInput): void {
    const ctx = this.ctx;
    const pc = ctx.pc;
    if (!pc) return;
    if ('completed' in c && c.completed === true) {
      pc.addIceCandidate(undefined).catch(ctx.onAsyncError);
      return;
    }
    const text = 'candidate' in c ? c.candidate : undefined;
    if (typeof text !== 'string' || text === '') {
      ctx.log('warn', 'ignoring a remote candidate without candidate text');
      return;
    }
    const line = text.startsWith('a=') ? text.slice(2) : text;
    const parsed = parseCandidate(line);
    if (!parsed) {
      ctx.log('warn', `ignoring an unparsable remote candidate '${line.slice(0, 120)}'`);
      return;
    }
    if (!usableRemoteCandidate(line)) {
      ctx.log('verbose', `ignoring remote candidate ${parsed.address} (${parsed.transport}): needs name resolution or TCP`);
      return;
    }
    // A candidate of the client's next ICE generation (its ICE-restart offer is on its way to the plugin, which
    // answers it later): werift would add it to the current generation and drop it with the restart. Held until
    // the new offer is set.
    const ufrag = / ufrag (\S+)/.exec(line)?.[1];
    const current = /^a=ice-ufrag:(\S+)/m.exec(pc.remoteDescription?.sdp ?? '')?.[1];
    if (ufrag !== undefined && current !== undefined && ufrag !== current) {
      if (this.pending.length < MAX_PENDING) this.pending.push(c);
      return;
    }
    this.endpoints.permitRemote(parsed.address);
    // Bundle: every candidate belongs to the one transport, whatever m-line the client tagged it with.
    const target = ctx.bundleMid;
    pc.addIceCandidate({ candidate: line, sdpMid: target?.mid, sdpMLineIndex: target?.index ?? 0 }).catch(ctx.onAsyncError);
  }
}
