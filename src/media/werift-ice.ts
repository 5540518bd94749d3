// Takes ICE candidate gathering away from werift: host candidates come from sockets the network layer opened.
// werift 0.24.4 would otherwise bind its own sockets (crashing on hosts without IPv6), advertise every NIC,
// and fall back to stun.l.google.com when no STUN server is configured. All werift internals touched here are
// reached through the narrow structural types below, so a werift upgrade breaks in this one file.
import { Candidate, StunProtocol, candidateFoundation, candidatePriority, type RTCPeerConnection } from 'werift';
import type { TurnRelayTransport } from './turn-relay.js';
import type { UdpIceTransport } from './udp-ice-transport.js';

export interface GatheredEndpoint {
  readonly transport: UdpIceTransport | TurnRelayTransport;
  /** Address written in the candidate (the bound one, a 1:1 NAT mapping, or the relayed address). */
  readonly advertise: string;
  /** A relayed candidate (transport is a TurnRelayTransport); `related` is what the TURN server saw us as. */
  readonly relay?: { readonly related?: { readonly address: string; readonly port: number } };
  /** The socket's server-reflexive address, when a STUN server told us one. */
  readonly srflx?: { readonly address: string; readonly port: number };
}

/** Opens the sockets of one ICE agent; failures of single endpoints are logged by the opener and left out. */
export type EndpointOpener = () => Promise<readonly GatheredEndpoint[]>;

interface WeriftIceConnection {
  stunServer?: unknown;
  readonly remoteCandidates: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  turnServer?: unknown;
  protocols: StunProtocol[];
  localUsername: string;
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

/**
 * Makes every ICE agent of `pc` (present now; call again after adding transceivers) gather host candidates
 * only from `open()`, and never contact a STUN/TURN server. Call before setLocalDescription.
 */
export function takeOverIceGathering(pc: RTCPeerConnection, open: EndpointOpener, log: (msg: string) => void): void {
  for (const ice of pc.iceTransports) {
    const connection = ice.connection as unknown as WeriftIceConnection;
    if (taken.has(connection)) continue;
    taken.add(connection);
    connection.stunServer = undefined;
    connection.turnServer = undefined;
    connection.getCandidatePromises = () => [gatherFrom(connection, open, log)];
  }
}

async function gatherFrom(connection: WeriftIceConnection, open: EndpointOpener, log: (msg: string) => void): Promise<Candidate | undefined> {
  let endpoints: readonly GatheredEndpoint[];
  try {
    endpoints = await open();
  } catch (err) {
    log(`ICE gathering failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  let first: Candidate | undefined;
  endpoints.forEach((ep, i) => {
    const protocol = new StunProtocol();
    const internals = protocol as unknown as StunProtocolInternals;
    connection.ensureProtocol(protocol);
    internals.transport = ep.transport;
    // werift hands any datagram to DTLS whatever its source; only STUN may come from an address ICE has not
    // seen (signalled, or learned from an authenticated check): junk posing as DTLS from elsewhere could
    // otherwise disturb a handshake in progress.
    let lastKnown: Readonly<[string, number]> | undefined;
    ep.transport.onData = (data, addr) => {
      if (data.length > 0 && data[0] > 3 && addr !== lastKnown) {
        if (!connection.remoteCandidates.some((c) => c.port === addr[1] && c.host === addr[0])) return;
        lastKnown = addr;
      }
      internals.datagramReceived(data, addr);
    };
    internals.localIp = ep.advertise;
    connection.protocols.push(protocol);
    const type = ep.relay ? 'relay' : 'host';
    const candidate = new Candidate(
      candidateFoundation(type, 'udp', ep.advertise),
      1,
      'udp',
      candidatePriority(type, { transport: 'udp', localPreference: 65535 - i }),
      ep.advertise,
      ep.transport.port,
      type,
      ep.relay?.related?.address,
      ep.relay?.related?.port,
      undefined,
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
