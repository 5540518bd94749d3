// The kit's dispatcher: a message's body checked, its request found in the plugin's table, its handler run (at
// once for `ok` requests, in the handle's queue for `ack` ones) and whatever it throws turned into the plugin's
// error event.
import { findFieldError, isJsonObject, type FieldSpec, type JsonObject } from '../core/validate.js';
import type { Logger } from '../logging/logger.js';
import { HandleQueues, type HandleQueue } from './handle-queue.js';
import { errorEvent, PluginError, type PluginErrorCodes } from './plugin-error.js';
import type { PluginHandle, PluginMessage, PluginResult } from './plugin.js';
import { fieldSpecs, type AckRequest, type AdminRequest, type OkRequest, type RequestEntry, type RequestTable } from './request-table.js';

export interface PluginRequestsOptions<S> {
  /** The plugin's short name: the first member of every event (`echotest`, `videoroom`). */
  readonly plugin: string;
  readonly codes: PluginErrorCodes;
  /** Requests by the body's `request`. */
  readonly table?: RequestTable<S>;
  /** Matches `request` whatever its case (Streaming's habit); the table's names are then lower case. */
  readonly anyCase?: boolean;
  /** For a plugin with one request and no `request` member (EchoTest): every message is this one (see `ack`). */
  readonly only?: AckRequest<S>;
  /** How a `request` that is there but not a string is answered: `invalid` (the default) or as if missing (Streaming). */
  readonly nonStringRequest?: 'invalid' | 'missing';
}

export class PluginRequests<S> {
  private readonly queues = new HandleQueues();
  private readonly specs = new Map<RequestEntry<S>, FieldSpec[]>();

  constructor(private readonly options: PluginRequestsOptions<S>) {
    if ((options.table === undefined) === (options.only === undefined)) throw new Error('PluginRequests needs either a table or one request');
    for (const entry of [...Object.values(options.table ?? {}), ...(options.only ? [options.only] : [])]) this.specs.set(entry, fieldSpecs(entry.fields));
  }

  /** Answers a message for a handle whose plugin state is `session`. */
  handle(session: S, handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    if (this.options.only) return this.ack(session, handle, message);
    const found = this.lookup(message.body);
    if (!('entry' in found)) return { kind: 'ok', data: found.error };
    const entry = found.entry;
    if (entry.answer === 'ok') return this.answerNow(entry, session, handle, message);
    return this.enqueue(entry, session, handle, message);
  }

  /** For a plugin built with `only`: queues the message as that request and answers `ack` (synchronously). */
  ack(session: S, handle: PluginHandle, message: PluginMessage): PluginResult {
    const only = this.options.only;
    if (!only) throw new Error('PluginRequests.ack is for a plugin with one request (`only`)');
    return this.enqueue(only, session, handle, message);
  }

  /**
   * An Admin API message (`handleAdminMessage`): only requests built with `admin` run; anything else, a missing
   * or non-string `request` included, is an unknown request. Always answers the plugin's data (never throws).
   */
  async answerAdmin(session: S, body: unknown, log: Logger): Promise<JsonObject> {
    const { codes, table, anyCase } = this.options;
    const request = isJsonObject(body) ? body.request : undefined;
    const name = typeof request === 'string' ? (anyCase ? request.toLowerCase() : request) : undefined;
    const entry = name !== undefined && table && Object.hasOwn(table, name) ? table[name] : undefined;
    if (!entry || !isAdminRequest(entry)) return this.fail(codes.unknownRequest, `Unknown request '${String(request).slice(0, 100)}'`).error;
    try {
      return await entry.runAdmin({ session, body: this.check(entry, body) });
    } catch (err) {
      return this.errorData(err, log);
    }
  }

  /**
   * Runs `job` in the handle's queue, after the requests already waiting there: a media event (setup_media) then
   * follows the request that led to it.
   */
  inQueue(handle: PluginHandle, job: () => void | Promise<void>): void {
    this.queues.add(handle.id, handle.log, async (queue) => {
      if (!queue.closed) await job();
    });
  }

