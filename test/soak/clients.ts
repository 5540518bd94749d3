// The soak's client process: warm-up, then the cycles (bounded concurrency, bounded time), an RTP feed for the
// Streaming mountpoint and garbage datagrams at the server's media ports. It runs apart from the server so that
// the server's descriptors, sockets and timers are measured without the clients'.
import dgram from 'node:dgram';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { errorDetail, errorText } from '../../src/logging/error-text.js';
import type { Network } from '../../src/net/network.js';
import type { UdpIceTransport } from '../../src/media/udp-ice-transport.js';
import { echotestCycle, streamingCycle, videoroomCycle, type CycleContext } from './cycles.js';
import { GARBAGE_KINDS, garbage, Prng, type GarbageKind } from './garbage.js';
import { JanusSession } from './janus-session.js';
import type { ClientSettings, ClientStats, CycleKind, FromClient, ToClient } from './protocol.js';
import { rtpPacket } from '../../support/rtp-packets.js';

const CYCLE_GUARD_MS = 90_000;
const RECENT_PORTS = 64;

function send(m: FromClient): void {
  process.send?.(m);
}

class Soak {
  private readonly rng: Prng;
  private readonly stats = {
    started: 0,
    done: 0,
    failed: 0,
    byKind: { echotest: { done: 0, failed: 0 }, streaming: { done: 0, failed: 0 }, videoroom: { done: 0, failed: 0 } },
    garbage: {} as Partial<Record<GarbageKind, number>>,
    garbageFromPeers: 0,
    errors: [] as string[],
  };
  /** Server ports seen in SDPs, most recent last; ports of calls that ended stay targets too. */
  private readonly recentPorts: number[] = [];
  private mountpointPorts: number[] = [];
  private mountpoint = 0;
  private room = 0;
  private garbageTimer: NodeJS.Timeout | undefined;
  private feedTimer: NodeJS.Timeout | undefined;
  private readonly socket = dgram.createSocket('udp4');

  private constructor(
    private readonly settings: ClientSettings,
    private readonly network: Network,
  ) {
    this.rng = new Prng(settings.seed);
    this.socket.on('error', () => undefined); // ICMP from a port that closed: expected
  }

  static async create(settings: ClientSettings): Promise<Soak> {
    const soak = new Soak(settings, new HostNetwork(await discoverNetworkHost()));
    await new Promise<void>((r) => soak.socket.bind(0, '127.0.0.1', () => r()));
    return soak;
  }

  snapshot(): ClientStats {
    return JSON.parse(JSON.stringify(this.stats)) as ClientStats;
  }

