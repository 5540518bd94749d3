// What our own outbound RTP path needs from werift's DTLS and ICE objects: the negotiated SRTP profile and our
// master key, the selected candidate pair, and the profile preference for the handshake. Every werift internal
// this touches is reached through the structural types below, so a werift upgrade breaks in this one file.
import type { RTCDtlsTransport, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RtpPacket } from 'werift';
import { NativeSrtcpOpener } from '../../rtp/srtp/native-srtcp-opener.js';
import { deriveSessionKeys, isSupportedSrtpProfile, masterLengths, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80, type SrtpProfile } from '../../rtp/srtp/srtp-keys.js';
import { TurnRelayTransport } from '../turn-relay.js';
import { UdpIceTransport } from '../udp-ice-transport.js';
import { pairInUse } from './pair-in-use.js';

interface WeriftDtlsSocket {
  srtp?: { srtpProfile?: number };
  extractSessionKeys(keyLength: number, saltLength: number): { localKey: Buffer; localSalt: Buffer; remoteKey: Buffer; remoteSalt: Buffer };
}

interface WeriftDtlsTransportInternals {
  dtls?: WeriftDtlsSocket;
  srtpProfiles: number[];
}

interface WeriftCandidatePair {
  protocol?: { transport?: unknown };
  remoteAddr?: readonly [string, number];
}

interface WeriftIceConnectionInternals {
  nominated?: WeriftCandidatePair;
  state?: string;
  canSendApplicationData(): boolean;
}

/** Where SRTP goes: our socket and the remote address of the selected pair. */
export interface SelectedPath {
  readonly transport: UdpIceTransport | TurnRelayTransport;
  readonly host: string;
  readonly port: number;
  /** The werift pair this was read from, to notice a change of pair cheaply. */
  readonly pair: object;
}

/**
 * Asks the DTLS handshakes of `pc` to prefer AES-CM-128-HMAC-SHA1-80 over AEAD-AES-128-GCM: both are secure and
 * every WebRTC stack offers both, and for AES-CM our sender can reuse one cipher context (see srtp-protector.ts).
 * Call once the transports exist and before ICE connects.
 */
export function preferFastSrtpProfile(pc: RTCPeerConnection): void {
  for (const t of pc.dtlsTransports) {
    (t as unknown as WeriftDtlsTransportInternals).srtpProfiles = [SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_128_GCM];
  }
}

/**
 * Takes the DTLS server role when the offer leaves it to us (setup:actpass): werift's DTLS client waits 100 ms
 * before its first flight, a browser's does not; and as server our SRTP profile preference decides. Call after
 * the offer is applied and before the answer is created.
 */
export function preferDtlsServerRole(pc: RTCPeerConnection): void {
  for (const t of pc.dtlsTransports) {
    const internals = t as unknown as { role?: string };
    if (internals.role === 'auto') internals.role = 'server';
  }
}

/** One side's SRTP master key and salt after the handshake, or undefined when the profile is not one we do. */
function srtpMaster(dtls: RTCDtlsTransport, side: 'local' | 'remote'): { profile: SrtpProfile; key: Buffer; salt: Buffer } | undefined {
  const socket = (dtls as unknown as WeriftDtlsTransportInternals).dtls;
  const profile = socket?.srtp?.srtpProfile;
  if (!socket || !isSupportedSrtpProfile(profile)) return undefined;
  const lengths = masterLengths(profile);
  const keys = socket.extractSessionKeys(lengths.key, lengths.salt);
  return side === 'local' ? { profile, key: keys.localKey, salt: keys.localSalt } : { profile, key: keys.remoteKey, salt: keys.remoteSalt };
}

interface WeriftSrtcpContextInternals {
  getSrtcpSsrcState?: (ssrc: number) => { srtcpIndex: number };
}

/**
 * The next SRTCP index for an SSRC of ours, taken from werift's own SRTCP state (so werift's RTCP and ours form one
 * sequence per SSRC, as the receiver's replay list wants); undefined when that state cannot be reached.
 */
export function srtcpIndexCounter(dtls: RTCDtlsTransport): ((ssrc: number) => number) | undefined {
  const local = (dtls as unknown as { srtcp?: { localContext?: WeriftSrtcpContextInternals } }).srtcp?.localContext;
  const state = local?.getSrtcpSsrcState;
  if (typeof state !== 'function') return undefined;
  return (ssrc) => {
    // As werift's encryptRTCP: increment first, wrap at 2^31.
    const s = state.call(local, ssrc);
    s.srtcpIndex++;
    if (s.srtcpIndex > 0x7fffffff) s.srtcpIndex = 0;
    return s.srtcpIndex;
  };
}

/** Our side's master key and salt (our outbound path). */
export function localSrtpMaster(dtls: RTCDtlsTransport): { profile: SrtpProfile; key: Buffer; salt: Buffer } | undefined {
  return srtpMaster(dtls, 'local');
}

/** The remote side's master key and salt (our inbound path). */
export function remoteSrtpMaster(dtls: RTCDtlsTransport): { profile: SrtpProfile; key: Buffer; salt: Buffer } | undefined {
  return srtpMaster(dtls, 'remote');
}

/**
 * Makes werift's receiver forget an SSRC our own inbound path took over, so its receiver reports no longer
 * describe a stream it stopped seeing (ours do), and stop reporting once it has no stream left.
 */
