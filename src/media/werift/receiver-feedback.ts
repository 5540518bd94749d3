// The feedback a peer sends about what it receives: NACKs and receiver reports for the streams our receive path
// took over, and transport-wide CC feedback for the bundle.
import type { RTCDtlsTransport } from 'werift';
import { errorText } from '../../logging/error-text.js';
import { buildNack, buildReceiverReport } from '../../rtp/rtcp.js';
import type { RtpTrackInfo } from '../peer-types.js';
import type { RtpInStream } from '../rtp-in-stream.js';
import { everyShared, type SharedTick } from '../shared-ticker.js';
import { transportSequenceOf } from '../transport-sequence.js';
import { TransportCcRecorder } from '../twcc-feedback.js';
import type { MidState } from './mid-state.js';
import type { PeerContext } from './peer-context.js';

/** A remote SSRC our own receive path took over from werift (once werift had routed its first packet). */
export interface FastInbound {
  readonly st: MidState;
  readonly info: RtpTrackInfo;
  readonly stats: RtpInStream;
}

/** How often our receive path sends receiver reports and retries NACKs. */
const RR_INTERVAL_MS = 1000;
const NACK_RETRY_MS = 20;
/** How often transport-wide CC feedback goes out (browsers' estimators expect 50–100 ms). */
const TWCC_INTERVAL_MS = 50;

export class ReceiverFeedback {
  /** The negotiated transport-wide sequence number extension id (0: none), set when an offer is answered. */
  twccExtId = 0;
  private twcc: TransportCcRecorder | undefined;
  private twccTimer: SharedTick | undefined;
  /** The NACK retry timer, for a peer with a stream that may be NACKed. */
  private reportTimer: NodeJS.Timeout | undefined;
  /** Whether reports are due at all (a stream of the peer's is on our path). */
  private reporting = false;
  private lastRrAt = 0;
  private readonly nackScratch: number[] = [];

  constructor(
    private readonly ctx: PeerContext,
    private readonly streams: ReadonlyMap<number, FastInbound>,
  ) {}

  /** Records a decrypted packet's transport-wide number (our receive path), when it has one. */
  onDecrypted(plain: Buffer, now: number): void {
    const recorder = this.twcc;
    if (!recorder || !(plain[0] & 0x10)) return;
    const twSeq = transportSequenceOf(plain, this.twccExtId);
    if (twSeq >= 0) recorder.onPacket(twSeq, now * 1000);
  }

  sendNacks(f: FastInbound, now: number): void {
    const seqs = this.nackScratch;
    seqs.length = 0;
    f.stats.due(now, seqs);
    if (seqs.length > 0) this.ctx.sendRawRtcp(buildNack(this.ctx.feedbackSsrc(), f.stats.ssrc, seqs));
  }

  /**
   * Starts receiver reports, and NACK retries when `nack` (a stream that may be NACKed); only a peer that sends us
   * media needs them (not a Streaming viewer). Only NACK retries need a timer of their own (20 ms); reports and the
   * kept REMB, once a second, ride the peer's periodic tick (`tick`, shared by every peer): a room of audio peers
   * then adds no wake-up of its own.
   */
  startReports(nack: boolean): void {
    if (this.ctx.closed) return;
    this.reporting = true;
    if (!nack || this.reportTimer) return;
    this.reportTimer = setInterval(() => this.sendReports(), NACK_RETRY_MS);
    this.reportTimer.unref();
  }

  /** The peer's periodic tick (a few times a second): reports, where no NACK timer sends them. */
  tick(): void {
    if (this.reporting && !this.reportTimer) this.sendReports();
  }

  /** Records every decrypted RTP packet's transport-wide number (werift's path) and reports arrivals every 50 ms. */
  startTransportCc(dtls: RTCDtlsTransport): void {
    const id = this.twccExtId;
    if (id === 0 || this.twcc) return;
    const recorder = (this.twcc = new TransportCcRecorder());
    const ctx = this.ctx;
    dtls.onRtp.subscribe((rtp) => {
      if (ctx.closed) return;
      const exts = rtp.header.extensions;
      for (let i = 0; i < exts.length; i++) {
        const e = exts[i];
        if (e.id === id) {
          if (e.payload.length >= 2) recorder.onPacket((e.payload[0] << 8) | e.payload[1], performance.now() * 1000);
          return;
        }
      }
    });
    // On the timer every peer's feedback shares (one wake-up per 50 ms for all publishers).
    this.twccTimer = everyShared(
      TWCC_INTERVAL_MS,
      () => {
        if (!ctx.dtlsUp || !recorder.pending) return;
        let media = 0;
        for (const st of ctx.mids.values()) if (st.remoteSsrcs.length > 0) media = st.remoteSsrcs[0];
        for (const fb of recorder.takeFeedback(1, media)) ctx.sendRawRtcp(fb);
      },
      (err) => ctx.log('warn', `transport-wide feedback failed: ${errorText(err)}`),
    );
  }

  stop(): void {
    this.twccTimer?.cancel();
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.twccTimer = this.reportTimer = undefined;
    this.reporting = false;
  }

  /** NACK retries every 20 ms, receiver reports every second, for the SSRCs our receive path handles; the kept REMB. */
  private sendReports(): void {
    const ctx = this.ctx;
    if (ctx.closed || !ctx.dtlsUp) return;
    const now = performance.now();
    ctx.remb.repeat(now);
    if (this.streams.size === 0) return;
    for (const f of this.streams.values()) if (f.stats.waiting > 0) this.sendNacks(f, now);
    if (now - this.lastRrAt < RR_INTERVAL_MS) return;
    this.lastRrAt = now;
    const streams = [...this.streams.values()].filter((f) => f.stats.received > 0);
    if (streams.length > 0) ctx.sendRawRtcp(buildReceiverReport(ctx.feedbackSsrc(), streams.length, (b, at, i) => streams[i].stats.writeReportBlock(b, at, now)));
  }
}
