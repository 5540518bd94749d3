// A bound UDP socket as the rest of the server sees it: where it is bound, how to send, how to receive.
// Implemented over the kernel by DgramEndpoint and in memory by the tests' fake network.
import type { Family } from './address.js';
import type { UdpSendPool } from './udp-send-pool.js';

/** Where a datagram came from. The kernel's receive info object is passed as is (no allocation per datagram). */
export interface UdpSource {
  readonly address: string;
  readonly port: number;
}

export type UdpMessageHandler = (data: Buffer, from: UdpSource) => void;
export type UdpErrorHandler = (err: Error) => void;

/**
 * A receiver as native code that sends on the socket itself sees it (a fan-out group): the socket's descriptor, the
 * receiver's encoded address, and the socket's sender threads, if any.
 */
export interface NativeDestination {
  readonly fd: number;
  readonly address: Uint8Array;
  readonly pool: UdpSendPool | undefined;
}

export interface UdpEndpoint {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly dualStack: boolean;
  /** An ICE-TCP agent's connections dressed as an endpoint (RFC 4571 frames, not datagrams), when true. */
  readonly overTcp?: boolean;
  /** The bind text the user asked for, if any. */
  readonly requested?: string;
  readonly closed: boolean;
  /**
   * Sends one datagram; never throws and takes no callback (a callback costs a tick per packet): failures
   * reach the error handler. `address` should be an IP literal (on an IPv6 endpoint an IPv4 one mapped, see
   * destinationFor): a literal costs no look-up, a name goes to the resolver.
   */
  send(packet: Buffer, port: number, address: string): void;
  /** Sends the first `length` bytes of `packet` (a buffer the caller reuses for every packet). */
  sendPrefix(packet: Buffer, length: number, port: number, address: string): void;
  /**
   * Sends the first `length` bytes of `packet` together with everything else queued on this endpoint in this turn
   * of the event loop (copied at once, so the caller may reuse the buffer): one sendmmsg for all of them when the
   * native addon is there. For a socket that many PeerConnections share (a fan-out is one batch).
   */
  sendSoon(packet: Buffer, length: number, port: number, address: string): void;
  /**
   * Where native code may send to host:port on this socket itself, when it can (the addon is there, the socket is
   * bound, host is an address of its family). Datagrams sent that way do not wait behind those sendSoon queued.
   */
  nativeDestination?(host: string, port: number): NativeDestination | undefined;
  /** Datagrams sendSoon handed to the kernel in batches (native) and one at a time (dgram), when counted. */
  readonly batchedSends?: { readonly native: number; readonly dgram: number };
  /** What the native batched receive read (datagrams, batches, oversized ones dropped), when it reads this socket. */
  readonly batchedReceives?: { readonly datagrams: number; readonly batches: number; readonly oversized: number };
  /** The kernel buffer sizes the socket got (Linux reports twice what it grants; capped by net.core.*mem_max), when known. */
  readonly bufferSizes?: { readonly recv: number; readonly send: number };
  /** Sends the concatenation of `parts` as one datagram, without copying them together first. */
  sendParts(parts: readonly Buffer[], port: number, address: string): void;
  /** Sets the one receiver of this endpoint's datagrams (a later call replaces it; undefined drops them). */
  onMessage(handler: UdpMessageHandler | undefined): void;
  /** Sets the receiver of socket errors (send failures, ICMP errors); without one they are logged. */
  onError(handler: UdpErrorHandler | undefined): void;
  /** Closes the socket; idempotent, resolves once it is closed. */
  close(): Promise<void>;
}

/** What Network.openUdp returns during the move to endpoints: an endpoint that still shows its socket. */
