// The gate every datagram of one ICE agent passes before the WebRTC stack (or our own receive path) sees it:
// demultiplexed by first byte (RFC 7983), checked by our bounded parsers, and for STUN authenticated with the
// agent's short-term credentials (RFC 8445 §7.3). DTLS and SRTP/SRTCP are taken only from the selected pair
// (before there is one: from remote candidates signalled or learned through an authenticated check). What is
// refused is counted, never parsed further.
import { dtlsDatagramProblem, looksLikeDtls, partialHandshakeFragments, withoutPlaintextRecords } from './dtls-check.js';
import { sctpPacketProblem } from './sctp-check.js';
import { ATTR_ICE_CONTROLLING, buildBindingError, buildBindingSuccess, integrityValid, looksLikeStun, readStunMessage, verifyBindingRequest, type StunMessage } from './stun-message.js';
import { rtcpCompoundProblem, rtpHeaderProblem, srtcpHeaderProblem } from '../rtp/packet-check.js';

type Address = Readonly<[string, number]>;

/** The smallest SRTP authentication tag (AES_CM_128_HMAC_SHA1_32): an RTP header must fit before it. */
const MIN_SRTP_TAG = 4;
/** SRTCP: the 4-byte index, then at least that tag. */
const MIN_SRTCP_TRAILER = 4 + MIN_SRTP_TAG;
/**
 * Partial handshake fragments werift may buffer per agent (it keeps them until a message completes): a real
 * handshake, retransmissions included, has a few dozen at most.
 */
const MAX_PARTIAL_HANDSHAKE_FRAGMENTS = 64;
/** Error responses to failed checks, per agent and second: no reflector for floods with forged sources. */
const MAX_ERROR_RESPONSES_PER_SECOND = 20;
/** Remote addresses that proved our credentials, kept per agent (a client has a few candidates). */
const MAX_VALIDATED_SOURCES = 16;

/**
 * Whether werift demultiplexes this media datagram as SRTCP: second byte 192-208 (RFC 5761 says 192-223; werift
 * parses 209-223 as RTP, so those get the RTP header check).
 */
function stackTakesForRtcp(b: Buffer): boolean {
  return b.length >= 2 && b[1] >= 192 && b[1] <= 208;
}

/** What the guard reads from the ICE agent, at each datagram (credentials and pairs change with restarts). */
export interface GuardedIceAgent {
  /** The password of one of our username fragments (this generation's or an earlier one's), if it is ours. */
  passwordOf(ufrag: string): string | undefined;
  /** The remote's ICE password (answers to our checks carry an integrity keyed with it). */
  remotePassword(): string;
  /** The selected pair: the local transport object and the remote address; undefined before one is selected. */
  selected(): { readonly transport: object; readonly address: Address } | undefined;
  /** Whether the address is a remote candidate: signalled, or learned from an authenticated check. */
  isKnownRemote(address: Address): boolean;
  /** Whether the DTLS handshake is over. */
  dtlsConnected(): boolean;
  /** ICE-lite: the peer nominates; a nomination from another pair replaces the selected one. */
  readonly lite: boolean;
  /** ICE-lite: forget the selected pair, so that the nomination being passed on selects its pair. */
  forgetSelected(): void;
  /**
   * After an ICE restart, while the pair of the previous generation is still the one in use: whether a check with
   * `ufrag` (ours of the new generation) must reach the stack, which selects the new pair from it.
   */
  awaitsNomination(ufrag: string): boolean;
}

export type DropReason = 'malformed' | 'unauthenticated' | 'unselected_source' | 'unknown_kind';

/** Per-PeerConnection counters and consent time, shared by its agents' guards and read by the peer. */
export class InboundCounters {
  readonly dropped: Record<DropReason, number> = { malformed: 0, unauthenticated: 0, unselected_source: 0, unknown_kind: 0 };
  /** performance.now() of the last consent (RFC 7675) from the selected pair; 0: none yet. */
  consentAt = 0;
  /** Consent checks answered by the guard itself (ICE-lite, selected pair). */
  consentAnswered = 0;
  /** Reasons already logged (the first refusal of each kind is logged, the rest only counted). */
  private readonly logged = new Set<DropReason>();

