// Takes ICE candidate gathering away from werift: host candidates come from sockets the network layer opened.
// werift 0.24.4 would otherwise bind its own sockets (crashing on hosts without IPv6), advertise every NIC,
// and fall back to stun.l.google.com when no STUN server is configured. All werift internals touched here are
// reached through the narrow structural types below, so a werift upgrade breaks in this one file.
import { Candidate, StunProtocol, candidateFoundation, candidatePriority, type RTCPeerConnection } from 'werift';
import { errorText } from '../../logging/error-text.js';
import { InboundCounters, InboundGuard, type GuardedIceAgent } from '../inbound-guard.js';
import type { TurnRelayTransport } from '../turn-relay.js';
import type { UdpIceTransport } from '../udp-ice-transport.js';
import { pairInUse } from './pair-in-use.js';

export interface GatheredEndpoint {
  readonly transport: UdpIceTransport | TurnRelayTransport;
  /** Address written in the candidate (the bound one, a 1:1 NAT mapping, or the relayed address). */
  readonly advertise: string;
  /** A relayed candidate (transport is a TurnRelayTransport); `related` is what the TURN server saw us as. */
  readonly relay?: { readonly related?: { readonly address: string; readonly port: number } };
  /** The socket's server-reflexive address, when a STUN server told us one. */
  readonly srflx?: { readonly address: string; readonly port: number };
  /** An ICE-TCP candidate (RFC 6544): the peer connects to us. */
  readonly tcpType?: 'passive';
  /** On a shared port: tells it which ufrag (and password) this agent's checks carry. */
  readonly claimUfrag?: (ufrag: string, password: string) => void;
}

/** Opens the sockets of one ICE agent; failures of single endpoints are logged by the opener and left out. */
export type EndpointOpener = () => Promise<readonly GatheredEndpoint[]>;

interface WeriftIceConnection {
  stunServer?: unknown;
  readonly remoteCandidates: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  turnServer?: unknown;
  protocols: StunProtocol[];
  localUsername: string;
  localPassword: string;
  /** Our passwords by username fragment, of every generation (restart() adds one). */
  readonly userHistory: Record<string, string | undefined>;
  readonly remotePassword: string;
  readonly iceLite: boolean;
  readonly nominated?: { readonly protocol?: { readonly transport?: unknown }; readonly remoteAddr?: Readonly<[string, number]> };
  readonly state?: string;
  resetNominatedPair(): void;
  generation: number;
  ensureProtocol(protocol: StunProtocol): void;
  pairLocalProtocol(protocol: StunProtocol): void;
  appendLocalCandidate(candidate: Candidate): void;
  getCandidatePromises(addresses: string[], timeout?: number): Promise<Candidate | undefined>[];
}

interface StunProtocolInternals {
  transport: unknown;
  localIp?: string;
  localCandidate?: Candidate;
  datagramReceived(data: Buffer, addr: Readonly<[string, number]>): void;
}

const taken = new WeakSet<object>();

/** What the gate in front of the stack needs from the PeerConnection (see inbound-guard.ts). */
export interface InboundGate {
  readonly counters: InboundCounters;
  dtlsConnected(): boolean;
  log(msg: string): void;
}

/**
 * Makes every ICE agent of `pc` (present now; call again after adding transceivers) gather host candidates
 * only from `open()`, and never contact a STUN/TURN server; every datagram its sockets receive passes the
 * InboundGuard first. Call before setLocalDescription.
 */
export function takeOverIceGathering(pc: RTCPeerConnection, open: EndpointOpener, log: (msg: string) => void, gate: InboundGate = standaloneGate()): void {
  for (const ice of pc.iceTransports) {
    const connection = ice.connection as unknown as WeriftIceConnection;
    if (taken.has(connection)) continue;
    taken.add(connection);
    connection.stunServer = undefined;
    connection.turnServer = undefined;
    const guard = new InboundGuard(guardedAgent(connection, gate), gate.counters, (msg) => gate.log(msg));
    connection.getCandidatePromises = () => [gatherFrom(connection, open, log, guard)];
  }
}

/** A gate of its own, for a PeerConnection that reads no counters (test clients, benches). */
function standaloneGate(): InboundGate {
  return { counters: new InboundCounters(() => {}), dtlsConnected: () => false, log: () => {} };
}

