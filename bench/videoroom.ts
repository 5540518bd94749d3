// Workload 2: VideoRoom P×S. A room created over the API; P werift publishers in the bench process, each sending
// VP8-shaped video (~1 Mbit/s: 100 packets/s of 1100 bytes, a keyframe every second and on PLI) and Opus-sized
// audio (50 packets/s of 120 bytes) that it generates itself; S werift subscribers, each subscribing to all P
// publishers in one subscription (`join` with `streams: [{feed}, …]`; the server offers, the subscriber answers
// with `start`). Like workload 1 (fanout.ts), every subscriber completes ICE and DTLS with werift, then counts
// each SRTP packet per SSRC (i.e. per subscriber stream), in the kernel when it can (bench/kernel-counter.ts:
// nftables counters, the RTP dropped before the socket but for one subscriber in 10, which gets one in 50) or
// else at its socket from the clear-text header (each subscriber hands one in 50 to werift to decrypt). Figures per step: server CPU per packet forwarded (= counted at the subscribers),
// the worst loss of any subscriber stream, server RSS growth, and the bench client's own CPU.
import { RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { discoverNetworkHost } from '../src/net/network-host.js';
import { HostNetwork } from '../src/net/host-network.js';
import type { Network } from '../src/net/network.js';
import type { UdpIceTransport } from '../src/media/udp-ice-transport.js';
import type { Msg } from '../support/janus-ws.js';
import { dataOf, JanusParticipant } from './janus-participant.js';
import { candidatesOn } from '../support/loopback-sdp.js';
import { gatherOn, videoRoomPeer } from '../support/werift-client.js';
import type { RunningServer } from './janus-reference.js';
import { byPort, type KernelRtpCounter } from './kernel-counter.js';
import { treeCpuSeconds as cpuSeconds, treeResidentBytes as residentBytes } from './process-stats.js';
import { errorText } from '../src/logging/error-text.js';
import { sleep, waitFor } from '../support/wait.js';

export interface VideoRoomSize {
  readonly publishers: number;
  readonly subscribers: number;
}

export interface VideoRoomStep extends VideoRoomSize {
  /** Packets sent by all publishers during the measured window (video + audio). */
  readonly sent: number;
  /** Packets counted at all subscribers during the window; ideally sent × subscribers. */
  readonly forwarded: number;
  /** The worst loss of any one subscriber stream (a publisher's audio or video as one subscriber gets it). */
  readonly worstLoss: number;
  readonly serverCpuUsPerPacket: number;
  readonly clientCpuShare: number;
  /** Server resident-set growth since before the first step's room, in bytes. */
  readonly rssGrowthBytes: number;
  /** The same divided by the PeerConnections of this step (P + S). */
  readonly rssBytesPerPeer: number;
  /** Server RSS growth since before the first step, taken before this step's room (what earlier steps left). */
  readonly rssCarriedBytes: number;
  /** Sampled packets werift decrypted at the subscribers over the whole step (proof the media is valid SRTP). */
  readonly decryptedSample: number;
  /** Of those, packets whose payload is not what a publisher sent. */
  readonly corruptSample: number;
  /** Time to bring all publishers and subscribers up (offer sent to webrtcup, one after the other). */
  readonly setupSeconds: number;
  /** The measured window's length (tick-aligned; longer than asked when the bench's event loop stalled). */
  readonly windowSeconds: number;
  /**
   * The longest the bench's event loop was held during the window. Over ~100 ms the subscribers' socket
   * buffers may overflow, so loss may be the client's rather than the server's.
   */
  readonly clientMaxStallMs: number;
  /** Who counted the packets: the kernel (nftables), the subscribers' sockets in JavaScript, or both (check mode). */
  readonly countedBy: 'kernel' | 'js' | 'both';
  /** Check mode: the largest |kernel − JavaScript| count of one subscriber stream over the window. */
  readonly kernelJsMaxDiff: number | undefined;
}

const TICK_MS = 20;
const VIDEO_PER_TICK = 2; // 100 packets/s of 1100 bytes: ~0.9 Mbit/s; one 2-packet frame per tick (50 fps)
const VIDEO_PAYLOAD = 1100;
const AUDIO_PAYLOAD = 120; // one Opus-sized packet per tick: 50/s
const KEYFRAME_EVERY_TICKS = 50;
/** The load client counts every packet from its clear-text header and decrypts one in this many. */
const CLIENT_SAMPLE_EVERY = 50;
const PLUGIN = 'janus.plugin.videoroom';

/** Parses "2x5,3x10,4x20" (publishers × subscribers); an empty string means the workload is off. */
export function parseVideoRoomSizes(text: string): VideoRoomSize[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(s);
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`BENCH_VIDEOROOM_SIZES: "${s}" is not PxS (e.g. 2x5)`);
      return { publishers: Number(m[1]), subscribers: Number(m[2]) };
    });
}

