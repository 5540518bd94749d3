// A werift TextRoom client over the Janus API (WebSocket): setup, the plugin's data-only offer answered, then
// requests as JSON text on the data channel; loopback only, no STUN.
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import type { Network } from '../src/net/network.js';
import { UdpIceTransport } from '../src/media/udp-ice-transport.js';
import { takeOverIceGathering } from '../src/media/werift/ice-gathering.js';
import { JanusWs, type Msg } from './janus-ws.js';
import { candidatesOn } from './loopback-sdp.js';

export class TextRoomClient {
  /** Every data channel message received, parsed. */
  readonly received: Msg[] = [];
  private seq = 0;
  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
    private readonly pc: RTCPeerConnection,
    private readonly sockets: UdpIceTransport[],
    private channel: RTCDataChannel | undefined,
  ) {}

  static async open(wsUrl: string, network: Network): Promise<TextRoomClient> {
    const ws = await JanusWs.open(wsUrl);
    const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.textroom' })).data as { id: number }).id;
    const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false });
    const sockets: UdpIceTransport[] = [];
    const c = new TextRoomClient(ws, session, handle, pc, sockets, undefined);
    try {
      const ack = await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'setup' } });
      const ev = await ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, 'setup offer');
      await pc.setRemoteDescription({ type: 'offer', sdp: candidatesOn((ev.jsep as Msg).sdp as string, '127.0.0.1') });
      // As janus.js does: the client opens the channel; the server's offer only has the m-line.
      const ch = pc.createDataChannel('JanusDataChannel');
      c.channel = ch;
      ch.onMessage.subscribe((d: string | Buffer) => c.received.push(JSON.parse(d.toString()) as Msg));
      const opened = new Promise<void>((resolve) => ch.stateChanged.subscribe((state) => state === 'open' && resolve()));
      takeOverIceGathering(
        pc,
        async () => {
          const t = new UdpIceTransport(await network.openUdp({ what: 'test textroom ICE', bind: '127.0.0.1' }), () => {});
          sockets.push(t);
          return [{ transport: t, advertise: '127.0.0.1' }];
        },
        () => {},
      );
      await pc.setLocalDescription(await pc.createAnswer());
      await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'ack' }, jsep: { type: 'answer', sdp: pc.localDescription!.sdp } });
      await Promise.race([opened, new Promise((_, reject) => setTimeout(() => reject(new Error('no data channel')), 10_000).unref())]);
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  /** Sends raw text on the data channel. */
  sendRaw(text: string): void {
    this.channel?.send(text);
  }

  /** Sends a request with a fresh transaction and waits for its reply. */
  async request(body: Msg): Promise<Msg> {
    const transaction = `dc${++this.seq}`;
    this.sendRaw(JSON.stringify({ ...body, transaction }));
    return this.waitFor((m) => m.transaction === transaction, `reply to ${String(body.textroom)}`);
  }

  /** Waits (5 s at most) for a received message matching `match`. */
  async waitFor(match: (m: Msg) => boolean, what = 'message'): Promise<Msg> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A Janus API message on the handle; its plugindata. */
  async api(body: Msg): Promise<Msg> {
    const r = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
    return (r.plugindata as Msg).data as Msg;
  }

  async close(): Promise<void> {
    await this.ws.request({ janus: 'destroy', session_id: this.session }).catch(() => {});
    this.ws.close();
    await this.pc.close().catch(() => {});
    await Promise.all(this.sockets.map((s) => s.close()));
  }
}
