// A werift viewer of a Streaming mountpoint, over the Janus API (WebSocket); used by tests and the bench.
import assert from 'node:assert/strict';
import { RTCPeerConnection, RTCRtpCodecParameters, useOPUS, usePCMU, useSdesMid, useVP8, type RtpPacket } from 'werift';
import type { Network } from '../src/net/network.js';
import { UdpIceTransport } from '../src/media/udp-ice-transport.js';
import { takeOverIceGathering } from '../src/media/werift/ice-gathering.js';
import { JanusWs, type Msg } from './janus-ws.js';
import { candidatesOn } from './loopback-sdp.js';

export interface Viewer {
  readonly seqs: number[];
  readonly timestamps: number[];
  readonly payloads: string[];
  /** Raw payloads as received (full viewers only). */
  readonly raw: Buffer[];
  readonly data: string[];
  /** The local UDP ports of the viewer's sockets (where a kernel counter sees its packets arrive). */
  readonly ports: readonly number[];
  leave(): Promise<void>;
  /** Stops consuming without a word to the server: its socket closes (the server's sends then fail). */
  vanish(): Promise<void>;
  /** Sends `switch` to another mountpoint and waits for `switched`. */
  switchTo(id: number): Promise<void>;
  /** Sends `pause` or `start` and waits for the plugin's answer. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Sends `configure` with these fields and waits for `configured`. */
  configure(fields: Msg): Promise<void>;
  /** The first plugin event of no transaction whose data matches (received or to come). */
  notified(what: string, match: (data: Msg) => boolean, ms?: number): Promise<Msg>;
}

export interface WatchOptions {
  /**
   * Light viewer for load tests: once started, RTP is counted from the (clear-text) SRTP header as it arrives
   * and only every `sampleEvery`-th RTP packet is handed to the WebRTC stack for decryption; ICE, DTLS and RTCP
   * still go through the stack. `payloads` then holds the sampled packets only.
   */
  readonly sampleEvery?: number;
  /**
   * The RTP is counted (and all but a sample dropped) before the socket, in the kernel (bench/kernel-counter.ts):
   * what reaches the socket goes to the stack as it is, and `seqs`/`timestamps` stay empty. Leave `sampleEvery`
   * unset with this: the kernel samples.
   */
  readonly countedInKernel?: boolean;
  /** Sends a session keepalive this often (ms), for viewers that outlive the server's session timeout. */
  readonly keepaliveMs?: number;
  /** Where the viewer gathers (default 127.0.0.1) and the only server address it accepts candidates on. */
  readonly bind?: string;
  readonly serverAddress?: string;
}

