// How one peer's connection comes up and goes down: werift's ICE and DTLS states, the ICE/DTLS deadlines, consent
// freshness (RFC 7675), and the moment DTLS is up, when our own SRTP paths take over and `webrtcup` is reported.
import type { PairEnd } from '../../core/media-port.js';
import { errorText } from '../../logging/error-text.js';
import type { LocalCandidateEvent } from '../peer-types.js';
import { everyShared, type SharedTick } from '../shared-ticker.js';
import type { RTCPeerConnection } from 'werift';
import type { DataChannels } from './data-channels.js';
import type { IceEndpoints } from './ice-endpoints.js';
import type { PeerContext } from './peer-context.js';
import type { RtpReceivePath } from './rtp-receive-path.js';
import type { RtpSendPath } from './rtp-send-path.js';
import { guardDtlsApplicationData, guardRtcpDecryption, nativeSrtcpOpener } from './srtp-access.js';

export interface WatchedParts {
  readonly send: RtpSendPath;
  readonly receive: RtpReceivePath;
  readonly endpoints: IceEndpoints;
  readonly channels: DataChannels;
}

/**
 * werift's ICE connection states in Janus's (libnice's) names; 'new' and 'closed' are not reported, nor
 * 'completed' before the pair is connected (werift's ICE-lite agent reports it first).
 */
const JANUS_ICE_STATES: Readonly<Record<string, string>> = {
  checking: 'connecting',
  connected: 'connected',
  completed: 'ready',
  failed: 'failed',
  disconnected: 'disconnected',
};

/** "address:port" (an IPv6 address unbracketed before its last colon) as one end of the selected pair. */
function pairEnd(hostPort: string, type: string | undefined, transport: 'udp' | 'tcp'): PairEnd {
  const at = hostPort.lastIndexOf(':');
  return { address: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)), type, transport };
}

