// The soak's cycles, each one whole client life on a fresh WebSocket: create session, attach, a real werift
// PeerConnection with media checked end to end, detach, destroy. Some cycles vary the ending (hangup first, or
// the client just vanishes) and some inject garbage through the connected client's own socket mid-call.
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, useOPUS, useSdesMid, useVP8, type MediaStreamTrack } from 'werift';
import type { Network } from '../../src/net/network.js';
import { UdpIceTransport } from '../../src/media/udp-ice-transport.js';
import { takeOverIceGathering } from '../../src/media/werift/ice-gathering.js';
import { loopbackCandidatesOnly } from '../../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../support/werift-client.js';
import { JanusSession, type Jsep } from './janus-session.js';
import type { Prng } from './garbage.js';
import { sleep, waitFor } from '../../support/wait.js';

export interface CycleContext {
  readonly wsUrl: string;
  readonly network: Network;
  readonly rng: Prng;
  /** The Streaming mountpoint and the VideoRoom room made at warm-up. */
  readonly mountpoint: number;
  readonly room: number;
  /** Server media ports seen in an SDP (kept as garbage targets, also after the call ended). */
  serverPorts(ports: number[]): void;
  /** Share of cycles (0-1) that send garbage through the connected client's own socket mid-call. */
  readonly injectShare: number;
  /** Sends a burst of garbage from `socket` (a connected client's own) to these server ports. */
  injectFrom(socket: UdpIceTransport, ports: number[]): void;
}

/** The 127.0.0.1 candidate ports of an SDP. */
export function loopbackPorts(sdp: string): number[] {
  const ports = new Set<number>();
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.startsWith('a=candidate:')) continue;
    const f = line.split(' ');
    if ((f[4] ?? '').startsWith('127.')) ports.add(Number(f[5]));
  }
  return [...ports].filter((p) => p > 0 && p < 65536);
}

/** How a cycle ends: the normal detach + destroy, a hangup before them, or a client that just goes away. */
type Ending = 'detach' | 'hangup' | 'vanish';

function ending(rng: Prng): Ending {
  const r = rng.below(100);
  return r < 5 ? 'vanish' : r < 15 ? 'hangup' : 'detach';
}

/** EchoTest: audio, video and data offered; audio and video must come back, before and after any injection. */
export async function echotestCycle(ctx: CycleContext): Promise<void> {
  const client = createLoopbackClient(ctx.network);
  const audioBack: string[] = [];
  const videoBack: string[] = [];
  client.audio.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p: RtpPacket) => audioBack.push(p.payload.toString())));
  client.video.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p: RtpPacket) => videoBack.push(p.payload.toString())));
  const end = ending(ctx.rng);
  const inject = ctx.rng.chance(ctx.injectShare);
  let session: JanusSession | undefined;
  try {
    session = await JanusSession.open(ctx.wsUrl);
    const handle = await session.attach('janus.plugin.echotest');
    const answer = await session.message(handle, { audio: true, video: true }, { type: 'offer', sdp: await clientOffer(client) });
    if (answer.data.result !== 'ok' || answer.jsep?.type !== 'answer') throw new Error(`echotest answer: ${JSON.stringify(answer).slice(0, 300)}`);
    const ports = loopbackPorts(answer.jsep.sdp);
    ctx.serverPorts(ports);
    await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(answer.jsep.sdp) });
    await session.waitFor(handle, 'webrtcup');
    let seq = 0;
    const apt = client.audio.sender.codec?.payloadType ?? 111;
    const vpt = client.video.sender.codec?.payloadType ?? 96;
    const echoed = async (what: string, audio: number, video: number): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (audioBack.length < audio || videoBack.length < video) {
        if (Date.now() > deadline) throw new Error(`${what}: ${audioBack.length}/${audio} audio and ${videoBack.length}/${video} video packets echoed`);
        seq++;
        await client.audio.sender.sendRtp(rtpWithText(seq, 1111, apt, `audio-${seq}`));
        await client.video.sender.sendRtp(rtpWithText(seq, 2222, vpt, `video-${seq}`));
        await sleep(20);
      }
    };
    await echoed('echo', 3, 3);
    if (inject && client.sockets[0]) {
      // Garbage from the very address the server's ICE pair selected; the call must go on echoing.
      ctx.injectFrom(client.sockets[0], ports);
      await echoed('echo after garbage from the peer address', audioBack.length + 3, videoBack.length + 3);
    }
    if (end === 'vanish') return;
    if (end === 'hangup') {
      await session.hangup(handle);
      await session.waitFor(handle, 'hangup', 5000);
    }
    await session.detach(handle);
    await session.destroy();
  } finally {
    session?.close();
    await client.close();
  }
}

