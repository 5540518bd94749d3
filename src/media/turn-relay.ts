// A relayed ICE candidate through a TURN server (RFC 5766), for the server side (Janus's nat.turn_*): a link of
// its own to the server from the network layer (UDP, TCP or TLS: turn-link.ts), an allocation kept alive with
// Refresh, a permission and a channel per peer, and the same transport shape as UdpIceTransport so werift's ICE
// and our fast sender use it alike. The relayed side (server to peers) is always UDP.
import { randomBytes } from 'node:crypto';
import { errorText } from '../logging/error-text.js';
import { isIP, type AddressInfo } from '../net/address.js';
import type { TurnServerLink } from './turn-link.js';
import {
  allocateRequest,
  channelBindRequest,
  channelDataHeader,
  CLASS_ERROR,
  CLASS_INDICATION,
  CLASS_SUCCESS,
  createPermissionRequest,
  FIRST_CHANNEL,
  isStun,
  LAST_CHANNEL,
  longTermKey,
  METHOD_DATA,
  parseChannelData,
  parseStunMessage,
  refreshRequest,
  sendIndication,
  type StunMessage,
  type TransportAddress,
  type TurnAuth,
} from './turn-messages.js';

type Address = Readonly<[string, number]>;
const DONE: Promise<void> = Promise.resolve();

export interface TurnServer {
  /** An IP literal (names are looked up by the caller). */
  readonly address: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

const LIFETIME_S = 600;
/** Permissions last 5 minutes (RFC 5766 §8); renewed before that. */
const PERMISSION_REFRESH_MS = 4 * 60 * 1000;
const RETRIES_MS = [0, 250, 750];

export class TurnRelayTransport {
  readonly type = 'udp';
  readonly socketType: 'udp4' | 'udp6';
  closed = false;
  received = 0;
  onData: (data: Buffer, addr: Address) => void = () => {};
  /** As UdpIceTransport.intercept: our own receive path for media once SRTP is up (called by the ICE layer). */
  intercept: ((data: Buffer) => boolean) | undefined;
  /** Our relayed address and what the server saw us as; set by allocate(). */
  relayed: TransportAddress | undefined;
  mapped: TransportAddress | undefined;
  private auth: TurnAuth | undefined;
  private readonly pending = new Map<string, (m: StunMessage) => void>();
  private readonly permitted = new Set<string>();
  private readonly channelOf = new Map<string, number>();
  private readonly peerOf = new Map<number, [string, number]>();
  private readonly binding = new Set<string>();
  private nextChannel = FIRST_CHANNEL;
  private readonly timers: NodeJS.Timeout[] = [];
  private sendErrors = 0;

  constructor(
    private readonly link: TurnServerLink,
    private readonly server: TurnServer,
    private readonly warn: (msg: string) => void,
  ) {
    this.socketType = link.family === 6 ? 'udp6' : 'udp4';
    link.onMessage = (data) => {
      if (this.closed) return;
      this.received++;
      try {
        this.fromServer(data);
      } catch (err) {
        this.warn(`TURN: dropping a message from the server: ${errorText(err)}`);
      }
    };
    link.onError = (err) => this.reportSendError(err);
  }

  get address(): AddressInfo {
    const family = this.relayed ? (isIP(this.relayed.address) === 6 ? 'IPv6' : 'IPv4') : this.link.family === 6 ? 'IPv6' : 'IPv4';
    return { address: this.relayed?.address ?? this.link.localAddress, family, port: this.relayed?.port ?? 0 };
  }
  get host(): string {
    return this.relayed?.address ?? '';
  }
  get port(): number {
    return this.relayed?.port ?? 0;
  }

  /**
   * Asks the server for a relayed address (the first request is answered 401 with realm and nonce; the second
   * carries the long-term credentials). Resolves with a reason when it could not.
   */
  async allocate(): Promise<string | undefined> {
    let r = await this.request((tx) => allocateRequest(tx, LIFETIME_S));
    if (!r) return 'no answer from the TURN server';
    if (r.cls === CLASS_ERROR && r.errorCode === 401 && r.realm !== undefined && r.nonce !== undefined) {
      this.auth = { username: this.server.username, realm: r.realm, nonce: r.nonce, key: longTermKey(this.server.username, r.realm, this.server.password) };
      r = await this.authed((tx, auth) => allocateRequest(tx, LIFETIME_S, auth));
      if (!r) return 'no answer from the TURN server';
    }
    if (r.cls !== CLASS_SUCCESS || !r.relayed) return `allocation refused: ${r.errorCode ?? '?'} ${r.errorReason ?? ''}`.trim();
    this.relayed = r.relayed;
    this.mapped = r.mapped;
    const lifetime = Math.max(60, r.lifetime ?? LIFETIME_S);
    const refresh = setInterval(() => void this.authed((tx, auth) => refreshRequest(tx, LIFETIME_S, auth)), (lifetime * 1000) / 2);
    refresh.unref();
    const permissions = setInterval(() => {
      for (const ip of this.permitted) void this.sendPermission(ip);
    }, PERMISSION_REFRESH_MS);
    permissions.unref();
    this.timers.push(refresh, permissions);
    return undefined;
  }