  constructor(private readonly log: (msg: string) => void) {}

  total(): number {
    const d = this.dropped;
    return d.malformed + d.unauthenticated + d.unselected_source + d.unknown_kind;
  }

  /** Counts a refused datagram; always false (the caller returns it). */
  refuse(reason: DropReason, detail: string): false {
    this.dropped[reason]++;
    if (!this.logged.has(reason)) {
      this.logged.add(reason);
      this.log(`dropping inbound datagrams (${reason}); first: ${detail}`);
    }
    return false;
  }

  /** An SCTP packet out of DTLS application data: whether the stack's SCTP parser may see it. */
  admitSctp(packet: Buffer): boolean {
    const problem = sctpPacketProblem(packet);
    return problem ? this.refuse('malformed', `SCTP: ${problem}`) : true;
  }

  /** A decrypted compound RTCP datagram: whether the stack's RTCP parser may see it. */
  admitDecryptedRtcp(plain: Buffer): boolean {
    const problem = rtcpCompoundProblem(plain);
    return problem ? this.refuse('malformed', `RTCP: ${problem}`) : true;
  }
}

export class InboundGuard {
  private errorWindowStart = 0;
  private errorsInWindow = 0;
  private partialFragments = 0;
  /**
   * Sources (local transport and remote address) of pairs the peer proved with our credentials: an authenticated
   * check came from there, or our own check there was answered with the peer's integrity. RFC 8445 §12.1 lets
   * media arrive on any valid pair, and a full-ICE peer may nominate a pair other than the one the stack keeps.
   */
  private readonly validated = new Map<object, Set<string>>();

  constructor(
    private readonly agent: GuardedIceAgent,
    private readonly counters: InboundCounters,
    private readonly log: (msg: string) => void,
  ) {}

  /**
   * What of `data`, received on `transport` from `from`, may go on: the datagram itself, a DTLS datagram without
   * its plaintext records once the handshake is over, or undefined (refused, or a consent check answered here).
   * `reply` sends on that transport (error responses to failed checks, answers to consent checks).
   */
  admit(data: Buffer, from: Address, transport: object, reply: (b: Buffer, to: Address) => void): Buffer | undefined {
    if (looksLikeStun(data)) return this.admitStun(data, from, transport, reply) ? data : undefined;
    return this.admitOther(data, from, transport) ? this.afterHandshake(data) : undefined;
  }

  /** Once DTLS is up, plaintext records are cut out of DTLS datagrams (and counted). */
  private afterHandshake(data: Buffer): Buffer | undefined {
    if (!looksLikeDtls(data) || !this.agent.dtlsConnected()) return data;
    const kept = withoutPlaintextRecords(data);
    if (kept === data) return data;
    this.drop('malformed', 'plaintext DTLS record after the handshake');
    return kept.length > 0 ? kept : undefined;
  }

  private admitOther(data: Buffer, from: Address, transport: object): boolean {
    const dtls = looksLikeDtls(data);
    const media = data.length > 0 && data[0] >= 128 && data[0] <= 191;
    if (!dtls && !media) return this.drop('unknown_kind', `first byte ${data.length > 0 ? data[0] : 'none'}`);
    if (!this.fromPeer(from, transport)) return this.drop('unselected_source', `${dtls ? 'DTLS' : 'SRTP'} from ${from[0]}:${from[1]}`);
    const problem = dtls ? dtlsDatagramProblem(data) : stackTakesForRtcp(data) ? srtcpHeaderProblem(data, MIN_SRTCP_TRAILER) : rtpHeaderProblem(data, MIN_SRTP_TAG);
    if (problem) return this.drop('malformed', problem);
    const partial = dtls ? partialHandshakeFragments(data) : 0;
    if (partial > 0) {
      if (this.partialFragments + partial > MAX_PARTIAL_HANDSHAKE_FRAGMENTS) return this.drop('malformed', 'too many partial DTLS handshake fragments');
      this.partialFragments += partial;
    }
    return true;
  }

