// Forwarding CPU per packet, derived honestly: the process's CPU time (every thread: the event loop, the native
// sender threads, the stack's) over the RTP packets it sent, between two readings at least a second apart. It
// includes everything else the process did meanwhile, so it is an upper bound of what forwarding costs.

export interface CpuTime {
  readonly user: number;
  readonly system: number;
}

/** Windows shorter than this give no new figure (a second scrape right after the first reads the last one). */
const MIN_WINDOW_MS = 1000;

export class CpuPerPacket {
  private at: number;
  private cpu: CpuTime;
  private packets: number;
  private value: number | undefined;

  constructor(
    packetsSent: number,
    private readonly readCpu: () => CpuTime = () => process.cpuUsage(),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.at = now();
    this.cpu = readCpu();
    this.packets = packetsSent;
  }

  /** Seconds of CPU per packet sent over the last window, or undefined when none was sent in it. */
  read(packetsSent: number): number | undefined {
    const now = this.now();
    if (now - this.at < MIN_WINDOW_MS) return this.value;
    const cpu = this.readCpu();
    const sent = packetsSent - this.packets;
    const seconds = (cpu.user - this.cpu.user + cpu.system - this.cpu.system) / 1e6;
    this.value = sent > 0 ? seconds / sent : undefined;
    this.at = now;
    this.cpu = cpu;
    this.packets = packetsSent;
    return this.value;
  }
}