/** One VP8-shaped packet: payload descriptor, and on a frame's first packet a frame tag (+ keyframe header). */
function vp8Payload(first: boolean, keyframe: boolean): Buffer {
  const b = Buffer.alloc(VIDEO_PAYLOAD, 0x55);
  if (!first) {
    b[0] = 0x00; // continuation of the partition
    return b;
  }
  b[0] = 0x10; // S: start of partition 0
  const firstPartSize = 100;
  b[1] = (keyframe ? 0x00 : 0x01) | 0x10 | ((firstPartSize & 0x7) << 5); // P (inverse keyframe), version 0, show_frame
  b[2] = (firstPartSize >> 3) & 0xff;
  b[3] = (firstPartSize >> 11) & 0xff;
  if (keyframe) {
    b.set([0x9d, 0x01, 0x2a], 4); // start code
    b.writeUInt16LE(640, 7);
    b.writeUInt16LE(480, 9);
  }
  return b;
}

const OPUS_PAYLOAD = ((): Buffer => {
  const b = Buffer.alloc(AUDIO_PAYLOAD, 0x33);
  b[0] = 0xf8; // TOC: CELT fullband 20 ms, mono, one frame
  return b;
})();

/** Whether a payload is one of ours: Opus-sized audio, or VP8-shaped video ending in the filler. */
function looksSent(payload: Buffer): boolean {
  if (payload.length === AUDIO_PAYLOAD) return payload.equals(OPUS_PAYLOAD);
  return payload.length === VIDEO_PAYLOAD && payload[VIDEO_PAYLOAD - 1] === 0x55 && (payload[0] & ~0x10) === 0;
}

interface Publisher {
  readonly id: number;
  sentVideo: number;
  sentAudio: number;
  /** Sends this tick's packets (no-op until the PeerConnection is connected). */
  tick(n: number): void;
  close(): Promise<void>;
}

