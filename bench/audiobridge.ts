// Workload: AudioBridge, N participants in one room. Each participant is a werift PeerConnection in the bench
// process that joins, offers audio, and sends one Opus packet every 20 ms: T of them a tone (they talk), the
// others Opus silence (as a browser's muted-but-unmuted microphone does without DTX). Every participant gets the
// room's mix. Figures per step: the server's CPU per participant (share of one core), the mix packets each
// participant got against the 50 a second it should, and how evenly they came (inter-arrival times at the
// participants, measured against 20 ms: the mixer's timing plus the network and the bench's own event loop).
import { RTCPeerConnection, RtpHeader, RtpPacket, useOPUS, useSdesMid, type RTCRtpTransceiver } from 'werift';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { discoverNetworkHost } from '../src/net/network-host.js';
import { HostNetwork } from '../src/net/host-network.js';
import type { Network } from '../src/net/network.js';
import { UdpIceTransport } from '../src/media/udp-ice-transport.js';
import { takeOverIceGathering } from '../src/media/werift/ice-gathering.js';
import type { Msg } from '../support/janus-ws.js';
import { candidatesOn } from '../support/loopback-sdp.js';
import { ToneSource } from '../support/opus-tone.js';
import type { RunningServer } from './janus-reference.js';
import { dataOf, JanusParticipant } from './janus-participant.js';
import { cpuSeconds } from './process-stats.js';
import { errorText } from '../src/logging/error-text.js';
import { sleep, waitFor } from '../support/wait.js';

export interface AudioBridgeStep {
  readonly participants: number;
  readonly talkers: number;
  readonly windowSeconds: number;
  /** Server CPU over the window as a share of one core, and that divided by the participants (in percent of a core). */
  readonly serverCores: number;
  readonly cpuPercentPerParticipant: number;
  /** Mix packets counted at all participants over the window, and 50/s × participants × window. */
  readonly received: number;
  readonly expected: number;
  /** The largest shortfall of any one participant (packets it should have had and did not, as a fraction). */
  readonly worstLoss: number;
  /** |inter-arrival − 20 ms| at the sampled participants: median and 99th percentile (ms). */
  readonly jitterMedianMs: number;
  readonly jitterP99Ms: number;
  readonly setupSeconds: number;
  readonly clientMaxStallMs: number;
}

const PLUGIN = 'janus.plugin.audiobridge';
const TICK_MS = 20;
/** Participants whose every packet's arrival time is kept (the others are counted only). */
const TIMED = 8;
/**
 * Seconds of load before a step is measured: the mixer's prebuffering fills, and a JIT-compiled server reaches
 * its steady state (its hot code optimised) as it would minutes into a real call; Janus gets the same wait.
 */
export const AUDIOBRIDGE_WARMUP_SECONDS = Number(process.env.BENCH_AUDIOBRIDGE_WARMUP_SECONDS ?? 4);

/**
 * A loop of one second of Opus packets per talker, encoded once (the bench sends, it does not encode per packet),
 * and one of silence. Each talker has its own pitch, as voices differ, and talkers are quieter the more there
 * are, so the sum of everyone stays within full scale: the servers then encode the same signal. (Equal tones in
 * phase would add up far past full scale; Portunus clips such a sum where Janus's mixer wraps around, and the
 * two encoders would no longer be given the same work.)
 */
function packetLoops(talkers: number): { tones: Buffer[][]; silence: Buffer } {
  const amplitude = Math.round(Math.min(8000, 16000 / Math.sqrt(Math.max(1, talkers))));
  const tones: Buffer[][] = [];
  for (let k = 0; k < talkers; k++) {
    // Whole hertz: a second of the tone ends where it began, so the loop has no seam.
    const t = new ToneSource(220 + 20 * k, amplitude);
    tones.push(Array.from({ length: 50 }, () => t.next()));
    t.close();
  }
  // A fresh encoder for silence, a few packets in: no tail of a tone in its state.
  const quiet = new ToneSource(0);
  let silence = quiet.next();
  for (let i = 0; i < 5; i++) silence = quiet.next();
  quiet.close();
  return { tones, silence };
}

interface Member {
  readonly part: JanusParticipant;
  readonly pc: RTCPeerConnection;
  readonly audio: RTCRtpTransceiver;
  readonly sockets: UdpIceTransport[];
  received: number;
  arrivals: number[] | undefined;
}

