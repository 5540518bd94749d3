// VP9 SVC spatial down-switches as a receiver sees them: a synthetic L3T3_KEY stream (k-SVC: only the keyframe
// predicts across spatial layers) goes through the LayerForwarder into the real outbound numbering (RtpOutStream),
// switched down at every packet of a GOF, with and without the replays a sender sends (RTX probing resends recent
// packets; a retransmission is one too). What comes out must be decodable: every output sequence number carries
// one packet, every forwarded layer frame arrives whole and references only forwarded frames, and each picture's
// last packet of its highest forwarded spatial layer has the marker (and no other packet has).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LayerForwarder, type ForwardTarget } from '../../../src/forwarding/layer-forwarder.js';
import { SourcePacket } from '../../../src/forwarding/source-packet.js';
import { RtpOutStream } from '../../../src/media/rtp-out-stream.js';
import { rtp, vp9 } from './rtp-packets.js';

const PACKETS_PER_FRAME = 2;
const TIDS = [0, 2, 1, 2]; // L3T3: the temporal pattern of a GOF
const PICTURES = 12;

interface SourceFrame {
  picture: number;
  sid: number;
  tid: number;
  /** Frames (picture, sid) it is predicted from. */
  refs: [number, number][];
  /** Source sequence numbers of its packets. */
  seqs: number[];
}

/** The stream: picture 0 is the keyframe; after it each spatial layer refers to its own earlier frames only. */
function stream(): { packets: Buffer[]; frames: SourceFrame[] } {
  const packets: Buffer[] = [];
  const frames: SourceFrame[] = [];
  let seq = 1000;
  const lastOfTid: number[] = [0, 0, 0];
  for (let picture = 0; picture < PICTURES; picture++) {
    const tid = TIDS[picture % TIDS.length];
    const key = picture === 0;
    for (let sid = 0; sid < 3; sid++) {
      // Temporal prediction from the last frame of a lower (or, for the base, the same) temporal layer.
      let from = -1;
      for (let t = 0; t <= tid; t++) if (t < tid || tid === 0) from = Math.max(from, lastOfTid[t]);
      const refs: [number, number][] = key ? (sid > 0 ? [[picture, sid - 1]] : []) : [[from, sid]];
      const frame: SourceFrame = { picture, sid, tid, refs, seqs: [] };
      for (let k = 0; k < PACKETS_PER_FRAME; k++) {
        const b = k === 0;
        const e = k === PACKETS_PER_FRAME - 1;
        frame.seqs.push(seq);
        packets.push(rtp(vp9({ p: !key, b, e, sid, tid, u: !key && tid > 0 }), { seq: seq++, ts: 3000 * (picture + 1), marker: e && sid === 2 }));
      }
      frames.push(frame);
    }
    lastOfTid[tid] = picture;
  }
  return { packets, frames };
}

/** What the receiver gets: RtpOutStream numbers the packets as the real send path does. */
class Receiver implements ForwardTarget {
  private readonly out = new RtpOutStream(0x5555, 98, 90000, true);
  private readonly scratch = Buffer.alloc(1500);
  /** Output sequence number -> the source packets sent with it (more than one: the receiver loses all but the first). */
  readonly bySeq = new Map<number, Set<number>>();
  /** Source sequence number -> marker as sent. */
  readonly marker = new Map<number, boolean>();
  send(packet: Buffer): void {
    this.out.rewrite(packet, this.scratch, 0);
    const outSeq = (this.scratch[2] << 8) | this.scratch[3];
    const src = (packet[2] << 8) | packet[3];
    let set = this.bySeq.get(outSeq);
    if (!set) this.bySeq.set(outSeq, (set = new Set()));
    set.add(src);
    if (!this.marker.has(src)) this.marker.set(src, (this.scratch[1] & 0x80) !== 0);
  }
  skip(): void {
    this.out.skip();
  }
  layerChanged(): void {}
  keyframeNeeded(): void {}
}

