// The feedback a peer sends about what it receives: NACKs and receiver reports for the streams our receive path
// took over, and transport-wide CC feedback for the bundle.
import type { RTCDtlsTransport } from 'werift';
import { buildNack, buildReceiverReport } from '../../rtp/rtcp.js';
import type { RtpTrackInfo } from '../peer-types.js';
import type { RtpInStream } from '../rtp-in-stream.js';
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
/** The report timer's period while no inbound stream can be NACKed (audio, mostly): reports and REMB are per second. */
const REPORT_TICK_MS = 100;
/** How often transport-wide CC feedback goes out (browsers' estimators expect 50–100 ms). */
const TWCC_INTERVAL_MS = 50;

export class ReceiverFeedback {
  /** The negotiated transport-wide sequence number extension id (0: none), set when an offer is answered. */
  twccExtId = 0;
  private twcc: TransportCcRecorder | undefined;
  private twccTimer: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private reportTickMs = 0;
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
   * media needs them (not a Streaming viewer). Without NACKs the timer runs five times slower: a room of audio
   * peers then wakes for them 10 times a second each, not 50.
   */
  startReports(nack: boolean): void {
    if (this.ctx.closed) return;
    const tickMs = nack ? NACK_RETRY_MS : REPORT_TICK_MS;
    if (this.reportTimer && this.reportTickMs <= tickMs) return;
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.reportTickMs = tickMs;
    this.reportTimer = setInterval(() => this.sendReports(), tickMs);
    this.reportTimer.unref();
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
    this.twccTimer = setInterval(() => {
      if (!ctx.dtlsUp || !recorder.pending) return;
      let media = 0;
      for (const st of ctx.mids.values()) if (st.remoteSsrcs.length > 0) media = st.remoteSsrcs[0];
      for (const fb of recorder.takeFeedback(1, media)) ctx.sendRawRtcp(fb);
    }, TWCC_INTERVAL_MS);
    this.twccTimer.unref();
  }

  stop(): void {
    if (this.twccTimer) clearInterval(this.twccTimer);
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.twccTimer = this.reportTimer = undefined;
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
