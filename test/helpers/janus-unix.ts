// A Janus API client over a Unix socket, on the network layer's native socket (Node has no SOCK_SEQPACKET or
// SOCK_DGRAM sockets of its own): SOCK_SEQPACKET connects; SOCK_DGRAM binds a path of its own, where the server
// answers, and sends to the server's. Raw bytes can be sent too, to test what the server does with them.
import { unlinkSync } from 'node:fs';
import { UnixPoll, UnixSocket, type UnixSocketType } from '../../src/net/unix-socket.js';
import { JanusMessages, type Msg } from '../../support/janus-messages.js';

export class JanusUnix extends JanusMessages {
  /** Messages that were not JSON (the test decides whether that is a failure). */
  readonly unparsed: string[] = [];
  private readonly buffer = Buffer.alloc(1 << 20);
  private hungUp = false;
  private readonly hangUpWaiters: Array<() => void> = [];

  private constructor(
    readonly socket: UnixSocket,
    /** The path this client bound (SOCK_DGRAM), removed at close. */
    readonly ownPath: string | undefined,
  ) {
    super();
    socket.watch(UnixPoll.READABLE, () => this.readable());
  }

  /** Connects to `serverPath`; a SOCK_DGRAM client binds `ownPath` first (without it the server cannot answer). */
  static open(serverPath: string, type: UnixSocketType, ownPath?: string): JanusUnix {
    const socket = UnixSocket.open(type);
    try {
      if (ownPath !== undefined) socket.bind(ownPath);
      socket.connect(serverPath);
    } catch (err) {
      socket.close();
      if (ownPath !== undefined) unlinkSync(ownPath);
      throw err;
    }
    return new JanusUnix(socket, ownPath);
  }

  /** Whether the server ended the connection (SOCK_SEQPACKET). */
  get closedByServer(): boolean {
    return this.hungUp;
  }

  /** Resolves once the server has ended the connection. */
  hangUp(): Promise<void> {
    if (this.hungUp) return Promise.resolve();
    return new Promise((resolve) => this.hangUpWaiters.push(resolve));
  }

  /** Sends bytes as they are, as one message; false when the socket would block. */
  sendRaw(data: Uint8Array | string): boolean {
    return this.socket.send(typeof data === 'string' ? Buffer.from(data) : data);
  }

  protected write(text: string): void {
    if (!this.sendRaw(text)) throw new Error('the socket would block');
  }

  close(): void {
    this.socket.close();
    if (this.ownPath !== undefined) {
      try {
        unlinkSync(this.ownPath);
      } catch {
        // already gone
      }
    }
  }

  private readable(): void {
    for (;;) {
      let got;
      try {
        got = this.socket.receive(this.buffer);
      } catch {
        got = { length: 0, from: null };
      }
      if (!got) return;
      if (got.length === 0 && this.socket.type === 'SOCK_SEQPACKET') {
        this.hungUp = true;
        this.socket.watch(0);
        for (const w of this.hangUpWaiters.splice(0)) w();
        return;
      }
      const text = this.buffer.toString('utf8', 0, Math.min(got.length, this.buffer.length));
      let m: unknown;
      try {
        m = JSON.parse(text);
      } catch {
        this.unparsed.push(text);
        continue;
      }
      this.received(m as Msg);
    }
  }
}