export function forgetReceiverStream(receiver: RTCRtpReceiver, ssrc: number): void {
  const internals = receiver as unknown as { remoteStreams?: Record<string, unknown>; nack?: { addPacket?: unknown; close?: () => void }; rtcpCancel?: { abort?: () => void } };
  if (internals.remoteStreams) {
    delete internals.remoteStreams[ssrc];
    // With nothing left to describe, its report loop would still send an empty report every second or so, built
    // and encrypted in JavaScript: ours cover the streams, so the loop ends (as when the receiver stops).
    if (Object.keys(internals.remoteStreams).length === 0) internals.rtcpCancel?.abort?.();
  }
  // Its NACK generator would now see only retransmissions and take the gaps between them for loss: ours asks.
  const nack = internals.nack;
  if (nack && typeof nack.close === 'function' && nack.addPacket !== ignorePacket) {
    nack.close();
    nack.addPacket = ignorePacket;
  }
}

function ignorePacket(): void {}

/**
 * The selected candidate pair as our socket and a remote address, if ICE may send application data now; through
 * an ICE restart, the pair selected before (pair-in-use.ts).
 */
export function selectedPath(dtls: RTCDtlsTransport, previous: SelectedPath | undefined): SelectedPath | undefined {
  const connection = dtls.iceTransport.connection as unknown as WeriftIceConnectionInternals;
  const pair = pairInUse(connection);
  if (!pair || (connection.nominated && !connection.canSendApplicationData())) return undefined;
  if (previous && previous.pair === pair) return previous;
  const transport = pair.protocol?.transport;
  const remote = pair.remoteAddr;
  if (!(transport instanceof UdpIceTransport || transport instanceof TurnRelayTransport) || !remote || !transport.canSendTo(remote[0], remote[1])) return undefined;
  return { transport, host: remote[0], port: remote[1], pair };
}

/** The CNAME werift wrote for this sender in the SDP, for our Sender Reports' SDES. */
export function senderCname(sender: RTCRtpSender): string | undefined {
  const cname = (sender as unknown as { cname?: unknown }).cname;
  return typeof cname === 'string' && cname !== '' ? cname : undefined;
}

/**
 * The decrypted datagram a received werift RtpPacket was parsed from, without re-serialising it: werift's parser
 * leaves the payload as a view into that buffer. Returns undefined when the view does not lead back to a header
 * that matches the packet (an RTX-unwrapped packet, say); the caller serialises then.
 */
export function rawRtpOf(rtp: RtpPacket): Buffer | undefined {
  const h = rtp.header;
  const payload = rtp.payload;
  const start = payload.byteOffset - h.payloadOffset;
  if (start < 0 || h.payloadOffset < 12) return undefined;
  const raw = Buffer.from(payload.buffer, start, h.payloadOffset + payload.length + (h.paddingSize ?? 0));
  if (raw[0] >> 6 !== 2 || (raw[1] & 0x7f) !== h.payloadType || ((raw[2] << 8) | raw[3]) !== h.sequenceNumber || raw.readUInt32BE(8) !== h.ssrc) return undefined;
  return raw;
}

interface WeriftSrtcpSession {
  decrypt: (buf: Buffer) => Buffer;
}

const EMPTY = Buffer.alloc(0);
const guardedSessions = new WeakSet<object>();

/**
 * Puts `admit` between werift's SRTCP decryption and its RTCP parser: a decrypted compound it refuses reaches
 * the parser as nothing (werift parses an empty compound into no packets). With `open` (our native SRTCP
 * decryption), that replaces werift's; what it refuses reaches the parser as nothing too. Call once DTLS is
 * connected.
 */
export function guardRtcpDecryption(dtls: RTCDtlsTransport, admit: (plain: Buffer) => boolean, open?: (srtcp: Buffer) => Buffer | undefined): void {
  const session = (dtls as unknown as { srtcp?: WeriftSrtcpSession }).srtcp;
  if (!session || typeof session.decrypt !== 'function' || guardedSessions.has(session)) return;
  guardedSessions.add(session);
  const decrypt = session.decrypt;
  session.decrypt = (buf: Buffer): Buffer => {
    const plain = open ? open(buf) : decrypt(buf);
    return plain && admit(plain) ? plain : EMPTY;
  };
}

/** Our native SRTCP decryption for the remote side's RTCP, or undefined (no addon, a profile we do not handle). */
export function nativeSrtcpOpener(dtls: RTCDtlsTransport): NativeSrtcpOpener | undefined {
  try {
    const master = remoteSrtpMaster(dtls);
    return master ? NativeSrtcpOpener.create(deriveSessionKeys(master.profile, master.key, master.salt, true)) : undefined;
  } catch {
    return undefined; // werift's decryption stays
  }
}

/**
 * Puts `admit` between werift's DTLS (decrypted application data) and its SCTP transport, whatever receiver the
 * SCTP transport installs now or later. Call once DTLS is connected.
 */
export function guardDtlsApplicationData(dtls: RTCDtlsTransport, admit: (data: Buffer) => boolean): void {
  const target = dtls as unknown as { dataReceiver?: (data: Buffer) => void };
  if (guardedSessions.has(target)) return;
  guardedSessions.add(target);
  let inner = target.dataReceiver;
  const guarded = (data: Buffer): void => {
    if (admit(data)) inner?.(data);
  };
  Object.defineProperty(target, 'dataReceiver', {
    configurable: true,
    enumerable: true,
    get: () => guarded,
    set: (receiver: (data: Buffer) => void) => {
      inner = receiver;
    },
  });
}
