// The kit's session table: a plugin's state per handle, kept from createSession to destroySession, with what
// every plugin does at both ends (the handle's waiting requests dropped, the state marked destroyed, the plugin's
// own clean-up run once) and the answer Janus gives a message for a handle without one.
import type { PluginRequests } from './plugin-requests.js';
import type { PluginHandle, PluginMessage, PluginResult } from './plugin.js';

/** What the table needs of a plugin's per-handle state: a flag its pending work checks. */
export interface PluginSessionState {
  destroyed: boolean;
}

const NO_SESSION: PluginResult = { kind: 'error', reason: 'No session associated with this handle' };

export class PluginSessions<S extends PluginSessionState> {
  private readonly byHandle = new Map<number, S>();

  constructor(private readonly requests: PluginRequests<S>) {}

  get size(): number {
    return this.byHandle.size;
  }

  /** createSession: `session` is the handle's from now on. */
  add(handle: PluginHandle, session: S): void {
    this.byHandle.set(handle.id, session);
  }

  get(handleId: number): S | undefined {
    return this.byHandle.get(handleId);
  }

  has(handleId: number): boolean {
    return this.byHandle.has(handleId);
  }

  values(): IterableIterator<S> {
    return this.byHandle.values();
  }

  /** destroySession: the handle's waiting requests go; its state, if any, is marked destroyed and given to `end`. */
  end(handle: PluginHandle, end?: (session: S) => void): void {
    const s = this.byHandle.get(handle.id);
    this.byHandle.delete(handle.id);
    this.requests.drop(handle.id);
    if (!s) return;
    s.destroyed = true;
    end?.(s);
  }

  /** destroy (the plugin stops): every handle's state as `end` does, then none is left. */
  endAll(end?: (session: S) => void): void {
    const all = [...this.byHandle.values()];
    this.byHandle.clear();
    this.requests.dropAll();
    for (const s of all) {
      s.destroyed = true;
      end?.(s);
    }
  }

  /** handleMessage: the handle's state answers through the plugin's requests, or Janus's error when it has none. */
  handle(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    const s = this.byHandle.get(handle.id);
    return s ? this.requests.handle(s, handle, message) : NO_SESSION;
  }
}
