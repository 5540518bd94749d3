// Simulcast helpers: keyframe detection per codec, the layer selector, and rid → layer ranking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { substreamOf } from '../../../src/media/simulcast-substream.js';
import { isH264Keyframe, isVp8Keyframe, isVp9Keyframe, keyframeTest } from '../../../src/forwarding/keyframe.js';
import { SimulcastSelector } from '../../../src/forwarding/simulcast-selector.js';
import { TemporalLayerFilter } from '../../../src/forwarding/temporal-layer-filter.js';
import { parseVp8Descriptor, writeVp8PictureId } from '../../../src/forwarding/vp8-descriptor.js';
import { parseVp9Descriptor, Vp9LayerFilter, type Vp9Decision } from '../../../src/forwarding/vp9-svc.js';
import { vp8, vp9 } from './rtp-packets.js';

test('keyframes: VP8 descriptor variants, H.264 NAL/STAP-A/FU-A, VP9; garbage is not a keyframe', () => {
  assert.equal(isVp8Keyframe(Buffer.from([0x10, 0x00])), true); // S=1, PID 0, P=0
  assert.equal(isVp8Keyframe(Buffer.from([0x10, 0x01])), false); // inter frame
  assert.equal(isVp8Keyframe(Buffer.from([0x00, 0x00])), false); // not the start of a partition
  assert.equal(isVp8Keyframe(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x00])), true); // X, I, 15-bit picture id
  assert.equal(isVp8Keyframe(Buffer.from([0x90, 0xe0, 0x05, 0x01, 0x02, 0x00])), true); // I (7 bit), L, T
  assert.equal(isH264Keyframe(Buffer.from([0x65])), true); // IDR
  assert.equal(isH264Keyframe(Buffer.from([0x41])), false);
  assert.equal(isH264Keyframe(Buffer.from([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x01, 0x68])), true); // STAP-A with SPS
  assert.equal(isH264Keyframe(Buffer.from([0x7c, 0x85])), true); // FU-A start of IDR
  assert.equal(isH264Keyframe(Buffer.from([0x7c, 0x05])), false); // FU-A middle
  assert.equal(isVp9Keyframe(Buffer.from([0x08])), true);
  assert.equal(isVp9Keyframe(Buffer.from([0x48])), false);
  for (const f of [isVp8Keyframe, isH264Keyframe, isVp9Keyframe]) {
    assert.equal(f(Buffer.alloc(0)), false);
    for (let i = 0; i < 300; i++) f(Buffer.from(Array.from({ length: i % 9 }, () => Math.floor(Math.random() * 256)))); // never throws
  }
  assert.equal(keyframeTest('opus'), undefined);
});

test('the selector forwards the best live layer at or below the target and switches only on a keyframe', () => {
  let t = 0;
  let plis = 0;
  const sel = new SimulcastSelector(
    () => plis++,
    () => t,
  );
  assert.equal(sel.accept(0, false), false, 'nothing until a keyframe');
  assert.ok(plis === 1);
  assert.equal(sel.accept(0, true), false, 'a lower layer waits a moment for the target to show up');
  t += 400;
  assert.equal(sel.accept(0, true), true, 'then it is taken');
  t += 10;
  assert.equal(sel.accept(2, false), false, 'layer 2 appears: wanted, but waits for its keyframe');
  assert.equal(sel.accept(0, false), true, 'layer 0 still flows meanwhile');
  t += 600;
  assert.equal(sel.accept(2, true), true, 'switched on the keyframe');
  assert.equal(sel.accept(0, false), false);
  sel.setTarget(0);
  assert.equal(sel.accept(2, false), true, 'the old layer flows until the new one has a keyframe');
  assert.equal(sel.accept(0, true), true);
  assert.equal(sel.accept(2, false), false);
  // Layer 0 goes silent: the lowest live layer above the target takes over.
  t += 2000;
  sel.accept(2, true);
  assert.equal(sel.current, 2);
});

test('fallback: how long the target layer may be silent before a lower one is taken', () => {
  let t = 0;
  const sel = new SimulcastSelector(
    () => {},
    () => t,
  );
  sel.fallbackMs = 250;
  sel.accept(2, true);
  sel.accept(0, true);
  assert.equal(sel.current, 2);
  t += 200;
  sel.accept(0, true);
  assert.equal(sel.current, 2, 'silent for less than the fallback: still waiting for layer 2');
  t += 100;
  sel.accept(0, true);
  assert.equal(sel.current, 0, 'silent for longer: layer 0 is taken');
});

test('at the start, layers arriving one after the other on their sockets: the best one is taken first', () => {
  let t = 0;
  const sel = new SimulcastSelector(
    () => {},
    () => t,
  );
  const taken: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const layer of [0, 1, 2]) if (sel.accept(layer, round % 2 === 0)) taken.push(layer);
    t += 10;
  }
  assert.deepEqual([...new Set(taken)], [2]);
});

