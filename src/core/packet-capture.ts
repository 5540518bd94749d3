// A handle's packet capture (Admin `start_pcap` / `start_text2pcap`): every unencrypted RTP, RTCP and data channel
// packet the handle's PeerConnection receives and sends, written to a file as it goes. Writing never waits: what
// the disk has not taken yet is bounded, and packets beyond that are dropped and counted, so a slow disk costs
// the capture packets, never the media path its time.
import { createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pcapFileHeader, pcapRecord, text2pcapLine, type CaptureKind } from './pcap-format.js';

/** Bytes waiting for the disk beyond which packets are dropped. */
const MAX_BACKLOG = 8 * 1024 * 1024;

export interface CaptureRequest {
  readonly text: boolean;
  /** Created when missing; the server's working folder when absent. */
  readonly folder?: string;
  /** `janus-text2pcap-<random>.pcap` (or `.txt`) when absent. */
  readonly filename?: string;
  /** Bytes kept of each packet; 0 keeps them whole. */
  readonly truncate: number;
}

export class PacketCapture {
  readonly path: string;
  captured = 0;
  dropped = 0;
  private readonly out: WriteStream;
  private failed = false;

  /** Opens the file (throws when the folder or the file cannot be made); the first write error stops the capture. */
  constructor(readonly request: CaptureRequest) {
    const name = request.filename ?? `janus-text2pcap-${randomInt(0, 2 ** 32)}.${request.text ? 'txt' : 'pcap'}`;
    if (request.folder !== undefined) mkdirSync(request.folder, { recursive: true });
    this.path = resolve(request.folder !== undefined ? join(request.folder, name) : name);
    // Opened here so a bad path fails the request; appending, as Janus does: a second capture adds to the file.
    this.out = createWriteStream('', { fd: openSync(this.path, 'a') });
    this.out.on('error', () => {
      this.failed = true;
    });
    if (!request.text) this.out.write(pcapFileHeader());
  }

  /** Takes a copy of one packet (the buffer is lent); never blocks. */
  write(kind: CaptureKind, incoming: boolean, packet: Uint8Array): void {
    if (this.failed || this.out.writableLength > MAX_BACKLOG) {
      this.dropped++;
      return;
    }
    const now = Date.now();
    this.out.write(this.request.text ? text2pcapLine(incoming, new Date(now), packet, this.request.truncate, kind) : pcapRecord(incoming, now * 1000, packet, this.request.truncate));
    this.captured++;
  }

  /** Flushes and closes the file; resolves when it is complete on disk. */
  close(): Promise<void> {
    return new Promise((done) => this.out.end(done));
  }
}