async function startPublisher(server: RunningServer, network: Network, room: number, index: number): Promise<Publisher> {
  const part = await JanusParticipant.open(server.wsUrl, PLUGIN);
  const pc = videoRoomPeer();
  const sockets: UdpIceTransport[] = [];
  const close = async (): Promise<void> => {
    await part.close();
    await pc.close().catch(() => {});
    await Promise.all(sockets.map((s) => s.close()));
  };
  try {
    const joined = await part.asyncRequest({ request: 'join', ptype: 'publisher', room, display: `bench-pub-${index}` }, undefined, false);
    const jd = dataOf(joined);
    if (jd.videoroom !== 'joined' || typeof jd.id !== 'number') throw new Error(`join as publisher -> ${JSON.stringify(joined)}`);
    const id = jd.id;
    const audio: RTCRtpTransceiver = pc.addTransceiver('audio', { direction: 'sendonly' });
    const video: RTCRtpTransceiver = pc.addTransceiver('video', { direction: 'sendonly' });
    gatherOn(pc, network, server.clientAddress, sockets, 'bench videoroom ICE');
    await pc.setLocalDescription(await pc.createOffer());
    const offer = pc.localDescription?.sdp;
    if (!offer) throw new Error('publisher produced no offer');
    const ev = await part.asyncRequest({ request: 'publish' }, { type: 'offer', sdp: offer, trickle: false }, true);
    if (dataOf(ev).configured !== 'ok') throw new Error(`publish -> ${JSON.stringify(ev)}`);
    await pc.setRemoteDescription({ type: 'answer', sdp: candidatesOn((ev.jsep as Msg).sdp as string, server.mediaAddress) });
    await part.webrtcup(15_000);
    await waitFor(() => pc.connectionState === 'connected', { timeout: 10_000, what: `publisher ${index} connected` });
    let keyframeWanted = true;
    video.sender.onPictureLossIndication.subscribe(() => (keyframeWanted = true));
    const ssrcA = 0x10000 + index * 2;
    const ssrcV = ssrcA + 1;
    let vseq = 0;
    let aseq = 0;
    const ignore = (): void => {};
    const pub: Publisher = {
      id,
      sentVideo: 0,
      sentAudio: 0,
      tick(n: number) {
        if (pc.connectionState !== 'connected') return;
        const key = keyframeWanted || n % KEYFRAME_EVERY_TICKS === 0;
        keyframeWanted = false;
        for (let k = 0; k < VIDEO_PER_TICK; k++) {
          const header = new RtpHeader({ sequenceNumber: vseq++ & 0xffff, timestamp: (n * 1800) >>> 0, payloadType: 96, ssrc: ssrcV, marker: k === VIDEO_PER_TICK - 1 });
          video.sender.sendRtp(new RtpPacket(header, vp8Payload(k === 0, key))).catch(ignore);
        }
        pub.sentVideo += VIDEO_PER_TICK;
        const aheader = new RtpHeader({ sequenceNumber: aseq++ & 0xffff, timestamp: (n * 960) >>> 0, payloadType: 111, ssrc: ssrcA, marker: false });
        audio.sender.sendRtp(new RtpPacket(aheader, OPUS_PAYLOAD)).catch(ignore);
        pub.sentAudio++;
      },
      close,
    };
    return pub;
  } catch (err) {
    await close();
    throw err;
  }
}

interface Subscriber {
  /** RTP packets counted at the socket, per SSRC (one SSRC per subscriber stream); empty when the kernel counts. */
  readonly counts: Map<number, number>;
  /** Local ports of the subscriber's sockets (where the kernel counter sees its packets). */
  readonly ports: () => number[];
  /** Payload type → kind, from the server's offer. */
  readonly kinds: Map<number, 'audio' | 'video'>;
  /** Last payload type seen per SSRC. */
  readonly ptOf: Map<number, number>;
  decrypted: number;
  /** Decrypted packets whose payload is not what the publishers sent. */
  corrupt: number;
  close(): Promise<void>;
}

/** Payload types of each m-line of an SDP, by kind. */
function payloadKinds(sdp: string): Map<number, 'audio' | 'video'> {
  const kinds = new Map<number, 'audio' | 'video'>();
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^m=(audio|video) \d+ \S+ (.*)$/.exec(line);
    if (!m) continue;
    for (const pt of m[2].trim().split(/\s+/)) kinds.set(Number(pt), m[1] as 'audio' | 'video');
  }
  return kinds;
}

/**
 * Joins as a subscriber of `feeds`. Over local nodes (the cluster workload) the subscriber's node may not have a
 * publisher's copy yet when the bench, which knows the feed from the publisher's node, asks for it: "no such feed"
 * (428) or "no such room" (426) is asked again for a few seconds, as a client would after its `publishers` event.
 */
async function joinWhenKnown(part: JanusParticipant, room: number, feeds: readonly number[]): Promise<Msg> {
  for (const deadline = Date.now() + 5000; ;) {
    try {
      return await part.asyncRequest({ request: 'join', ptype: 'subscriber', room, streams: feeds.map((feed) => ({ feed })) }, undefined, true);
    } catch (err) {
      if (Date.now() > deadline || !/"error_code":42[68]/.test(errorText(err))) throw err;
      await sleep(100);
    }
  }
}

