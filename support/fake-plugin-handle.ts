// A plugin handle with no core and no media behind it: it records what a plugin does with it, so a plugin's
// request logic can be tested by calling the plugin directly.
import type { JsonObject } from '../src/core/validate.js';
import { Logger } from '../src/logging/logger.js';
import type { AnswerOptions, Jsep, NegotiatedMedia, OfferTrack } from '../src/plugin-api/media-types.js';
import type { Plugin, PluginHandle, PluginResult } from '../src/plugin-api/plugin.js';

/** An event the plugin pushed. */
export interface PushedEvent {
  readonly transaction: string | undefined;
  readonly data: JsonObject;
  readonly jsep?: Jsep;
}

export interface FakeHandleOptions {
  readonly id?: number;
  readonly sessionId?: number;
  readonly opaqueId?: string;
  /** Receives the handle's log lines (default: dropped). */
  readonly logLines?: string[];
}

const ANSWER_SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

export class FakePluginHandle implements PluginHandle {
  readonly id: number;
  readonly sessionId: number;
  readonly opaqueId?: string;
  readonly log: Logger;
  readonly events: PushedEvent[] = [];
  /** What the plugin told the event handlers through `notifyEvent`. */
  readonly notified: JsonObject[] = [];
  /** Copies of what was relayed (the plugin may reuse its buffers). */
  readonly rtp: Array<{ mid: string; packet: Buffer }> = [];
  readonly rtcp: Array<{ mid: string; packet: Buffer }> = [];
  readonly data: Array<{ data: Buffer | string; label?: string }> = [];
  readonly keyframeRequests: string[] = [];
  readonly rembs: number[] = [];
  readonly restarts: string[] = [];
  readonly skips: string[] = [];
  readonly answered: Array<{ offer: Jsep; options: AnswerOptions }> = [];
  readonly offered: Array<readonly OfferTrack[]> = [];
  pcClosed = 0;
  ended = false;
  /** What `negotiatedMedia()` returns. */
  media: NegotiatedMedia[] = [];
  /** How `answerOffer` answers (default: a minimal answer); replace it to make it fail or inspect the offer. */
  answer: (offer: Jsep, options: AnswerOptions) => Promise<Jsep> = async () => ({ type: 'answer', sdp: ANSWER_SDP });
  /** How `createOffer` and `restartIce` answer. */
  offer: (tracks: readonly OfferTrack[]) => Promise<Jsep> = async () => ({ type: 'offer', sdp: ANSWER_SDP });
  private readonly waiters: Array<() => void> = [];

  constructor(options: FakeHandleOptions = {}) {
    this.id = options.id ?? 1;
    this.sessionId = options.sessionId ?? 1;
    this.opaqueId = options.opaqueId;
    const lines = options.logLines;
    this.log = Logger.create({ level: lines ? 7 : 0, timestamps: false, sink: { write: (line) => lines?.push(line) } });
  }

  pushEvent(transaction: string | undefined, data: JsonObject, jsep?: Jsep): void {
    this.events.push(jsep ? { transaction, data, jsep } : { transaction, data });
    for (const wake of this.waiters.splice(0)) wake();
  }

  notifyEvent(data: JsonObject): void {
    this.notified.push(data);
  }

  answerOffer(offer: Jsep, options: AnswerOptions): Promise<Jsep> {
    this.answered.push({ offer, options });
    return this.answer(offer, options);
  }

  createOffer(tracks: readonly OfferTrack[]): Promise<Jsep> {
    this.offered.push(tracks);
    return this.offer(tracks);
  }

  restartIce(): Promise<Jsep> {
    return this.offer([]);
  }

  negotiatedMedia(): readonly NegotiatedMedia[] {
    return this.media;
  }

  relayRtp(mid: string, packet: Buffer): void {
    this.rtp.push({ mid, packet: Buffer.from(packet) });
  }

  relayRtcp(mid: string, packet: Buffer): void {
    this.rtcp.push({ mid, packet: Buffer.from(packet) });
  }

  restartRtp(mid: string): void {
    this.restarts.push(mid);
  }

  skipRtp(mid: string): void {
    this.skips.push(mid);
  }

  relayData(data: Buffer | string, label?: string): void {
    this.data.push({ data: typeof data === 'string' ? data : Buffer.from(data), label });
  }

  requestKeyframe(mid: string): void {
    this.keyframeRequests.push(mid);
  }

  sendRemb(bitrate: number): void {
    this.rembs.push(bitrate);
  }

  closePc(): void {
    this.pcClosed++;
  }

  end(): void {
    this.ended = true;
  }

  /** The event answering `transaction`, once pushed (rejects after `timeoutMs`). */
  async eventFor(transaction: string, timeoutMs = 2000): Promise<PushedEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.transaction === transaction);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no event for transaction ${transaction}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }
}

let transactions = 0;

/**
 * Sends `body` (and `jsep`) to `plugin` on `handle` as the core would, and gives the answer as the client reads
 * it: the `ok` data, or the event that follows an `ack`.
 */
export async function sendMessage(plugin: Plugin, handle: FakePluginHandle, body: JsonObject, jsep?: Jsep): Promise<{ result: PluginResult; data: JsonObject; jsep?: Jsep }> {
  const transaction = `fake-${++transactions}`;
  const result = await plugin.handleMessage(handle, jsep ? { transaction, body, jsep } : { transaction, body });
  if (result.kind === 'ok') return { result, data: result.data, jsep: result.jsep };
  if (result.kind === 'error') return { result, data: { error: result.reason } };
  const event = await handle.eventFor(transaction);
  return { result, data: event.data, jsep: event.jsep };
}
