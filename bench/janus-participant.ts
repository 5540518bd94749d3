// A bench client's Janus API session: one plugin handle on its own WebSocket, with sync and async requests.
import { JanusWs, type Msg } from '../support/janus-ws.js';
import { sleep } from '../support/wait.js';

/** The plugin data of a reply or event. */
export function dataOf(m: Msg): Msg {
  const pd = m.plugindata as Msg | undefined;
  return (pd?.data as Msg | undefined) ?? {};
}

/** A Janus API session with one handle of `plugin` on its own WebSocket, kept alive while it lives. */
export class JanusParticipant {
  private readonly keepalive: NodeJS.Timeout;

  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
  ) {
    this.keepalive = setInterval(() => this.ws.send({ janus: 'keepalive', session_id: this.session }), 15_000);
  }

  static async open(wsUrl: string, plugin: string): Promise<JanusParticipant> {
    const ws = await JanusWs.open(wsUrl);
    try {
      const created = await ws.request({ janus: 'create' });
      const session = (created.data as { id?: number } | undefined)?.id;
      if (typeof session !== 'number') throw new Error(`create: ${JSON.stringify(created)}`);
      const attached = await ws.request({ janus: 'attach', session_id: session, plugin });
      const handle = (attached.data as { id?: number } | undefined)?.id;
      if (typeof handle !== 'number') throw new Error(`attach ${plugin}: ${JSON.stringify(attached)}`);
      return new JanusParticipant(ws, session, handle);
    } catch (err) {
      ws.close();
      throw err;
    }
  }

  /** A synchronous plugin request: the reply carries the plugin's answer. */
  async syncRequest(body: Msg): Promise<Msg> {
    const reply = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
    const data = dataOf(reply);
    if (reply.janus !== 'success' || data.error !== undefined) throw new Error(`${JSON.stringify(body)} -> ${JSON.stringify(reply)}`);
    return data;
  }

  /** An asynchronous plugin request: waits for the event with the same transaction (and a JSEP when asked). */
  async asyncRequest(body: Msg, jsep: Msg | undefined, wantJsep: boolean, timeoutMs = 10_000): Promise<Msg> {
    const ack = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body, ...(jsep ? { jsep } : {}) });
    if (ack.janus !== 'ack' && ack.janus !== 'event') throw new Error(`${JSON.stringify(body)} -> ${JSON.stringify(ack)}`);
    const ev = await this.ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, timeoutMs, `event for ${String(body.request)}`);
    if (dataOf(ev).error !== undefined || (wantJsep && ev.jsep === undefined)) throw new Error(`${JSON.stringify(body)} -> ${JSON.stringify(ev)}`);
    return ev;
  }

  webrtcup(timeoutMs: number): Promise<Msg> {
    return this.ws.wait((m) => m.janus === 'webrtcup' && m.sender === this.handle, timeoutMs, `webrtcup of handle ${this.handle}`);
  }

  async close(): Promise<void> {
    clearInterval(this.keepalive);
    try {
      await Promise.race([this.ws.request({ janus: 'destroy', session_id: this.session }), sleep(2000)]);
    } catch {
      // the server may be gone already
    }
    this.ws.close();
  }
}