async function startSubscriber(server: RunningServer, network: Network, room: number, feeds: readonly number[], countInJs: boolean): Promise<Subscriber> {
  const part = await JanusParticipant.open(server.wsUrl, PLUGIN);
  const pc = videoRoomPeer();
  const sockets: UdpIceTransport[] = [];
  const close = async (): Promise<void> => {
    await part.close();
    await pc.close().catch(() => {});
    await Promise.all(sockets.map((s) => s.close()));
  };
  try {
    const sub: Subscriber = { counts: new Map(), ports: () => sockets.map((t) => t.port), kinds: new Map(), ptOf: new Map(), decrypted: 0, corrupt: 0, close };
    pc.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((p: RtpPacket) => {
        sub.decrypted++;
        if (!looksSent(p.payload)) sub.corrupt++;
      }),
    );
    const ev = await joinWhenKnown(part, room, feeds);
    if (dataOf(ev).videoroom !== 'attached') throw new Error(`join as subscriber -> ${JSON.stringify(ev)}`);
    const serverOffer = (ev.jsep as Msg).sdp as string;
    for (const [pt, kind] of payloadKinds(serverOffer)) sub.kinds.set(pt, kind);
    // The subscriber decrypts a sample only: the stack would take the rest as lost and NACK it.
    const offer = candidatesOn(serverOffer, server.mediaAddress)
      .split('\r\n')
      .filter((l) => !/^a=rtcp-fb:\S+ nack/.test(l))
      .join('\r\n');
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    gatherOn(pc, network, server.clientAddress, sockets, 'bench videoroom ICE');
    await pc.setLocalDescription(await pc.createAnswer());
    const answer = pc.localDescription?.sdp;
    if (!answer) throw new Error('subscriber produced no answer');
    const started = await part.asyncRequest({ request: 'start' }, { type: 'answer', sdp: answer }, false);
    if (dataOf(started).started !== 'ok') throw new Error(`start -> ${JSON.stringify(started)}`);
    await part.webrtcup(15_000);
    if (countInJs) for (const t of sockets) countAtSocket(t, sub);
    return sub;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Counts RTP per SSRC at the socket (SRTP leaves the header in clear) and passes only a sample to the stack. */
function countAtSocket(transport: UdpIceTransport, sub: Subscriber): void {
  const toStack = transport.onData;
  let n = 0;
  transport.onData = (data, addr) => {
    const b1 = data.length >= 12 ? data[1] : 0;
    const isRtp = data.length >= 12 && data[0] >> 6 === 2 && !(b1 >= 192 && b1 <= 223);
    if (!isRtp) return toStack(data, addr);
    const ssrc = data.readUInt32BE(8);
    sub.counts.set(ssrc, (sub.counts.get(ssrc) ?? 0) + 1);
    sub.ptOf.set(ssrc, b1 & 0x7f);
    if (++n % CLIENT_SAMPLE_EVERY === 0) toStack(data, addr);
  };
}

/** The worst loss of one subscriber's 2P streams: the P best-filled SSRCs of each kind against what each publisher sent. */
function worstStreamLoss(sub: Subscriber, after: Map<number, number>, before: Map<number, number>, publishers: number, sentVideo: number, sentAudio: number): number {
  let worst = 0;
  for (const [kind, sent] of [
    ['video', sentVideo],
    ['audio', sentAudio],
  ] as const) {
    const got = [...after.entries()]
      .filter(([ssrc]) => sub.kinds.get(sub.ptOf.get(ssrc) ?? -1) === kind)
      .map(([ssrc, c]) => c - (before.get(ssrc) ?? 0))
      .sort((a, b) => b - a)
      .slice(0, publishers);
    while (got.length < publishers) got.push(0); // a stream that never arrived
    for (const g of got) worst = Math.max(worst, sent > 0 ? 1 - g / sent : 1);
  }
  return worst;
}

/** Subscribers connecting at once, and how long one may take. */
const CONNECT_BATCH = Number(process.env.BENCH_CONNECT_BATCH ?? 20);
const CONNECT_TIMEOUT_MS = 30_000;
/** With kernel counting, one subscriber in this many gets the kernel's samples to decrypt. */
const SAMPLED_SUBSCRIBER_EVERY = 10;

/** Each subscriber's counts per SSRC as the kernel has them (and their payload types noted in `ptOf`). */
function kernelCounts(kernel: KernelRtpCounter, subscribers: readonly Subscriber[]): Array<Map<number, number>> {
  const ports = byPort(kernel.read());
  return subscribers.map((s) => {
    const m = new Map<number, number>();
    for (const port of s.ports())
      for (const st of ports.get(port) ?? []) {
        m.set(st.ssrc, (m.get(st.ssrc) ?? 0) + st.packets);
        s.ptOf.set(st.ssrc, st.pt);
      }
    return m;
  });
}

async function runStep(
  server: RunningServer,
  network: Network,
  admin: JanusParticipant,
  size: VideoRoomSize,
  seconds: number,
  rss0: number,
  kernel: KernelRtpCounter | undefined,
): Promise<VideoRoomStep> {
  const mode: VideoRoomStep['countedBy'] = !kernel ? 'js' : kernel.drops ? 'kernel' : 'both';
  const rssCarriedBytes = residentBytes(server.pid) - rss0;
  const created = await admin.syncRequest({
    request: 'create',
    description: `bench ${size.publishers}x${size.subscribers}`,
    publishers: size.publishers + 1,
    audiocodec: 'opus',
    videocodec: 'vp8',
    bitrate: 0,
    fir_freq: 0,
    permanent: false,
  });
  const room = created.room;
  if (created.videoroom !== 'created' || typeof room !== 'number') throw new Error(`create room -> ${JSON.stringify(created)}`);
  const publishers: Publisher[] = [];
  const subscribers: Subscriber[] = [];
  let tick = 0;
  // Snapshots are taken at the start of a tick, before its packets go out: everything sent in earlier ticks has
  // reached the subscribers by then (20 ms later), so the window has no packets in flight at either end.
  let atTick: (() => void) | undefined;
  const onTick = <T>(take: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the media timer stopped')), 2000);
      atTick = () => {
        clearTimeout(t);
        resolve(take());
      };
    });
  // Media runs from the first publisher to the end of the step, bounded in ticks whatever happens.
  const maxTicks = Math.ceil(((seconds + 300) * 1000) / TICK_MS);
  const startedAt = performance.now();
  const timer = setInterval(() => {
    if (tick >= maxTicks) return clearInterval(timer);
    const take = atTick;
    atTick = undefined;
    take?.();
    // Timers run late under load: send the ticks that are due (a few at most) so the rate holds.
    const due = Math.min(tick + 3, Math.floor((performance.now() - startedAt) / TICK_MS) + 1);
    do {
      for (const p of publishers) p.tick(tick);
      tick++;
    } while (tick < due);
  }, TICK_MS);
  try {
    const setup0 = performance.now();
    for (let i = 0; i < size.publishers; i++) publishers.push(await startPublisher(server, network, room, i));
    await sleep(300);
    const feeds = publishers.map((p) => p.id);
    // Subscribers in batches of CONNECT_BATCH at once, each bounded in time (one that comes up late is closed).
    let finished = false;
    for (let i = 0; i < size.subscribers; i += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, size.subscribers - i) }, () => {
        const p = startSubscriber(server, network, room, feeds, mode !== 'kernel');
        return Promise.race([
          p,
          sleep(CONNECT_TIMEOUT_MS).then(() => {
            void p.then((s) => (finished || subscribers.length >= size.subscribers ? s.close() : undefined)).catch(() => {});
            throw new Error(`a subscriber did not come up within ${CONNECT_TIMEOUT_MS} ms`);
          }),
        ]);
      });
      const got = await Promise.allSettled(batch);
      for (const g of got)
        if (g.status === 'fulfilled') {
          if (kernel) for (const port of g.value.ports()) kernel.watch(port, subscribers.length % SAMPLED_SUBSCRIBER_EVERY === 0);
          subscribers.push(g.value);
        }
      const failed = got.find((g): g is PromiseRejectedResult => g.status === 'rejected');
      if (failed) {
        finished = true;
        throw new Error(`${subscribers.length} of ${size.subscribers} subscribers connected: ${errorText(failed.reason).slice(0, 200)}`);
      }
    }
    const setupSeconds = (performance.now() - setup0) / 1000;
    await sleep(1000);
    const snapshot = () => ({
      counts: kernel ? kernelCounts(kernel, subscribers) : subscribers.map((s) => new Map(s.counts)),
      js: mode === 'both' ? subscribers.map((s) => new Map(s.counts)) : undefined,
      video: publishers.map((p) => p.sentVideo),
      audio: publishers.map((p) => p.sentAudio),
      cpu: cpuSeconds(server.pid),
      client: process.cpuUsage(),
      t: performance.now(),
    });
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    const start = await onTick(snapshot);
    stalls.enable();
    await sleep(seconds * 1000);
    const end = await onTick(snapshot);
    stalls.disable();
    const counts0 = start.counts;
    const video0 = start.video;
    const audio0 = start.audio;
    const cpu = end.cpu - start.cpu;
    const client = process.cpuUsage(start.client);
    const elapsed = (end.t - start.t) / 1000;
    const rss = residentBytes(server.pid);
    // All publishers tick together; take the most any one sent as what each stream should have carried.
    const sentVideo = Math.max(...publishers.map((_, i) => end.video[i] - video0[i]));
    const sentAudio = Math.max(...publishers.map((_, i) => end.audio[i] - audio0[i]));
    const sent = publishers.reduce((a, _, i) => a + (end.video[i] - video0[i]) + (end.audio[i] - audio0[i]), 0);
    let forwarded = 0;
    end.counts.forEach((m, i) => {
      for (const [ssrc, c] of m) forwarded += c - (counts0[i].get(ssrc) ?? 0);
    });
    const worstLoss = Math.max(0, ...subscribers.map((s, i) => worstStreamLoss(s, end.counts[i], counts0[i], size.publishers, sentVideo, sentAudio)));
    return {
      ...size,
      sent,
      forwarded,
      worstLoss,
      serverCpuUsPerPacket: (cpu * 1e6) / Math.max(1, forwarded),
      clientCpuShare: (client.user + client.system) / 1e6 / elapsed,
      rssGrowthBytes: rss - rss0,
      rssBytesPerPeer: (rss - rss0) / (size.publishers + size.subscribers),
      rssCarriedBytes,
      decryptedSample: subscribers.reduce((a, s) => a + s.decrypted, 0),
      corruptSample: subscribers.reduce((a, s) => a + s.corrupt, 0),
      setupSeconds,
      windowSeconds: elapsed,
      clientMaxStallMs: stalls.max / 1e6,
      countedBy: mode,
      kernelJsMaxDiff:
        start.js && end.js
          ? Math.max(0, ...end.counts.flatMap((m, i) => [...m].map(([ssrc, c]) => Math.abs(c - (counts0[i].get(ssrc) ?? 0) - ((end.js![i].get(ssrc) ?? 0) - (start.js![i].get(ssrc) ?? 0))))))
          : undefined,
    };
  } finally {
    clearInterval(timer);
    for (const s of subscribers) await s.close();
    for (const p of publishers) await p.close();
    await admin.syncRequest({ request: 'destroy', room }).catch(() => {});
  }
}