/** The agent as the guard sees it, read live from werift's connection. */
function guardedAgent(connection: WeriftIceConnection, gate: InboundGate): GuardedIceAgent {
  // Read for every datagram: the answer is kept while werift's selected pair object stays the same.
  let lastPair: object | undefined;
  let lastSelected: { readonly transport: object; readonly address: Readonly<[string, number]> } | undefined;
  return {
    passwordOf: (ufrag) => (Object.prototype.hasOwnProperty.call(connection.userHistory, ufrag) ? connection.userHistory[ufrag] : undefined),
    remotePassword: () => connection.remotePassword,
    selected: () => {
      const pair = pairInUse(connection);
      if (pair === lastPair) return lastSelected;
      const transport = pair?.protocol?.transport;
      const address = pair?.remoteAddr;
      lastPair = pair;
      lastSelected = pair && address && typeof transport === 'object' && transport !== null ? { transport, address: [address[0], address[1]] } : undefined;
      return lastSelected;
    },
    isKnownRemote: (addr) => connection.remoteCandidates.some((c) => c.port === addr[1] && c.host === addr[0]),
    dtlsConnected: () => gate.dtlsConnected(),
    get lite() {
      return connection.iceLite;
    },
    forgetSelected: () => connection.resetNominatedPair(),
    awaitsNomination: (ufrag) => connection.nominated === undefined && ufrag === connection.localUsername,
  };
}

async function gatherFrom(connection: WeriftIceConnection, open: EndpointOpener, log: (msg: string) => void, guard: InboundGuard): Promise<Candidate | undefined> {
  let endpoints: readonly GatheredEndpoint[];
  try {
    endpoints = await open();
  } catch (err) {
    log(`ICE gathering failed: ${errorText(err)}`);
    return undefined;
  }
  let first: Candidate | undefined;
  endpoints.forEach((ep, i) => {
    const protocol = new StunProtocol();
    const internals = protocol as unknown as StunProtocolInternals;
    connection.ensureProtocol(protocol);
    internals.transport = ep.transport;
    // werift answers any Binding request, learns its sender, and hands any other datagram to DTLS whatever
    // its source: everything passes our guard first, then our own receive path, then werift.
    const transport = ep.transport;
    const reply = (b: Buffer, to: Readonly<[string, number]>): void => void transport.send(b, to);
    transport.onData = (data, addr) => {
      const admitted = guard.admit(data, addr, transport, reply);
      if (!admitted) return;
      if (transport.intercept?.(admitted)) return;
      internals.datagramReceived(admitted, addr);
    };
    internals.localIp = ep.advertise;
    ep.claimUfrag?.(connection.localUsername, connection.userHistory[connection.localUsername] ?? connection.localPassword);
    connection.protocols.push(protocol);
    const type = ep.relay ? 'relay' : 'host';
    const transportName = ep.tcpType ? 'tcp' : 'udp';
    const candidate = new Candidate(
      candidateFoundation(type, transportName, ep.advertise),
      1,
      transportName,
      // RFC 6544's local preference for TCP (direction first); UDP's by order.
      candidatePriority(type, ep.tcpType ? { transport: 'tcp', tcptype: ep.tcpType } : { transport: 'udp', localPreference: 65535 - i }),
      ep.advertise,
      ep.transport.port,
      type,
      ep.relay?.related?.address,
      ep.relay?.related?.port,
      ep.tcpType,
      connection.generation,
      connection.localUsername,
    );
    internals.localCandidate = candidate;
    connection.pairLocalProtocol(protocol);
    connection.appendLocalCandidate(candidate);
    first ??= candidate;
    const mapped = ep.srflx;
    if (mapped && (mapped.address !== ep.advertise || mapped.port !== ep.transport.port)) {
      // Checks sent to the mapped address reach this same socket through the NAT.
      connection.appendLocalCandidate(
        new Candidate(
          candidateFoundation('srflx', 'udp', mapped.address),
          1,
          'udp',
          candidatePriority('srflx', { transport: 'udp', localPreference: 65535 - i }),
          mapped.address,
          mapped.port,
          'srflx',
          ep.advertise,
          ep.transport.port,
          undefined,
          connection.generation,
          connection.localUsername,
        ),
      );
    }
  });
  return first;
}
