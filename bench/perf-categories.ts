// Sorts the samples of `perf script -F tid,ip,sym` into what a packet's CPU is spent on: the kernel's send and
// receive, Node's per-datagram delivery, our JavaScript by folder, werift, SRTP, timers, the event loop, V8's
// own threads. The kernel's and Node's parts are invisible to --cpu-prof, which is why the echo profile uses perf.

export interface CategoryShare {
  readonly category: string;
  readonly samples: number;
  readonly share: number;
}

interface Sample {
  readonly tid: string;
  /** Leaf first, as perf prints them. */
  readonly frames: readonly string[];
}

/** The samples of a `perf script -F tid,ip,sym` text: a line with the thread id, then one line per frame, each after a tab. */
export function perfSamples(text: string): Sample[] {
  const out: Sample[] = [];
  let tid: string | undefined;
  let frames: string[] = [];
  const flush = (): void => {
    if (tid !== undefined) out.push({ tid, frames });
    tid = undefined;
    frames = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') flush();
    else if (!line.startsWith('\t')) {
      flush();
      tid = line.trim().split(/\s+/)[0];
    } else if (tid !== undefined) {
      const parts = line.trim().split(/\s+/);
      frames.push(parts.slice(1).join(' ') || '?');
    }
  }
  flush();
  return out;
}

const has = (frames: readonly string[], ...needles: string[]): boolean => frames.some((f) => needles.some((n) => f.includes(n)));

/** One sample's category; `mainTid` is the thread that runs JavaScript (the process id). */
export function categoryOf(sample: Sample, mainTid: string): string {
  const f = sample.frames;
  if (sample.tid !== mainTid) return 'other threads (V8 compiler and GC helpers, sender threads)';
  if (has(f, 'Heap::', 'Scavenge', 'MarkCompact')) return 'garbage collection';
  if (has(f, 'compiler::')) return 'V8 compiling';
  if (has(f, 'tweetnacl', 'peculiar')) return 'call set-up (DTLS handshake)';
  if (has(f, 'sendmmsg', 'udp_sendmsg', '__libc_sendmsg')) return 'kernel: UDP send (with loopback delivery)';
  if (has(f, 'recvmsg', 'recvmmsg')) return 'kernel: UDP receive';
  if (has(f, 'epoll')) return 'event loop wait and wake-up';
  if (has(f, 'sha1_block', 'aesni_', 'tag_cm', 'gcm_')) return 'SRTP and SRTCP crypto (native)';
  const js = f.filter((x) => x.startsWith('JS:'));
  if (js.length > 0) {
    const leaf = js[0];
    if (leaf.includes('node_modules/werift') || (!leaf.includes('/dist/src/') && has(js, 'node_modules/werift'))) return 'werift (RTCP in, ICE, DTLS, events)';
    const ours = js.find((x) => x.includes('/dist/src/'));
    const folder = ours && /\/dist\/src\/([a-z-]+)\//.exec(ours)?.[1];
    if (folder) return `our JavaScript: ${folder}`;
    if (has(js, 'node:internal/timers')) return 'timers';
    return 'other JavaScript (Node internals)';
  }
  if (has(f, 'UDPWrap::OnRecv', 'UDPWrap::OnAlloc')) return "Node's per-datagram delivery (callback, address, Buffer)";
  if (has(f, 'napi_')) return 'N-API calls into the addon (argument checks)';
  if (has(f, 'vfprintf', '_IO_default_xsputn')) return "the profiler's own map writes";
  if (has(f, 'CheckImmediate', 'RunAndClearNativeImmediates', 'uv__run_check', 'uv__io_poll')) return 'event loop wait and wake-up';
  if (has(f, 'uv__run_timers')) return 'timers';
  if (has(f, 'malloc', '_int_free')) return 'allocation (malloc)';
  return 'other native';
}

export function categorise(samples: readonly Sample[], mainTid: string): CategoryShare[] {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const c = categoryOf(s, mainTid);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const total = samples.length || 1;
  return [...counts.entries()].map(([category, n]) => ({ category, samples: n, share: n / total })).sort((a, b) => b.samples - a.samples);
}
