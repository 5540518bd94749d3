// Every native entry point fed garbage: wrong types, negative, fractional, huge and NaN numbers, offsets and
// lengths past the end, counts beyond the arrays, short or long key material, zero-length and detached buffers.
// Each call must return normally (a number or boolean in range) or throw; a crash would take the test runner down.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import fc from 'fast-check';
import { nativeAddon, nativeAddonStatus, type SendPoolHandle, type SrtpContext } from '../../../src/native/native-addon.js';
import { udpSocketFd } from '../../../src/net/socket-fd.js';

const skip = nativeAddon() ? false : `native addon absent: ${nativeAddonStatus()}`;
const RUNS = Number(process.env.PORTUNUS_FUZZ_SHORT_RUNS ?? 3000);
const DEADLINE_MS = 20_000;

const detached = (): Uint8Array => {
  const b = new ArrayBuffer(64);
  const view = new Uint8Array(b);
  structuredClone(b, { transfer: [b] }); // detaches b: view now has length 0 and no data
  // fast-check prints a counterexample by iterating it, which a detached view refuses.
  return Object.assign(view, { [fc.toStringMethod]: () => 'detached Uint8Array' });
};

const number = fc.oneof(
  fc.integer({ min: -5, max: 3000 }),
  fc.constantFrom(-1, -2147483648, 2147483647, 2147483648, 4294967295, 4294967296, 2 ** 53, -(2 ** 53), NaN, Infinity, -Infinity, 0.5, -0.0, 1e300),
);
const bytes = fc.oneof(
  fc.integer({ min: 0, max: 2048 }).map((n) => Buffer.alloc(n, 0x90)),
  fc.constant(Buffer.alloc(0)),
  fc.constant(null).map(() => detached()),
  fc.integer({ min: 0, max: 64 }).map((n) => new Uint8Array(n)),
  fc.integer({ min: 0, max: 256 }).map((n) => Buffer.alloc(n + 8).subarray(8)),
);
const int32s = fc.oneof(
  fc.array(number, { maxLength: 40 }).map((xs) => Int32Array.from(xs.map((x) => (Number.isFinite(x) ? x : 0)))),
  fc.constant(new Int32Array(0)),
);
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.constant(new Float64Array(4)),
  fc.constant(new Uint32Array(4)),
  fc.bigInt(),
  fc.constant(Symbol('x')),
  number,
);
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: junk });
const host = fc.oneof(
  fc.constantFrom('127.0.0.1', '::1', '::ffff:1.2.3.4', 'fe80::1%lo', 'fe80::1%999999999999', 'fe80::1%', '1.2.3.4\u0000x', 'localhost', '', ':::', '1.2.3.4.5'),
  fc.string({ maxLength: 120 }),
);

type Fn = (...args: unknown[]) => unknown;

/** Calls fn; it must throw a TypeError/RangeError or return something `ok` accepts. True when it returned. */
function call(fn: Fn, args: unknown[], ok: (r: unknown) => boolean): boolean {
  let result: unknown;
  try {
    result = fn(...args);
  } catch (err) {
    assert.ok(err instanceof TypeError || err instanceof RangeError, `unexpected ${String(err)}`);
    return false;
  }
  if (!ok(result)) assert.fail(`unexpected result of type ${typeof result}`); // an external has no String()
  return true;
}

/** Runs `check` over RUNS cases (fewer if time is up); returns how many calls returned rather than threw. */
function bounded<T>(arb: fc.Arbitrary<T>, check: (v: T) => boolean): number {
  const start = Date.now();
  let returned = 0;
  fc.assert(
    fc.property(arb, (v) => {
      if (Date.now() - start > DEADLINE_MS) return; // bounded in time as well as in count
      if (check(v)) returned++;
    }),
    { numRuns: RUNS },
  );
  return returned;
}

