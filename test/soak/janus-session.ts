// One Janus session on its own WebSocket, for the soak's cycles: attach, message (ack then event), detach, destroy.
import { JanusWs, type Msg } from '../../support/janus-ws.js';

export interface Jsep {
  readonly type: string;
  readonly sdp: string;
}

export interface PluginReply {
  readonly data: Msg;
  readonly jsep?: Jsep;
}

const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});

export class JanusSession {
  private constructor(
    readonly ws: JanusWs,
    readonly id: number,
  ) {}

  static async open(wsUrl: string): Promise<JanusSession> {
    const ws = await JanusWs.open(wsUrl);
    try {
      const created = await ws.request({ janus: 'create' });
      const id = Number(obj(created.data).id);
      if (created.janus !== 'success' || !(id > 0)) throw new Error(`create: ${JSON.stringify(created).slice(0, 300)}`);
      return new JanusSession(ws, id);
    } catch (err) {
      ws.close();
      throw err;
    }
  }

  async attach(plugin: string): Promise<number> {
    const r = await this.ws.request({ janus: 'attach', session_id: this.id, plugin });
    const id = Number(obj(r.data).id);
    if (r.janus !== 'success' || !(id > 0)) throw new Error(`attach ${plugin}: ${JSON.stringify(r).slice(0, 300)}`);
    return id;
  }

  /** A plugin message: the synchronous answer, or the event that follows the ack. Plugin errors throw. */
  async message(handle: number, body: Msg, jsep?: Jsep, ms = 15_000): Promise<PluginReply> {
    const first = await this.ws.request({ janus: 'message', session_id: this.id, handle_id: handle, body, ...(jsep ? { jsep } : {}) });
    const m = first.janus === 'ack' ? await this.ws.wait((e) => e.janus === 'event' && e.transaction === first.transaction, ms, `event answering ${JSON.stringify(body)}`) : first;
    if (m.janus === 'error') throw new Error(`${JSON.stringify(body)}: Janus error ${JSON.stringify(m.error)}`);
    const data = obj(obj(m.plugindata).data);
    if (data.error_code !== undefined) throw new Error(`${JSON.stringify(body)}: plugin error ${JSON.stringify(data.error_code)} ${String(data.error)}`);
    const j = obj(m.jsep);
    return { data, ...(typeof j.type === 'string' && typeof j.sdp === 'string' ? { jsep: { type: j.type, sdp: j.sdp } } : {}) };
  }

  /** Waits for a core event (webrtcup, media, hangup…) of `handle`. */
  waitFor(handle: number, janus: string, ms = 15_000): Promise<Msg> {
    return this.ws.wait((e) => e.janus === janus && e.sender === handle, ms, `${janus} of handle ${handle}`);
  }

  async hangup(handle: number): Promise<void> {
    const r = await this.ws.request({ janus: 'hangup', session_id: this.id, handle_id: handle });
    if (r.janus !== 'success') throw new Error(`hangup: ${JSON.stringify(r).slice(0, 300)}`);
  }

  async detach(handle: number): Promise<void> {
    const r = await this.ws.request({ janus: 'detach', session_id: this.id, handle_id: handle });
    if (r.janus !== 'success') throw new Error(`detach: ${JSON.stringify(r).slice(0, 300)}`);
  }

  async destroy(): Promise<void> {
    const r = await this.ws.request({ janus: 'destroy', session_id: this.id });
    if (r.janus !== 'success') throw new Error(`destroy: ${JSON.stringify(r).slice(0, 300)}`);
  }

  close(): void {
    this.ws.close();
  }
}
