// What a PeerConnection counted (RTP packets and bytes, feedback, data channel messages), read when metrics are
// scraped, and the totals of the PeerConnections that closed, kept so that a total never goes down when one
// goes away. Counting is the media layer's (plain integer fields, nothing allocated per packet); this is the shape.

/** One direction-pair of RTP counters, for the audio or the video m-lines of a PeerConnection. */
export interface RtpCounters {
  /** RTP packets received from the client (decrypted and checked), and their bytes after the 12-byte fixed header. */
  packetsReceived: number;
  bytesReceived: number;
  /** RTP packets sent to the client, and their bytes after the fixed header (as RTCP sender reports count them). */
  packetsSent: number;
  bytesSent: number;
  /** Sequence numbers we asked the client to send again (each retry counts), and the ones it asked us for. */
  nacksSent: number;
  nacksReceived: number;
  /** Packets we sent again from the NACK history. */
  retransmitted: number;
  /** Keyframe requests (PLI) we sent to the client's sender, and the ones (PLI, FIR) it sent to us. */
  plisSent: number;
  plisReceived: number;
  /** Packets from the client that never arrived (RFC 3550's cumulative lost, over the streams our path reads). */
  lost: number;
}

export interface DataCounters {
  messagesReceived: number;
  bytesReceived: number;
  messagesSent: number;
  bytesSent: number;
}

export interface MediaCounters {
  readonly audio: RtpCounters;
  readonly video: RtpCounters;
  readonly data: DataCounters;
}

export function emptyRtpCounters(): RtpCounters {
  return { packetsReceived: 0, bytesReceived: 0, packetsSent: 0, bytesSent: 0, nacksSent: 0, nacksReceived: 0, retransmitted: 0, plisSent: 0, plisReceived: 0, lost: 0 };
}

export function emptyMediaCounters(): MediaCounters {
  return { audio: emptyRtpCounters(), video: emptyRtpCounters(), data: { messagesReceived: 0, bytesReceived: 0, messagesSent: 0, bytesSent: 0 } };
}

// Field by field rather than over Object.entries: a scrape adds these up for every PeerConnection.

export function addRtpCounters(into: RtpCounters, from: Readonly<RtpCounters>): void {
  into.packetsReceived += from.packetsReceived;
  into.bytesReceived += from.bytesReceived;
  into.packetsSent += from.packetsSent;
  into.bytesSent += from.bytesSent;
  into.nacksSent += from.nacksSent;
  into.nacksReceived += from.nacksReceived;
  into.retransmitted += from.retransmitted;
  into.plisSent += from.plisSent;
  into.plisReceived += from.plisReceived;
  into.lost += from.lost;
}

export function addDataCounters(into: DataCounters, from: Readonly<DataCounters>): void {
  into.messagesReceived += from.messagesReceived;
  into.bytesReceived += from.bytesReceived;
  into.messagesSent += from.messagesSent;
  into.bytesSent += from.bytesSent;
}

export function addMediaCounters(into: MediaCounters, from: MediaCounters): void {
  addRtpCounters(into.audio, from.audio);
  addRtpCounters(into.video, from.video);
  addDataCounters(into.data, from.data);
}

/** Distinct hangup reasons kept apart; beyond, they are counted as "other" (reasons come from code, not clients). */
const MAX_REASONS = 32;

/** What the PeerConnections that closed counted, by plugin, and why they closed. */
export class ClosedMediaTotals {
  readonly byPlugin = new Map<string, MediaCounters>();
  readonly hangups = new Map<string, number>();

  add(plugin: string, counters: MediaCounters | undefined, reason: string): void {
    if (counters) {
      let total = this.byPlugin.get(plugin);
      if (!total) this.byPlugin.set(plugin, (total = emptyMediaCounters()));
      addMediaCounters(total, counters);
    }
    const key = this.hangups.has(reason) || this.hangups.size < MAX_REASONS ? reason : 'other';
    this.hangups.set(key, (this.hangups.get(key) ?? 0) + 1);
  }
}
