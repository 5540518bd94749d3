// A Unix socket a transport serves on (Janus's pfunix): bound to a path, the clients behind it handed over as
// peers. A SOCK_SEQPACKET peer is one accepted connection; a SOCK_DGRAM peer is one sender's bound path, which
// its answers are sent to, as Janus does (a sender bound to no path cannot be answered: its datagrams are
// dropped). Messages arrive whole, one at a time; their bytes are the transport's to parse.
import { lstatSync, unlinkSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { errorText } from '../logging/error-text.js';
import { errnoCode, UnixBindError } from './bind-error.js';
import { UNIX_PATH_BYTES, UnixPoll, UnixSocket, unixSocketsUnavailable, type UnixSocketType } from './unix-socket.js';

type Logger = (message: string) => void;

export interface UnixListenOptions {
  /** What the socket is for, named in errors and logs ("Unix socket (Janus API)"). */
  readonly what: string;
  readonly path: string;
  readonly type: UnixSocketType;
  /** Largest message read whole; a longer one is handed over cut, with its real size. */
  readonly maxMessageSize: number;
}

export interface UnixPeer {
  /** "connection 3" (SOCK_SEQPACKET) or the sender's path (SOCK_DGRAM), for logs. */
  readonly name: string;
  /** The connection's descriptor number (SOCK_SEQPACKET), -1 for a sender (SOCK_DGRAM), as Janus reports them. */
  readonly fd: number;
  /** Bytes waiting because the socket, or the receiver's queue, was full. */
  readonly unsentBytes: number;
  /** Sends one message, queued while the socket is full; false once the peer is closed, or when it is too large to send. */
  send(message: Uint8Array): boolean;
  /** Ends the connection (with afterSending, once what is queued is sent), or forgets the sender; peerGone does not follow. */
  close(afterSending?: boolean): void;
}

export interface UnixListenerHandlers {
  /** A connection accepted, or the first datagram from a path not seen before (before its message). */
  peerOpened(peer: UnixPeer): void;
  /** One message; `size` > data.length when it was longer than maxMessageSize (data holds its start). data is valid during the call only. */
  message(peer: UnixPeer, data: Uint8Array, size: number): void;
  /** The connection ended, or the sender's socket is gone (a datagram to it could not be delivered). */
  peerGone(peer: UnixPeer, reason: string): void;
  /** Something a client did that was dropped without a peer to answer (a datagram from an unbound socket). */
  dropped(reason: string): void;
}

export interface UnixListener {
  readonly what: string;
  readonly path: string;
  readonly type: UnixSocketType;
  /** Open connections, or senders known. */
  readonly peerCount: number;
  /** Closes every peer (no peerGone), the socket, and removes its file while it is still the one we made. */
  close(): void;
}

/** Messages (or connections) taken per wake-up; the poll is level-triggered, so the rest come on the next turn. */
const PER_WAKE = 64;
/** A full receiver queue (SOCK_DGRAM) is tried again after this long. */
const DATAGRAM_RETRY_MS = 10;
/** Accepting pauses this long when the process is out of descriptors (the poll would wake at once again). */
const ACCEPT_PAUSE_MS = 1000;
/** Errors that say a SOCK_DGRAM sender's socket is gone: its file removed, or nobody bound to it any more. */
const SENDER_GONE = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTSOCK', 'EPROTOTYPE', 'ENOTDIR', 'EACCES', 'EPERM']);

/** Binds and starts serving; throws a UnixBindError that says why it cannot. */
export function openUnixListener(options: UnixListenOptions, handlers: UnixListenerHandlers, warn: Logger): UnixListener {
  const unavailable = unixSocketsUnavailable();
  if (unavailable !== undefined) throw new UnixBindError(options.what, options.path, 'ENOTSUP', unavailable);
  checkPath(options);
  clearStaleFile(options, warn);
  const socket = UnixSocket.open(options.type);
  try {
    socket.bind(options.path);
    if (options.type === 'SOCK_SEQPACKET') socket.listen(128);
  } catch (err) {
    socket.close();
    throw new UnixBindError(options.what, options.path, errnoCode(err), bindHint(errnoCode(err), options.path) ?? errorText(err));
  }
  const listener = new ServingSocket(socket, options, handlers, warn, fileIdentity(options.path));
  listener.start();
  return listener;
}

function checkPath(options: UnixListenOptions): void {
  const { what, path } = options;
  if (path === '') throw new UnixBindError(what, path, 'EINVAL', 'no path configured');
  if (path.includes('\0')) throw new UnixBindError(what, path, 'EINVAL', 'the path holds a NUL character');
  const bytes = Buffer.byteLength(path);
  if (bytes >= UNIX_PATH_BYTES) throw new UnixBindError(what, path, 'ENAMETOOLONG', `the path is ${bytes} bytes; a Unix socket address holds at most ${UNIX_PATH_BYTES - 1}`);
}

/**
 * Janus unlinks the path before binding, so a socket file left by a process that did not stop cleanly does not
 * keep it from starting. We do the same for a socket file nobody serves (a connection to it is refused), and
 * say so; a file that is not a socket, or a socket another process serves, is left alone and explained.
 */
function clearStaleFile(options: UnixListenOptions, warn: Logger): void {
  const { what, path } = options;
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch {
    return; // nothing there (or a folder we cannot read: bind says which)
  }
  if (!stats.isSocket()) throw new UnixBindError(what, path, 'EEXIST', 'the path exists and is not a socket (only a socket file nobody serves is removed)');
  const probe = UnixSocket.open(options.type);
  let code: string | undefined;
  try {
    probe.connect(path);
  } catch (err) {
    code = errnoCode(err);
  } finally {
    probe.close();
  }
  // EPROTOTYPE: a socket of the other type answers there; EAGAIN: a SOCK_SEQPACKET server with a full backlog.
  if (code === undefined || code === 'EPROTOTYPE' || code === 'EAGAIN') {
    throw new UnixBindError(what, path, 'EADDRINUSE', 'another process serves on this path (a socket file that answers is never removed)');
  }
  if (code === 'ENOENT') return;
  if (code !== 'ECONNREFUSED') throw new UnixBindError(what, path, code, `cannot tell whether the socket file there is in use: ${bindHint(code, path) ?? code}`);
  try {
    unlinkSync(path);
  } catch (err) {
    throw new UnixBindError(what, path, errnoCode(err), `cannot remove the stale socket file there: ${bindHint(errnoCode(err), path) ?? errorText(err)}`);
  }
  warn(`${what}: removed the stale socket file ${path} (nothing served on it: left by a process that did not remove it), as Janus does before binding`);
}

function bindHint(code: string, path: string): string | undefined {
  const folder = dirname(path);
  switch (code) {
    case 'ENOENT':
      return `the folder ${folder} does not exist`;
    case 'ENOTDIR':
      return `a part of ${folder} is not a folder`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to create a file in ${folder}`;
    case 'EROFS':
      return `${folder} is on a read-only file system`;
    case 'EADDRINUSE':
      return 'the path was taken by another socket meanwhile';
    default:
      return undefined;
  }
}

interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const s = lstatSync(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined;
  }
}

class ServingSocket implements UnixListener {
  private readonly buffer: Buffer;
  private readonly connections = new Set<ConnectionPeer>();
  private readonly senders = new Map<string, SenderPeer>();
  private readonly waitingSenders = new Set<SenderPeer>();
  private retryTimer: NodeJS.Timeout | undefined;
  private acceptPause: NodeJS.Timeout | undefined;
  private nextConnection = 1;
  private closed = false;

  constructor(
    readonly socket: UnixSocket,
    private readonly options: UnixListenOptions,
    readonly handlers: UnixListenerHandlers,
    readonly warn: Logger,
    private readonly identity: FileIdentity | undefined,
  ) {
    this.buffer = Buffer.allocUnsafe(options.maxMessageSize);
  }

  get what(): string {
    return this.options.what;
  }
  get path(): string {
    return this.options.path;
  }
  get type(): UnixSocketType {
    return this.options.type;
  }
  get peerCount(): number {
    return this.options.type === 'SOCK_DGRAM' ? this.senders.size : this.connections.size;
  }

  start(): void {
    this.socket.watch(UnixPoll.READABLE, (status) => (status < 0 ? this.warn(`${this.what}: poll error ${status}`) : this.readable()));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.acceptPause);
    for (const c of [...this.connections]) c.close();
    this.senders.clear();
    this.waitingSenders.clear();
    this.socket.close();
    // Only the file we bound: one a later process put there is its own.
    const now = fileIdentity(this.path);
    if (now && this.identity && now.dev === this.identity.dev && now.ino === this.identity.ino) {
      try {
        unlinkSync(this.path);
      } catch (err) {
        this.warn(`${this.what}: cannot remove ${this.path}: ${errorText(err)}`);
      }
    }
  }

  private readable(): void {
    if (this.options.type === 'SOCK_SEQPACKET') this.acceptSome();
    else this.receiveDatagrams();
  }

  private acceptSome(): void {
    for (let i = 0; i < PER_WAKE && !this.closed; i++) {
      let accepted: UnixSocket | undefined;
      try {
        accepted = this.socket.accept();
      } catch (err) {
        // Out of descriptors, typically: pause, or the level-triggered poll would spin.
        this.warn(`${this.what}: cannot accept a connection (${errorText(err)}); accepting again in ${ACCEPT_PAUSE_MS} ms`);
        this.socket.watch(0);
        this.acceptPause = setTimeout(() => {
          this.acceptPause = undefined;
          if (!this.closed) this.start();
        }, ACCEPT_PAUSE_MS);
        return;
      }
      if (!accepted) return;
      const peer = new ConnectionPeer(accepted, `connection ${this.nextConnection++}`, this);
      this.connections.add(peer);
      this.handlers.peerOpened(peer);
      peer.start();
    }
  }

  /** Reads one message of `socket` into the shared buffer; calls back with it. False when none waited or the read failed. */
  readInto(socket: UnixSocket, onMessage: (from: string | null, size: number) => void, onError: (err: unknown) => void): boolean {
    let got;
    try {
      got = socket.receive(this.buffer);
    } catch (err) {
      onError(err);
      return false;
    }
    if (!got) return false;
    onMessage(got.from, got.length);
    return true;
  }

  message(peer: UnixPeer, size: number): void {
    this.handlers.message(peer, this.buffer.subarray(0, Math.min(size, this.buffer.length)), size);
  }

  private receiveDatagrams(): void {
    for (let i = 0; i < PER_WAKE && !this.closed; i++) {
      const more = this.readInto(
        this.socket,
        (from, size) => {
          if (from === null) {
            this.handlers.dropped('a datagram from a socket bound to no path: there is no address to answer');
            return;
          }
          let peer = this.senders.get(from);
          if (!peer) {
            peer = new SenderPeer(from, this);
            this.senders.set(from, peer);
            this.handlers.peerOpened(peer);
          }
          if (this.senders.get(from) === peer) this.message(peer, size);
        },
        (err) => this.warn(`${this.what}: receive failed: ${errorText(err)}`),
      );
      if (!more) return;
    }
  }

  connectionEnded(peer: ConnectionPeer, reason: string | undefined): void {
    if (!this.connections.delete(peer)) return;
    if (reason !== undefined) this.handlers.peerGone(peer, reason);
  }

  senderForgotten(peer: SenderPeer, reason: string | undefined): void {
    this.waitingSenders.delete(peer);
    if (this.senders.get(peer.name) !== peer) return;
    this.senders.delete(peer.name);
    if (reason !== undefined) this.handlers.peerGone(peer, reason);
  }

  /** Sends one datagram to a sender: true sent, false would block; throws what sendto threw. */
  sendDatagram(data: Uint8Array, to: string): boolean {
    return this.socket.send(data, to);
  }

  retryLater(peer: SenderPeer): void {
    this.waitingSenders.add(peer);
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      const waiting = [...this.waitingSenders];
      this.waitingSenders.clear();
      for (const p of waiting) p.flush();
    }, DATAGRAM_RETRY_MS);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** Messages that would not go yet, in order; bytes counted. */
class SendQueue {
  private readonly items: Uint8Array[] = [];
  bytes = 0;

  get empty(): boolean {
    return this.items.length === 0;
  }
  push(message: Uint8Array): void {
    // The caller's buffer may be reused: keep a copy.
    this.items.push(Uint8Array.from(message));
    this.bytes += message.length;
  }
  /** Sends from the front while `send` takes them: true when all went. */
  drain(send: (m: Uint8Array) => boolean): boolean {
    while (this.items.length > 0) {
      const head = this.items[0];
      if (!send(head)) return false;
      this.items.shift();
      this.bytes -= head.length;
    }
    return true;
  }
  clear(): void {
    this.items.length = 0;
    this.bytes = 0;
  }
}

/** A send that fails with EMSGSIZE drops that one message: the peer is still there. */
function tooLarge(err: unknown): boolean {
  return errnoCode(err) === 'EMSGSIZE';
}

class ConnectionPeer implements UnixPeer {
  readonly fd: number;
  private readonly queue = new SendQueue();
  private ended = false;
  /** close(true) was called: nothing more is taken, and the connection ends once the queue is empty. */
  private closing = false;

  constructor(
    private readonly socket: UnixSocket,
    readonly name: string,
    private readonly owner: ServingSocket,
  ) {
    this.fd = socket.fd;
  }

  get unsentBytes(): number {
    return this.queue.bytes;
  }

  start(): void {
    this.watch();
  }

  send(message: Uint8Array): boolean {
    if (this.ended || this.closing) return false;
    if (this.queue.empty) {
      try {
        if (this.socket.send(message)) return true;
      } catch (err) {
        if (tooLarge(err)) {
          this.owner.warn(`${this.owner.what}: a message of ${message.length} bytes is too large for ${this.name}; dropped`);
          return false;
        }
        // Ended under us (EPIPE, ECONNRESET): reported after this call, not inside the sender's code.
        queueMicrotask(() => this.end(`send failed: ${errorText(err)}`));
        return false;
      }
    }
    this.queue.push(message);
    this.watch();
    return true;
  }

  close(afterSending = false): void {
    this.closing = true;
    if (!afterSending || this.queue.empty) this.end(undefined);
  }

  private watch(): void {
    if (!this.ended) this.socket.watch(UnixPoll.READABLE | (this.queue.empty ? 0 : UnixPoll.WRITABLE), (status, events) => this.polled(status, events));
  }

  private polled(status: number, events: number): void {
    if (status < 0) {
      this.end(`poll error ${status}`);
      return;
    }
    if (events & UnixPoll.WRITABLE) this.flush();
    if (events & UnixPoll.READABLE) this.receiveSome();
  }

  private flush(): void {
    try {
      this.queue.drain((m) => this.socket.send(m));
    } catch (err) {
      this.end(`send failed: ${errorText(err)}`);
      return;
    }
    if (!this.queue.empty) return;
    if (this.closing) this.end(undefined);
    else this.watch();
  }

  private receiveSome(): void {
    for (let i = 0; i < PER_WAKE && !this.ended && !this.owner.isClosed; i++) {
      const more = this.owner.readInto(
        this.socket,
        (_from, size) => {
          // As Janus: a read of nothing on a SOCK_SEQPACKET connection is its end.
          if (size === 0) this.end('closed by the client');
          else this.owner.message(this, size);
        },
        (err) => this.end(`receive failed: ${errorText(err)}`),
      );
      if (!more) return;
    }
  }

  private end(reason: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.clear();
    this.socket.close();
    this.owner.connectionEnded(this, reason);
  }
}

class SenderPeer implements UnixPeer {
  readonly fd = -1;
  private readonly queue = new SendQueue();
  private forgotten = false;

  constructor(
    readonly name: string,
    private readonly owner: ServingSocket,
  ) {}

  get unsentBytes(): number {
    return this.queue.bytes;
  }

  send(message: Uint8Array): boolean {
    if (this.forgotten || this.owner.isClosed) return false;
    if (this.queue.empty) {
      try {
        if (this.owner.sendDatagram(message, this.name)) return true;
      } catch (err) {
        return this.failed(err, message.length);
      }
    }
    this.queue.push(message);
    this.owner.retryLater(this);
    return true;
  }

  flush(): void {
    if (this.forgotten) return;
    try {
      if (!this.queue.drain((m) => this.owner.sendDatagram(m, this.name))) this.owner.retryLater(this);
    } catch (err) {
      this.failed(err, 0);
    }
  }

  close(): void {
    this.forget(undefined);
  }

  private failed(err: unknown, length: number): boolean {
    if (tooLarge(err)) {
      this.owner.warn(`${this.owner.what}: a datagram of ${length} bytes is too large for the socket buffer; not sent to ${this.name}`);
      return false;
    }
    const code = errnoCode(err);
    const reason = SENDER_GONE.has(code) ? `its socket is gone (${code})` : `send failed: ${errorText(err)}`;
    // Reported after this call, not inside the sender's code.
    this.forgotten = true;
    this.queue.clear();
    queueMicrotask(() => this.forget(reason));
    return false;
  }

  private forget(reason: string | undefined): void {
    this.forgotten = true;
    this.queue.clear();
    this.owner.senderForgotten(this, reason);
  }
}
