// WHIP (RFC 9725) and WHEP (draft-ietf-wish-whep) on the REST listener: an endpoint takes a client's offer
// (POST application/sdp, 201 with the answer, Location, ETag, Link rel="ice-server"), a session's resource takes
// trickled candidates and ICE restarts (PATCH application/trickle-ice-sdpfrag) and DELETE. Behind it, plain Janus
// API requests through the gateway (janus-client.ts); docs/whip-whep.md.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../core/errors.js';
import type { Gateway } from '../../core/gateway.js';
import type { LocalSiblings } from '../../core/local-siblings.js';
import type { JsonObject } from '../../core/validate.js';
import { errorText } from '../../logging/error-text.js';
import type { Logger } from '../../logging/logger.js';
import { applyCors, originRefused, type CorsSettings } from '../cors.js';
import { BodyTooLarge, readBody } from '../http-body.js';
import { iceServerLinks, type IceServerSettings } from './ice-server-links.js';
import { InProcessJanus, JanusReplyError } from './janus-client.js';
import { parseSdpFrag, SDPFRAG_LIMITS, SDPFRAG_TYPE, SdpFragError } from './sdpfrag.js';
import { bearerToken, ifMatchAllows, mediaType, parseWhipPath, resourcePath, type WhipBases, type WhipPath, type WhipProtocol, type WhipTarget } from './whip-path.js';
import { WhipHttpError, WhipSession } from './whip-session.js';
import { planFor, PlanError, pluginErrorStatus, tokenBindings, type TargetPlan } from './whip-targets.js';

export interface WhipSettings {
  readonly bases: WhipBases;
  readonly cors: CorsSettings;
  readonly maxBodySize: number;
  readonly iceServers: IceServerSettings;
  readonly videoroomStringIds: boolean;
  readonly streamingStringIds: boolean;
}

const EXPOSED = 'Location, ETag, Link, Accept-Patch, Accept-Post';
const ENDPOINT_METHODS = 'POST, OPTIONS';
const RESOURCE_METHODS = 'PATCH, DELETE, OPTIONS';
/** Keepalives go this often at most, whatever session_timeout says. */
const MAX_KEEPALIVE_MS = 20_000;

export class WhipTransport {
  private readonly janus: InProcessJanus;
  private readonly sessions = new Map<string, WhipSession>();
  private readonly log: Logger;

  constructor(
    private readonly gateway: Gateway,
    private readonly settings: WhipSettings,
    log: Logger,
    /** The other local nodes of this machine (cluster.local_nodes): a resource of theirs is answered there. */
    private readonly siblings?: LocalSiblings,
  ) {
    this.janus = new InProcessJanus(gateway);
    this.log = log.child({ component: 'whip' });
  }

  /** Whether a request target is under the WHIP or WHEP base path (the REST listener hands those here). */
  claims(url: string | undefined): boolean {
    return parseWhipPath(url ?? '/', this.settings.bases) !== undefined;
  }

  /** WHIP and WHEP sessions open now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  close(): void {
    for (const s of [...this.sessions.values()]) s.end('server shutting down');
    this.janus.close();
  }

  readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => this.serve(req, res, true);

  /** The same for requests a sibling carried here (they are this node's: never carried on). */
  readonly onLinkRequest = (req: IncomingMessage, res: ServerResponse): void => this.serve(req, res, false);