  /** Lets `ip` send to us through the relay (ICE-lite: the remote's checks must get in). */
  permit(ip: string): void {
    if (this.closed || !this.auth || !this.relayed || this.permitted.has(ip) || isIP(ip) !== isIP(this.relayed.address)) return;
    this.permitted.add(ip);
    void this.sendPermission(ip);
  }

  send(data: Buffer, addr?: Address): Promise<void> {
    if (addr && this.canSendTo(addr[0], addr[1])) this.sendChecked(data, addr[1], addr[0]);
    return DONE;
  }

  canSendTo(host: string, port: number): boolean {
    return !this.closed && this.relayed !== undefined && isIP(host) === isIP(this.relayed.address) && port > 0 && port < 65536;
  }

  /** sendChecked copies already: the same. */
  sendCheckedCopy(whole: Buffer, port: number, host: string, length = whole.length): void {
    this.sendChecked(whole, port, host, length);
  }

  /** To a peer through the server: ChannelData once a channel is bound, a Send indication until then. */
  sendChecked(whole: Buffer, port: number, host: string, length = whole.length): void {
    if (this.closed) return;
    // A copy: the caller reuses its buffer, and a stream link may hold what it was given until it can write.
    const data = Buffer.from(whole.subarray(0, length));
    const key = `${host}:${port}`;
    const channel = this.channelOf.get(key);
    try {
      if (channel !== undefined) {
        // A header of its own per message: the send completes later and must not see the next one's length.
        this.link.send([channelDataHeader(channel, data.length), data]);
        return;
      }
      this.link.send([sendIndication(randomBytes(12), { address: host, port }, data)]);
    } catch (err) {
      this.reportSendError(err);
    }
    this.bindChannel(host, port);
  }

  close(): Promise<void> {
    if (this.closed) return DONE;
    for (const t of this.timers) clearInterval(t);
    // Give the allocation back (lifetime 0), then close; no answer is awaited.
    if (this.auth) this.link.send([refreshRequest(randomBytes(12), 0, this.auth)]);
    this.closed = true;
    for (const resolve of this.pending.values()) resolve({ method: 0, cls: CLASS_ERROR, transactionId: Buffer.alloc(12), errorCode: 0, errorReason: 'closed' });
    this.pending.clear();
    return this.link.close();
  }

  private bindChannel(host: string, port: number): void {
    const key = `${host}:${port}`;
    if (this.binding.has(key) || this.nextChannel > LAST_CHANNEL || !this.auth) return;
    this.binding.add(key);
    const channel = this.nextChannel++;
    void this.authed((tx, auth) => channelBindRequest(tx, channel, { address: host, port }, auth)).then((r) => {
      if (r?.cls !== CLASS_SUCCESS) return;
      this.channelOf.set(key, channel);
      this.peerOf.set(channel, [host, port]);
    });
  }

  private async sendPermission(ip: string): Promise<void> {
    const r = await this.authed((tx, auth) => createPermissionRequest(tx, { address: ip, port: 0 }, auth));
    if (r && r.cls !== CLASS_SUCCESS && !this.closed) this.warn(`TURN: permission for ${ip} refused: ${r.errorCode ?? '?'} ${r.errorReason ?? ''}`);
  }

  /** A request with our credentials; a 438 (stale nonce) is retried once with the new nonce. */
  private async authed(build: (tx: Buffer, auth: TurnAuth) => Buffer): Promise<StunMessage | undefined> {
    const auth = this.auth;
    if (!auth) return undefined;
    const r = await this.request((tx) => build(tx, auth));
    if (r?.cls === CLASS_ERROR && r.errorCode === 438 && r.nonce !== undefined && this.auth) {
      this.auth = { ...this.auth, nonce: r.nonce };
      const fresh = this.auth;
      return this.request((tx) => build(tx, fresh));
    }
    return r;
  }

  /** Sends a request (again after 250 and 750 ms) and waits up to 2 s for its answer. */
  private request(build: (tx: Buffer) => Buffer): Promise<StunMessage | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const tx = randomBytes(12);
    const packet = build(tx);
    const id = tx.toString('hex');
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = (m: StunMessage | undefined): void => {
        for (const t of timers) clearTimeout(t);
        this.pending.delete(id);
        resolve(m);
      };
      this.pending.set(id, finish);
      for (const at of RETRIES_MS) {
        timers.push(
          setTimeout(() => {
            if (!this.closed) this.link.send([packet]);
          }, at),
        );
      }
      const limit = setTimeout(() => finish(undefined), 2000);
      limit.unref();
      timers.push(limit);
    });
  }

  private fromServer(data: Buffer): void {
    const cd = parseChannelData(data);
    if (cd) {
      const peer = this.peerOf.get(cd.channel);
      if (peer) this.onData(cd.data, peer);
      return;
    }
    if (!isStun(data)) return;
    const m = parseStunMessage(data);
    if (!m) return;
    if (m.cls === CLASS_INDICATION) {
      if (m.method === METHOD_DATA && m.peer && m.data) this.onData(m.data, [m.peer.address, m.peer.port]);
      return;
    }
    this.pending.get(m.transactionId.toString('hex'))?.(m);
  }

  private reportSendError(err: unknown): void {
    this.sendErrors++;
    if (this.sendErrors === 1 || this.sendErrors % 1000 === 0) {
      this.warn(`TURN: send error towards ${this.server.address}:${this.server.port} (${this.sendErrors} so far): ${errorText(err)}`);
    }
  }
}
