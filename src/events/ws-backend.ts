// janus.eventhandler.wsevh: batches sent as text messages on one WebSocket connection to `backend`, connected
// again after a failure or a close: 1 s, then twice as long each failed attempt up to 8 s, as Janus's handler
// does. Events wait in the handler's queue while it is down. The subprotocol is negotiated as libwebsockets does
// for Janus: `subprotocol` (by default Janus's "janus-event-handlers") is asked for, and a server that answers
// with none is taken as agreeing; one that answers with another is refused.
import type { IncomingMessage } from 'node:http';
import { setting, inertSetting } from '../config/setting.js';
import { errorText } from '../logging/error-text.js';
import { connectionTo, parseBackendUrl, type BackendTarget } from './backend-url.js';
import type { BackendContext, EventBackend, EventHandlerKind, JsonObject } from './event-backend.js';
import { eventText } from './event-json.js';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 8000;
/** As Janus's (libwebsockets connect_timeout_secs). */
const CONNECT_TIMEOUT_MS = 5000;
/** The name of Janus's handler's protocol, which it asks for when none is configured. */
const DEFAULT_SUBPROTOCOL = 'janus-event-handlers';

/** The part of the ws library's client this backend uses (imported when the first handler of this kind starts). */
interface WsClient {
  readonly readyState: number;
  send(data: string, cb: (err?: Error) => void): void;
  on(event: 'open' | 'close', listener: () => void): void;
  on(event: 'upgrade', listener: (res: IncomingMessage) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  terminate(): void;
  close(): void;
}
type WsClientClass = new (address: string, protocols: string[] | undefined, options: Record<string, unknown>) => WsClient;

export const WSEVH: EventHandlerKind = {
  package: 'janus.eventhandler.wsevh',
  section: 'wsevh',
  name: 'JANUS WebSockets EventHandler plugin',
  description: 'This is a trivial WebSockets event handler plugin for Janus.',
  version: 1,
  versionString: '0.0.1',
  settings: {
    backend: setting('', 'ws:// or wss:// address the events are sent to as WebSocket messages'),
    subprotocol: setting(DEFAULT_SUBPROTOCOL, 'WebSocket subprotocol to ask the backend for (a backend that answers with none is fine); empty = none'),
    events_cap_on_reconnect: setting(0, 'events kept while (re)connecting, oldest dropped beyond; 0 = max_queued_events'),
    ws_logging: inertSetting('', "libwebsockets' debug output in Janus"),
  },
  tweaks: { events_cap_on_reconnect: 'positive' },
  problem(s) {
    const target = parseBackendUrl(String(s.backend), ['ws:', 'wss:']);
    if (typeof target === 'string') return s.backend === '' ? 'no backend set' : `backend ${target}`;
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]*$/.test(String(s.subprotocol))) return `subprotocol '${String(s.subprotocol).slice(0, 100)}' is not a token`;
    return undefined;
  },
  create: async (context) => {
    const { WebSocket } = await import('ws');
    return new WsBackend(context, WebSocket);
  },
};

class WsBackend implements EventBackend {
  private socket: WsClient | undefined;
  private up = false;
  private closed = false;
  private retryMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private readonly target: BackendTarget;
  /** Connections made so far (get_status shows how often the backend went away). */
  connects = 0;

  constructor(
    private readonly context: BackendContext,
    private readonly WebSocket: WsClientClass,
  ) {
    const target = parseBackendUrl(String(context.settings.backend), ['ws:', 'wss:']);
    if (typeof target === 'string') throw new Error(`backend ${target}`);
    this.target = target;
    this.connect();
  }

  get name(): string {
    return this.target.url.href;
  }

  status(): JsonObject {
    return { connected: this.up, connections: this.connects };
  }

  whenReady(): Promise<void> {
    if (this.up || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(batch: readonly JsonObject[]): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.up) return Promise.reject(new Error(`not connected to ${this.name}`));
    const { format } = this.context;
    const text = eventText(format.grouping ? batch : batch[0], format.json);
    return new Promise((resolve, reject) => socket.send(text, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.socket?.terminate();
    this.socket = undefined;
    this.up = false;
    this.wake();
    return Promise.resolve();
  }

  private connect(): void {
    if (this.closed) return;
    const { network, settings, log } = this.context;
    const protocol = String(settings.subprotocol);
    // Asked for by hand: the ws library would refuse a server that answers without a subprotocol.
    const socket = new this.WebSocket(this.target.url.href, undefined, {
      createConnection: connectionTo(network, 'event handler wsevh', this.target, CONNECT_TIMEOUT_MS),
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      perMessageDeflate: false,
      followRedirects: false,
      headers: protocol !== '' ? { 'Sec-WebSocket-Protocol': protocol } : {},
    });
    this.socket = socket;
    let refused: string | undefined;
    socket.on('upgrade', (res) => {
      const answered = res.headers['sec-websocket-protocol'];
      if (answered === undefined) return;
      if (answered !== protocol) refused = `the backend answered with subprotocol '${answered}'${protocol !== '' ? `, not '${protocol}'` : ', none was asked for'}`;
      // Checked here; the ws library, which asked for none itself, would refuse any.
      delete res.headers['sec-websocket-protocol'];
    });
    socket.on('open', () => {
      if (this.socket !== socket) return;
      if (refused !== undefined) {
        log.warn(`${this.name}: ${refused}`);
        socket.terminate();
        return;
      }
      this.up = true;
      this.retryMs = 0;
      this.connects++;
      log.info(`connected to ${this.name}`);
      this.wake();
    });
    socket.on('error', (err) => {
      if (this.socket !== socket) return;
      log.warn(`${this.name}: ${errorText(err)}`);
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      const wasUp = this.up;
      this.up = false;
      this.socket = undefined;
      if (this.closed) return;
      // Janus: 1 s after a close, then doubling on each failed attempt up to 8 s.
      this.retryMs = wasUp || this.retryMs === 0 ? FIRST_RETRY_MS : Math.min(MAX_RETRY_MS, this.retryMs * 2);
      log.info(`${wasUp ? `connection to ${this.name} closed` : `could not connect to ${this.name}`}; next attempt in ${this.retryMs / 1000} s`);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.connect();
      }, this.retryMs);
      this.retryTimer.unref();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
