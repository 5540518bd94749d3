// One UDP socket on one local address that every PeerConnection shares (`media.single_port`), demultiplexed the
// way mediasoup's WebRtcServer and LiveKit do it: a remote address belongs to the PeerConnection whose ICE
// credentials it proved (a Binding request whose USERNAME starts with that PeerConnection's ufrag and whose
// MESSAGE-INTEGRITY its password reproduces); after that, everything from the address goes to it. An authenticated
// check from a new address (a NAT rebinding, a network change, an ICE restart) adds that address. Nothing from an
// address no PeerConnection proved reaches any of them; answers to our own checks (full ICE) come back from
// addresses we sent to, and only STUN is taken from those.
import { looksLikeStun, readStunMessage } from './stun-message.js';
import { requestedUfrag, UfragDirectory } from './ufrag-directory.js';
import { SharedPortEndpoint } from './shared-port-endpoint.js';
import type { SharedTcpPort } from './shared-tcp-port.js';
import type { UdpEndpoint, UdpSource } from '../net/udp-endpoint.js';

/** Remote addresses one PeerConnection may hold (a client has a few candidates; each restart may add one). */
const MAX_ADDRESSES_PER_MEMBER = 16;
/** Addresses a member sent a check to that no one proved yet (full ICE answers come from there). */
const MAX_PROBED_PER_MEMBER = 32;

export type SharedPortDrop = 'unknown_source' | 'malformed_stun' | 'unknown_ufrag' | 'bad_integrity';

/** What the shared port counted: datagrams routed, and those dropped by reason. */
export class SharedPortCounters {
  routed = 0;
  readonly dropped: Record<SharedPortDrop, number> = { unknown_source: 0, malformed_stun: 0, unknown_ufrag: 0, bad_integrity: 0 };
}

type Owner = SharedPortEndpoint;

export class SharedIcePort {
  readonly counters = new SharedPortCounters();
  /** ICE-TCP on the same address and port number (nat.ice_tcp), when its listener opened. */
  tcp: SharedTcpPort | undefined;
  /** Proven remote addresses: address, then port, then the endpoint that owns them (two lookups, no key string). */
  private readonly proven = new Map<string, Map<number, Owner>>();
  /** Addresses our full-ICE agents sent checks to, for their answers. */
  private readonly probed = new Map<string, Map<number, Owner>>();
  /** Endpoints by the ufrags they claimed. */
  private readonly directory = new UfragDirectory<Owner>();
  private readonly loggedDrops = new Set<SharedPortDrop>();
  private members = 0;

  constructor(
    readonly socket: UdpEndpoint,
    private readonly log: (msg: string) => void,
  ) {
    socket.onMessage((data, from) => this.receive(data, from));
    socket.onError((err) => this.socketError(err));
  }

  get address(): string {
    return this.socket.address;
  }
  get port(): number {
    return this.socket.port;
  }
  /** PeerConnection endpoints now on this port. */
  get size(): number {
    return this.members;
  }

  /** A new endpoint on this port for one ICE agent; it receives nothing until it claims a ufrag and a peer proves it. */
  join(what: string): SharedPortEndpoint {
    this.members++;
    return new SharedPortEndpoint(this, what);
  }

  /** Called by the endpoint: checks of `ufrag` may be for it. */
  claim(owner: Owner, ufrag: string): void {
    this.directory.claim(owner, ufrag);
  }

  /** Called by the endpoint when it sends a datagram to an address: answers to its checks may come from there. */
  sentTo(owner: Owner, address: string, port: number): void {
    if (this.proven.get(address)?.has(port) === true) return;
    const ports = this.probed.get(address);
    if (ports?.get(port) === owner) return;
    if (owner.probed.length >= MAX_PROBED_PER_MEMBER) return;
    setIn(this.probed, address, port, owner);
    owner.probed.push([address, port]);
  }

