// An RTSP client session for a Streaming `rtsp` mountpoint: over TCP connections the owner opens (through a
// connect function, called again for redirects and reconnections) it runs OPTIONS, DESCRIBE, one SETUP per
// track (RTP over UDP, to sockets the owner opened) and PLAY, keeps the session alive (GET_PARAMETER, or
// OPTIONS for servers that refuse it), sets the whole session up again when it is lost, and says TEARDOWN
// when closed.
import type { TcpConnection } from '../../plugin-api/index.js';
import {
  parseRtspSdp,
  parseRtspUrl,
  parseSessionHeader,
  pathOnly,
  resolveControl,
  RtspError,
  serverPorts,
  type RtspRequest,
  type RtspResponse,
  type RtspTrack,
  type RtspUrl,
} from './rtsp-protocol.js';
import { RtspConnection, RtspStatusError, type RtspCredentials } from './rtsp-connection.js';
import { errorText } from '../../logging/error-text.js';

export interface RtspSetupTarget {
  /** Our UDP ports for this track's RTP and RTCP. */
  readonly rtpPort: number;
  readonly rtcpPort: number;
}

export interface RtspPlaying {
  /** The address of the RTSP server that plays (after any redirect). */
  readonly host: string;
  /** The server's RTCP port per set-up track (for PLIs), when it said. */
  readonly serverRtcpPorts: ReadonlyArray<number | undefined>;
}

/** The tracks to set up, in order, and where each one's RTP goes. */
export interface RtspSelection {
  readonly tracks: readonly RtspTrack[];
  readonly targets: readonly RtspSetupTarget[];
}

export interface RtspClientOptions {
  /** Opens a TCP connection to the server; called again for redirects and for every reconnection. */
  readonly connect: (host: string, port: number) => Promise<TcpConnection>;
  readonly url: RtspUrl;
  readonly credentials?: RtspCredentials;
  /** How long to wait for an answer, ms (`rtsp_timeout`). */
  readonly timeoutMs?: number;
  /** Seconds; the keep-alive goes every half of it. 0 or absent: the server's (Session header) time-out. */
  readonly sessionTimeout?: number;
  /** The keep-alive period in ms, overriding the one derived from the time-out. */
  readonly keepAliveMs?: number;
  /** Wait before setting a lost session up again, ms (`rtsp_reconnect_delay`). */
  readonly reconnectDelayMs?: number;
  /** On 404 to DESCRIBE, try again with the path only as request-URI (`rtsp_quirk`). */
  readonly quirk?: boolean;
  /** Which of the camera's tracks to set up and where their RTP goes; called on every (re)connection. */
  readonly select: (offered: readonly RtspTrack[]) => RtspSelection | Promise<RtspSelection>;
  /** The session plays (first time and after every reconnection). */
  readonly onPlaying?: (playing: RtspPlaying) => void;
  /** The session was lost after it played: called once per loss (not for close()). */
  readonly onLost?: (why: string) => void;
  /** Playing after a loss (or after retryInBackground); `before`: whether it had played before. */
  readonly onRestored?: (before: boolean) => void;
  /** One attempt of the background retries failed. */
  readonly onRetryFailed?: (why: string) => void;
  /** A request of the server was answered (for logging). */
  readonly onServerRequest?: (req: RtspRequest) => void;
}

const MAX_REDIRECTS = 3;

type ClientState = 'idle' | 'starting' | 'playing' | 'waiting' | 'closed';

/** The session with one camera, from the first DESCRIBE to TEARDOWN, set up again whenever it is lost. */
export class RtspClient {
  private state: ClientState = 'idle';
  private conn: RtspConnection | undefined;
  private session: { id: string; timeout: number } | undefined;
  private playUrl = '';
  private keepAlive: NodeJS.Timeout | undefined;
  private keepAliveMethod = 'GET_PARAMETER';
  private pinging = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** A loss (or failed start) was reported and recovery has not been yet. */
  private down = false;
  private played = false;
  private readonly timeoutMs: number;
  private readonly reconnectDelayMs: number;