  private serve(req: IncomingMessage, res: ServerResponse, carry: boolean): void {
    this.route(req, res, carry).catch((err: unknown) => {
      if (err instanceof WhipHttpError) return this.fail(res, err.status, err.message);
      this.gateway.internalFault('WHIP/WHEP request failed', err, { transport: this.janus.transport });
      this.fail(res, 500, 'internal error');
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse, carry: boolean): Promise<void> {
    const path = parseWhipPath(req.url ?? '/', this.settings.bases);
    const owner = carry && path?.kind === 'resource' ? this.siblings?.ownerOfResource(path.id) : undefined;
    if (owner !== undefined) return this.siblings?.relayHttp(owner, req, res);
    applyCors(req, res, this.settings.cors);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED);
    if (!path || path.kind === 'unknown') return this.drain(req, res, 404, 'no such endpoint or resource');
    if (originRefused(req, this.settings.cors)) return this.drain(req, res, 403, 'origin not allowed');
    const method = req.method ?? 'GET';
    if (path.kind === 'endpoint') return this.endpoint(req, res, method, path);
    return this.resource(req, res, method, path.protocol, path.id);
  }

  private async endpoint(req: IncomingMessage, res: ServerResponse, method: string, path: Extract<WhipPath, { kind: 'endpoint' }>): Promise<void> {
    if (method === 'OPTIONS') {
      res.setHeader('Accept-Post', 'application/sdp');
      return this.drain(req, res, 204);
    }
    if (method !== 'POST') {
      res.setHeader('Allow', ENDPOINT_METHODS);
      return this.drain(req, res, 405, `${method} not allowed on an endpoint`);
    }
    if (mediaType(req.headers['content-type']) !== 'application/sdp') return this.drain(req, res, 415, 'the offer must be application/sdp');
    const auth = this.credentials(req);
    const offer = await this.body(req, this.settings.maxBodySize);
    if (!offer.startsWith('v=0')) throw new WhipHttpError(400, 'the body is not an SDP offer');
    const plan = this.plan(path.protocol, path.target, path.query, auth.bearer);
    const session = await this.open(path.protocol, plan, offer, auth);
    const links = iceServerLinks(this.settings.iceServers);
    if (links.length > 0) res.setHeader('Link', links);
    res.setHeader('Location', resourcePath(this.settings.bases, path.protocol, session.session.id));
    res.setHeader('ETag', session.session.etag);
    res.setHeader('Accept-Patch', SDPFRAG_TYPE);
    res.writeHead(201, { 'Content-Type': 'application/sdp', 'Cache-Control': 'no-store' });
    res.end(session.answer);
  }

  /** The bearer token (absent: none given) and the Janus credentials it stands for. */
  private credentials(req: IncomingMessage): { bearer: string | undefined; janus: JsonObject } {
    const field = req.headers.authorization;
    const bearer = bearerToken(field);
    if (field !== undefined && bearer === undefined) throw new WhipHttpError(401, 'only Bearer authorization is understood');
    // The one credential a WHIP client has stands for a token or the API secret, whichever the server checks.
    return { bearer, janus: bearer === undefined ? {} : { token: bearer, apisecret: bearer } };
  }

  private plan(protocol: WhipProtocol, target: WhipTarget, query: Readonly<Record<string, string>>, bearer: string | undefined): TargetPlan {
    const tokens = this.gateway.tokens;
    const bound = tokens.signed && bearer !== undefined ? tokenBindings(tokens.verifySigned(bearer)) : {};
    try {
      return planFor(protocol, target, query, { videoroomStringIds: this.settings.videoroomStringIds, streamingStringIds: this.settings.streamingStringIds, bound, bearer });
    } catch (err) {
      if (err instanceof PlanError) throw new WhipHttpError(err.status, err.message);
      throw err;
    }
  }

  /** A Janus session and handle, the offer to the plugin; the answer, or the session gone again and an HTTP error. */
  private async open(protocol: WhipProtocol, plan: TargetPlan, offer: string, auth: { bearer: string | undefined; janus: JsonObject }): Promise<{ session: WhipSession; answer: string }> {
    let sessionId: number | undefined;
    let session: WhipSession | undefined;
    const listener = { hangup: (reason: string) => session?.end(`hangup: ${reason}`), sessionOver: () => session?.end('session over') };
    try {
      sessionId = await this.janus.createSession(auth.janus, listener);
      const handleId = await this.janus.attach(sessionId, plan.plugin, auth.janus);
      const reply = await this.janus.message(sessionId, handleId, auth.janus, plan.join, { type: 'offer', sdp: offer });
      if (reply.jsep?.type !== 'answer') throw new WhipHttpError(500, 'the plugin did not answer the offer');
      if (plan.start) await this.janus.message(sessionId, handleId, auth.janus, plan.start);
      session = new WhipSession(protocol, this.janus, sessionId, handleId, auth.janus, auth.bearer, plan, offer, this.log, (s) => this.sessions.delete(s.id), this.siblings?.resourcePrefix);
      this.sessions.set(session.id, session);
      const timeout = this.gateway.settings.sessionTimeout;
      session.keepAlive(timeout > 0 ? Math.min(MAX_KEEPALIVE_MS, (timeout * 1000) / 3) : 0);
      this.log.verbose(`${protocol} session ${session.id} open (${plan.plugin}, Janus session ${sessionId})`);
      return { session, answer: reply.jsep.sdp };
    } catch (err) {
      if (sessionId !== undefined && !session) void this.janus.destroy(sessionId, auth.janus);
      throw this.httpError(plan.plugin, err);
    }
  }

  /** A Janus reply's error as the HTTP status WHIP answers with. */
  private httpError(plugin: string, err: unknown): unknown {
    if (!(err instanceof JanusReplyError)) return err;
    if (err.fromPlugin) return new WhipHttpError(err.code === 0 ? 504 : pluginErrorStatus(plugin, err.code), err.reason);
    switch (err.code) {
      case ErrorCode.UNAUTHORIZED:
        return new WhipHttpError(401, 'a valid token is needed');
      case ErrorCode.UNAUTHORIZED_PLUGIN:
        return new WhipHttpError(403, err.reason);
      case ErrorCode.PLUGIN_NOT_FOUND:
        return new WhipHttpError(404, 'plugin not loaded');
      case ErrorCode.NOT_ACCEPTING_SESSIONS:
        return new WhipHttpError(503, err.reason);
      case ErrorCode.JSEP_INVALID_SDP:
      case ErrorCode.JSEP_UNKNOWN_TYPE:
        return new WhipHttpError(400, err.reason);
      default:
        return new WhipHttpError(500, err.reason);
    }
  }

  private async resource(req: IncomingMessage, res: ServerResponse, method: string, protocol: WhipProtocol, id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session || session.protocol !== protocol) return this.drain(req, res, 404, 'no such session');
    if (method === 'OPTIONS') {
      res.setHeader('Accept-Patch', SDPFRAG_TYPE);
      return this.drain(req, res, 204);
    }
    if (method !== 'PATCH' && method !== 'DELETE') {
      res.setHeader('Allow', RESOURCE_METHODS);
      return this.drain(req, res, 405, `${method} not allowed on a session`);
    }
    // The credential the session was made with opens it; another one does not.
    const bearer = this.credentials(req).bearer;
    if (session.bearer !== undefined && bearer === undefined) return this.drain(req, res, 401, 'a token is needed');
    if (session.bearer !== undefined && bearer !== session.bearer) return this.drain(req, res, 403, 'not the token of this session');
    if (method === 'DELETE') {
      session.end('DELETE');
      return this.drain(req, res, 200);
    }
    if (mediaType(req.headers['content-type']) !== SDPFRAG_TYPE) return this.drain(req, res, 415, `a PATCH must be ${SDPFRAG_TYPE}`);
    const ifMatch = req.headers['if-match'];
    if (!ifMatchAllows(ifMatch, session.etag)) return this.drain(req, res, 412, 'entity tag does not match');
    const text = await this.body(req, SDPFRAG_LIMITS.maxLength);
    let frag;
    try {
      frag = parseSdpFrag(text);
    } catch (err) {
      if (err instanceof SdpFragError) throw new WhipHttpError(400, `bad fragment: ${err.message}`);
      throw err;
    }
    const answer = await session.patch(frag);
    if (answer === undefined) {
      res.writeHead(204);
      res.end();
      return;
    }
    res.setHeader('ETag', session.etag);
    res.writeHead(200, { 'Content-Type': SDPFRAG_TYPE, 'Cache-Control': 'no-store' });
    res.end(answer);
  }

  private async body(req: IncomingMessage, limit: number): Promise<string> {
    try {
      return await readBody(req, limit);
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new WhipHttpError(413, err.message);
      throw new WhipHttpError(400, `body not read: ${errorText(err)}`);
    }
  }

  /** Answers with a status (and a short reason as text) once the request's body, if any, is read away. */
  private drain(req: IncomingMessage, res: ServerResponse, status: number, reason?: string): void {
    req.resume();
    this.fail(res, status, reason);
  }

  private fail(res: ServerResponse, status: number, reason?: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status >= 400) this.log.verbose(`answered ${status}${reason ? `: ${reason}` : ''}`);
    if (reason === undefined || status < 400) {
      res.writeHead(status);
      res.end();
      return;
    }
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(reason + '\n');
  }
}