/** Feeds the stream, switching to spatial layer 0 before packet `switchAt`; `replay`: each packet is followed by a resend of the one two before. */
function run(switchAt: number, replay: boolean): { rx: Receiver; frames: SourceFrame[] } {
  const { packets, frames } = stream();
  const rx = new Receiver();
  const f = new LayerForwarder(rx, { codec: 'vp9' });
  f.setSvc(2, 2);
  const source = new SourcePacket('vp9', () => 0);
  const feed = (b: Buffer): void => {
    source.load(Buffer.from(b));
    f.forward(source);
  };
  packets.forEach((b, i) => {
    if (i === switchAt) f.setSvc(0, undefined);
    feed(b);
    if (replay && i >= 2) feed(packets[i - 2]);
  });
  return { rx, frames };
}

function assertDecodable(rx: Receiver, frames: SourceFrame[], what: string): void {
  // The receiver keeps the first packet of an output number; the others are lost to it, and nothing tells it.
  for (const [outSeq, srcs] of rx.bySeq) assert.equal(srcs.size, 1, `${what}: output seq ${outSeq} carries source packets ${[...srcs].join(', ')}`);
  const received = new Set<number>();
  for (const srcs of rx.bySeq.values()) for (const s of srcs) received.add(s);
  const forwarded = new Set<string>();
  for (const fr of frames) {
    const got = fr.seqs.filter((s) => received.has(s)).length;
    assert.ok(got === 0 || got === fr.seqs.length, `${what}: picture ${fr.picture} SID ${fr.sid} arrived in part`);
    if (got === 0) continue;
    forwarded.add(`${fr.picture}/${fr.sid}`);
    for (const [p, s] of fr.refs) assert.ok(forwarded.has(`${p}/${s}`), `${what}: picture ${fr.picture} SID ${fr.sid} refers to ${p}/${s}, not forwarded`);
  }
  for (let picture = 0; picture < PICTURES; picture++) {
    const kept = frames.filter((fr) => fr.picture === picture && forwarded.has(`${picture}/${fr.sid}`));
    if (kept.length === 0) continue;
    const top = kept.reduce((a, b) => (b.sid > a.sid ? b : a));
    for (const fr of kept) {
      for (const s of fr.seqs) {
        const expected = fr === top && s === fr.seqs.at(-1);
        assert.equal(rx.marker.get(s), expected, `${what}: picture ${picture} SID ${fr.sid} packet ${s} marker`);
      }
    }
  }
}

test('VP9 SVC (L3T3_KEY): a spatial down-switch at any packet of the GOF forwards a decodable stream', () => {
  const total = PICTURES * 3 * PACKETS_PER_FRAME;
  for (let at = 0; at <= total; at++) {
    const { rx, frames } = run(at, false);
    assertDecodable(rx, frames, `switch at ${at}`);
  }
});

test('VP9 SVC: resent packets of a dropped layer (retransmissions, RTX probing) close no gap and switch nothing', () => {
  const total = PICTURES * 3 * PACKETS_PER_FRAME;
  for (let at = 0; at <= total; at++) {
    const { rx, frames } = run(at, true);
    assertDecodable(rx, frames, `switch at ${at}, with replays`);
  }
});

test('VP9 SVC: after a long time unfed (a paused viewer), a drop closes its gap again and the layers switch', () => {
  let skips = 0;
  const target: ForwardTarget = { send: () => {}, skip: () => void skips++, layerChanged: () => {}, keyframeNeeded: () => {} };
  const f = new LayerForwarder(target, { codec: 'vp9' });
  const source = new SourcePacket('vp9', () => 0);
  const feed = (seq: number, sid: number, p = true): void => {
    source.load(rtp(vp9({ p, b: true, e: true, sid, tid: 0 }), { seq }));
    f.forward(source);
  };
  f.setSvc(0, undefined);
  feed(100, 0);
  feed(101, 1);
  feed(101, 1);
  assert.equal(skips, 1, 'the copy closed no gap');
  feed(100 + 40000, 1);
  assert.equal(skips, 2, 'far ahead (more than half the numbers): a new packet');
  f.setSvc(2, undefined);
  feed(100 + 40001, 0, false);
  assert.equal(f.spatialLayer, 2, 'up at its keyframe');
});
