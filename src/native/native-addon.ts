// Loads the native addon (src/native/*.c, built by scripts/build-native.mjs into dist/native/portunus.node) and
// types its boundary. Absent addon, stale build, load failure or PORTUNUS_NATIVE=0: nativeAddon() returns
// undefined, nativeAddonStatus() says why, and callers use the TypeScript path. Loading never throws.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { errorText } from '../logging/error-text.js';

/** What srtpCreate returns: an opaque handle to keyed OpenSSL contexts, freed when garbage-collected. */
declare const srtpContextBrand: unique symbol;
export interface SrtpContext {
  readonly [srtpContextBrand]: true;
}

/** What outStreamCreate returns: an opaque handle to one outgoing RTP stream's state and NACK history. */
declare const outStreamBrand: unique symbol;
export interface OutStreamHandle {
  readonly [outStreamBrand]: true;
}

/** What sendPoolCreate returns: an opaque handle to a pool of sender threads. */
declare const sendPoolBrand: unique symbol;
export interface SendPoolHandle {
  readonly [sendPoolBrand]: true;
}

/** What fanOutCreate returns: an opaque handle to a fan-out group (the receivers of one stream). */
declare const fanOutBrand: unique symbol;
export interface FanOutHandle {
  readonly [fanOutBrand]: true;
}

/** What udpReceiverCreate returns: an opaque handle to one socket's batched reading. */
declare const udpReceiverBrand: unique symbol;
export interface UdpReceiverHandle {
  readonly [udpReceiverBrand]: true;
}

/** What opusEncoderCreate returns: an opaque handle to one libopus encoder, freed by opusEncoderDestroy or when garbage-collected. */
declare const opusEncoderBrand: unique symbol;
export interface NativeOpusEncoder {
  readonly [opusEncoderBrand]: true;
}

/** What unixSocketOpen and unixSocketAccept return: an opaque handle to one Unix socket's fd (src/native/unix-socket.c). */
declare const unixSocketBrand: unique symbol;
export interface NativeUnixSocket {
  readonly [unixSocketBrand]: true;
}

/** One message unixSocketReceive read: its real length (more than the buffer: cut) and the sender's bound path on SOCK_DGRAM. */
export interface UnixReceived {
  readonly length: number;
  readonly from: string | null;
}

/** What opusDecoderCreate returns: an opaque handle to one libopus decoder. */
declare const opusDecoderBrand: unique symbol;
export interface NativeOpusDecoder {
  readonly [opusDecoderBrand]: true;
}

