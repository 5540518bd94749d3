// One handle's NoSIP state: its plain legs, the negotiation under way (an offer of the browser waiting for the
// peer's answer, or a peer's offer waiting for the browser's answer), the SDES choices and its recordings.
import type { Jsep, PluginHandle } from '../../plugin-api/index.js';
import type { SdpCodec, SdpDescription } from './barebone-sdp.js';
import type { BridgedKind, BridgedLines } from './negotiation.js';
import type { PlainLeg } from './plain-leg.js';
import type { NosipRecordings } from './nosip-recording.js';
import type { CallForwarders } from './call-forwarders.js';
import type { LocalSdes, SdesSuite } from './sdes.js';

/** The browser offered: its offer waits for the peer's barebone answer to our barebone offer. */
export interface BrowserOffered {
  readonly kind: 'browser-offered';
  readonly offer: Jsep;
  readonly lines: BridgedLines;
  /** What each bridged line offered the peer. */
  readonly offered: Partial<Record<BridgedKind, readonly SdpCodec[]>>;
}

/** The peer offered: our offer to the browser waits for the browser's answer (a `generate` with it). */
export interface PeerOffered {
  readonly kind: 'peer-offered';
  readonly offer: SdpDescription;
  readonly lines: BridgedLines;
  /** The codec each bridged line offers the browser (the peer's payload type). */
  readonly codecs: Partial<Record<BridgedKind, SdpCodec>>;
}

export type Negotiation = BrowserOffered | PeerOffered;

/** SDES for one leg: our key and tag (what we announce), the suite settled on. */
export interface LegSdes {
  local: LocalSdes;
  tag: number;
}

export class NosipSession {
  readonly legs: Partial<Record<BridgedKind, PlainLeg>> = {};
  negotiation: Negotiation | undefined;
  /** Media flows: an answer was generated or processed. */
  ready = false;
  requireSrtp = false;
  /** We announce SDES keys (what we send is SRTP once the peer has keys too). */
  srtpLocal = false;
  /** The peer's SDP carried usable SDES keys. */
  srtpRemote = false;
  srtpSuite: SdesSuite = 'AES_CM_128_HMAC_SHA1_80';
  readonly sdes: Partial<Record<BridgedKind, LegSdes>> = {};
  /** The peer's SDES keys per leg (the suite and key of its a=crypto line) until the legs exist. */
  readonly peerSdes: Partial<Record<BridgedKind, { suite: SdesSuite; key: string; tag: number }>> = {};
  recordings: NosipRecordings | undefined;
  /** The call's RTP forwarders, made at the first `rtp_forward`. */
  forwarders: CallForwarders | undefined;
  sdpVersion = 0;
  readonly sdpSessionId = String(Math.floor(Math.random() * 1e12));
  hangingUp = false;
  destroyed = false;
  /** The last `info` string the application gave (Janus passes it to event handlers). */
  info: string | undefined;

  constructor(
    readonly handle: PluginHandle,
    readonly uniqueId: string,
  ) {}

  /** Forgets the SDES state of an earlier negotiation (a new offer starts over). */
  resetSrtp(): void {
    this.srtpLocal = false;
    this.srtpRemote = false;
    this.requireSrtp = false;
    for (const k of ['audio', 'video'] as const) {
      delete this.sdes[k];
      delete this.peerSdes[k];
    }
  }
}
