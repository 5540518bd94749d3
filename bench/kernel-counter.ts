// Counting the load clients' RTP in the kernel (nftables) instead of in JavaScript, so that the bench's own CPU
// can absorb 1000 viewers × 150 packets/s without being the cause of the loss it measures.
//
// One table of the bench's own on the host (the load clients' side of the veth pair), input hook: every datagram
// from the server's media address to a watched port of the client address (a viewer's socket) whose UDP payload looks like RTP (version 2, second byte
// outside the RTCP range 192-223) updates a dynamic set keyed by (destination port, SSRC, payload type), whose
// elements each carry a counter: one counter per viewer and stream (the payload type tells audio from video).
// With `drop`, that RTP is then dropped in the kernel, except, for the few viewers whose ports are in the
// `sampled` set, a random one in `sampleEvery`, which reaches the viewer's socket for werift to decrypt (proof the
// media is valid SRTP); the server's RTCP to the viewers (sender reports) is dropped as well. STUN and DTLS are
// never matched, and the viewers' own RTCP goes out as before, so ICE consent, DTLS and receiver reports go on.
// Without `drop` the kernel only counts and every packet still reaches the socket (to check the kernel's counts
// against the JavaScript ones).
import { spawnSync } from 'node:child_process';
import { ensureDebianPackage } from './janus-reference.js';

const NFT = '/usr/sbin/nft';

export interface KernelRtpCounter {
  /** Whether RTP is dropped in the kernel (all but a sample): viewers must then not count RTP themselves. */
  readonly drops: boolean;
  /** Forgets every counter and sampled port (a new workload). */
  reset(): void;
  /**
   * Counts (and with `drops`, drops) the RTP to this port from now on. With `sampled`, a random one in
   * `sampleEvery` of it still reaches the socket. Only a few viewers should get samples: each costs werift far
   * more than the packets it is handed (its cost grows with the sequence gap between the packets it sees), so
   * sampling all 1000 viewers would load the client again.
   */
  watch(port: number, sampled: boolean): void;
  /** Packets counted so far per `port/ssrc`; synchronous, so the caller can take it at a precise moment. */
  read(): Map<string, number>;
  remove(): void;
}

function nft(args: string[], input?: string): { ok: boolean; out: string; err: string } {
  const r = spawnSync(NFT, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024, timeout: 10_000 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** The key of one counter: the viewer's port, the stream's SSRC and its payload type. */
export function counterKey(port: number, ssrc: number, pt: number): string {
  return `${port}/${ssrc >>> 0}/${pt}`;
}

export interface StreamCount {
  readonly ssrc: number;
  readonly pt: number;
  readonly packets: number;
}

/** Sums the counters of one port (a viewer's socket) over all its SSRCs. */
export function packetsToPort(counts: ReadonlyMap<string, number>, port: number): number {
  let n = 0;
  const prefix = `${port}/`;
  for (const [k, c] of counts) if (k.startsWith(prefix)) n += c;
  return n;
}

/** Groups counters by port: port → the streams counted to it. */
export function byPort(counts: ReadonlyMap<string, number>): Map<number, StreamCount[]> {
  const out = new Map<number, StreamCount[]>();
  for (const [k, packets] of counts) {
    const [port, ssrc, pt] = k.split('/').map(Number);
    let list = out.get(port);
    if (!list) out.set(port, (list = []));
    list.push({ ssrc, pt, packets });
  }
  return out;
}

/**
 * Sets the counters up; returns a reason instead when nftables is missing and cannot be installed, or the
 * kernel refuses the table.
 */
export function createKernelRtpCounter(opts: { serverAddress: string; clientAddress: string; sampleEvery: number; drop: boolean }): KernelRtpCounter | { error: string } {
  if (!ensureDebianPackage('nftables', NFT)) return { error: 'nftables is not installed and apt-get could not install it' };
  const table = `portunus_bench_${process.pid}`;
  const remove = (): void => void nft(['delete', 'table', 'inet', table]);
  remove(); // a table left by an earlier run of this pid
  const sample = Math.max(1, Math.floor(opts.sampleEvery));
  // Only ports handed to watch() are matched: other clients of the bench (echo) get their packets as always.
  const toViewer = `ip saddr ${opts.serverAddress} ip daddr ${opts.clientAddress} udp dport @watched`;
  const rtp = `${toViewer} @th,64,2 2 @th,72,8 != 192-223`;
  const script = [
    `add table inet ${table}`,
    // 65535 elements: 1000 viewers × 2 streams, or 50 subscribers × 20 streams, with room for the ports earlier
    // steps used (each step's counts are taken as differences, so stale elements do no harm).
    `add set inet ${table} watched { typeof udp dport; size 65535; }`,
    `add set inet ${table} sampled { typeof udp dport; size 65535; }`,
    `add set inet ${table} rtp { typeof udp dport . @th,128,32 . @th,73,7; size 65535; flags dynamic; counter; }`,
    `add chain inet ${table} input { type filter hook input priority -10; policy accept; }`,
    `add rule inet ${table} input ${rtp} update @rtp { udp dport . @th,128,32 . @th,73,7 }`,
    // The server's RTCP (sender reports) to the viewers is dropped too when RTP is: a viewer has no use for it,
    // and each one would cost werift an SRTCP decryption and parse (the server's cost of sending it is unchanged).
    ...(opts.drop ? [`add rule inet ${table} input ${toViewer} @th,64,2 2 @th,72,8 192-223 drop`] : []),
    ...(opts.drop ? [`add rule inet ${table} input ${rtp} udp dport @sampled numgen random mod ${sample} == 0 accept`, `add rule inet ${table} input ${rtp} drop`] : []),
  ].join('\n');
  const r = nft(['-f', '-'], script + '\n');
  if (!r.ok) {
    remove();
    return { error: `nft: ${r.err.trim().slice(0, 300)}` };
  }
  return {
    drops: opts.drop,
    reset() {
      for (const set of ['watched', 'sampled', 'rtp']) nft(['flush', 'set', 'inet', table, set]);
    },
    watch(port: number, sampled: boolean) {
      if (sampled) nft(['add', 'element', 'inet', table, 'sampled', `{ ${port} }`]);
      nft(['add', 'element', 'inet', table, 'watched', `{ ${port} }`]);
    },
    read() {
      const out = nft(['-j', 'list', 'set', 'inet', table, 'rtp']);
      if (!out.ok) throw new Error(`nft list set: ${out.err.trim().slice(0, 300)}`);
      return parseSetCounters(out.out);
    },
    remove,
  };
}

interface NftElem {
  elem?: { val?: { concat?: unknown[] }; counter?: { packets?: number } };
}

/** Reads `nft -j list set` output: elements `{elem: {val: {concat: [port, ssrc, pt]}, counter: {packets}}}`. */
export function parseSetCounters(json: string): Map<string, number> {
  const counts = new Map<string, number>();
  const doc = JSON.parse(json) as { nftables?: Array<{ set?: { elem?: NftElem[] } }> };
  for (const item of doc.nftables ?? []) {
    for (const e of item.set?.elem ?? []) {
      const concat = e.elem?.val?.concat;
      const packets = e.elem?.counter?.packets;
      if (!Array.isArray(concat) || concat.length !== 3 || typeof packets !== 'number') continue;
      const [port, ssrc, pt] = concat.map(Number);
      counts.set(counterKey(port, ssrc, pt), packets);
    }
  }
  return counts;
}
