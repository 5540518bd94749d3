// One TCP connection to an RTSP server, as the client session (rtsp-client.ts) uses it: requests and their
// replies, requests of the server, and the Authorization every request carries once a challenge was answered.
import type { TcpConnection } from '../../plugin-api/index.js';
import { buildRtspRequest, buildRtspResponse, headerValues, interleavedLength, parseRtspMessage, RtspError, type RtspRequest, type RtspResponse } from './rtsp-protocol.js';
import { authorizationFor, parseChallenges, pickChallenge, type AuthChallenge } from './rtsp-auth.js';
import { errorText } from '../../logging/error-text.js';

export interface RtspCredentials {
  readonly user?: string;
  readonly password?: string;
}

/** A final answer that was not 200 OK. */
export class RtspStatusError extends RtspError {
  constructor(
    readonly method: string,
    readonly status: number,
    reason: string,
  ) {
    super(`${method} answered ${status} ${reason}`.trim());
  }
}

const SERVER_METHODS_WE_ANSWER = new Set(['OPTIONS', 'GET_PARAMETER', 'SET_PARAMETER', 'ANNOUNCE']);

interface Outgoing {
  readonly method: string;
  readonly uri: string;
  readonly headers: Record<string, string>;
  /** Set when sent: the challenge the Authorization answered, to tell a stale nonce from wrong credentials. */
  answered?: AuthChallenge;
  readonly resolve: (r: RtspResponse) => void;
  readonly reject: (e: Error) => void;
}

/**
 * One TCP connection to an RTSP server: requests go out one at a time (later ones wait in a queue), replies
 * are matched by CSeq (late or unknown ones are dropped), requests of the server are answered, and once a
 * challenge was answered every later request carries Authorization (Digest with increasing nc).
 */
