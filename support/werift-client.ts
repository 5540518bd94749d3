// A werift RTCPeerConnection acting as the browser in tests: loopback host candidates only, no STUN, no DNS.
import {
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  useAbsSendTime,
  useAudioLevelIndication,
  useOPUS,
  useSdesMid,
  useTransportWideCC,
  useVP8,
  type PeerConfig,
  type RTCDataChannel,
  type RTCRtpTransceiver,
} from 'werift';
import type { Network } from '../src/net/network.js';
import { UdpIceTransport } from '../src/media/udp-ice-transport.js';
import { takeOverIceGathering } from '../src/media/werift/ice-gathering.js';

export interface LoopbackClient {
  readonly pc: RTCPeerConnection;
  readonly audio: RTCRtpTransceiver;
  readonly video: RTCRtpTransceiver;
  readonly channel: RTCDataChannel;
  readonly sockets: UdpIceTransport[];
  close(): Promise<void>;
}

/** Creates a client offering audio (opus) + video (VP8) + a data channel "chat", gathering on `bind` only. */
export function createLoopbackClient(network: Network, bind = '127.0.0.1', extra: Partial<PeerConfig> = {}): LoopbackClient {
  let media: { audio: RTCRtpTransceiver; video: RTCRtpTransceiver; channel: RTCDataChannel } | undefined;
  const { pc, sockets, close } = loopbackPeer(network, bind, extra, (p) => {
    media = { audio: p.addTransceiver('audio', { direction: 'sendrecv' }), video: p.addTransceiver('video', { direction: 'sendrecv' }), channel: p.createDataChannel('chat') };
  });
  if (!media) throw new Error('no media added');
  return { pc, ...media, sockets, close };
}

/** A client that offers one Opus m-line only (a plugin that answers audio alone, as the AudioBridge). */
export interface AudioOnlyClient {
  readonly pc: RTCPeerConnection;
  readonly audio: RTCRtpTransceiver;
  close(): Promise<void>;
}

export function createAudioOnlyClient(network: Network, bind = '127.0.0.1'): AudioOnlyClient {
  let audio: RTCRtpTransceiver | undefined;
  const { pc, close } = loopbackPeer(network, bind, {}, (p) => (audio = p.addTransceiver('audio', { direction: 'sendrecv' })));
  if (!audio) throw new Error('no audio added');
  return { pc, audio, close };
}

/** A client with one m-line per kind given (no data channel), e.g. a WHIP publisher or a WHEP viewer. */
export interface TrackClient {
  readonly pc: RTCPeerConnection;
  readonly transceivers: Readonly<Partial<Record<'audio' | 'video', RTCRtpTransceiver>>>;
  close(): Promise<void>;
}

export function createTrackClient(network: Network, kinds: ReadonlyArray<'audio' | 'video'>, direction: 'sendonly' | 'recvonly' | 'sendrecv', bind = '127.0.0.1'): TrackClient {
  const transceivers: Partial<Record<'audio' | 'video', RTCRtpTransceiver>> = {};
  const { pc, close } = loopbackPeer(network, bind, {}, (p) => {
    for (const k of kinds) transceivers[k] = p.addTransceiver(k, { direction });
  });
  return { pc, transceivers, close };
}

/** A peer whose media `addMedia` adds before ICE gathering is taken over (the takeover hooks the transports made). */
function loopbackPeer(
  network: Network,
  bind: string,
  extra: Partial<PeerConfig>,
  addMedia: (pc: RTCPeerConnection) => void,
): { pc: RTCPeerConnection; sockets: UdpIceTransport[]; close(): Promise<void> } {
  const pc = new RTCPeerConnection({
    ...extra,
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: { audio: [useOPUS()], video: [useVP8()] },
    headerExtensions: {
      audio: [useSdesMid(), useAbsSendTime(), useAudioLevelIndication()],
      video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
    },
  });
  addMedia(pc);
  const sockets: UdpIceTransport[] = [];
  takeOverIceGathering(
    pc,
    async () => {
      const bound = await network.openUdp({ what: 'test client ICE', bind });
      const t = new UdpIceTransport(bound, () => {});
      sockets.push(t);
      return [{ transport: t, advertise: bind }];
    },
    () => {},
  );
  return {
    pc,
    sockets,
    async close() {
      await pc.close().catch(() => {});
      await Promise.all(sockets.map((s) => s.close()));
    },
  };
}

/** The client's offer, with candidates (setLocalDescription gathers first). */
export async function clientOffer(client: { readonly pc: RTCPeerConnection }): Promise<string> {
  const offer = await client.pc.createOffer();
  await client.pc.setLocalDescription(offer);
  const sdp = client.pc.localDescription?.sdp;
  if (!sdp) throw new Error('client produced no offer');
  return sdp;
}

/**
 * After an ICE restart negotiated on `pc` (either side offering new credentials): werift 0.24.4 drops its pair and
 * gathers anew, but while DTLS is up it starts no connectivity checks, which a browser does. The client is the
 * controlling agent (the server is ICE-lite), so nothing moves until it checks: start them. Errors show as media
 * that does not arrive.
 */
export function startIceChecks(pc: RTCPeerConnection): void {
  for (const ice of pc.iceTransports) void ice.start().catch(() => {});
}

/** The ICE ufrag an SDP gives (the first one). */
export function iceUfrag(sdp: string): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
}

/** An RTP packet whose payload is `text` (the echo test looks for it on the way back). */
export function rtpWithText(seq: number, ssrc: number, pt: number, text: string): RtpPacket {
  return new RtpPacket(new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp: seq * 960, payloadType: pt, ssrc, marker: true }), Buffer.from(text));
}

/** A bare peer as the VideoRoom's test and bench clients make it: Opus and VP8, the mid extension (and the audio level one when asked). */
export function videoRoomPeer(audioLevel = false): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: { audio: [useOPUS()], video: [useVP8()] },
    headerExtensions: { audio: audioLevel ? [useSdesMid(), useAudioLevelIndication()] : [useSdesMid()], video: [useSdesMid()] },
  });
}

/** Makes `pc` gather on one socket bound to `bind` (kept in `sockets` to be closed), advertised as it is. */
export function gatherOn(pc: RTCPeerConnection, network: Network, bind: string, sockets: UdpIceTransport[], what = 'test client ICE'): void {
  takeOverIceGathering(
    pc,
    async () => {
      const t = new UdpIceTransport(await network.openUdp({ what, bind }), () => {});
      sockets.push(t);
      return [{ transport: t, advertise: bind }];
    },
    () => {},
  );
}