async function join(server: RunningServer, network: Network, room: number, index: number): Promise<Member> {
  const part = await JanusParticipant.open(server.wsUrl, PLUGIN);
  const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, bundlePolicy: 'max-bundle', codecs: { audio: [useOPUS()] }, headerExtensions: { audio: [useSdesMid()] } });
  const sockets: UdpIceTransport[] = [];
  const member: Member = { part, pc, audio: pc.addTransceiver('audio', { direction: 'sendrecv' }), sockets, received: 0, arrivals: undefined };
  try {
    member.audio.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe(() => {
        member.received++;
        member.arrivals?.push(performance.now());
      }),
    );
    const joined = await part.asyncRequest({ request: 'join', room, display: `bench-${index}` }, undefined, false);
    if (dataOf(joined).audiobridge !== 'joined') throw new Error(`join -> ${JSON.stringify(joined)}`);
    takeOverIceGathering(
      pc,
      async () => {
        const t = new UdpIceTransport(await network.openUdp({ what: 'bench audiobridge ICE', bind: server.clientAddress }), () => {});
        sockets.push(t);
        return [{ transport: t, advertise: server.clientAddress }];
      },
      () => {},
    );
    await pc.setLocalDescription(await pc.createOffer());
    const offer = pc.localDescription?.sdp;
    if (!offer) throw new Error('no offer');
    const ev = await part.asyncRequest({ request: 'configure', muted: false }, { type: 'offer', sdp: offer, trickle: false }, true);
    await pc.setRemoteDescription({ type: 'answer', sdp: candidatesOn((ev.jsep as Msg).sdp as string, server.mediaAddress) });
    await part.webrtcup(15_000);
    await waitFor(() => pc.connectionState === 'connected', { timeout: 10_000, what: `participant ${index} connected` });
    return member;
  } catch (err) {
    await leave(member);
    throw err;
  }
}

async function leave(m: Member): Promise<void> {
  await m.part.close();
  await m.pc.close().catch(() => {});
  await Promise.all(m.sockets.map((s) => s.close()));
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function runStep(server: RunningServer, network: Network, admin: JanusParticipant, participants: number, talkers: number, seconds: number): Promise<AudioBridgeStep> {
  const room = 7000 + participants;
  await admin.syncRequest({ request: 'create', room, sampling_rate: 16000 });
  const members: Member[] = [];
  const loops = packetLoops(talkers);
  let timer: NodeJS.Timeout | undefined;
  try {
    const t0 = performance.now();
    for (let i = 0; i < participants; i++) members.push(await join(server, network, room, i));
    const setupSeconds = (performance.now() - t0) / 1000;
    let tick = 0;
    const ignore = (): void => {};
    timer = setInterval(() => {
      const n = tick++;
      for (let i = 0; i < members.length; i++) {
        const m = members[i];
        const payload = i < talkers ? loops.tones[i][n % 50] : loops.silence;
        const header = new RtpHeader({ sequenceNumber: n & 0xffff, timestamp: (n * 960) >>> 0, payloadType: m.audio.sender.codec?.payloadType ?? 111, ssrc: 0x20000 + i });
        m.audio.sender.sendRtp(new RtpPacket(header, payload)).catch(ignore);
      }
    }, TICK_MS);
    await sleep(AUDIOBRIDGE_WARMUP_SECONDS * 1000);
    const timed = members.slice(0, Math.min(TIMED, members.length));
    for (const m of members) m.received = 0;
    for (const m of timed) m.arrivals = [];
    const stall = monitorEventLoopDelay({ resolution: 10 });
    stall.enable();
    const cpu0 = cpuSeconds(server.pid);
    const w0 = performance.now();
    await sleep(seconds * 1000);
    const cpu1 = cpuSeconds(server.pid);
    const windowSeconds = (performance.now() - w0) / 1000;
    stall.disable();
    const counts = members.map((m) => m.received);
    const expected = Math.round((windowSeconds * 1000) / TICK_MS);
    const deviations: number[] = [];
    for (const m of timed) {
      const a = m.arrivals ?? [];
      for (let i = 1; i < a.length; i++) deviations.push(Math.abs(a[i] - a[i - 1] - TICK_MS));
      m.arrivals = undefined;
    }
    deviations.sort((x, y) => x - y);
    const cores = (cpu1 - cpu0) / windowSeconds;
    return {
      participants,
      talkers,
      windowSeconds,
      serverCores: cores,
      cpuPercentPerParticipant: (cores * 100) / participants,
      received: counts.reduce((s, c) => s + c, 0),
      expected: expected * participants,
      worstLoss: Math.max(0, ...counts.map((c) => 1 - c / expected)),
      jitterMedianMs: percentile(deviations, 0.5),
      jitterP99Ms: percentile(deviations, 0.99),
      setupSeconds,
      clientMaxStallMs: stall.max / 1e6,
    };
  } finally {
    clearInterval(timer);
    await Promise.all(members.map((m) => leave(m)));
    await admin.syncRequest({ request: 'destroy', room }).catch(() => undefined);
  }
}

/** Runs each room size in turn (a new room each); a step that fails is noted and the next still runs. */
export async function runAudioBridge(server: RunningServer, sizes: readonly number[], talkers: number, seconds: number, notes: string[]): Promise<AudioBridgeStep[]> {
  const network = new HostNetwork(await discoverNetworkHost());
  const admin = await JanusParticipant.open(server.wsUrl, PLUGIN);
  const steps: AudioBridgeStep[] = [];
  try {
    for (const n of sizes) {
      try {
        steps.push(await runStep(server, network, admin, n, Math.min(talkers, n), seconds));
      } catch (err) {
        notes.push(`AudioBridge ${n} on ${server.name} failed: ${errorText(err).slice(0, 200)}`);
      }
    }
  } finally {
    await admin.close();
  }
  return steps;
}