export async function watch(wsUrl: string, network: Network, id: number, options: WatchOptions = {}): Promise<Viewer> {
  const ws = await JanusWs.open(wsUrl);
  const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
  const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
  const sampleEvery = options.sampleEvery ?? 0;
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    codecs: { audio: [useOPUS(), usePCMU(), new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 })], video: [useVP8()] },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
  const sockets: UdpIceTransport[] = [];
  /** Set by leave(): a socket werift asks for afterwards is closed at once (it kept a test process alive once). */
  let left = false;
  const keepalive = options.keepaliveMs ? setInterval(() => ws.send({ janus: 'keepalive', session_id: session }), options.keepaliveMs) : undefined;
  const v: Viewer = {
    seqs: [],
    timestamps: [],
    payloads: [],
    raw: [],
    data: [],
    get ports() {
      return sockets.map((s) => s.port);
    },
    async switchTo(target: number) {
      const ack = await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'switch', id: target } });
      const ev = await ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 5000, 'switched');
      assert.deepEqual(((ev.plugindata as Msg).data as Msg).result, { switched: 'ok', id: target });
    },
    async configure(fields: Msg) {
      const ack = await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'configure', ...fields } });
      await ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 5000, 'configured');
    },
    async pause() {
      const ack = await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'pause' } });
      await ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 5000, 'pausing');
    },
    async resume() {
      const ack = await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'start' } });
      await ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 5000, 'started');
    },
    async notified(what: string, match: (data: Msg) => boolean, ms = 8000) {
      const m = await ws.wait((e) => e.janus === 'event' && e.sender === handle && e.transaction === undefined && match(((e.plugindata as Msg | undefined)?.data ?? {}) as Msg), ms, what);
      return (m.plugindata as Msg).data as Msg;
    },
    async vanish() {
      clearInterval(keepalive);
      await Promise.all(sockets.map((s) => s.close()));
    },
    async leave() {
      left = true;
      clearInterval(keepalive);
      await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'stop' } });
      await ws.request({ janus: 'destroy', session_id: session });
      ws.close();
      await pc.close().catch(() => {});
      await Promise.all(sockets.map((s) => s.close()));
    },
  };
  try {
    pc.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((p: RtpPacket) => {
        if (sampleEvery === 0) {
          v.seqs.push(p.header.sequenceNumber);
          v.timestamps.push(p.header.timestamp);
        }
        v.payloads.push(p.payload.toString());
        if (sampleEvery === 0 && v.raw.length < 2000) v.raw.push(Buffer.from(p.payload));
      }),
    );
    pc.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((d: string | Buffer) => v.data.push(d.toString())));
    const ack = await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'watch', id } });
    const ev = await ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, 'watch offer');
    assert.deepEqual(((ev.plugindata as Msg).data as Msg).result, { status: 'preparing' }, JSON.stringify(ev));
    let offer = candidatesOn((ev.jsep as Msg).sdp as string, options.serverAddress ?? '127.0.0.1');
    // A light viewer decrypts a sample only: the stack would take the rest as lost and NACK it.
    if (sampleEvery > 0 || options.countedInKernel)
      offer = offer
        .split('\r\n')
        .filter((l) => !/^a=rtcp-fb:\S+ nack/.test(l))
        .join('\r\n');
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    // The ICE transports exist once the offer is applied: gather on a loopback socket of our own.
    takeOverIceGathering(
      pc,
      async () => {
        const bind = options.bind ?? '127.0.0.1';
        const t = new UdpIceTransport(await network.openUdp({ what: 'test viewer ICE', bind }), () => {});
        sockets.push(t);
        if (left) void t.close();
        return [{ transport: t, advertise: bind }];
      },
      () => {},
    );
    await pc.setLocalDescription(await pc.createAnswer());
    await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'start' }, jsep: { type: 'answer', sdp: pc.localDescription!.sdp } });
    await ws.wait((m) => m.janus === 'event' && JSON.stringify(m.plugindata).includes('"started"'), 15_000, 'started');
    if (sampleEvery > 0) for (const t of sockets) countRtpBeforeTheStack(t, v, sampleEvery);
  } catch (err) {
    // Nothing of a viewer that did not come up may stay behind (the bench gives up on such viewers and goes on).
    left = true;
    clearInterval(keepalive);
    ws.close();
    await pc.close().catch(() => {});
    await Promise.all(sockets.map((s) => s.close()));
    throw err;
  }
  return v;
}

/** Counts RTP at the socket (SRTP leaves the header in clear) and passes only a sample of it to the stack. */
function countRtpBeforeTheStack(transport: UdpIceTransport, v: Viewer, sampleEvery: number): void {
  const toStack = transport.onData;
  let n = 0;
  transport.onData = (data, addr) => {
    const b1 = data.length >= 12 ? data[1] : 0;
    const isRtp = data[0] >> 6 === 2 && !(b1 >= 192 && b1 <= 223);
    if (!isRtp) return toStack(data, addr);
    v.seqs.push((data[2] << 8) | data[3]);
    v.timestamps.push(data.readUInt32BE(4));
    if (++n % sampleEvery === 0) toStack(data, addr);
  };
}
