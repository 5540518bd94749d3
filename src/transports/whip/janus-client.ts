// WHIP and WHEP reach the core as any Janus API client does: sessions, handles and plugin messages through
// Gateway.handle, in-process. This is that client, and the event sink its sessions' events come to.
import { randomString } from '../../core/ids.js';
import type { EventSink } from '../../core/event-sink.js';
import type { Gateway } from '../../core/gateway.js';
import { isJsonObject, type JsonObject } from '../../core/validate.js';

/** A Janus `error` reply, or a plugin's `error_code`/`error` in its event. */
export class JanusReplyError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    /** True for a plugin's error (in plugindata), false for the core's. */
    readonly fromPlugin: boolean,
  ) {
    super(reason);
    this.name = 'JanusReplyError';
  }
}

export interface PluginReply {
  readonly data: JsonObject;
  readonly jsep?: { type: string; sdp: string };
}

/** What a session hears besides replies: its PeerConnection went away, or the session ended. */
export interface SessionListener {
  hangup(reason: string): void;
  sessionOver(): void;
}

/** How long a plugin gets to answer a message (an offer answered includes gathering). */
const PLUGIN_REPLY_MS = 15_000;

interface Pending {
  resolve(reply: PluginReply): void;
  reject(err: Error): void;
  readonly timer: NodeJS.Timeout;
}

export class InProcessJanus implements EventSink {
  readonly transport = 'janus.transport.whip';
  readonly peer = 'whip';
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Map<number, SessionListener>();

  constructor(private readonly gateway: Gateway) {}

  /** One request, its reply; a Janus `error` reply rejects with JanusReplyError. */
  request(body: JsonObject): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      void this.gateway.handle(this, { ...body, transaction: randomString(12) }, (reply) => {
        if (reply.janus === 'error') {
          const e = isJsonObject(reply.error) ? reply.error : {};
          reject(new JanusReplyError(typeof e.code === 'number' ? e.code : 0, typeof e.reason === 'string' ? e.reason : 'error', false));
        } else resolve(reply);
      });
    });
  }

  /** A new session; its events go to `listener`. */
  async createSession(auth: JsonObject, listener: SessionListener): Promise<number> {
    const reply = await this.request({ janus: 'create', ...auth });
    const id = isJsonObject(reply.data) ? reply.data.id : undefined;
    if (typeof id !== 'number') throw new Error('create answered without a session id');
    this.listeners.set(id, listener);
    return id;
  }

  async attach(sessionId: number, plugin: string, auth: JsonObject): Promise<number> {
    const reply = await this.request({ janus: 'attach', session_id: sessionId, plugin, ...auth });
    const id = isJsonObject(reply.data) ? reply.data.id : undefined;
    if (typeof id !== 'number') throw new Error('attach answered without a handle id');
    return id;
  }

  /** A plugin message: its synchronous result, or the event that answers it after an `ack`. */
  message(sessionId: number, handleId: number, auth: JsonObject, body: JsonObject, jsep?: { type: string; sdp: string }): Promise<PluginReply> {
    const transaction = randomString(12);
    const request: JsonObject = { janus: 'message', session_id: sessionId, handle_id: handleId, transaction, body, ...auth };
    if (jsep) request.jsep = jsep;
    return new Promise((resolve, reject) => {
      const settle = (reply: JsonObject): void => {
        try {
          resolve(pluginReply(reply));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      void this.gateway.handle(this, request, (reply) => {
        if (reply.janus === 'ack') {
          const timer = setTimeout(() => {
            this.pending.delete(transaction);
            reject(new JanusReplyError(0, 'the plugin did not answer in time', true));
          }, PLUGIN_REPLY_MS);
          this.pending.set(transaction, { resolve, reject, timer });
          return;
        }
        if (reply.janus === 'error') {
          const e = isJsonObject(reply.error) ? reply.error : {};
          reject(new JanusReplyError(typeof e.code === 'number' ? e.code : 0, typeof e.reason === 'string' ? e.reason : 'error', false));
          return;
        }
        settle(reply);
      });
    });
  }

  /** Trickled candidates (`candidates`), or the end of them (`{ completed: true }`). */
  async trickle(sessionId: number, handleId: number, auth: JsonObject, candidates: readonly JsonObject[] | 'completed'): Promise<void> {
    const body: JsonObject = candidates === 'completed' ? { candidate: { completed: true } } : { candidates: [...candidates] };
    await this.request({ janus: 'trickle', session_id: sessionId, handle_id: handleId, ...auth, ...body });
  }

  keepalive(sessionId: number, auth: JsonObject): Promise<JsonObject> {
    return this.request({ janus: 'keepalive', session_id: sessionId, ...auth });
  }

  /** Ends a session (its handles detach, their PeerConnections close); an unknown one is already gone. */
  async destroy(sessionId: number, auth: JsonObject): Promise<void> {
    this.listeners.delete(sessionId);
    await this.request({ janus: 'destroy', session_id: sessionId, ...auth }).catch(() => undefined);
  }

  deliver(sessionId: number, message: JsonObject): void {
    const tx = message.transaction;
    if (message.janus === 'event' && typeof tx === 'string') {
      const p = this.pending.get(tx);
      if (p) {
        this.pending.delete(tx);
        clearTimeout(p.timer);
        try {
          p.resolve(pluginReply(message));
        } catch (err) {
          p.reject(err as Error);
        }
        return;
      }
    }
    if (message.janus === 'hangup') this.listeners.get(sessionId)?.hangup(typeof message.reason === 'string' ? message.reason : 'hangup');
  }

  sessionOver(sessionId: number): void {
    const l = this.listeners.get(sessionId);
    this.listeners.delete(sessionId);
    l?.sessionOver();
  }

  /** Server shutdown: whatever waits for a plugin fails now. */
  close(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new JanusReplyError(0, 'server shutting down', true));
    }
    this.pending.clear();
  }
}

/** The data of a plugin's reply or event; its `error_code` rejects. */
function pluginReply(reply: JsonObject): PluginReply {
  const pd = isJsonObject(reply.plugindata) ? reply.plugindata : {};
  const data = isJsonObject(pd.data) ? pd.data : {};
  if (typeof data.error_code === 'number') throw new JanusReplyError(data.error_code, typeof data.error === 'string' ? data.error : 'plugin error', true);
  const j = reply.jsep;
  const jsep = isJsonObject(j) && typeof j.type === 'string' && typeof j.sdp === 'string' ? { type: j.type, sdp: j.sdp } : undefined;
  return { data, jsep };
}
