// A node's load for its heartbeat: PeerConnections now, and over the time since the last sample the bits a
// second sent to clients and the process's CPU share. Read once a heartbeat, never per packet.
import type { NodeLoad } from './node-record.js';

/** What the server counts: PeerConnections open, and RTP bytes sent since start (closed PeerConnections too). */
export interface LoadReading {
  readonly peerconnections: number;
  readonly bytesSent: number;
}

export class LoadSampler {
  private at = performance.now();
  private cpu = process.cpuUsage();
  private bytes: number;
  private last: NodeLoad = { peerconnections: 0, forwarded_bps: 0, cpu: 0 };

  constructor(private readonly read: () => LoadReading) {
    this.bytes = read().bytesSent;
  }

  /** The load since the previous call (the previous figures when called again within 100 ms). */
  sample(): NodeLoad {
    const now = performance.now();
    const reading = this.read();
    const elapsedMs = now - this.at;
    if (elapsedMs < 100) return { ...this.last, peerconnections: reading.peerconnections };
    const cpu = process.cpuUsage(this.cpu);
    const sent = Math.max(0, reading.bytesSent - this.bytes);
    this.at = now;
    this.cpu = process.cpuUsage();
    this.bytes = reading.bytesSent;
    this.last = {
      peerconnections: reading.peerconnections,
      forwarded_bps: Math.round((sent * 8 * 1000) / elapsedMs),
      cpu: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 1000,
    };
    return this.last;
  }
}