test('fuzz srtpCreate and srtpProtect: garbage is a TypeError/RangeError or -1, never a crash', { skip }, () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const create = addon.srtpCreate.bind(addon) as Fn;
  const protect = addon.srtpProtect.bind(addon) as Fn;
  const good: SrtpContext[] = [addon.srtpCreate(1, Buffer.alloc(16), Buffer.alloc(14), Buffer.alloc(20)), addon.srtpCreate(7, Buffer.alloc(16), Buffer.alloc(12), Buffer.alloc(0))];
  const ctx = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: junk });
  const keyLengths = fc.oneof(
    bytes,
    fc.constantFrom(12, 14, 16, 20).map((n) => Buffer.alloc(n, 1)),
  );
  bounded(fc.tuple(maybe(fc.constantFrom(0, 1, 7, 2, 0x10001, -1)), maybe(keyLengths), maybe(keyLengths), maybe(keyLengths)), (args) => call(create, args, (r) => typeof r === 'object' && r !== null));
  const protected_ = bounded(fc.tuple(ctx, maybe(bytes), maybe(number), maybe(number)), (args) => {
    const buf = args[1];
    return call(protect, args, (r) => typeof r === 'number' && (r === -1 || (buf instanceof Uint8Array && r <= buf.length)));
  });
  assert.ok(protected_ > 0, 'some cases got past the argument checks');
  // Fewer arguments than declared.
  for (const n of [0, 1, 2, 3]) call(protect, [good[0], Buffer.alloc(64), 40, 0].slice(0, n), () => false);
});

test('fuzz srtpUnprotect: garbage is a TypeError/RangeError, -1 or -2, or a length inside the buffer, never a crash', { skip }, () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const unprotect = addon.srtpUnprotect.bind(addon) as Fn;
  const good: SrtpContext[] = [addon.srtpCreate(1, Buffer.alloc(16), Buffer.alloc(14), Buffer.alloc(20)), addon.srtpCreate(7, Buffer.alloc(16), Buffer.alloc(12), Buffer.alloc(0))];
  const ctx = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: junk });
  const tagLength = fc.oneof(fc.constantFrom(4, 10, 16), number);
  const opened = bounded(fc.tuple(ctx, maybe(bytes), maybe(number), maybe(number), maybe(tagLength)), (args) => {
    const buf = args[1];
    return call(unprotect, args, (r) => typeof r === 'number' && (r === -1 || r === -2 || (buf instanceof Uint8Array && r >= 0 && r <= buf.length)));
  });
  assert.ok(opened > 0, 'some cases got past the argument checks');
  for (const n of [0, 1, 2, 3, 4]) call(unprotect, [good[0], Buffer.alloc(64), 40, 0, 10].slice(0, n), () => false);
});

test('fuzz srtcpProtect and srtcpUnprotect: garbage is a TypeError/RangeError, -1/-2, or a length inside the buffer, never a crash', { skip }, () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const protect = addon.srtcpProtect.bind(addon) as Fn;
  const good: SrtpContext[] = [addon.srtpCreate(1, Buffer.alloc(16), Buffer.alloc(14), Buffer.alloc(20)), addon.srtpCreate(7, Buffer.alloc(16), Buffer.alloc(12), Buffer.alloc(0))];
  const ctx = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: junk });
  const rtcpLike = fc.integer({ min: 0, max: 400 }).map((n) => Buffer.alloc(n, 0x80));
  const protected_ = bounded(fc.tuple(ctx, maybe(fc.oneof(bytes, rtcpLike)), maybe(number), maybe(number)), (args) => {
    const buf = args[1];
    return call(protect, args, (r) => typeof r === 'number' && (r === -1 || (buf instanceof Uint8Array && r >= 8 && r <= buf.length)));
  });
  assert.ok(protected_ > 0, 'some cases got past the argument checks');
  for (const n of [0, 1, 2, 3]) call(protect, [good[0], Buffer.alloc(64), 40, 0].slice(0, n), () => false);
  const unprotect = addon.srtcpUnprotect.bind(addon) as Fn;
  const opened = bounded(fc.tuple(ctx, maybe(fc.oneof(bytes, rtcpLike)), maybe(number)), (args) => {
    const buf = args[1];
    return call(unprotect, args, (r) => typeof r === 'number' && (r === -1 || r === -2 || (buf instanceof Uint8Array && r >= 8 && r <= buf.length)));
  });
  assert.ok(opened > 0, 'some unprotect cases got past the argument checks');
  for (const n of [0, 1, 2]) call(unprotect, [good[0], Buffer.alloc(64), 40].slice(0, n), () => false);
});