  /** Called by the endpoint when it closes: its ufrags and addresses are let go. */
  leave(owner: Owner): void {
    this.members--;
    this.directory.release(owner);
    for (const [address, port] of owner.addresses) deleteIn(this.proven, address, port, owner);
    for (const [address, port] of owner.probed) deleteIn(this.probed, address, port, owner);
    owner.addresses.length = 0;
    owner.probed.length = 0;
  }

  close(): Promise<void> {
    return this.socket.close();
  }

  private receive(data: Buffer, from: UdpSource): void {
    const owner = this.proven.get(from.address)?.get(from.port);
    if (looksLikeStun(data)) {
      this.receiveStun(data, from, owner);
      return;
    }
    if (owner) {
      this.counters.routed++;
      owner.deliver(data, from);
      return;
    }
    this.drop('unknown_source', `first byte ${data.length > 0 ? data[0] : 'none'} from ${from.address}:${from.port}`);
  }

  private receiveStun(data: Buffer, from: UdpSource, owner: Owner | undefined): void {
    const msg = readStunMessage(data);
    if (typeof msg === 'string') {
      this.drop('malformed_stun', `${msg} from ${from.address}:${from.port}`);
      return;
    }
    if (msg.cls !== 'request') {
      // Answers and indications carry no ufrag: they go where the address is known; the agent checks them.
      const target = owner ?? this.probed.get(from.address)?.get(from.port);
      if (!target) {
        this.drop('unknown_source', `STUN ${msg.cls} from ${from.address}:${from.port}`);
        return;
      }
      this.counters.routed++;
      target.deliver(data, from);
      return;
    }
    const ufrag = requestedUfrag(data, msg);
    if (owner && owner.credentials.has(ufrag)) {
      // The agent checks the integrity itself (and answers a wrong one with 401).
      this.counters.routed++;
      owner.deliver(data, from);
      return;
    }
    const proved = this.directory.authenticate(data, msg, ufrag);
    if (typeof proved === 'string') {
      this.drop(proved, `Binding request for '${ufrag}' from ${from.address}:${from.port}`);
      return;
    }
    this.prove(proved, from, owner);
    this.counters.routed++;
    proved.deliver(data, from);
  }

  /** `from` proved `owner`'s credentials: it is owner's now (taken from a previous owner, whose check it no longer answers). */
  private prove(owner: Owner, from: UdpSource, previous: Owner | undefined): void {
    if (previous) {
      deleteIn(this.proven, from.address, from.port, previous);
      previous.addresses = previous.addresses.filter(([a, p]) => a !== from.address || p !== from.port);
    }
    if (owner.addresses.length >= MAX_ADDRESSES_PER_MEMBER) {
      const oldest = owner.addresses.shift()!;
      deleteIn(this.proven, oldest[0], oldest[1], owner);
    }
    setIn(this.proven, from.address, from.port, owner);
    owner.addresses.push([from.address, from.port]);
  }

  private drop(reason: SharedPortDrop, detail: string): void {
    this.counters.dropped[reason]++;
    if (this.loggedDrops.has(reason)) return;
    this.loggedDrops.add(reason);
    this.log(`shared ICE port ${this.socket.address}:${this.socket.port}: dropping datagrams (${reason}); first: ${detail}`);
  }

  private sendErrors = 0;
  private socketError(err: Error): void {
    // An ICMP error for one remote reaches the shared socket: it is nobody's in particular. Rate-limited.
    this.sendErrors++;
    if (this.sendErrors === 1 || this.sendErrors % 1000 === 0) this.log(`shared ICE port ${this.socket.address}:${this.socket.port}: socket error (${this.sendErrors} so far): ${err.message}`);
  }
}

function setIn(map: Map<string, Map<number, Owner>>, address: string, port: number, owner: Owner): void {
  let ports = map.get(address);
  if (!ports) map.set(address, (ports = new Map<number, Owner>()));
  ports.set(port, owner);
}

function deleteIn(map: Map<string, Map<number, Owner>>, address: string, port: number, owner: Owner): void {
  const ports = map.get(address);
  if (!ports || ports.get(port) !== owner) return;
  ports.delete(port);
  if (ports.size === 0) map.delete(address);
}