/** Runs the steps in order, each in a room of its own (torn down after it); stops after a step with over 5 % loss. */
const WARM_UP: VideoRoomSize = { publishers: 2, subscribers: 3 };

export async function runVideoRoom(server: RunningServer, sizes: readonly VideoRoomSize[], seconds: number, kernel?: KernelRtpCounter, notes: string[] = []): Promise<VideoRoomStep[]> {
  const network = new HostNetwork(await discoverNetworkHost());
  const admin = await JanusParticipant.open(server.wsUrl, PLUGIN);
  const results: VideoRoomStep[] = [];
  try {
    await sleep(300);
    // Warm-up: a small room first, not reported, so that no measured step pays for compiling the plugin's code
    // (a JIT cost Janus, being C, does not have; the first step read two to three times the later ones).
    kernel?.reset();
    await runStep(server, network, admin, WARM_UP, 2, residentBytes(server.pid), kernel);
    await sleep(500);
    const rss0 = residentBytes(server.pid);
    for (const size of sizes) {
      let step: VideoRoomStep;
      try {
        step = await runStep(server, network, admin, size, seconds, rss0, kernel);
      } catch (err) {
        // A step the server could not take (subscribers that did not come up): recorded as a note, and the end.
        notes.push(`VideoRoom ${size.publishers}x${size.subscribers} on ${server.name}: ${errorText(err).slice(0, 300)}; the workload stops here`);
        break;
      }
      results.push(step);
      if (step.worstLoss > 0.05) break;
      await sleep(500);
    }
  } finally {
    await admin.close();
    kernel?.reset(); // no port stays watched for the workloads after this one (echo's sockets may get them)
  }
  return results;
}