test('fuzz encodeAddress and sendBatch: garbage is a TypeError/RangeError or a count in range, never a crash', { skip }, async () => {
  const addon = nativeAddon();
  assert.ok(addon);
  // A real socket, so that valid-looking calls really reach sendmmsg (to a port nobody listens on).
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  try {
    const fd = udpSocketFd(socket) ?? -1;
    const encode = addon.encodeAddress.bind(addon) as Fn;
    const send = addon.sendBatch.bind(addon) as Fn;
    const encoded = bounded(fc.tuple(maybe(bytes), maybe(number), maybe(host), maybe(number), maybe(fc.boolean())), (args) => call(encode, args, (r) => typeof r === 'boolean'));
    assert.ok(encoded > 0, 'some cases got past the argument checks');
    // Address tables with valid slots, garbage slots, or zeros.
    const table = Buffer.alloc(4 * addon.addressSlotBytes);
    addon.encodeAddress(table, 0, '127.0.0.1', 9, false);
    addon.encodeAddress(table, 1, '127.0.0.1', 9, true);
    table.fill(0xff, 2 * addon.addressSlotBytes, 3 * addon.addressSlotBytes);
    const tables = fc.oneof(fc.constant(table), bytes);
    const fds = fc.oneof({ weight: 4, arbitrary: fc.constant(fd) }, { weight: 1, arbitrary: number });
    // Small offsets, lengths and slots, so that a fair share of cases is valid and reaches sendmmsg.
    const small = fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 6 }).map((xs) => Int32Array.from(xs));
    const arrays = fc.oneof(int32s, small, small);
    const counts = fc.oneof(number, fc.integer({ min: 0, max: 6 }));
    const sent = bounded(fc.tuple(maybe(fds), maybe(bytes), maybe(arrays), maybe(arrays), maybe(tables), maybe(arrays), maybe(counts)), (args) => {
      const count = args[6];
      return call(send, args, (r) => typeof r === 'number' && Number.isInteger(r) && r >= 0 && typeof count === 'number' && r <= count);
    });
    assert.ok(sent > 0, 'some cases got past the argument checks');
    for (const n of [0, 3, 6]) call(send, [fd, Buffer.alloc(8), new Int32Array(1), new Int32Array(1), table, new Int32Array(1), 1].slice(0, n), () => false);
  } finally {
    socket.close();
  }
});

test('fuzz the outgoing stream entry points: garbage is a TypeError/RangeError or a result in range, never a crash', { skip }, () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const srtp = [addon.srtpCreate(1, Buffer.alloc(16), Buffer.alloc(14), Buffer.alloc(20)), addon.srtpCreate(7, Buffer.alloc(16), Buffer.alloc(12), Buffer.alloc(0))];
  const streams = [addon.outStreamCreate(srtp[0], 1, 96, 90000, true), addon.outStreamCreate(srtp[1], 2, 111, 48000, false)];
  const stream = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...streams) }, { weight: 1, arbitrary: fc.oneof(junk, fc.constantFrom(...srtp)) });
  const ctx = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...srtp) }, { weight: 1, arbitrary: fc.oneof(junk, fc.constantFrom(...streams)) });
  const create = addon.outStreamCreate.bind(addon) as Fn;
  bounded(fc.tuple(ctx, maybe(number), maybe(number), maybe(number), maybe(fc.boolean())), (args) => call(create, args, (r) => typeof r === 'object' && r !== null));
  const send = addon.outStreamSend.bind(addon) as Fn;
  const sent = bounded(fc.tuple(stream, maybe(bytes), maybe(number), maybe(number), maybe(bytes)), (args) => {
    const out = args[4];
    return call(send, args, (r) => typeof r === 'number' && (r === -1 || (out instanceof Uint8Array && r > 0 && r <= out.length)));
  });
  assert.ok(sent > 0, 'some sends got past the argument checks');
  const recall = addon.outStreamRecall.bind(addon) as Fn;
  bounded(fc.tuple(stream, maybe(number), maybe(number), maybe(number), maybe(bytes)), (args) => {
    const out = args[4];
    return call(recall, args, (r) => typeof r === 'number' && r >= 0 && (r === 0 || (out instanceof Uint8Array && r <= out.length)));
  });
  const counters = addon.outStreamCounters.bind(addon) as Fn;
  const floats = fc.oneof(
    fc.integer({ min: 0, max: 8 }).map((n) => new Float64Array(n)),
    junk,
  );
  for (const [fn, arbs] of [
    [addon.outStreamSkip.bind(addon) as Fn, fc.tuple(stream)],
    [addon.outStreamRestart.bind(addon) as Fn, fc.tuple(stream)],
    [addon.outStreamPrune.bind(addon) as Fn, fc.tuple(stream, maybe(number))],
    [counters, fc.tuple(stream, floats)],
  ] as [Fn, fc.Arbitrary<unknown[]>][])
    bounded(arbs, (args) => call(fn, args, (r) => r === undefined));
  for (const n of [0, 1, 2, 3, 4]) call(send, [streams[0], Buffer.alloc(64, 0x80), 40, 0, Buffer.alloc(100)].slice(0, n), () => false);
});

