// The file descriptor of a bound dgram socket, for the native batched send (udp-send-batch.ts) and receive
// (udp-batch-receive.ts), and a way to stop Node's own reading of it for the latter. Node has no
// public accessor, and the `_handle` getter is deprecated (DEP0112, printed once): the socket keeps its state
// in an object under an own symbol property, whose `handle` (the libuv UDP handle) carries `fd`. We find that
// symbol by shape, not by name, and answer undefined for anything unexpected, so a Node release that changes
// the layout only turns the native path off.
import type dgram from 'node:dgram';

/** Node's internal bind states (lib/internal/dgram.js): only a bound socket has a usable, stable fd. */
const BIND_STATE_BOUND = 2;

let stateKey: symbol | undefined;

interface HandleLike {
  readonly fd: number;
  /** libuv's uv_udp_recv_stop, as Node's own close calls it. */
  readonly recvStop?: unknown;
}

function isState(value: unknown): value is { handle: HandleLike | null; bindState?: unknown } {
  if (typeof value !== 'object' || value === null || !('handle' in value)) return false;
  const handle: unknown = value.handle;
  return handle === null || (typeof handle === 'object' && typeof (handle as { fd?: unknown }).fd === 'number');
}

function findStateKey(socket: dgram.Socket): symbol | undefined {
  for (const key of Object.getOwnPropertySymbols(socket)) {
    const value: unknown = Reflect.get(socket, key);
    if (isState(value) && value.handle !== null) return key;
  }
  return undefined;
}

function boundHandle(socket: dgram.Socket): HandleLike | undefined {
  stateKey ??= findStateKey(socket);
  if (stateKey === undefined) return undefined;
  const state: unknown = Reflect.get(socket, stateKey);
  if (!isState(state) || state.handle === null) return undefined;
  if (typeof state.bindState === 'number' && state.bindState !== BIND_STATE_BOUND) return undefined;
  return state.handle;
}

/** The fd of `socket` once it is bound, or undefined (not bound yet, closed, or a layout this code does not know). */
export function udpSocketFd(socket: dgram.Socket): number | undefined {
  const fd = boundHandle(socket)?.fd;
  return fd !== undefined && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

/** Stops Node's reading of a bound socket ('message' is no longer emitted); false when it could not be stopped. */
export function stopDgramReading(socket: dgram.Socket): boolean {
  const handle = boundHandle(socket);
  if (!handle || typeof handle.recvStop !== 'function') return false;
  try {
    return (handle.recvStop as () => unknown).call(handle) === 0;
  } catch {
    return false;
  }
}
