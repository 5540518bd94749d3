// An RTSP client session for a Streaming `rtsp` mountpoint: over a TCP connection from the network layer it
// runs OPTIONS, DESCRIBE, one SETUP per track (RTP over UDP, to sockets the caller opened) and PLAY, keeps the
// session alive (GET_PARAMETER, or OPTIONS for servers that refuse it), and says TEARDOWN when closed.
import type { Socket } from 'node:net';
import {
  authorizationFor,
  buildRtspRequest,
  parseRtspResponse,
  parseRtspSdp,
  parseSessionHeader,
  resolveControl,
  RtspError,
  serverPorts,
  type RtspResponse,
  type RtspTrack,
  type RtspUrl,
} from './rtsp-protocol.js';

export interface RtspSetupTarget {
  /** Our UDP ports for this track's RTP and RTCP. */
  readonly rtpPort: number;
  readonly rtcpPort: number;
}

export interface RtspPlaying {
  /** The server's RTCP port per set-up track (for PLIs), when it said. */
  readonly serverRtcpPorts: ReadonlyArray<number | undefined>;
}

export class RtspClient {
  private buffer: Buffer = Buffer.alloc(0);
  private cseq = 0;
  private session: { id: string; timeout: number } | undefined;
  private pending: { resolve: (r: RtspResponse) => void; reject: (e: Error) => void } | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private keepAliveMethod = 'GET_PARAMETER';
  private closed = false;
  private base: string;

  constructor(
    private readonly socket: Socket,
    private readonly url: RtspUrl,
    private readonly credentials: { user?: string; password?: string },
    private readonly onLost: (why: string) => void,
    private readonly timeoutMs = 5000,
  ) {
    this.base = url.clean;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.fail('connection closed by the RTSP server'));
    socket.on('error', (err) => this.fail(err.message));
  }

  /** OPTIONS and DESCRIBE: the tracks the camera offers. */
  async describe(): Promise<RtspTrack[]> {
    await this.request('OPTIONS', this.url.clean);
    const r = await this.request('DESCRIBE', this.url.clean, { Accept: 'application/sdp' });
    const contentBase = r.headers.get('content-base') ?? r.headers.get('content-location');
    if (contentBase) this.base = contentBase.replace(/\/$/, '');
    const sdp = parseRtspSdp(r.body.toString('utf8'));
    if (sdp.sessionControl && /^rtsp:\/\//i.test(sdp.sessionControl)) this.base = sdp.sessionControl;
    return sdp.tracks;
  }

  /** SETUP for each track (in order) and PLAY. */
  async play(tracks: readonly RtspTrack[], targets: readonly RtspSetupTarget[]): Promise<RtspPlaying> {
    const serverRtcpPorts: Array<number | undefined> = [];
    for (const [i, t] of tracks.entries()) {
      const headers: Record<string, string> = { Transport: `RTP/AVP;unicast;client_port=${targets[i].rtpPort}-${targets[i].rtcpPort}` };
      if (this.session) headers.Session = this.session.id;
      const r = await this.request('SETUP', resolveControl(this.base, t.control), headers);
      const s = r.headers.get('session');
      if (!s) throw new RtspError('SETUP answered without a Session header');
      this.session ??= parseSessionHeader(s);
      serverRtcpPorts.push(serverPorts(r.headers.get('transport') ?? '')?.rtcp);
    }
    await this.request('PLAY', this.base, { Session: this.session!.id, Range: 'npt=0.000-' });
    const every = Math.max(2000, (this.session!.timeout * 1000) / 2);
    this.keepAlive = setInterval(() => void this.ping(), every);
    this.keepAlive.unref();
    return { serverRtcpPorts };
  }

  /** TEARDOWN (waiting at most a second) and the connection closed. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.session && !this.socket.destroyed) {
      await Promise.race([this.request('TEARDOWN', this.base, { Session: this.session.id }).catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.closed = true;
    this.socket.destroy();
  }

  private async ping(): Promise<void> {
    if (this.closed || !this.session) return;
    try {
      await this.request(this.keepAliveMethod, this.base, { Session: this.session.id });
    } catch (err) {
      if (this.keepAliveMethod === 'GET_PARAMETER' && err instanceof RtspError && /\b(405|501)\b/.test(err.message)) this.keepAliveMethod = 'OPTIONS';
    }
  }

  private async request(method: string, uri: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    let r = await this.send(method, uri, headers);
    const challenge = r.headers.get('www-authenticate');
    if (r.status === 401 && challenge && this.credentials.user !== undefined) {
      r = await this.send(method, uri, { ...headers, Authorization: authorizationFor(challenge, method, uri, this.credentials.user, this.credentials.password ?? '') });
    }
    if (r.status !== 200) throw new RtspError(`${method} answered ${r.status} ${r.reason}`);
    return r;
  }

  private send(method: string, uri: string, headers: Record<string, string>): Promise<RtspResponse> {
    if (this.closed || this.socket.destroyed) return Promise.reject(new RtspError('the RTSP connection is closed'));
    if (this.pending) return Promise.reject(new RtspError('one RTSP request at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new RtspError(`${method}: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.socket.write(buildRtspRequest(method, uri, ++this.cseq, headers));
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      let r: RtspResponse | undefined;
      try {
        r = parseRtspResponse(this.buffer);
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
        return;
      }
      if (!r) return;
      this.buffer = this.buffer.subarray(r.consumed);
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(r);
    }
  }

  private fail(why: string): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new RtspError(why));
    if (!this.closed) {
      this.closed = true;
      if (this.keepAlive) clearInterval(this.keepAlive);
      this.socket.destroy();
      this.onLost(why);
    }
  }
}