test('fuzz the send pool entry points: garbage is a TypeError/RangeError or a count in range, never a crash', { skip }, async () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const fd = udpSocketFd(socket);
  assert.ok(fd !== undefined);
  const pools = [addon.sendPoolCreate(1), addon.sendPoolCreate(2)];
  const pool = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pools) }, { weight: 1, arbitrary: junk });
  const addresses = Buffer.alloc(4 * addon.addressSlotBytes);
  // Slot 0 and 1: this machine's discard-free loopback (the socket itself); 2 and 3 stay empty.
  addon.encodeAddress(addresses, 0, '127.0.0.1', socket.address().port, false);
  addon.encodeAddress(addresses, 1, '127.0.0.1', socket.address().port, false);
  const table = fc.oneof(fc.constant(addresses), bytes);
  const create = addon.sendPoolCreate.bind(addon) as Fn;
  // A pool made is closed at once: its threads are joined, not left for the garbage collector.
  bounded(maybe(number), (n) => call(create, [n], (r) => typeof r === 'object' && r !== null && (addon.sendPoolClose(r as SendPoolHandle), true)));
  const queue = addon.sendPoolQueue.bind(addon) as Fn;
  bounded(fc.tuple(pool, maybe(fc.oneof(fc.constant(fd), number)), maybe(bytes), maybe(int32s), maybe(int32s), maybe(table), maybe(int32s), maybe(number)), (args) => {
    const count = args[7];
    return call(queue, args, (r) => typeof r === 'number' && r >= 0 && typeof count === 'number' && r <= count);
  });
  const stats = addon.sendPoolStats.bind(addon) as Fn;
  bounded(
    fc.tuple(
      pool,
      fc.oneof(
        fc.integer({ min: 0, max: 8 }).map((n) => new Float64Array(n)),
        junk,
      ),
    ),
    (args) => call(stats, args, (r) => r === undefined),
  );
  for (const p of pools) addon.sendPoolClose(p);
  bounded(fc.tuple(pool), (args) => call(addon.sendPoolClose.bind(addon) as Fn, args, (r) => r === undefined));
  socket.close();
});