test('rid names rank layers whatever their order in the offer', () => {
  assert.deepEqual(
    ['h', 'm', 'l'].map((r) => substreamOf(r, ['h', 'm', 'l'])),
    [2, 1, 0],
  );
  assert.deepEqual(
    ['l', 'm', 'h'].map((r) => substreamOf(r, ['l', 'm', 'h'])),
    [0, 1, 2],
  );
  assert.deepEqual(
    ['f', 'h', 'q'].map((r) => substreamOf(r, ['q', 'h', 'f'])),
    [2, 1, 0],
  );
  assert.deepEqual(
    ['a', 'b', 'c'].map((r) => substreamOf(r, ['a', 'b', 'c'])),
    [2, 1, 0],
    'unknown names: offer order, highest first',
  );
});

test('VP8 descriptor: picture ID, TL0PICIDX, TID and Y are read; truncation and garbage never throw', () => {
  const d = parseVp8Descriptor(vp8(0x1234, 1, true));
  assert.deepEqual(d && { start: d.frameStart, pid: d.pictureId, bits: d.pictureIdBits, tl0: d.tl0PicIdx, tid: d.tid, y: d.layerSync, len: d.length }, {
    start: true,
    pid: 0x1234,
    bits: 15,
    tl0: 7,
    tid: 1,
    y: true,
    len: 6,
  });
  const b = vp8(0x1234, 1, true);
  writeVp8PictureId(b, d!, 0x7fff);
  assert.equal(parseVp8Descriptor(b)?.pictureId, 0x7fff);
  assert.equal(parseVp8Descriptor(Buffer.from([0x10]))?.tid, -1, 'no extension: no temporal layer');
  for (let n = 0; n < 6; n++) assert.equal(parseVp8Descriptor(vp8(5, 0, false).subarray(0, n)), undefined, `truncated at ${n}`);
  for (let i = 0; i < 2000; i++) parseVp8Descriptor(Buffer.from(Array.from({ length: i % 9 }, () => Math.floor(Math.random() * 256))));
});

test('temporal filter: down at once, up only at a layer-sync frame, picture IDs without holes', () => {
  const f = new TemporalLayerFilter();
  const out: number[] = [];
  const frame = (pid: number, tid: number, sync = false): void => {
    const d = parseVp8Descriptor(vp8(pid, tid, sync))!;
    const rest = parseVp8Descriptor(vp8(pid, tid, sync, false))!;
    if (f.accept(d)) {
      const p = f.pictureIdFor(d);
      out.push(p < 0 ? pid : p);
      assert.equal(f.accept(rest), true, 'the rest of a forwarded frame follows');
    } else assert.equal(f.accept(rest), false, 'the rest of a dropped frame is dropped too');
  };
  // Pattern TL0, TL1, TL0, TL1 ... with picture IDs 10, 11, 12 ...
  frame(10, 0);
  frame(11, 1, true);
  f.target = 0;
  frame(12, 0);
  frame(13, 1, true); // dropped
  frame(14, 0);
  frame(15, 1); // dropped
  f.target = 2;
  frame(16, 0);
  frame(17, 1); // not a layer-sync frame: still dropped
  frame(18, 0);
  frame(19, 1, true); // sync: forwarded from here
  frame(20, 0);
  assert.deepEqual(out, [10, 11, 12, 13, 14, 15, 16, 17]);
});

test('VP9 SVC: layers read from the descriptor; down at the next picture, spatial up only at a keyframe, the kept top layer marked', () => {
  const d = parseVp9Descriptor(vp9({ p: true, b: true, sid: 2, tid: 1, u: true }))!;
  assert.deepEqual([d.sid, d.tid, d.interPredicted, d.frameStart, d.frameEnd, d.switchingUp], [2, 1, true, true, false, true]);
  assert.equal(parseVp9Descriptor(Buffer.from([0x20]))?.sid, undefined, 'truncated: no layer byte');
  const f = new Vp9LayerFilter();
  // A picture of three spatial layers, one packet each.
  const picture = (p: boolean, tid = 0): Vp9Decision[] => [0, 1, 2].map((sid) => f.decide(parseVp9Descriptor(vp9({ p, b: true, e: true, sid, tid }))!));
  assert.deepEqual(picture(true), ['pass', 'pass', 'pass-and-mark'], 'all layers; the top one ends the picture');
  f.targetSpatial = 0;
  assert.deepEqual(picture(true), ['pass-and-mark', 'drop', 'drop'], 'down at once; the base layer now ends the picture');
  f.targetSpatial = 2;
  assert.ok(f.waitingForKeyframe);
  assert.deepEqual(picture(true), ['pass-and-mark', 'drop', 'drop'], 'not up on an inter-predicted picture');
  assert.deepEqual(picture(false), ['pass', 'pass', 'pass-and-mark'], 'up at a keyframe');
  f.targetTemporal = 0;
  assert.deepEqual(picture(true, 1), ['drop', 'drop', 'drop'], 'temporal layer 1 dropped');
  f.targetTemporal = 2;
  assert.deepEqual(f.decide(parseVp9Descriptor(vp9({ p: true, b: true, e: true, sid: 0, tid: 2 }))!), 'drop', 'no switching point yet');
  assert.deepEqual(f.decide(parseVp9Descriptor(vp9({ p: true, b: true, e: true, sid: 0, tid: 1, u: true }))!), 'pass', 'up at a switching point');
});