export interface NativeAddon {
  /** Bytes per slot of an address table (a sockaddr_in6, which also holds a sockaddr_in). */
  readonly addressSlotBytes: number;
  /** Datagrams handed to one sendmmsg call; sendBatch loops for more. */
  readonly maxDatagramsPerCall: number;
  /**
   * Sends datagram i = packets[offsets[i], +lengths[i]) to the address in slot addressSlots[i] of `addresses`, for
   * i < count, with sendmmsg on `fd`. Returns how many the kernel took (the first ones); on EAGAIN, ENOBUFS or
   * any other error that is fewer than count and the caller sends the rest another way. Throws a TypeError or
   * RangeError, before sending anything, for an argument of the wrong type or outside its buffer.
   */
  sendBatch(fd: number, packets: Uint8Array, offsets: Int32Array, lengths: Int32Array, addresses: Uint8Array, addressSlots: Int32Array, count: number): number;
  /**
   * Writes the socket address of numeric `host` (IPv4, or IPv6 with an optional %scope) and `port` into slot
   * `slot` of `table`; v4-mapped on an IPv6 socket. False when it cannot be sent natively (a name, IPv6 on an
   * IPv4 socket, port 0): send that datagram through dgram.
   */
  encodeAddress(table: Uint8Array, slot: number, host: string, port: number, ipv6Socket: boolean): boolean;
  /**
   * Starts reading the bound UDP socket `fd` in batches (recvmmsg on a duplicate of fd, polled on the main loop):
   * datagram i of a batch is at arena[i * slotBytes] with its length in lengths[i] (-1 when it was larger than a
   * slot) and its sender in slot i of `sources` (a struct sockaddr). `callback(count, start)` handles the batch
   * from datagram start on and returns the index it stopped before, and is called again from there after Node ran
   * its promise jobs; count is -errno when the socket failed. The buffers must stay unwritten while it is open;
   * udpReceiverClose ends it.
   */
  udpReceiverCreate(fd: number, arena: Uint8Array, slotBytes: number, lengths: Int32Array, sources: Uint8Array, callback: (count: number, start: number) => number): UdpReceiverHandle;
  /** Stops reading and closes the duplicate descriptor (not the socket); idempotent. */
  udpReceiverClose(receiver: UdpReceiverHandle): void;
  /** into[0..2] = datagrams read, batches, datagrams larger than a slot (dropped). */
  udpReceiverStats(receiver: UdpReceiverHandle, into: Float64Array): void;
  /** The IP address in slot `slot` of a sources table as Node writes a sender's address; undefined for neither family. */
  udpSourceText(sources: Uint8Array, slot: number): string | undefined;
  /** Keyed contexts for one SRTP sender (profile 1 AES-CM/HMAC-SHA1-80 or 7 AEAD-AES-128-GCM, session keys). */
  srtpCreate(profile: number, cipherKey: Uint8Array, salt: Uint8Array, authKey: Uint8Array): SrtpContext;
  /** Protects buf[0, len) in place and appends the tag; the new length, or -1 for a malformed RTP header. Throws when buf has no room. */
  srtpProtect(ctx: SrtpContext, buf: Uint8Array, len: number, roc: number): number;
  /**
   * Checks the tag of the SRTP packet buf[0, len) (tag included; tagLength 10 or 4 for AES-CM, 16 for GCM) and
   * decrypts it in place: the RTP packet's length, -1 for a malformed header, -2 for a tag that does not match
   * (with GCM the payload bytes are then garbage). Throws for arguments outside their buffer or range.
   */
  srtpUnprotect(ctx: SrtpContext, buf: Uint8Array, len: number, roc: number, tagLength: number): number;
  /**
   * SRTCP-protects the compound RTCP packet buf[0, len) in place with a context keyed with SRTCP session keys and
   * SRTCP index `index` (E flag set): the SRTCP length, or -1 when it is not RTCP. buf needs 20 bytes of room after len.
   */
  srtcpProtect(ctx: SrtpContext, buf: Uint8Array, len: number, index: number): number;
  /** Checks and decrypts the SRTCP packet buf[0, len) in place (remote SRTCP keys): the RTCP length, -1 when too short, -2 for a wrong tag. */
  srtcpUnprotect(ctx: SrtpContext, buf: Uint8Array, len: number): number;
  /** One outgoing RTP stream (src/native/out-stream.c, the rules of rtp-out-stream.ts); history: keep packets for NACKs. */
  outStreamCreate(ctx: SrtpContext, ssrc: number, payloadType: number, clockRate: number, keepHistory: boolean): OutStreamHandle;
  /** Rewrites src[0, srcLen) into out with the stream's header fields, protects it there with its SRTP context and keeps a copy: its length, or -1 for a malformed header. */
  outStreamSend(stream: OutStreamHandle, src: Uint8Array, srcLen: number, now: number, out: Uint8Array): number;
  outStreamSkip(stream: OutStreamHandle): void;
  outStreamRestart(stream: OutStreamHandle): void;
  /** Copies the kept SRTP packet `seq` into out: its length, or 0 (not kept, too old, resent within minGapMs). */
  outStreamRecall(stream: OutStreamHandle, seq: number, now: number, minGapMs: number, out: Uint8Array): number;
  outStreamPrune(stream: OutStreamHandle, now: number): void;
  /** Writes packets, octets, retransmitted, lastTs, lastSentAt, the history's buffer bytes, the last second's bytes and its window's start into into[0..7]. */
  outStreamCounters(stream: OutStreamHandle, into: Float64Array): void;
  /** A pool of `threads` (1-16) sender threads (src/native/send-pool.c). */
  sendPoolCreate(threads: number): SendPoolHandle;
  /**
   * As sendBatch, but copies the datagrams and returns at once: the pool's threads send them (one destination
   * always by the same thread). Returns how many were queued; the rest were dropped (a thread's queue was full).
   */
  sendPoolQueue(pool: SendPoolHandle, fd: number, packets: Uint8Array, offsets: Int32Array, lengths: Int32Array, addresses: Uint8Array, addressSlots: Int32Array, count: number): number;
  /** Writes threads, queued, dropped (queue full), dropped (send errors), then each thread's sent count, into `into`. */
  sendPoolStats(pool: SendPoolHandle, into: Float64Array): void;
  /** Stops and joins the threads (what waits is dropped); idempotent. Queueing afterwards throws. */
  sendPoolClose(pool: SendPoolHandle): void;
  /** An empty fan-out group (src/native/fan-out.c). */
  fanOutCreate(): FanOutHandle;
  /**
   * Makes the group's members streams[i], sent on fds[i] to the address in slot i of `addresses` (encodeAddress's
   * slots), for i < count; the group keeps the streams alive while they are members. Checked whole first.
   */
  fanOutSet(group: FanOutHandle, streams: readonly OutStreamHandle[], fds: Int32Array, addresses: Uint8Array, count: number): void;
  /**
   * Rewrites, protects and keeps src[0, srcLen) (a checked RTP packet) for every member and sends the datagrams
   * (sendmmsg per run of one fd; with a pool, its threads send them): how many went. What the kernel or the
   * pool does not take is dropped and counted.
   */
  fanOutSend(group: FanOutHandle, src: Uint8Array, srcLen: number, now: number, pool: SendPoolHandle | undefined): number;
  /** Writes members, sent, dropped, failed into into[0..3]. */
  fanOutStats(group: FanOutHandle, into: Float64Array): void;
  /** The version of the machine's libopus.so.0, opened at first use; undefined when there is none (opusLibraryError says why). */
  opusLibrary(): string | undefined;
  opusLibraryError(): string;
  /** A libopus encoder (src/native/opus-encoder.c); application 2048 VoIP, 2049 audio, 2051 low delay. Throws without libopus. */
  opusEncoderCreate(rate: number, channels: number, application: number): NativeOpusEncoder;
  /** One of the setters 4002 bitrate, 4010 complexity, 4012 in-band FEC, 4014 expected loss, 4016 DTX: libopus's status. */
  opusEncoderSet(encoder: NativeOpusEncoder, request: number, value: number): number;
  /** Encodes frameSamples per channel of interleaved pcm into out: the packet's length, or libopus's negative error. */
  opusEncode(encoder: NativeOpusEncoder, pcm: Int16Array, frameSamples: number, out: Uint8Array): number;
  opusEncoderDestroy(encoder: NativeOpusEncoder): void;
  /** A libopus decoder (src/native/opus-decoder.c). Throws without libopus. */
  opusDecoderCreate(rate: number, channels: number): NativeOpusDecoder;
  /**
   * Decodes packet[0, length) (framing checked by audio/opus-packet.ts first) into out, at most frameSamples per
   * channel: the samples per channel written, or libopus's negative error. packet null conceals a lost frame of
   * frameSamples; fec decodes the frame before packet from its in-band redundancy.
   */
  opusDecode(decoder: NativeOpusDecoder, packet: Uint8Array | null, length: number, out: Int16Array, frameSamples: number, fec: boolean): number;
  opusDecoderDestroy(decoder: NativeOpusDecoder): void;
  /**
   * Unix sockets (src/native/unix-socket.c), non-blocking: these never wait. Failures throw an Error whose `code`
   * is the errno's name (ENOENT, ECONNREFUSED, EADDRINUSE…). A new socket: SOCK_DGRAM, or SOCK_SEQPACKET.
   */
  unixSocketOpen(dgram: boolean): NativeUnixSocket;
  /** Binds to a path (a leading NUL: an abstract name); ENAMETOOLONG past the 107 bytes a socket address holds. */
  unixSocketBind(socket: NativeUnixSocket, path: string): void;
  unixSocketListen(socket: NativeUnixSocket, backlog: number): void;
  unixSocketConnect(socket: NativeUnixSocket, path: string): void;
  /** The next waiting connection, or null. */
  unixSocketAccept(socket: NativeUnixSocket): NativeUnixSocket | null;
  /** One message into buf, or null when none waits; on SOCK_SEQPACKET length 0 is the peer's end. */
  unixSocketReceive(socket: NativeUnixSocket, buf: Uint8Array): UnixReceived | null;
  /** Sends buf[0, length) as one message to path (SOCK_DGRAM) or on the connection (null): the bytes sent, -1 when full. */
  unixSocketSend(socket: NativeUnixSocket, buf: Uint8Array, length: number, path: string | null): number;
  /**
   * Calls callback(status, events) on the main loop while the socket is readable (events bit 1) or writable
   * (bit 2), as `events` asks; bit 4 of the answer is a hang-up, a negative status a poll error. events 0 stops
   * (the loop is then no longer held); callback null keeps the previous one.
   */
  unixSocketPoll(socket: NativeUnixSocket, events: number, callback: ((status: number, events: number) => void) | null): void;
  /** The socket's descriptor number, -1 once closed. */
  unixSocketFd(socket: NativeUnixSocket): number;
  /** Stops polling and closes the fd; idempotent. The bound path stays until unlinked. */
  unixSocketClose(socket: NativeUnixSocket): void;
}