test('fuzz the fan-out group entry points: garbage is a TypeError/RangeError or a count in range, never a crash', { skip }, async () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const fd = udpSocketFd(socket);
  assert.ok(fd !== undefined);
  const srtp = [addon.srtpCreate(1, Buffer.alloc(16), Buffer.alloc(14), Buffer.alloc(20)), addon.srtpCreate(7, Buffer.alloc(16), Buffer.alloc(12), Buffer.alloc(0))];
  const streams = [addon.outStreamCreate(srtp[0], 1, 96, 90000, true), addon.outStreamCreate(srtp[1], 2, 111, 48000, false)];
  const pool = addon.sendPoolCreate(1);
  const groups = [addon.fanOutCreate(), addon.fanOutCreate()];
  const group = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...groups) }, { weight: 1, arbitrary: junk });
  // Datagrams go to the socket itself: slots 0-1 hold its address, 2-3 stay empty.
  const addresses = Buffer.alloc(4 * addon.addressSlotBytes);
  addon.encodeAddress(addresses, 0, '127.0.0.1', socket.address().port, false);
  addon.encodeAddress(addresses, 1, '127.0.0.1', socket.address().port, false);
  const members = fc.oneof(fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...streams) }, { weight: 1, arbitrary: junk }), { maxLength: 4 }), junk);
  const fds = fc.oneof(
    fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(fd) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: -1 }) }), { maxLength: 4 }).map((xs) => Int32Array.from(xs)),
    int32s,
  );
  const set = addon.fanOutSet.bind(addon) as Fn;
  const setOk = bounded(fc.tuple(group, maybe(members), maybe(fds), maybe(fc.oneof(fc.constant(addresses), bytes)), maybe(fc.oneof(number, fc.integer({ min: 0, max: 4 })))), (args) =>
    call(set, args, (r) => r === undefined),
  );
  assert.ok(setOk > 0, 'some member lists got past the argument checks');
  // Groups with members, to send through for real.
  for (const g of groups) addon.fanOutSet(g, streams, Int32Array.of(fd, fd), addresses, 2);
  const send = addon.fanOutSend.bind(addon) as Fn;
  const pools = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(pool), junk);
  const sent = bounded(fc.tuple(group, maybe(bytes), maybe(number), maybe(number), pools), (args) => call(send, args, (r) => typeof r === 'number' && Number.isInteger(r) && r >= 0 && r <= 2));
  assert.ok(sent > 0, 'some sends got past the argument checks');
  const stats = addon.fanOutStats.bind(addon) as Fn;
  bounded(
    fc.tuple(
      group,
      fc.oneof(
        fc.integer({ min: 0, max: 8 }).map((n) => new Float64Array(n)),
        junk,
      ),
    ),
    (args) => call(stats, args, (r) => r === undefined),
  );
  for (const n of [0, 2, 4]) call(send, [groups[0], Buffer.alloc(64, 0x80), 40, 0, undefined].slice(0, n), () => false);
  for (const g of groups) addon.fanOutSet(g, [], new Int32Array(0), new Uint8Array(0), 0);
  addon.sendPoolClose(pool);
  socket.close();
});

const noOpus = skip || (nativeAddon()?.opusLibrary() === undefined ? `no native libopus: ${nativeAddon()?.opusLibraryError()}` : false);

