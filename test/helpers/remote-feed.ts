// The sending side of a VideoRoom cascade, played by a test: the server's remote publisher (add_remote_publisher)
// is fed RTP by the cascade's SSRC convention (audio SSRC 1000 at m-line 0, video SSRC 1010 at m-line 1), and the
// keyframe requests it sends back are collected.
import dgram from 'node:dgram';
import { rtcpPacket, rtpPacket } from '../../support/rtp-packets.js';

/** A VP8 payload that looks like the start of a 320x240 key frame (descriptor S bit, frame tag, start code). */
export const VP8_KEYFRAME = Buffer.from([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** One RTP packet of the cascade (Opus at PT 111, VP8 at PT 96). */
export function remoteRtp(seq: number, ssrc: number, pt: number, payload: Buffer): Buffer {
  return rtpPacket({ payloadType: pt, marker: pt === 96, sequenceNumber: seq, timestamp: seq * (pt === 96 ? 3000 : 960), ssrc, payload });
}

export interface RemoteFeed {
  /** PLIs the server sent back to our socket (it latched onto us through the RTCP port), by media SSRC. */
  readonly plis: number[];
  stop(): void;
}

/**
 * Plays the sending Janus of a cascade from `host`: one socket says hello on `rtcpPort` (so the server latches
 * onto it), then sends RTP to `port` every 20 ms and collects the RTCP that comes back.
 */
export function feedRemote(port: number, rtcpPort: number, host = '127.0.0.1'): RemoteFeed {
  const s = dgram.createSocket('udp4');
  const plis: number[] = [];
  s.on('message', (m) => {
    // Compound RTCP: walk the packets, keep PSFB (206) with FMT 1 (PLI).
    for (let o = 0; o + 12 <= m.length; o += 4 * (m.readUInt16BE(o + 2) + 1)) if (m[o + 1] === 206 && (m[o] & 0x1f) === 1) plis.push(m.readUInt32BE(o + 8));
  });
  // An empty receiver report from the sender's SSRC (what a cascading Janus sends to open the way).
  s.send(rtcpPacket(201, 0, Buffer.from([0, 0, 0x03, 0xe8])), rtcpPort, host);
  let seq = 0;
  const timer = setInterval(() => {
    seq++;
    s.send(remoteRtp(seq, 1000, 111, Buffer.from([0xf8, 0xff, 0xfe, seq & 0xff])), port, host);
    s.send(remoteRtp(seq, 1010, 96, VP8_KEYFRAME), port, host);
  }, 20);
  return {
    plis,
    stop() {
      clearInterval(timer);
      s.close();
    },
  };
}
