// What a WHIP or WHEP session asks of its plugin, as Janus API messages: the join that carries the client's offer
// (a VideoRoom publisher or subscriber, a Streaming viewer or `publish` into a mountpoint),
// the start that follows (WHEP), the message that carries a new offer for an ICE restart. Pure.
import type { JsonObject } from '../../core/validate.js';
import { pluginId, type WhipProtocol, type WhipTarget } from './whip-path.js';

export const VIDEOROOM = 'janus.plugin.videoroom';
export const STREAMING = 'janus.plugin.streaming';

export interface TargetPlan {
  readonly plugin: string;
  /** The message that carries the client's offer. */
  readonly join: JsonObject;
  /** A message after the answer (a viewer's `start`), or none. */
  readonly start?: JsonObject;
  /** The message that carries the new offer of an ICE restart. */
  readonly restart: JsonObject;
}

export interface PlanOptions {
  readonly videoroomStringIds: boolean;
  readonly streamingStringIds: boolean;
  /** room=, display=, feed=, mountpoint= of a signed token: what the token holder may reach, and as whom. */
  readonly bound: Readonly<Record<string, string>>;
  /** The request's bearer token, if any. */
  readonly bearer?: string;
}

/** Why a plan cannot be made: 404 (nothing there can be named so) or 403 (the token binds another target). */
export class PlanError extends Error {
  constructor(
    readonly status: 403 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** The plan for an endpoint's target, with the query's display, id and pin, and the token's bindings. */
export function planFor(protocol: WhipProtocol, target: WhipTarget, query: Readonly<Record<string, string>>, o: PlanOptions): TargetPlan {
  const bound = o.bound;
  const must = (key: string, value: string): void => {
    if (bound[key] !== undefined && bound[key] !== value) throw new PlanError(403, `the token does not allow this ${key}`);
  };
  if (target.plugin === 'videoroom') {
    must('room', target.room);
    const room = pluginId(target.room, o.videoroomStringIds);
    if (room === undefined) throw new PlanError(404, 'no such room');
    const pin = query.pin !== undefined ? { pin: query.pin } : {};
    if (protocol === 'whip') {
      const join: JsonObject = { request: 'joinandconfigure', ptype: 'publisher', room, ...pin };
      const display = bound.display ?? query.display;
      if (display !== undefined) join.display = display;
      const idText = bound.feed ?? query.id;
      if (idText !== undefined) {
        const id = pluginId(idText, o.videoroomStringIds);
        if (id === undefined) throw new PlanError(404, 'no such publisher id');
        join.id = id;
      }
      return { plugin: VIDEOROOM, join, restart: { request: 'configure' } };
    }
    const feedText = target.feed!;
    must('feed', feedText);
    const feed = pluginId(feedText, o.videoroomStringIds);
    if (feed === undefined) throw new PlanError(404, 'no such feed');
    return {
      plugin: VIDEOROOM,
      join: { request: 'join', ptype: 'subscriber', room, streams: [{ feed }], ...pin },
      start: { request: 'start' },
      restart: { request: 'configure', restart: true },
    };
  }
  must('mountpoint', target.mountpoint);
  const id = pluginId(target.mountpoint, o.streamingStringIds);
  if (id === undefined) throw new PlanError(404, 'no such mountpoint');
  if (protocol === 'whip') {
    // The bearer token is the one credential a WHIP client has: the mountpoint's secret, or the admin key to make one.
    const secrets = o.bearer !== undefined ? { secret: o.bearer, admin_key: o.bearer } : {};
    return { plugin: STREAMING, join: { request: 'publish', id, create: true, ...secrets }, restart: { request: 'publish', id, restart: true } };
  }
  const pin = query.pin !== undefined ? { pin: query.pin } : {};
  return { plugin: STREAMING, join: { request: 'watch', id, ...pin }, start: { request: 'start' }, restart: { request: 'watch', id, restart: true, ...pin } };
}

/** room=, display=, feed= and mountpoint= entries of a signed token's list (the rest are plugin names). */
export function tokenBindings(entries: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries ?? []) {
    const m = /^(room|display|feed|mountpoint)=(.*)$/.exec(e);
    if (!m) continue;
    try {
      out[m[1]] = decodeURIComponent(m[2]);
    } catch {
      // a binding we cannot read binds nothing
    }
  }
  return out;
}

/** The HTTP status of a plugin's error code: nothing there 404, refused 403, taken 409, else a bad request. */
export function pluginErrorStatus(plugin: string, code: number): number {
  const table: Record<number, number> =
    plugin === VIDEOROOM ? { 426: 404, 428: 404, 438: 404, 433: 403, 425: 409, 434: 409, 436: 409, 432: 503, 499: 500 } : { 455: 404, 457: 403, 460: 409, 470: 500 };
  return table[code] ?? 400;
}