/** Must equal PORTUNUS_ABI_VERSION of src/native/portunus.h. */
const ABI_VERSION = 12;
const FUNCTIONS = [
  'sendBatch',
  'encodeAddress',
  'udpReceiverCreate',
  'udpReceiverClose',
  'udpReceiverStats',
  'udpSourceText',
  'srtpCreate',
  'srtpProtect',
  'srtpUnprotect',
  'srtcpProtect',
  'srtcpUnprotect',
  'outStreamCreate',
  'outStreamSend',
  'outStreamSkip',
  'outStreamRestart',
  'outStreamRecall',
  'outStreamPrune',
  'outStreamCounters',
  'sendPoolCreate',
  'sendPoolQueue',
  'sendPoolStats',
  'sendPoolClose',
  'fanOutCreate',
  'fanOutSet',
  'fanOutSend',
  'fanOutStats',
  'opusLibrary',
  'opusLibraryError',
  'opusEncoderCreate',
  'opusEncoderSet',
  'opusEncode',
  'opusEncoderDestroy',
  'opusDecoderCreate',
  'opusDecode',
  'opusDecoderDestroy',
  'unixSocketOpen',
  'unixSocketBind',
  'unixSocketListen',
  'unixSocketConnect',
  'unixSocketAccept',
  'unixSocketReceive',
  'unixSocketSend',
  'unixSocketPoll',
  'unixSocketFd',
  'unixSocketClose',
] as const;