  constructor(private readonly o: RtspClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.reconnectDelayMs = o.reconnectDelayMs ?? 5_000;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  get playing(): boolean {
    return this.state === 'playing';
  }

  /** One full attempt (connect, OPTIONS, DESCRIBE, SETUP, PLAY); rejects, with nothing left open, on failure. */
  async start(): Promise<RtspPlaying> {
    if (this.state !== 'idle') throw new RtspError(`the RTSP client was already started (${this.state})`);
    return this.establish();
  }

  /** After a failed start(): keep trying in the background, every reconnect delay, until close(). */
  retryInBackground(): void {
    if (this.state !== 'idle') return;
    this.state = 'waiting';
    this.down = true;
    this.scheduleRetry();
  }

  /** TEARDOWN (waiting at most a second) and the connection closed; no more reconnections. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stopKeepAlive();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const conn = this.conn;
    this.conn = undefined;
    await conn?.shutdown(this.session ? { uri: this.playUrl, session: this.session.id } : undefined);
  }

  private async establish(): Promise<RtspPlaying> {
    this.state = 'starting';
    this.dropConnection();
    this.session = undefined;
    this.keepAliveMethod = 'GET_PARAMETER';
    try {
      const playing = await this.runSetup();
      this.state = 'playing';
      this.played = true;
      this.startKeepAlive();
      this.o.onPlaying?.(playing);
      return playing;
    } catch (err) {
      if (this.state === 'starting') {
        this.dropConnection();
        this.state = 'idle';
      }
      throw err;
    }
  }

  private async runSetup(): Promise<RtspPlaying> {
    let url = this.o.url;
    let credentials: RtspCredentials = this.o.credentials ?? { user: url.user, password: url.password };
    let conn = await this.open(url, credentials);
    await conn.exchange('OPTIONS', url.clean); // some servers refuse OPTIONS: only the transport matters here
    this.assertOpen();
    let redirects = 0;
    let describeUri = url.clean;
    let r: RtspResponse;
    for (;;) {
      r = await conn.exchange('DESCRIBE', describeUri, { Accept: 'application/sdp' });
      this.assertOpen();
      if (r.status === 200) break;
      const location = r.headers.get('location');
      if (r.status >= 300 && r.status < 400 && location !== undefined) {
        if (++redirects > MAX_REDIRECTS) throw new RtspError(`DESCRIBE: more than ${MAX_REDIRECTS} redirects`);
        let next: RtspUrl;
        try {
          next = parseRtspUrl(resolveControl(url.clean, location));
        } catch (err) {
          throw new RtspError(`DESCRIBE redirected to '${location.slice(0, 200)}': ${errorText(err)}`);
        }
        if (next.user !== undefined) credentials = { user: next.user, password: next.password };
        if (next.host !== url.host || next.port !== url.port) {
          this.dropConnection();
          conn = await this.open(next, credentials);
        }
        url = next;
        describeUri = url.clean;
        continue;
      }
      // Some servers only know the path in the request line.
      if (r.status === 404 && this.o.quirk && describeUri === url.clean && pathOnly(url.clean) !== url.clean) {
        describeUri = pathOnly(url.clean);
        continue;
      }
      throw new RtspStatusError('DESCRIBE', r.status, r.reason);
    }
    const contentBase = r.headers.get('content-base') ?? r.headers.get('content-location');
    const base = contentBase ? resolveControl(url.clean, contentBase) : url.clean;
    const sdp = parseRtspSdp(r.body.toString('utf8'));
    this.playUrl = sdp.sessionControl ? resolveControl(base, sdp.sessionControl) : base;
    const { tracks, targets } = await this.o.select(sdp.tracks);
    this.assertOpen();
    if (tracks.length === 0 || tracks.length !== targets.length) throw new RtspError('no track to set up');
    const serverRtcpPorts: Array<number | undefined> = [];
    for (const [i, t] of tracks.entries()) {
      const headers: Record<string, string> = { Transport: `RTP/AVP;unicast;client_port=${targets[i].rtpPort}-${targets[i].rtcpPort}` };
      if (this.session) headers.Session = this.session.id;
      const s = await conn.request('SETUP', resolveControl(base, t.control), headers);
      this.assertOpen();
      const session = s.headers.get('session');
      if (!session) throw new RtspError('SETUP answered without a Session header');
      this.session ??= parseSessionHeader(session);
      serverRtcpPorts.push(serverPorts(s.headers.get('transport') ?? '')?.rtcp);
    }
    await conn.request('PLAY', this.playUrl, { Session: this.session!.id, Range: 'npt=0.000-' });
    this.assertOpen();
    return { host: url.host, serverRtcpPorts };
  }

  private async open(url: RtspUrl, credentials: RtspCredentials): Promise<RtspConnection> {
    const socket = await this.o.connect(url.host, url.port);
    if (this.state === 'closed') {
      socket.destroy();
      throw new RtspError('the RTSP client was closed');
    }
    const conn: RtspConnection = new RtspConnection(socket, credentials, this.timeoutMs, (why) => this.lostIf(conn, why), this.o.onServerRequest);
    this.conn = conn;
    return conn;
  }

  private assertOpen(): void {
    if (this.state === 'closed') throw new RtspError('the RTSP client was closed');
  }

  private dropConnection(): void {
    const conn = this.conn;
    this.conn = undefined;
    void conn?.shutdown();
  }

  private startKeepAlive(): void {
    this.stopKeepAlive();
    const seconds = this.o.sessionTimeout !== undefined && this.o.sessionTimeout > 0 ? this.o.sessionTimeout : (this.session?.timeout ?? 60);
    // A timer cannot wait longer than 2^31-1 ms (Node would fire it at once, again and again).
    const every = Math.min(0x7fffffff, this.o.keepAliveMs ?? Math.max(1000, (seconds * 1000) / 2));
    this.keepAlive = setInterval(() => void this.ping(), every);
    this.keepAlive.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  /** A keep-alive; no answer, or 454 Session Not Found, means the session is lost. */
  private async ping(): Promise<void> {
    const conn = this.conn;
    const session = this.session;
    if (this.pinging || !conn || !session || this.state !== 'playing') return;
    this.pinging = true;
    try {
      let r = await conn.exchange(this.keepAliveMethod, this.playUrl, { Session: session.id });
      if (r.status !== 200 && r.status !== 454 && this.keepAliveMethod === 'GET_PARAMETER') {
        // Servers that refuse GET_PARAMETER take OPTIONS as keep-alive.
        this.keepAliveMethod = 'OPTIONS';
        r = await conn.exchange('OPTIONS', this.playUrl, { Session: session.id });
      }
      if (r.status !== 200) this.lostIf(conn, `keep-alive ${this.keepAliveMethod} answered ${r.status} ${r.reason}`.trim());
    } catch (err) {
      this.lostIf(conn, `keep-alive failed: ${errorText(err)}`);
    } finally {
      this.pinging = false;
    }
  }

  /** The playing session on `conn` is lost: report it (once until recovered) and set it up again later. */
  private lostIf(conn: RtspConnection, why: string): void {
    if (this.conn !== conn || this.state !== 'playing') return;
    this.state = 'waiting';
    this.stopKeepAlive();
    this.dropConnection();
    this.session = undefined;
    if (!this.down) {
      this.down = true;
      this.o.onLost?.(why);
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.state !== 'waiting' || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.retry();
    }, this.reconnectDelayMs);
    this.retryTimer.unref();
  }

  private async retry(): Promise<void> {
    if (this.state !== 'waiting') return;
    const before = this.played;
    try {
      await this.establish();
    } catch (err) {
      if (this.closed) return;
      this.state = 'waiting';
      this.o.onRetryFailed?.(errorText(err));
      this.scheduleRetry();
      return;
    }
    if (this.down) {
      this.down = false;
      this.o.onRestored?.(before);
    }
  }
}