  /** The mountpoint and room every cycle uses, made on a session that is destroyed again. */
  async prepare(): Promise<void> {
    const admin = await JanusSession.open(this.settings.wsUrl);
    try {
      const streaming = await admin.attach('janus.plugin.streaming');
      const created = await admin.message(streaming, {
        request: 'create',
        type: 'rtp',
        description: 'soak',
        media: [
          { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
          { type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' },
        ],
      });
      const stream = created.data.stream as { id: number; ports?: Array<{ port: number }> } | undefined;
      if (!stream || !(stream.id > 0)) throw new Error(`mountpoint create: ${JSON.stringify(created.data).slice(0, 300)}`);
      this.mountpoint = stream.id;
      this.mountpointPorts = (stream.ports ?? []).map((p) => p.port).filter((p) => p > 0);
      if (this.mountpointPorts.length !== 2) throw new Error(`mountpoint ports: ${JSON.stringify(stream)}`);
      const videoroom = await admin.attach('janus.plugin.videoroom');
      const room = await admin.message(videoroom, { request: 'create', publishers: 64, description: 'soak' });
      this.room = Number(room.data.room);
      if (!(this.room > 0)) throw new Error(`room create: ${JSON.stringify(room.data).slice(0, 300)}`);
      await admin.destroy();
    } finally {
      admin.close();
    }
    this.startFeed();
  }

  /** Plain RTP into the mountpoint: Opus-ish audio at 50/s and VP8 key-frame-ish video at 30/s. */
  private startFeed(): void {
    const [aport, vport] = this.mountpointPorts;
    let n = 0;
    this.feedTimer = setInterval(() => {
      n++;
      this.socket.send(plainRtp(n, 111, n * 960, 0x50a0, Buffer.from([0xf8, 0xff, 0xfe, n & 0xff])), aport, '127.0.0.1');
      if (n % 3 !== 0) this.socket.send(plainRtp(n, 100, n * 3000, 0x50a1, VP8_KEYFRAME), vport, '127.0.0.1');
    }, 20);
  }

  stopFeed(): void {
    clearInterval(this.feedTimer);
  }

  startGarbage(): void {
    const perTick = Math.max(1, Math.round(this.settings.garbageRate / 50));
    this.garbageTimer = setInterval(() => {
      const targets = [...this.recentPorts, ...this.mountpointPorts];
      if (targets.length === 0) return;
      for (let i = 0; i < perTick; i++) {
        const kind = this.rng.pick(GARBAGE_KINDS);
        this.socket.send(garbage(this.rng, kind), this.rng.pick(targets), '127.0.0.1');
        this.stats.garbage[kind] = (this.stats.garbage[kind] ?? 0) + 1;
      }
    }, 20);
  }

  stopGarbage(): void {
    clearInterval(this.garbageTimer);
  }

  private context(): CycleContext {
    return {
      wsUrl: this.settings.wsUrl,
      network: this.network,
      rng: this.rng,
      mountpoint: this.mountpoint,
      room: this.room,
      injectShare: this.settings.injectShare,
      serverPorts: (ports) => {
        for (const p of ports) {
          if (this.recentPorts.includes(p)) continue;
          this.recentPorts.push(p);
          if (this.recentPorts.length > RECENT_PORTS) this.recentPorts.shift();
        }
      },
      injectFrom: (socket: UdpIceTransport, ports) => {
        for (let i = 0; i < 40; i++) {
          const kind = this.rng.pick(GARBAGE_KINDS);
          for (const p of ports) void socket.send(garbage(this.rng, kind), ['127.0.0.1', p]);
          this.stats.garbageFromPeers += ports.length;
        }
      },
    };
  }

  private pickKind(): CycleKind {
    const mix = this.settings.mix;
    const total = mix.echotest + mix.streaming + mix.videoroom;
    let r = this.rng.below(total);
    for (const k of ['echotest', 'streaming', 'videoroom'] as const) {
      if (r < mix[k]) return k;
      r -= mix[k];
    }
    return 'echotest';
  }

  /** One cycle; a failure is counted and described, never thrown. */
  async cycle(index: number, kind: CycleKind): Promise<void> {
    this.stats.started++;
    const run = kind === 'echotest' ? echotestCycle : kind === 'streaming' ? streamingCycle : videoroomCycle;
    let guard: NodeJS.Timeout | undefined;
    try {
      await Promise.race([run(this.context()), new Promise((_, reject) => (guard = setTimeout(() => reject(new Error(`cycle still running after ${CYCLE_GUARD_MS} ms`)), CYCLE_GUARD_MS)))]);
      this.stats.done++;
      this.stats.byKind[kind].done++;
    } catch (err) {
      this.stats.failed++;
      this.stats.byKind[kind].failed++;
      if (this.stats.errors.length < 20) this.stats.errors.push(`cycle ${index} (${kind}): ${errorText(err)}`.slice(0, 600));
    } finally {
      clearTimeout(guard);
    }
  }

  /** A few cycles of every kind, so that whatever the server creates lazily exists before the baseline. */
  async warmUp(): Promise<void> {
    this.startGarbage();
    const kinds: CycleKind[] = ['echotest', 'echotest', 'streaming', 'videoroom'];
    await Promise.all(kinds.map((k, i) => this.cycle(-1 - i, k)));
    await Promise.all(kinds.map((k, i) => this.cycle(-5 - i, k)));
    this.stopGarbage();
  }

  /** Counts start again after the warm-up, whose figures were reported on their own. */
  resetStats(): void {
    Object.assign(this.stats, { started: 0, done: 0, failed: 0, garbageFromPeers: 0, garbage: {}, errors: [] });
    for (const k of Object.values(this.stats.byKind)) Object.assign(k, { done: 0, failed: 0 });
  }

  async run(): Promise<void> {
    this.resetStats();
    this.startGarbage();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < this.settings.cycles && Date.now() < this.settings.deadline) {
        const index = next++;
        await this.cycle(index, this.pickKind());
      }
    };
    await Promise.all(Array.from({ length: this.settings.concurrency }, lane));
    this.stopGarbage();
  }

  close(): void {
    this.stopGarbage();
    this.stopFeed();
    this.socket.close();
  }
}

const VP8_KEYFRAME = Buffer.from([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function plainRtp(seq: number, pt: number, timestamp: number, ssrc: number, payload: Buffer): Buffer {
  return rtpPacket({ payloadType: pt, marker: true, sequenceNumber: seq, timestamp, ssrc, payload });
}

let soak: Soak | undefined;
let progress: NodeJS.Timeout | undefined;

// Without its runner (killed, or crashed) there is nobody to report to: stop at once.
process.on('disconnect', () => process.exit(0));

// A client-side stray rejection (a late timeout of an abandoned wait) must not end the run; it is counted as seen.
process.on('unhandledRejection', () => undefined);

process.on('message', (m: ToClient) => {
  void (async () => {
    try {
      if (m.t === 'start') {
        soak = await Soak.create(m.settings);
        await soak.prepare();
        await soak.warmUp();
        send({ t: 'warmed', stats: soak.snapshot() });
      } else if (m.t === 'go' && soak) {
        const s = soak;
        progress = setInterval(() => send({ t: 'progress', stats: s.snapshot() }), 2000);
        await s.run();
        clearInterval(progress);
        send({ t: 'finished', stats: s.snapshot() });
      } else if (m.t === 'quit') {
        soak?.close();
        process.exit(0);
      }
    } catch (err) {
      send({ t: 'fatal', message: errorDetail(err) });
    }
  })();
});