  /** The handle went away (`destroySession`): its waiting requests are dropped, the running one pushes nothing. */
  drop(handleId: number): void {
    this.queues.drop(handleId);
  }

  /** The plugin stops (`destroy`). */
  dropAll(): void {
    this.queues.dropAll();
  }

  /** The plugin's error event for anything thrown (see `errorEvent`); internal faults are logged on `log`. */
  errorData(err: unknown, log: Logger): JsonObject {
    return errorEvent(this.options.plugin, err, this.options.codes.internal, log);
  }

  /** The entry the body's `request` names, or the error data that answers it. */
  private lookup(body: unknown): { readonly entry: RequestEntry<S> } | { readonly error: JsonObject } {
    const { codes, table, anyCase } = this.options;
    if (!isJsonObject(body)) return this.fail(codes.invalidJson, 'JSON error: not an object');
    const request = body.request;
    if (request === undefined || request === null) return this.fail(codes.missingElement, 'Missing mandatory element (request)');
    if (typeof request !== 'string' && this.options.nonStringRequest === 'missing') return this.fail(codes.missingElement, 'Missing mandatory element (request)');
    if (typeof request !== 'string') return this.fail(codes.invalidElement, 'Invalid element type (request should be a string)');
    const name = anyCase ? request.toLowerCase() : request;
    if (table && Object.hasOwn(table, name)) return { entry: table[name] };
    return this.fail(codes.unknownRequest, `Unknown request '${request.slice(0, 100)}'`);
  }

  private fail(code: number, error: string): { readonly error: JsonObject } {
    return { error: { [this.options.plugin]: 'event', error_code: code, error } };
  }

  /** Checks the body against the entry's rules; throws the plugin's error for the first broken one. */
  private check(entry: RequestEntry<S>, body: unknown): JsonObject {
    const { codes } = this.options;
    if (!isJsonObject(body)) throw new PluginError(codes.invalidJson, 'JSON error: not an object');
    const bad = findFieldError(body, this.specs.get(entry)!, { missing: codes.missingElement, invalid: codes.invalidElement });
    if (bad) throw new PluginError(bad.code, bad.reason);
    return body;
  }

  private enqueue(entry: AckRequest<S>, session: S, handle: PluginHandle, message: PluginMessage): PluginResult {
    this.queues.add(handle.id, handle.log, (queue) => this.answerLater(entry, queue, session, handle, message));
    return entry.hint !== undefined ? { kind: 'ack', hint: entry.hint } : { kind: 'ack' };
  }

  private async answerNow(entry: OkRequest<S>, session: S, handle: PluginHandle, message: PluginMessage): Promise<PluginResult> {
    try {
      const body = this.check(entry, message.body);
      const reply = await entry.run({ session, handle, body, transaction: message.transaction, jsep: message.jsep });
      return reply.jsep ? { kind: 'ok', data: reply.data, jsep: reply.jsep } : { kind: 'ok', data: reply.data };
    } catch (err) {
      return { kind: 'ok', data: this.errorData(err, handle.log) };
    }
  }

  private async answerLater(entry: AckRequest<S>, queue: HandleQueue, session: S, handle: PluginHandle, message: PluginMessage): Promise<void> {
    let reply;
    try {
      const body = this.check(entry, message.body);
      reply = await entry.run({ session, handle, body, transaction: message.transaction, jsep: message.jsep });
    } catch (err) {
      reply = { data: this.errorData(err, handle.log) };
    }
    if (reply && !queue.closed) handle.pushEvent(message.transaction, reply.data, reply.jsep);
  }
}

function isAdminRequest<S>(entry: RequestEntry<S>): entry is AdminRequest<S> {
  return 'runAdmin' in entry && typeof entry.runAdmin === 'function';
}
