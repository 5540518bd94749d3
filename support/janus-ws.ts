// A minimal Janus API client over WebSocket for tests: requests by transaction, events collected in order.
import WebSocket from 'ws';
import { wsText } from '../src/transports/ws-text.js';

export type Msg = Record<string, unknown>;

export class JanusWs {
  readonly events: Msg[] = [];
  private seq = 0;
  private readonly waiters: Array<{ match: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(wsText(d)) as Msg;
      this.events.push(m);
      for (let i = 0; i < this.waiters.length; i++) {
        if (this.waiters[i].match(m)) {
          this.waiters[i].resolve(m);
          this.waiters.splice(i, 1);
          i--;
        }
      }
    });
  }

  static open(url: string): Promise<JanusWs> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol');
      ws.once('open', () => resolve(new JanusWs(ws)));
      ws.once('error', reject);
    });
  }

  /** Waits for the first message (already received or future) matching `match`. */
  wait(match: (m: Msg) => boolean, timeoutMs = 10_000, what = 'message'): Promise<Msg> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  /** Sends a request and resolves with its reply (ack replies are skipped when `skipAck`). */
  request(body: Msg, skipAck = false): Promise<Msg> {
    const transaction = `tx${++this.seq}`;
    const reply = this.wait((m) => m.transaction === transaction && !(skipAck && m.janus === 'ack'), 10_000, `reply to ${String(body.janus)}`);
    this.ws.send(JSON.stringify({ ...body, transaction }));
    return reply;
  }

  send(body: Msg): string {
    const transaction = `tx${++this.seq}`;
    this.ws.send(JSON.stringify({ ...body, transaction }));
    return transaction;
  }

  close(): void {
    this.ws.close();
  }
}