let loaded: NativeAddon | undefined;
let loadStatus: string | undefined;

function load(): void {
  if (loadStatus !== undefined) return;
  // This file runs as dist/src/native/native-addon.js; the addon is dist/native/portunus.node.
  const path = fileURLToPath(new URL('../../native/portunus.node', import.meta.url));
  try {
    if (!existsSync(path)) {
      loadStatus = `not built (no ${path}; see the line scripts/build-native.mjs printed)`;
      return;
    }
    const exported: unknown = createRequire(import.meta.url)(path);
    if (typeof exported !== 'object' || exported === null) {
      loadStatus = `${path} exports no object`;
      return;
    }
    const record = exported as Record<string, unknown>;
    if (record.abiVersion !== ABI_VERSION) {
      loadStatus = `${path} is a stale build (ABI ${String(record.abiVersion)}, want ${ABI_VERSION}); rebuild with npm run build`;
      return;
    }
    const missing = FUNCTIONS.filter((name) => typeof record[name] !== 'function');
    if (missing.length > 0 || typeof record.addressSlotBytes !== 'number' || typeof record.maxDatagramsPerCall !== 'number') {
      loadStatus = `${path} lacks ${missing.join(', ') || 'its constants'}`;
      return;
    }
    loaded = exported as NativeAddon;
    loadStatus = `loaded from ${path}`;
  } catch (err) {
    loadStatus = `failed to load ${path}: ${errorText(err)}`;
  }
}

function disabled(): boolean {
  return process.env.PORTUNUS_NATIVE === '0';
}

/** The addon, or undefined when it is absent or disabled. Read at construction time, not per packet: it checks the environment each call. */
export function nativeAddon(): NativeAddon | undefined {
  if (disabled()) return undefined;
  load();
  return loaded;
}

/** Why nativeAddon() returns what it does. */
export function nativeAddonStatus(): string {
  if (disabled()) return 'disabled by PORTUNUS_NATIVE=0';
  load();
  return loadStatus ?? 'not loaded';
}
