// A live echo PeerConnection (WebRtcPeer answering a werift loopback client) and the means to throw hostile
// datagrams at it: from the connected client's own address (its ICE socket), or from a stranger's socket.
import dgram from 'node:dgram';
import type { RTCDtlsTransport } from 'werift';
import { WebRtcPeer } from '../../src/media/werift/peer.js';
import { errorText } from '../../src/logging/error-text.js';
import type { WebRtcPeerOptions } from '../../src/media/peer-types.js';
import type { Network } from '../../src/net/network.js';
import { clientOffer, createLoopbackClient, rtpWithText, type LoopbackClient } from '../../support/werift-client.js';
import { sleep, waitFor } from '../../support/wait.js';

/** The packet that spun werift's RTP header parser for ~25 s: a one-byte extension block claiming 0xffff words. */
export const DEADLY_RTP = Buffer.from('906f3f3000000000000004d2bedeffff21a9364b82bfbf8419de71', 'hex');

export interface EchoRig {
  readonly peer: WebRtcPeer;
  readonly client: LoopbackClient;
  /** The server's loopback ICE port. */
  readonly port: number;
  readonly echoed: string[];
  /** Data channel messages the server echoed back to the client. */
  readonly dataEchoed: string[];
  readonly hangups: string[];
  readonly logs: string[];
  readonly answer: string;
  /** Sends `n` audio packets and waits (up to `ms`) until `n` more came back. */
  echo(n: number, ms: number): Promise<void>;
  /** Sends a datagram from the client's own ICE socket (the selected pair's address) to the server. */
  fromClient(b: Buffer): void;
  /** The client's DTLS transport (to make valid SRTP/SRTCP). */
  readonly dtls: RTCDtlsTransport;
  close(): Promise<void>;
}

let nextSeq = 1;

export async function connectEchoRig(network: Network, extra: Partial<WebRtcPeerOptions> = {}): Promise<EchoRig> {
  const logs: string[] = [];
  const peer = new WebRtcPeer({ network, iceEnforceList: ['lo'], log: (level, msg) => logs.push(`${level}: ${msg}`), iceTimeoutMs: 10_000, dtlsTimeoutMs: 10_000, ...extra });
  const client = createLoopbackClient(network);
  const echoed: string[] = [];
  const hangups: string[] = [];
  peer.on('rtp', (t, p) => peer.relayRtp(t.mid, p));
  peer.on('hangup', (r) => hangups.push(r));
  const dataEchoed: string[] = [];
  peer.on('data', (m) => peer.relayData(m.data, m.label));
  client.channel.onMessage.subscribe((d) => dataEchoed.push(d.toString()));
  client.audio.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => echoed.push(rtp.payload.toString())));
  try {
    const offer = await clientOffer(client);
    const answer = await peer.acceptOffer(offer, { audio: true, video: true, data: true });
    await client.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await waitFor(() => peer.state === 'up', { timeout: 10_000, what: 'server up' });
    await waitFor(() => client.pc.connectionState === 'connected', { timeout: 10_000, what: 'client connected' });
    const port = peer.localPorts.find((p) => p.address === '127.0.0.1')!.port;
    const dtls = client.pc.dtlsTransports[0];
    const pt = client.audio.sender.codec!.payloadType;
    const echo = async (n: number, ms: number): Promise<void> => {
      const target = echoed.length + n;
      const deadline = Date.now() + ms;
      // Keep sending until enough comes back (bounded in count and time).
      for (let i = 0; i < 10 * n && echoed.length < target && Date.now() < deadline; i++) {
        await client.audio.sender.sendRtp(rtpWithText(nextSeq++, 1111, pt, `echo-${nextSeq}`));
        await sleep(20);
      }
      await waitFor(() => echoed.length >= target, { timeout: Math.max(0, deadline - Date.now()), what: `${n} echoed packets` });
    };
    const socket = client.sockets[0];
    return {
      peer,
      client,
      port,
      echoed,
      dataEchoed,
      hangups,
      logs,
      answer,
      echo,
      fromClient: (b) => void socket.send(b, ['127.0.0.1', port]),
      dtls,
      async close() {
        peer.close();
        await client.close();
      },
    };
  } catch (err) {
    peer.close();
    await client.close();
    throw new Error(`${errorText(err)}\n${logs.join('\n')}`, { cause: err });
  }
}

/** A UDP socket on 127.0.0.1 that is nobody's candidate; collects what it receives. */
export async function stranger(): Promise<{ socket: dgram.Socket; port: number; received: Buffer[]; send(b: Buffer, port: number): Promise<void>; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (m) => received.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const port = socket.address().port;
  return {
    socket,
    port,
    received,
    send: (b, to) => new Promise<void>((r) => socket.send(b, to, '127.0.0.1', () => r())),
    close: () => socket.close(),
  };
}

/** A DTLS record (DTLS 1.2) of `type` at `epoch`. */
export function dtlsRecord(type: number, epoch: number, fragment: Buffer, seq = 1): Buffer {
  const h = Buffer.alloc(13);
  h[0] = type;
  h[1] = 0xfe;
  h[2] = 0xfd;
  h.writeUInt16BE(epoch, 3);
  h.writeUIntBE(seq, 5, 6);
  h.writeUInt16BE(fragment.length, 11);
  return Buffer.concat([h, fragment]);
}

/** A plaintext close_notify, and an "encrypted" one werift would take for plaintext. */
export function closeNotifies(): Buffer[] {
  const forged = Buffer.alloc(26);
  forged[0] = 1;
  return [dtlsRecord(21, 0, Buffer.from([1, 0])), dtlsRecord(21, 1, forged, 9)];
}

/** Our ICE credentials from the answer and the client's from its own description. */
export function iceCredentials(rig: EchoRig): { serverUfrag: string; serverPwd: string; clientUfrag: string } {
  const server = /a=ice-ufrag:(\S+)[\s\S]*?a=ice-pwd:(\S+)/.exec(rig.answer);
  const client = /a=ice-ufrag:(\S+)/.exec(rig.client.pc.localDescription?.sdp ?? '');
  if (!server || !client) throw new Error('no ICE credentials in the descriptions');
  return { serverUfrag: server[1], serverPwd: server[2], clientUfrag: client[1] };
}
