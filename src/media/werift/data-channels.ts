// The SCTP data channels of one peer, by label: those the remote opens, those we open, and sending on them.
import type { RTCDataChannel } from 'werift';
import type { DataCounters } from '../../core/media-counters.js';
import { errorText } from '../../logging/error-text.js';
import type { PeerContext } from './peer-context.js';

/** The label janus.js and Janus use when none is given. */
export const DEFAULT_CHANNEL_LABEL = 'JanusDataChannel';
/** The channel a server offer makes for its data m-line: pre-negotiated, never announced, never used (offer.ts). */
export const M_LINE_PLACEHOLDER = 'portunus-m-line';
export const M_LINE_PLACEHOLDER_STREAM = 65534;

export class DataChannels {
  private readonly channels = new Map<string, RTCDataChannel>();
  /** Messages and their bytes (a string's as UTF-8), both ways, on every channel (metrics, handle_info). */
  readonly counters: DataCounters = { messagesReceived: 0, bytesReceived: 0, messagesSent: 0, bytesSent: 0 };

  constructor(private readonly ctx: PeerContext) {}

  /** Starts delivering a channel's messages to the core (once per label). */
  adopt(ch: RTCDataChannel): void {
    if (this.channels.has(ch.label)) return;
    this.channels.set(ch.label, ch);
    const ctx = this.ctx;
    ch.onMessage.subscribe((data) => {
      if (ctx.closed) return;
      this.counters.messagesReceived++;
      this.counters.bytesReceived += byteLength(data);
      ctx.events.data(ch.label, data);
    });
    ch.stateChanged.subscribe((s) => {
      if (s === 'closed' && this.channels.get(ch.label) === ch) this.channels.delete(ch.label);
    });
  }

  /** Sends a message on the channel with `label` (the first one when none is given), creating it in-band if needed. */
  send(data: Buffer | string, label?: string): boolean {
    const ctx = this.ctx;
    const pc = ctx.pc;
    if (!pc || !ctx.dtlsUp || !pc.sctpTransport) return false;
    let ch = label !== undefined ? this.channels.get(label) : this.channels.values().next().value;
    if (!ch) {
      try {
        ch = pc.createDataChannel(label ?? DEFAULT_CHANNEL_LABEL);
      } catch (err) {
        ctx.log('warn', `cannot create data channel '${label}': ${errorText(err)}`);
        return false;
      }
      this.adopt(ch);
    }
    const channel = ch;
    if (channel.readyState === 'open') return this.trySend(channel, data);
    if (channel.readyState !== 'connecting') return false;
    channel.stateChanged.subscribe((s) => {
      if (s === 'open') this.trySend(channel, data);
    });
    return true;
  }

  clear(): void {
    this.channels.clear();
  }

  private trySend(ch: RTCDataChannel, payload: Buffer | string): boolean {
    try {
      ch.send(payload);
      this.counters.messagesSent++;
      this.counters.bytesSent += byteLength(payload);
      return true;
    } catch (err) {
      this.ctx.log('warn', `data channel '${ch.label}' send failed: ${errorText(err)}`);
      return false;
    }
  }
}

function byteLength(data: Buffer | string): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}
