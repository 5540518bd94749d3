// One local node's side of cluster.local_nodes (docs/cluster.md): the carrying of requests to its siblings' private
// loopback listeners (the Janus API over HTTP, WHIP resources and the Admin API, for the sessions they hold), whose
// ports the supervisor tells (server.ts passes them on). Its own such listener is made by server.ts.
import { request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { ErrorCode } from '../core/errors.js';
import { ownerOfId, ownerOfResource, resourcePrefix } from '../core/local-node-ids.js';
import type { LocalSiblings } from '../core/local-siblings.js';
import { isJsonObject, type JsonObject } from '../core/validate.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';

/** The path of the Admin API on a link (a JSON request in, its answer out). */
export const LINK_ADMIN_PATH = '/portunus-local-admin';
/** An Admin answer from a sibling larger than this is refused. */
const MAX_ADMIN_ANSWER = 8 * 1024 * 1024;
const ADMIN_TIMEOUT_MS = 10_000;

export class LocalNodeLink implements LocalSiblings {
  readonly index: number;
  readonly resourcePrefix: string;
  private readonly ports = new Map<number, number>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(
    private readonly node: { readonly index: number; readonly count: number },
    private readonly log: Logger,
  ) {
    this.index = node.index;
    this.resourcePrefix = resourcePrefix(node.index);
  }

  /** Where each sibling's link listens now (index → port), as the supervisor said. */
  setPorts(ports: ReadonlyMap<number, number>): void {
    this.ports.clear();
    for (const [index, port] of ports) if (index !== this.index) this.ports.set(index, port);
  }

  ownerOfSession(id: number): number | undefined {
    const owner = ownerOfId(id, this.node.count);
    return owner === this.index ? undefined : owner;
  }

  ownerOfResource(id: string): number | undefined {
    const owner = ownerOfResource(id, this.node.count);
    return owner === this.index ? undefined : owner;
  }

  others(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.node.count; i++) if (i !== this.index) out.push(i);
    return out;
  }

  relayHttp(index: number, req: IncomingMessage, res: ServerResponse): void {
    const port = this.ports.get(index);
    if (port === undefined) return unreachable(res, index);
    const headers = { ...req.headers };
    delete headers.connection;
    const out = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent: this.agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    out.on('error', (err) => {
      this.log.verbose(`request for local node ${index + 1} not carried: ${errorText(err)}`);
      if (!res.headersSent) unreachable(res, index);
      else res.destroy();
    });
    // A client that goes away ends the carried request too (a long poll parked on the sibling).
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  }

  admin(index: number, request: JsonObject): Promise<JsonObject> {
    const port = this.ports.get(index);
    const failed = (why: string): JsonObject => ({
      janus: 'error',
      ...(typeof request.transaction === 'string' ? { transaction: request.transaction } : {}),
      error: { code: ErrorCode.UNKNOWN, reason: `Local node ${index + 1} unreachable (${why})` },
    });
    if (port === undefined) return Promise.resolve(failed('not up'));
    const body = JSON.stringify(request);
    return new Promise((resolve) => {
      const out = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: LINK_ADMIN_PATH,
          agent: this.agent,
          timeout: ADMIN_TIMEOUT_MS,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          let size = 0;
          answer.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ADMIN_ANSWER) answer.destroy(new Error('answer too large'));
            else chunks.push(c);
          });
          answer.on('error', (err) => resolve(failed(errorText(err))));
          answer.on('end', () => {
            try {
              const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              resolve(isJsonObject(v) ? v : failed('not a JSON object'));
            } catch {
              resolve(failed('not JSON'));
            }
          });
        },
      );
      out.on('timeout', () => out.destroy(new Error('timed out')));
      out.on('error', (err) => resolve(failed(errorText(err))));
      out.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function unreachable(res: ServerResponse, index: number): void {
  const body = JSON.stringify({ janus: 'error', error: { code: ErrorCode.SESSION_NOT_FOUND, reason: `No such session (its local node ${index + 1} is not up)` } });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}
