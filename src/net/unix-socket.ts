// One Unix domain socket of a kind Node does not have, SOCK_SEQPACKET or SOCK_DGRAM, over the native addon
// (src/native/unix-socket.c): socket, bind, listen, connect, accept, one message in or out, and libuv's poll to
// say when it is readable or writable. Nothing here waits. Made only by the network layer (unix-listener.ts)
// and by clients (tests, tools) that want a socket of these kinds.
import { nativeAddon, nativeAddonStatus, type NativeAddon, type NativeUnixSocket, type UnixReceived } from '../native/native-addon.js';

export type UnixSocketType = 'SOCK_SEQPACKET' | 'SOCK_DGRAM';

/** Bytes a socket address holds for a path, its terminating NUL included (sizeof sun_path on Linux). */
export const UNIX_PATH_BYTES = 108;

/** Why Unix sockets of these kinds cannot be had here, or undefined when they can. */
export function unixSocketsUnavailable(): string | undefined {
  return nativeAddon() ? undefined : `Node has no SOCK_SEQPACKET or SOCK_DGRAM sockets and the native addon is not in use (${nativeAddonStatus()})`;
}

/** What poll hands back: readable, writable, the peer hung up. */
export const UnixPoll = { READABLE: 1, WRITABLE: 2, HANGUP: 4 } as const;

export class UnixSocket {
  private closed = false;

  private constructor(
    private readonly addon: NativeAddon,
    private readonly native: NativeUnixSocket,
    readonly type: UnixSocketType,
  ) {}

  /** A new unbound socket; throws when the native addon is not in use (unixSocketsUnavailable says why). */
  static open(type: UnixSocketType): UnixSocket {
    const addon = nativeAddon();
    if (!addon) throw Object.assign(new Error(unixSocketsUnavailable()), { code: 'ENOTSUP' });
    return new UnixSocket(addon, addon.unixSocketOpen(type === 'SOCK_DGRAM'), type);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The descriptor number (-1 once closed), as Janus names a client in its transport events. */
  get fd(): number {
    return this.addon.unixSocketFd(this.native);
  }

  bind(path: string): void {
    this.addon.unixSocketBind(this.native, path);
  }

  listen(backlog: number): void {
    this.addon.unixSocketListen(this.native, backlog);
  }

  connect(path: string): void {
    this.addon.unixSocketConnect(this.native, path);
  }

  /** The next waiting connection (SOCK_SEQPACKET), or undefined. */
  accept(): UnixSocket | undefined {
    const native = this.addon.unixSocketAccept(this.native);
    return native ? new UnixSocket(this.addon, native, this.type) : undefined;
  }

  /** One message into buf, or undefined when none waits (see NativeAddon.unixSocketReceive). */
  receive(buf: Uint8Array): UnixReceived | undefined {
    return this.addon.unixSocketReceive(this.native, buf) ?? undefined;
  }

  /** Sends data as one message (to `path` on an unconnected SOCK_DGRAM socket): false when it would block. */
  send(data: Uint8Array, path?: string): boolean {
    return this.addon.unixSocketSend(this.native, data, data.length, path ?? null) >= 0;
  }

  /** Calls `onEvents` while the socket is readable and (when asked) writable; no events: stops (the loop is let go). */
  watch(events: number, onEvents?: (status: number, events: number) => void): void {
    if (this.closed) return;
    this.addon.unixSocketPoll(this.native, events, onEvents ?? null);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.unixSocketClose(this.native);
  }
}
