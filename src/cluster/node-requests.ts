// Requests from a plugin on one node to the same plugin on another, over NATS request/reply: one subject per
// cluster, plugin kind and node (`<cluster>.plugin.<kind>.<node>`), a timeout, a size bound both ways, and every
// message read as untrusted input (a request that is not one is not answered; an answer that is not one fails
// the request). A plugin registers one handler per kind; a throw in it is answered as an error.
import type { NatsConnection, Subscription } from 'nats';
import type { JsonObject } from '../core/validate.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import type { PlacementKind } from './placement-store.js';

/** The largest request or answer, in bytes (a room's description with its streams is far below it). */
export const MAX_NODE_MESSAGE = 256 * 1024;
export const NODE_REQUEST_TIMEOUT_MS = 3000;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export type NodeRequestHandler = (from: string, body: JsonObject) => Promise<JsonObject> | JsonObject;

/** What a node asks: who asks and the plugin's body. */
export interface NodeRequest {
  readonly from: string;
  readonly body: JsonObject;
}

/** The answer: the plugin's body, or why there is none. */
export type NodeAnswer = { readonly ok: JsonObject } | { readonly error: string };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parse(data: Uint8Array): Record<string, unknown> | undefined {
  if (data.length > MAX_NODE_MESSAGE) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(data));
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function encodeMessage(value: NodeRequest | NodeAnswer): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** The request in `data`, or undefined when it is not one. */
export function readRequest(data: Uint8Array): NodeRequest | undefined {
  const o = parse(data);
  if (!o || typeof o.from !== 'string' || !NAME.test(o.from) || !isObject(o.body)) return undefined;
  return { from: o.from, body: o.body };
}

/** The answer in `data`, or an error answer saying why it is not one. */
export function readAnswer(data: Uint8Array): NodeAnswer {
  const o = parse(data);
  if (o && isObject(o.ok)) return { ok: o.ok };
  if (o && typeof o.error === 'string') return { error: o.error.slice(0, 1000) };
  return { error: data.length > MAX_NODE_MESSAGE ? 'answer too large' : 'malformed answer' };
}

export class NodeRequests {
  private readonly handlers = new Map<PlacementKind, NodeRequestHandler>();
  private nc: NatsConnection | undefined;
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly cluster: string,
    private readonly self: string,
    private readonly log: Logger,
    private readonly timeoutMs = NODE_REQUEST_TIMEOUT_MS,
  ) {}

  subject(kind: PlacementKind, node: string): string {
    return `${this.cluster}.plugin.${kind}.${node}`;
  }

  /** `handler` answers the requests for `kind` addressed to this node (from now, and after every reconnection). */
  serve(kind: PlacementKind, handler: NodeRequestHandler): void {
    const known = this.handlers.has(kind);
    this.handlers.set(kind, handler);
    if (!known && this.nc) this.subscribe(this.nc, kind);
  }

  /** A connection is up: this node's subjects are listened to on it. */
  attach(nc: NatsConnection): void {
    this.detach();
    this.nc = nc;
    for (const kind of this.handlers.keys()) this.subscribe(nc, kind);
  }

  detach(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    this.nc = undefined;
  }

  /** Asks `kind` on `node`; rejects when NATS is away, on timeout, or with the error the other node answered. */
  async request(kind: PlacementKind, node: string, body: JsonObject): Promise<JsonObject> {
    const nc = this.nc;
    if (!nc) throw new Error('not connected to NATS');
    if (!NAME.test(node)) throw new Error(`invalid node name ${node}`);
    const data = encodeMessage({ from: this.self, body });
    if (data.length > MAX_NODE_MESSAGE) throw new Error('request too large');
    let reply;
    try {
      reply = await nc.request(this.subject(kind, node), data, { timeout: this.timeoutMs });
    } catch (err) {
      throw new Error(`node ${node} did not answer: ${errorText(err)}`, { cause: err });
    }
    const answer = readAnswer(reply.data);
    if ('error' in answer) throw new Error(`node ${node}: ${answer.error}`);
    return answer.ok;
  }

  private subscribe(nc: NatsConnection, kind: PlacementKind): void {
    this.subscriptions.push(
      nc.subscribe(this.subject(kind, this.self), {
        callback: (err, msg) => {
          if (err || !msg.reply) return;
          const req = readRequest(msg.data);
          const handler = this.handlers.get(kind);
          if (!req || !handler) return;
          const respond = (a: NodeAnswer): void => {
            let data = encodeMessage(a);
            if (data.length > MAX_NODE_MESSAGE) data = encodeMessage({ error: 'answer too large' });
            try {
              msg.respond(data);
            } catch {
              // the connection is going; the asker times out
            }
          };
          void (async () => handler(req.from, req.body))().then(
            (ok) => respond({ ok }),
            (err: unknown) => {
              this.log.verbose(`${kind} request from ${req.from} failed: ${errorText(err)}`);
              respond({ error: errorText(err) });
            },
          );
        },
      }),
    );
  }
}
