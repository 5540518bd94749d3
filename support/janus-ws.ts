// A minimal Janus API client over WebSocket for tests: requests by transaction, events collected in order.
import WebSocket from 'ws';
import { wsText } from '../src/transports/ws-text.js';
import { JanusMessages, type Msg } from './janus-messages.js';

export type { Msg } from './janus-messages.js';

export class JanusWs extends JanusMessages {
  private constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (d) => this.received(JSON.parse(wsText(d)) as Msg));
  }

  static open(url: string): Promise<JanusWs> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol');
      ws.once('open', () => resolve(new JanusWs(ws)));
      ws.once('error', reject);
    });
  }

  protected write(text: string): void {
    this.ws.send(text);
  }

  /** Whether the socket is open (not closed by either side). */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.close();
  }
}