function viewerPc(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    codecs: { audio: [useOPUS(), new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 })], video: [useVP8()] },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
}

function gatherOnLoopback(pc: RTCPeerConnection, network: Network, sockets: UdpIceTransport[]): void {
  takeOverIceGathering(
    pc,
    async () => {
      const t = new UdpIceTransport(await network.openUdp({ what: 'soak client ICE', bind: '127.0.0.1' }), () => {});
      sockets.push(t);
      return [{ transport: t, advertise: '127.0.0.1' }];
    },
    () => {},
  );
}

/** Answers a server's offer with a receive-only werift peer that counts the RTP it gets. */
async function answerOffer(pc: RTCPeerConnection, offer: Jsep | undefined, network: Network, sockets: UdpIceTransport[]): Promise<Jsep> {
  if (offer?.type !== 'offer') throw new Error('no SDP offer from the server');
  await pc.setRemoteDescription({ type: 'offer', sdp: loopbackCandidatesOnly(offer.sdp) });
  gatherOnLoopback(pc, network, sockets);
  await pc.setLocalDescription(await pc.createAnswer());
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error('werift made no answer');
  return { type: 'answer', sdp };
}

function countRtp(pc: RTCPeerConnection): { audio: number; video: number } {
  const received = { audio: 0, video: 0 };
  pc.onTrack.subscribe((track: MediaStreamTrack) =>
    track.onReceiveRtp.subscribe(() => {
      if (track.kind === 'audio' || track.kind === 'video') received[track.kind]++;
    }),
  );
  return received;
}

async function closePc(pc: RTCPeerConnection, sockets: UdpIceTransport[]): Promise<void> {
  await pc.close().catch(() => undefined);
  await Promise.all(sockets.map((s) => s.close()));
}

/** A Streaming viewer of the warm-up mountpoint (fed by the client process): watch, start, RTP arrives, stop. */
export async function streamingCycle(ctx: CycleContext): Promise<void> {
  const pc = viewerPc();
  const sockets: UdpIceTransport[] = [];
  const received = countRtp(pc);
  const end = ending(ctx.rng);
  let session: JanusSession | undefined;
  try {
    session = await JanusSession.open(ctx.wsUrl);
    const handle = await session.attach('janus.plugin.streaming');
    const offer = await session.message(handle, { request: 'watch', id: ctx.mountpoint });
    if (offer.jsep) ctx.serverPorts(loopbackPorts(offer.jsep.sdp));
    const started = await session.message(handle, { request: 'start' }, await answerOffer(pc, offer.jsep, ctx.network, sockets));
    // "starting" now, and "started" as its own event once the PeerConnection is up (as Janus does).
    const status = (started.data.result as { status?: unknown } | undefined)?.status;
    if (status !== 'starting' && status !== 'started') throw new Error(`start: ${JSON.stringify(started.data).slice(0, 300)}`);
    await session.waitFor(handle, 'webrtcup');
    if (status === 'starting') await session.ws.wait((e) => e.janus === 'event' && e.sender === handle && JSON.stringify(e.plugindata).includes('"started"'), 15_000, 'started');
    await waitFor(() => received.audio >= 3 && received.video >= 3, { timeout: 10_000, what: 'mountpoint RTP at the viewer' });
    if (ctx.rng.chance(ctx.injectShare) && sockets[0] && offer.jsep) {
      ctx.injectFrom(sockets[0], loopbackPorts(offer.jsep.sdp));
      const more = received.audio + 3;
      await waitFor(() => received.audio >= more, { timeout: 10_000, what: 'mountpoint RTP after garbage from the peer address' });
    }
    if (end === 'vanish') return;
    if (end === 'hangup') await session.hangup(handle);
    else await session.message(handle, { request: 'stop' });
    await session.detach(handle);
    await session.destroy();
  } finally {
    session?.close();
    await closePc(pc, sockets);
  }
}