export class RtspConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private cseq = 0;
  private readonly queue: Outgoing[] = [];
  private inFlight: { readonly cseq: number; readonly req: Outgoing; readonly timer: NodeJS.Timeout } | undefined;
  private auth: { readonly challenge: AuthChallenge; readonly cnonce: string; nc: number } | undefined;
  private deadWhy: string | undefined;
  private closing = false;

  constructor(
    private readonly socket: TcpConnection,
    private readonly credentials: RtspCredentials,
    private readonly timeoutMs: number,
    /** The connection failed (not called once shutdown() began). */
    private readonly onDead: (why: string) => void = () => {},
    /** A request of the server, already answered. */
    private readonly onServerRequest: (req: RtspRequest) => void = () => {},
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.die('connection closed by the RTSP server'));
    socket.on('error', (err) => this.die(err.message));
  }

  get alive(): boolean {
    return this.deadWhy === undefined && !this.socket.destroyed;
  }

  /** A request that must be answered 200 OK (anything else rejects with RtspStatusError). */
  async request(method: string, uri: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    const r = await this.exchange(method, uri, headers);
    if (r.status !== 200) throw new RtspStatusError(method, r.status, r.reason);
    return r;
  }

  /** A request and its final answer, whatever the status; a 401 is answered once with the credentials. */
  async exchange(method: string, uri: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    const first = await this.send(method, uri, headers);
    if (first.r.status !== 401 || this.credentials.user === undefined) return first.r;
    const challenge = pickChallenge(parseChallenges(headerValues(first.r, 'www-authenticate')));
    if (!challenge) return first.r;
    const before = first.answered;
    // The same challenge refused again means wrong credentials, unless the server says the nonce went stale.
    const again = before !== undefined && before.scheme === challenge.scheme && before.params.get('nonce') === challenge.params.get('nonce') && challenge.params.get('stale')?.toLowerCase() !== 'true';
    if (again) return first.r;
    this.auth = { challenge, cnonce: Math.random().toString(16).slice(2, 18).padEnd(16, '0'), nc: 0 };
    return (await this.send(method, uri, headers)).r;
  }

  /** TEARDOWN (when asked, waiting at most `waitMs`) and the connection closed, without calling onDead. */
  async shutdown(teardown?: { uri: string; session: string }, waitMs = 1000): Promise<void> {
    this.closing = true;
    if (teardown && this.alive) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.exchange('TEARDOWN', teardown.uri, { Session: teardown.session }).catch(() => undefined),
        new Promise<void>((r) => {
          timer = setTimeout(r, waitMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.die('the RTSP connection is closed');
  }

  private send(method: string, uri: string, headers: Record<string, string>): Promise<{ r: RtspResponse; answered?: AuthChallenge }> {
    if (!this.alive) return Promise.reject(new RtspError(this.deadWhy ?? 'the RTSP connection is closed'));
    return new Promise((resolve, reject) => {
      const req: Outgoing = { method, uri, headers, resolve: (r) => resolve({ r, answered: req.answered }), reject };
      this.queue.push(req);
      this.pump();
    });
  }

  /** Sends the next queued request when none is waiting for its answer. */
  private pump(): void {
    if (this.inFlight || !this.alive) return;
    const req = this.queue.shift();
    if (!req) return;
    const cseq = ++this.cseq;
    const headers = { ...req.headers };
    // Authorization is computed when the request leaves, so nc grows in the order the server sees.
    if (this.auth && this.credentials.user !== undefined) {
      this.auth.nc++;
      headers.Authorization = authorizationFor(this.auth.challenge, req.method, req.uri, this.credentials.user, this.credentials.password ?? '', this.auth.cnonce, this.auth.nc);
      req.answered = this.auth.challenge;
    }
    const timer = setTimeout(() => {
      if (this.inFlight?.cseq !== cseq) return;
      this.inFlight = undefined;
      req.reject(new RtspError(`${req.method}: no answer within ${this.timeoutMs} ms`));
      this.pump();
    }, this.timeoutMs);
    this.inFlight = { cseq, req, timer };
    this.socket.write(buildRtspRequest(req.method, req.uri, cseq, headers));
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.alive) {
      let m;
      try {
        m = parseRtspMessage(this.buffer);
      } catch (err) {
        this.die(errorText(err));
        return;
      }
      if (!m) {
        // Interleaved frames (not asked for: RTP goes over UDP) must not pile up while no message follows.
        const frames = interleavedLength(this.buffer);
        if (frames > 0) this.buffer = this.buffer.subarray(frames);
        return;
      }
      this.buffer = this.buffer.subarray(m.consumed);
      if (m.kind === 'request') {
        this.answerServer(m);
        continue;
      }
      const f = this.inFlight;
      const cseq = m.headers.get('cseq');
      // A reply to a request that timed out (or to nothing we sent) must not answer the current one.
      if (!f || cseq === undefined || !/^\d+$/.test(cseq) || Number(cseq) !== f.cseq) continue;
      clearTimeout(f.timer);
      this.inFlight = undefined;
      f.req.resolve(m);
      this.pump();
    }
  }

  /** Requests of the server (SET_PARAMETER, ANNOUNCE...) get 200 OK, or 501 for methods we don't do. */
  private answerServer(req: RtspRequest): void {
    const cseq = req.headers.get('cseq');
    const headers: Record<string, string> = {};
    const session = req.headers.get('session');
    if (session !== undefined) headers.Session = session;
    if (req.method === 'OPTIONS') headers.Public = [...SERVER_METHODS_WE_ANSWER].join(', ');
    const known = SERVER_METHODS_WE_ANSWER.has(req.method);
    this.socket.write(buildRtspResponse(known ? 200 : 501, known ? 'OK' : 'Not Implemented', cseq, headers));
    this.onServerRequest(req);
  }

  private die(why: string): void {
    if (this.deadWhy !== undefined) return;
    this.deadWhy = why;
    const waiting = [...(this.inFlight ? [this.inFlight.req] : []), ...this.queue];
    if (this.inFlight) clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
    this.queue.length = 0;
    this.socket.destroy();
    for (const r of waiting) r.reject(new RtspError(why));
    if (!this.closing) this.onDead(why);
  }
}