  private fromPeer(from: Address, transport: object): boolean {
    if (!this.agent.selected()) return this.agent.isKnownRemote(from);
    return this.isSelected(from, transport) || this.validated.get(transport)?.has(`${from[0]}|${from[1]}`) === true;
  }

  private validate(from: Address, transport: object): void {
    let set = this.validated.get(transport);
    if (!set) this.validated.set(transport, (set = new Set()));
    if (set.size >= MAX_VALIDATED_SOURCES) return;
    set.add(`${from[0]}|${from[1]}`);
  }

  private isSelected(from: Address, transport: object): boolean {
    const selected = this.agent.selected();
    return selected !== undefined && selected.transport === transport && selected.address[1] === from[1] && selected.address[0] === from[0];
  }

  private admitStun(data: Buffer, from: Address, transport: object, reply: (b: Buffer, to: Address) => void): boolean {
    const msg = readStunMessage(data);
    if (typeof msg === 'string') return this.drop('malformed', `STUN: ${msg}`);
    if (msg.cls === 'indication') return true; // keepalives; the stack acts on none
    if (msg.cls === 'success' || msg.cls === 'error') {
      // The stack matches answers to its own transactions and checks their integrity itself. A success with our
      // peer's integrity from the selected pair is consent (full ICE: the answer to a consent check).
      if (!this.agent.lite && msg.cls === 'success' && integrityValid(data, msg, this.agent.remotePassword())) {
        this.validate(from, transport);
        if (this.isSelected(from, transport)) this.counters.consentAt = performance.now();
      }
      return true;
    }
    const verdict = verifyBindingRequest(data, msg, { passwordOf: (u) => this.agent.passwordOf(u) });
    if (!verdict.ok) {
      if (verdict.code !== undefined && this.mayAnswerError()) reply(buildBindingError(msg, verdict.code), from);
      return this.drop('unauthenticated', `Binding request from ${from[0]}:${from[1]}: ${verdict.reason}`);
    }
    this.validate(from, transport);
    const selected = this.agent.selected();
    if (this.agent.lite) {
      if (verdict.useCandidate && selected && !this.isSelected(from, transport)) {
        // The peer nominates another pair (its address changed): let the stack select it.
        this.log(`ICE: the peer nominated ${from[0]}:${from[1]}; switching the selected pair`);
        this.agent.forgetSelected();
        this.counters.consentAt = performance.now();
      } else if (!selected || this.isSelected(from, transport)) {
        this.counters.consentAt = performance.now();
        if (selected && !this.agent.awaitsNomination(verdict.ufrag) && this.answerConsent(msg, from, verdict.ufrag, reply)) return false;
      }
    }
    return true;
  }

  /**
   * ICE-lite: a check on the selected pair is consent (RFC 7675), which the stack would only answer: it ignores a
   * nomination of the pair it already selected (browsers keep USE-CANDIDATE on every check to a lite peer).
   * Answering it here spares the stack's STUN path (a few hundred µs each, in code that runs too rarely to be
   * optimised). Only when the peer is the controlling agent, as it must be with a lite one: a role conflict is the
   * stack's to settle. After an ICE restart the pair of the previous generation stays in use until the stack
   * selects one of the new: checks of the new generation go to the stack, those of the old are consent.
   */
  private answerConsent(msg: StunMessage, from: Address, ufrag: string, reply: (b: Buffer, to: Address) => void): boolean {
    if (!msg.attributes.some((a) => a.type === ATTR_ICE_CONTROLLING)) return false;
    const password = this.agent.passwordOf(ufrag);
    const answer = password === undefined ? undefined : buildBindingSuccess(msg, { address: from[0], port: from[1] }, password);
    if (!answer) return false;
    reply(answer, from);
    this.counters.consentAnswered++;
    return true;
  }

  private mayAnswerError(): boolean {
    const now = performance.now();
    if (now - this.errorWindowStart >= 1000) {
      this.errorWindowStart = now;
      this.errorsInWindow = 0;
    }
    return ++this.errorsInWindow <= MAX_ERROR_RESPONSES_PER_SECOND;
  }

  private drop(reason: DropReason, detail: string): false {
    return this.counters.refuse(reason, detail);
  }
}