export class ConnectionWatch {
  /** Milliseconds from answering/offering to DTLS up, once up. */
  connectTimeMs: number | undefined;
  private tickTimer: SharedTick | undefined;
  private iceTimer: NodeJS.Timeout | undefined;
  private dtlsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: PeerContext,
    private readonly parts: WatchedParts,
    private readonly fail: (reason: string) => void,
  ) {}

  /** Subscribes to a new werift PeerConnection's candidates, states and data channels. */
  wire(pc: RTCPeerConnection): void {
    const ctx = this.ctx;
    pc.onIceCandidate.subscribe((c) => {
      if (ctx.closed) return;
      const target = ctx.bundleMid ?? { mid: '0', index: 0 };
      let ev: LocalCandidateEvent;
      if (!c || !c.candidate) ev = { completed: true };
      else ev = { candidate: c.candidate.startsWith('candidate:') ? c.candidate : `candidate:${c.candidate}`, sdpMid: target.mid, sdpMLineIndex: target.index };
      ctx.events.localCandidate(ev);
    });
    pc.iceConnectionStateChange.subscribe((s) => {
      if (ctx.closed) return;
      ctx.log('verbose', `ICE state ${s}`);
      const janusName = JANUS_ICE_STATES[s];
      if (janusName !== undefined && (s !== 'completed' || ctx.iceConnected)) ctx.events.iceState?.(janusName);
      if ((s === 'connected' || s === 'completed') && !ctx.iceConnected) {
        ctx.iceConnected = true;
        this.onIceConnected();
      } else if (s === 'failed') {
        this.fail('ICE failed');
      }
    });
    pc.connectionStateChange.subscribe((s) => {
      if (ctx.closed) return;
      ctx.log('verbose', `connection state ${s}`);
      if (s === 'failed') this.fail(ctx.iceConnected ? 'DTLS error' : 'ICE failed');
    });
    pc.onDataChannel.subscribe((ch) => this.parts.channels.adopt(ch));
  }

  /** Once both descriptions are set: ICE must connect in time, and the periodic work starts. */
  arm(): void {
    const ctx = this.ctx;
    this.iceTimer = setTimeout(() => {
      if (!ctx.iceConnected) this.fail('ICE failed');
    }, ctx.options.iceTimeoutMs ?? 30_000);
    this.iceTimer.unref();
    const tickMs = Math.min(250, Math.max(25, Math.floor(ctx.noMediaMs / 4)));
    // On the timer every peer with the same period shares: one wake-up for all of them.
    this.tickTimer?.cancel();
    this.tickTimer = everyShared(tickMs, this.tickBound, (err) => ctx.log('warn', `periodic work failed: ${errorText(err)}`));
  }

  stop(): void {
    this.tickTimer?.cancel();
    if (this.iceTimer) clearTimeout(this.iceTimer);
    if (this.dtlsTimer) clearTimeout(this.dtlsTimer);
    this.tickTimer = this.iceTimer = this.dtlsTimer = undefined;
  }

  private readonly tickBound = (now: number): void => this.tick(now);

  private tick(now: number): void {
    const ctx = this.ctx;
    if (ctx.closed) return;
    for (const st of ctx.mids.values()) {
      st.monitor.tick(now);
      st.out?.prune(now);
    }
    this.parts.send.sendSenderReports(now);
    this.parts.receive.feedback.tick();
    // Consent freshness (RFC 7675): the selected pair must keep proving, with our ICE credentials, that the peer
    // wants our media (ICE-lite: its authenticated checks; full ICE: authenticated answers to ours). Other
    // datagrams, media included, prove nothing: anyone can send them from anywhere.
    const consentAt = ctx.inbound.consentAt;
    if (ctx.iceConnected && consentAt > 0 && now - consentAt > (ctx.options.iceIdleTimeoutMs ?? 30_000)) {
      ctx.log('warn', `no consent from the selected ICE pair for ${Math.round((now - consentAt) / 1000)} s`);
      this.fail('ICE failed');
    }
  }

  private onIceConnected(): void {
    const ctx = this.ctx;
    if (this.iceTimer) clearTimeout(this.iceTimer);
    this.iceTimer = undefined;
    // The check that selected the pair was authenticated: consent starts now (RFC 7675 §5.1).
    ctx.inbound.consentAt = performance.now();
    const dtls = ctx.dtlsTransport();
    if (!dtls) return;
    this.parts.receive.feedback.startTransportCc(dtls);
    ctx.events.dtlsState?.('trying');
    dtls.onStateChange.subscribe((s) => {
      if (ctx.closed) return;
      if (s === 'connected') this.onDtlsUp();
      else if (s === 'failed') {
        ctx.events.dtlsState?.('failed');
        this.fail('DTLS error');
      } else if (s === 'closed' && ctx.dtlsUp) this.fail('DTLS alert');
    });
    if (dtls.state === 'connected') this.onDtlsUp();
    else {
      this.dtlsTimer = setTimeout(() => {
        if (!ctx.dtlsUp) this.fail('DTLS timeout');
      }, ctx.options.dtlsTimeoutMs ?? 20_000);
      this.dtlsTimer.unref();
    }
  }

  private onDtlsUp(): void {
    const ctx = this.ctx;
    if (ctx.dtlsUp || ctx.closed) return;
    ctx.dtlsUp = true;
    const dtls = ctx.dtlsTransport();
    if (dtls) {
      // The peer's RTCP decrypted natively when the addon is there (werift makes a cipher and an HMAC per packet).
      const opener = ctx.options.ownReceivePath === false ? undefined : nativeSrtcpOpener(dtls);
      guardRtcpDecryption(dtls, (plain) => ctx.inbound.admitDecryptedRtcp(plain), opener ? (srtcp) => opener.open(srtcp) : undefined);
      guardDtlsApplicationData(dtls, (packet) => ctx.inbound.admitSctp(packet));
    }
    if (this.dtlsTimer) clearTimeout(this.dtlsTimer);
    this.dtlsTimer = undefined;
    ctx.state = 'up';
    this.parts.send.setUp();
    const receive = this.parts.receive;
    if (receive.setUp()) this.parts.endpoints.interceptWith(receive.intercept);
    this.connectTimeMs = Math.round(performance.now() - ctx.startedAt);
    ctx.log('info', `WebRTC up in ${this.connectTimeMs} ms`);
    const events = ctx.events;
    events.dtlsState?.('connected');
    const pair = events.selectedPair ? this.parts.send.selectedPair() : undefined;
    if (pair) events.selectedPair?.(pairEnd(pair.local, pair.relayed ? 'relay' : 'host', pair.protocol), pairEnd(pair.remote, undefined, pair.protocol));
    ctx.events.webrtcUp();
  }
}