/** A VP8 payload that looks like the start of a key frame, so that subscribers get video at once. */
const VP8_KEYFRAME = Buffer.from([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** VideoRoom: a publisher (Opus + VP8) and, on a second handle of the same session, a subscriber to it. */
export async function videoroomCycle(ctx: CycleContext): Promise<void> {
  const pub = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: { audio: [useOPUS()], video: [useVP8()] },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
  const audio = pub.addTransceiver('audio', { direction: 'sendonly' });
  const video = pub.addTransceiver('video', { direction: 'sendonly' });
  const pubSockets: UdpIceTransport[] = [];
  gatherOnLoopback(pub, ctx.network, pubSockets);
  const sub = viewerPc();
  const subSockets: UdpIceTransport[] = [];
  const received = countRtp(sub);
  const end = ending(ctx.rng);
  let sending: NodeJS.Timeout | undefined;
  let session: JanusSession | undefined;
  try {
    session = await JanusSession.open(ctx.wsUrl);
    const pubHandle = await session.attach('janus.plugin.videoroom');
    const joined = await session.message(pubHandle, { request: 'join', ptype: 'publisher', room: ctx.room, display: 'soak' });
    const feed = Number(joined.data.id);
    if (joined.data.videoroom !== 'joined' || !(feed > 0)) throw new Error(`join: ${JSON.stringify(joined.data).slice(0, 300)}`);
    await pub.setLocalDescription(await pub.createOffer());
    const published = await session.message(pubHandle, { request: 'publish' }, { type: 'offer', sdp: pub.localDescription?.sdp ?? '' });
    if (published.data.configured !== 'ok' || published.jsep?.type !== 'answer') throw new Error(`publish: ${JSON.stringify(published.data).slice(0, 300)}`);
    ctx.serverPorts(loopbackPorts(published.jsep.sdp));
    await pub.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(published.jsep.sdp) });
    await session.waitFor(pubHandle, 'webrtcup');
    let seq = 0;
    const apt = audio.sender.codec?.payloadType ?? 111;
    const vpt = video.sender.codec?.payloadType ?? 96;
    sending = setInterval(() => {
      const s = ++seq;
      void audio.sender
        .sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: s & 0xffff, timestamp: s * 960, payloadType: apt, ssrc: 11, marker: false }), Buffer.from([0xf8, 0xff, 0xfe, s & 0xff])))
        .catch(() => undefined);
      void video.sender.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: s & 0xffff, timestamp: s * 3000, payloadType: vpt, ssrc: 22, marker: true }), VP8_KEYFRAME)).catch(() => undefined);
    }, 20);

    const subHandle = await session.attach('janus.plugin.videoroom');
    const attached = await session.message(subHandle, { request: 'join', ptype: 'subscriber', room: ctx.room, streams: [{ feed }] });
    if (attached.data.videoroom !== 'attached') throw new Error(`subscribe: ${JSON.stringify(attached.data).slice(0, 300)}`);
    if (attached.jsep) ctx.serverPorts(loopbackPorts(attached.jsep.sdp));
    const started = await session.message(subHandle, { request: 'start' }, await answerOffer(sub, attached.jsep, ctx.network, subSockets));
    if (started.data.started !== 'ok') throw new Error(`start: ${JSON.stringify(started.data).slice(0, 300)}`);
    await session.waitFor(subHandle, 'webrtcup');
    await waitFor(() => received.audio >= 3 && received.video >= 3, { timeout: 10_000, what: 'published RTP at the subscriber' });
    if (ctx.rng.chance(ctx.injectShare) && pubSockets[0]) {
      ctx.injectFrom(pubSockets[0], loopbackPorts(published.jsep.sdp));
      const more = received.video + 3;
      await waitFor(() => received.video >= more, { timeout: 10_000, what: 'published RTP after garbage from the publisher address' });
    }
    if (end === 'vanish') return;
    if (end === 'hangup') await session.hangup(pubHandle);
    await session.detach(subHandle);
    if (end !== 'hangup') await session.message(pubHandle, { request: 'leave' });
    await session.detach(pubHandle);
    await session.destroy();
  } finally {
    clearInterval(sending);
    session?.close();
    await closePc(sub, subSockets);
    await closePc(pub, pubSockets);
  }
}