test('fuzz the Opus encoder entry points: garbage is a TypeError/RangeError or a length or libopus status, never a crash', { skip: noOpus }, () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const create = addon.opusEncoderCreate.bind(addon) as Fn;
  const created = bounded(
    fc.tuple(
      maybe(fc.oneof(fc.constantFrom(8000, 12000, 16000, 24000, 48000, 44100, 0), number)),
      maybe(fc.oneof(fc.constantFrom(1, 2, 3), number)),
      maybe(fc.oneof(fc.constantFrom(2048, 2049, 2050, 2051), number)),
    ),
    (args) => call(create, args, (r) => typeof r === 'object' && r !== null),
  );
  assert.ok(created > 0, 'some encoders were made');
  const destroyed = addon.opusEncoderCreate(16000, 1, 2048);
  addon.opusEncoderDestroy(destroyed);
  addon.opusEncoderDestroy(destroyed);
  const good = [addon.opusEncoderCreate(16000, 1, 2048), addon.opusEncoderCreate(48000, 2, 2049), addon.opusEncoderCreate(8000, 1, 2051)];
  const encoder = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constant(destroyed) }, { weight: 1, arbitrary: junk });
  const set = addon.opusEncoderSet.bind(addon) as Fn;
  const request = fc.oneof(fc.constantFrom(4002, 4010, 4012, 4014, 4016, 4000, 4036, 11002), number);
  const value = fc.oneof(fc.constantFrom(-1000, -1, 0, 1, 2, 10, 11, 20, 64000, 512001), number);
  const setOk = bounded(fc.tuple(encoder, maybe(request), maybe(value)), (args) => call(set, args, (r) => typeof r === 'number' && Number.isInteger(r) && r <= 0));
  assert.ok(setOk > 0, 'some settings got past the argument checks');
  const pcm = fc.oneof(
    fc.integer({ min: 0, max: 6000 }).map((n) => Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 65536) - 32768)),
    fc.constant(new Int16Array(0)),
    fc.constant(new Int16Array(new ArrayBuffer(8000), 2, 1000)),
  );
  const frame = fc.oneof(fc.constantFrom(40, 80, 120, 160, 320, 480, 640, 960, 1920, 2880, 100, 0, -160), number);
  const out = fc.oneof(
    bytes,
    fc.integer({ min: 1, max: 5000 }).map((n) => Buffer.alloc(n)),
  );
  const encoded = bounded(fc.tuple(encoder, maybe(pcm), maybe(frame), maybe(out)), (args) => {
    const o = args[3];
    return call(addon.opusEncode.bind(addon) as Fn, args, (r) => typeof r === 'number' && Number.isInteger(r) && (r < 0 || (o instanceof Uint8Array && r <= o.length)));
  });
  assert.ok(encoded > 0, 'some frames were encoded');
  for (const n of [0, 1, 2, 3]) call(addon.opusEncode.bind(addon) as Fn, [good[0], new Int16Array(320), 320, Buffer.alloc(400)].slice(0, n), () => false);
  bounded(fc.tuple(fc.oneof(encoder, junk)), (args) => call(addon.opusEncoderDestroy.bind(addon) as Fn, args, (r) => r === undefined));
});

test('fuzz the Opus decoder entry points: garbage is a TypeError/RangeError or a count or libopus status, never a crash', { skip: noOpus }, () => {
  const addon = nativeAddon();
  assert.ok(addon);
  const create = addon.opusDecoderCreate.bind(addon) as Fn;
  bounded(fc.tuple(maybe(fc.oneof(fc.constantFrom(8000, 16000, 48000, 44100), number)), maybe(fc.oneof(fc.constantFrom(1, 2, 3), number))), (args) =>
    call(create, args, (r) => typeof r === 'object' && r !== null),
  );
  const destroyed = addon.opusDecoderCreate(16000, 1);
  addon.opusDecoderDestroy(destroyed);
  const good = [addon.opusDecoderCreate(16000, 1), addon.opusDecoderCreate(48000, 2)];
  const decoder = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constant(destroyed) }, { weight: 1, arbitrary: junk });
  // Packets as a peer might send them, framing checked or not: the addon must hold either way.
  const packet = fc.oneof(bytes, fc.uint8Array({ maxLength: 1600 }), fc.constant(null));
  const out = fc.oneof(
    fc.integer({ min: 0, max: 12000 }).map((n) => new Int16Array(n)),
    junk,
  );
  const frame = fc.oneof(fc.constantFrom(120, 320, 960, 1920, 5760, 5761, 100, 0), number);
  const decoded = bounded(fc.tuple(decoder, maybe(packet), maybe(fc.oneof(fc.integer({ min: 0, max: 1600 }), number)), maybe(out), maybe(frame), maybe(fc.boolean())), (args) =>
    call(addon.opusDecode.bind(addon) as Fn, args, (r) => typeof r === 'number' && Number.isInteger(r) && r <= 5760),
  );
  assert.ok(decoded > 0, 'some packets were decoded');
  for (const n of [0, 2, 5]) call(addon.opusDecode.bind(addon) as Fn, [good[0], null, 0, new Int16Array(320), 320, false].slice(0, n), () => false);
  bounded(fc.tuple(fc.oneof(decoder, junk)), (args) => call(addon.opusDecoderDestroy.bind(addon) as Fn, args, (r) => r === undefined));
});
