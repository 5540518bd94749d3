// LayerForwarder: the behaviours of the three old copies (EchoTest, Streaming viewer, VideoRoom subscriber m-line)
// through one API: simulcast substream with fallback and keyframe waits, VP8 temporal layers, VP9 SVC.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LayerForwarder, type ForwardTarget, type LayerEventField } from '../../../src/forwarding/layer-forwarder.js';
import { SourcePacket } from '../../../src/forwarding/source-packet.js';
import { parseVp8Descriptor } from '../../../src/forwarding/vp8-descriptor.js';
import { rtp, vp8, vp9 } from './rtp-packets.js';

class Recorder implements ForwardTarget {
  sent: Buffer[] = [];
  skipped = 0;
  events: [LayerEventField, number][] = [];
  keyframeAsks = 0;
  send(packet: Buffer): void {
    this.sent.push(Buffer.from(packet)); // a copy: the bytes are lent for the call only
  }
  skip(): void {
    this.skipped++;
  }
  layerChanged(field: LayerEventField, value: number): void {
    this.events.push([field, value]);
  }
  keyframeNeeded(): void {
    this.keyframeAsks++;
  }
}

function setup(codec: string | undefined, options: { ownsPackets?: boolean } = {}) {
  let t = 0;
  const out = new Recorder();
  const f = new LayerForwarder(out, { codec, ...options });
  const source = new SourcePacket(codec ?? 'vp8', () => t);
  const feed = (packet: Buffer, layer = -1): Buffer => {
    source.load(packet, layer);
    f.forward(source);
    return packet;
  };
  return { f, out, source, feed, tick: (ms: number) => (t += ms) };
}

const key = (layer: number): Buffer => rtp(vp8(1, 0, false, true, true), { ssrc: 100 + layer });
const delta = (layer: number): Buffer => rtp(vp8(2, 0, false, true, false), { ssrc: 100 + layer });

test('simulcast: nothing until a keyframe of the best live layer, asked for; then the switch is an event', () => {
  const { f, out, feed, tick } = setup('vp8');
  feed(delta(0), 0);
  assert.equal(out.sent.length, 0);
  assert.equal(out.keyframeAsks, 1, 'asked for a keyframe');
  feed(key(0), 0);
  assert.equal(out.sent.length, 0, 'a lower layer waits a moment for the target to show up');
  tick(400);
  feed(key(0), 0);
  assert.deepEqual(out.events, [['substream', 0]]);
  assert.equal(f.substream, 0);
  tick(10);
  feed(delta(2), 2);
  feed(delta(0), 0);
  assert.equal(out.sent.length, 2, 'layer 0 flows while layer 2 waits for its keyframe');
  assert.equal(out.skipped, 0, 'packets of other layers are no gap in the stream');
  tick(600);
  feed(key(2), 2);
  assert.deepEqual(out.events.at(-1), ['substream', 2]);
  feed(delta(0), 0);
  assert.equal(out.sent.at(-1)?.readUInt32BE(8), 102);
});

test('simulcast: the target can change, and fallback says how long a silent layer is waited for', () => {
  const { f, out, feed, tick } = setup('vp8');
  f.setFallback(250);
  feed(key(2), 2);
  feed(key(0), 0);
  assert.equal(f.substream, 2);
  tick(200);
  feed(key(0), 0);
  assert.equal(f.substream, 2, 'silent for less than the fallback');
  tick(100);
  feed(key(0), 0);
  assert.equal(f.substream, 0, 'silent for longer: the lower layer is taken');
  f.setSubstream(1);
  assert.equal(f.substreamTarget, 1);
  f.resetSubstream();
  assert.equal(f.substream, -1, 'a new offer chooses again');
  assert.equal(f.simulcast, false);
  feed(key(1), 1);
  tick(400);
  feed(key(1), 1);
  assert.equal(f.substream, 1, 'from the target kept');
  assert.ok(out.sent.length > 0);
});

test('simulcast: a packet of a layer without a readable header is dropped; one without a layer passes as it is', () => {
  const { out, feed } = setup('vp8');
  feed(Buffer.from([0x80, 0x60, 0, 1]), 0);
  assert.equal(out.sent.length, 0);
  feed(Buffer.from([0x80, 0x60, 0, 1]));
  assert.equal(out.sent.length, 1);
});

test('VP8 temporal: down at once, up at a layer-sync frame, gaps skipped, pictures renumbered, events on change', () => {
  const { f, out, feed } = setup('vp8');
  const frame = (pid: number, tid: number, sync = false): void => {
    feed(rtp(vp8(pid, tid, sync)));
    feed(rtp(vp8(pid, tid, sync, false)));
  };
  assert.equal(f.setTemporal(2), true);
  frame(10, 0);
  frame(11, 1, true);
  f.setTemporal(0);
  frame(12, 0);
  frame(13, 1, true);
  frame(14, 0);
  frame(15, 1);
  f.setTemporal(2);
  frame(16, 0);
  frame(17, 1);
  frame(18, 0);
  frame(19, 1, true);
  frame(20, 0);
  const pids = out.sent.filter((_, i) => i % 2 === 0).map((p) => parseVp8Descriptor(p.subarray(12))!.pictureId);
  assert.deepEqual(pids, [10, 11, 12, 13, 14, 15, 16, 17]);
  assert.equal(out.skipped, 6, 'three frames of two packets dropped');
  assert.deepEqual(out.events, [
    ['temporal', 0],
    ['temporal', 1],
  ]);
  assert.equal(f.temporal, 1);
  assert.equal(f.temporalTarget, 2);
});

test('VP8 temporal on a shared buffer: the viewer gets its picture ID, the source buffer keeps its own', () => {
  const { f, out, feed } = setup('vp8');
  f.setTemporal(0);
  feed(rtp(vp8(10, 0, false)));
  feed(rtp(vp8(11, 1, false)));
  const shared = feed(rtp(vp8(12, 0, false)));
  assert.equal(parseVp8Descriptor(out.sent.at(-1)!.subarray(12))?.pictureId, 11);
  assert.equal(parseVp8Descriptor(shared.subarray(12))?.pictureId, 12, 'put back after send');
  const owned = setup('vp8', { ownsPackets: true });
  owned.f.setTemporal(0);
  owned.feed(rtp(vp8(10, 0, false)));
  owned.feed(rtp(vp8(11, 1, false)));
  const mine = owned.feed(rtp(vp8(12, 0, false)));
  assert.equal(parseVp8Descriptor(mine.subarray(12))?.pictureId, 11, 'changed in place (EchoTest)');
});

test('VP9 SVC: layers above the targets skipped, the kept top layer marked (the source keeps its marker), events, keyframe retry', () => {
  const { f, out, feed, tick } = setup('vp9');
  const picture = (p: boolean, tid = 0): boolean[] => {
    const before = out.sent.length;
    const marks: boolean[] = [];
    for (const sid of [0, 1, 2]) {
      const shared = feed(rtp(vp9({ p, b: true, e: true, sid, tid })));
      assert.equal(shared[1] & 0x80, 0, 'the source buffer keeps no marker');
      if (out.sent.length > before + marks.length) marks.push((out.sent.at(-1)![1] & 0x80) !== 0);
    }
    return marks;
  };
  assert.equal(f.setSvc(2, 2), true);
  assert.deepEqual(picture(true), [false, false, true], 'all layers; the top one ends the picture');
  f.setSvc(0, undefined);
  assert.deepEqual(picture(true), [true], 'down at once; the base layer now ends the picture');
  assert.deepEqual(out.events, [['spatial_layer', 0]]);
  assert.equal(out.skipped, 2);
  f.setSvc(2, undefined);
  assert.equal(f.waitingForKeyframe, true);
  tick(5000);
  const asks = out.keyframeAsks;
  picture(true);
  assert.equal(out.keyframeAsks, asks + 1, 'asks while waiting to go up');
  tick(999);
  picture(true);
  assert.equal(out.keyframeAsks, asks + 1, 'not again within a second');
  tick(1);
  picture(true);
  assert.equal(out.keyframeAsks, asks + 2);
  assert.deepEqual(picture(false), [false, false, true], 'up at a keyframe');
  assert.deepEqual([f.spatialLayer, f.spatialTarget, f.svcTemporalLayer, f.svcTemporalTarget], [2, 2, 2, 2]);
  f.setSvc(undefined, 0);
  assert.deepEqual(picture(true, 1), [], 'temporal layer 1 dropped');
  assert.deepEqual(out.events.at(-1), ['temporal_layer', 0]);
});

test("a source of a known codec refuses the other codec's targets; an unknown one decides per packet (EchoTest)", () => {
  assert.equal(new LayerForwarder(new Recorder(), { codec: 'vp9' }).setTemporal(1), false);
  assert.equal(new LayerForwarder(new Recorder(), { codec: 'h264' }).setSvc(1, 1), false);
  const { f, out, source } = setup(undefined, { ownsPackets: true });
  f.setTemporal(0);
  source.setCodec('h264');
  source.load(rtp(vp8(11, 1, false)));
  f.forward(source);
  assert.equal(out.sent.length, 1, 'not VP8: no temporal filtering');
  source.setCodec('vp8');
  source.load(rtp(vp8(11, 1, false)));
  f.forward(source);
  assert.equal(out.skipped, 1);
});

test('several viewers of one source: one read, each its own layers, the shared buffer unchanged', () => {
  const source = new SourcePacket('vp8', () => 1000);
  const viewers = [0, 1].map((target) => {
    const out = new Recorder();
    const f = new LayerForwarder(out, { codec: 'vp8' });
    f.setTemporal(target);
    return { f, out };
  });
  const packets = [rtp(vp8(1, 0, false)), rtp(vp8(2, 1, true)), rtp(vp8(3, 0, false))];
  for (const p of packets) {
    const copy = Buffer.from(p);
    source.load(p);
    for (const v of viewers) v.f.forward(source);
    assert.deepEqual(p, copy);
  }
  assert.deepEqual(
    viewers.map((v) => v.out.sent.map((p) => parseVp8Descriptor(p.subarray(12))!.pictureId)),
    [
      [1, 2],
      [1, 2, 3],
    ],
  );
});
