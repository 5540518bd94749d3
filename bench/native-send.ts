// Micro-benchmark of the native addon against the TypeScript path it replaces, on this machine:
//   node dist/bench/native-send.js            (after npm run build; BENCH_NATIVE_MS per case, default 500)
// (a) N datagrams of 1200 bytes over loopback to a counting receiver in a child process (so that its CPU is not
//     ours): N × socket.send, against UdpSendBatch (queue N, one flush) and a raw sendBatch of N prepared
//     datagrams; CPU µs per datagram of this process (process.cpuUsage), event-loop turns included.
// (b) SRTP protect of 1200-byte RTP packets: TypeScript SrtpRtpProtector.protectInto against the native one.
// (c) SRTP unprotect (tag check, replay window, decryption in place) of the same: SrtpRtpUnprotector on our
//     TypeScript transform against the native one.
// Each case runs for a bounded time; the whole run takes a few seconds. Numbers are for comparing within a run.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { nativeAddon, nativeAddonStatus } from '../src/native/native-addon.js';
import { udpSocketFd } from '../src/net/socket-fd.js';
import { UdpSendBatch } from '../src/net/udp-send-batch.js';
import { NativeSrtpRtpProtector } from '../src/rtp/srtp/native-srtp-protector.js';
import { deriveSessionKeys, masterLengths, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80, type SrtpProfile } from '../src/rtp/srtp/srtp-keys.js';
import { SrtpRtpProtector } from '../src/rtp/srtp/srtp-protector.js';
import { SrtpRtpUnprotector } from '../src/rtp/srtp/srtp-unprotector.js';
import { rtpPacket } from '../support/rtp-packets.js';

const CASE_MS = Number(process.env.BENCH_NATIVE_MS ?? 500);
const SIZE = 1200;

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `round` (which sends `perRound` datagrams or protects as many packets) until CASE_MS is up; CPU µs per item. */
async function measure(perRound: number, round: () => void): Promise<number> {
  for (let i = 0; i < 20; i++) round(); // warm-up
  await turn();
  const startCpu = cpuMicros();
  const start = performance.now();
  let items = 0;
  while (performance.now() - start < CASE_MS) {
    round();
    items += perRound;
    await turn(); // let dgram's deferred sends run, as a server's event loop would
  }
  return (cpuMicros() - startCpu) / items;
}

async function main(): Promise<void> {
  const addon = nativeAddon();
  console.log(`native addon: ${nativeAddonStatus()}`);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--receiver'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
  while (lines.length === 0) await new Promise((r) => setTimeout(r, 10));
  const port = Number(lines[0]);

  const sender = dgram.createSocket('udp4');
  sender.bind(0, '127.0.0.1');
  await once(sender, 'listening');
  const payload = randomBytes(SIZE);
  let sent = 0;
  const rows: string[] = [];
  for (const n of [10, 100, 500]) {
    const perSend = await measure(n, () => {
      for (let i = 0; i < n; i++) sender.send(payload, port, '127.0.0.1');
      sent += n;
    });
    let queueFlush = NaN;
    let raw = NaN;
    if (addon) {
      const batch = new UdpSendBatch(sender, { maxDatagrams: n });
      queueFlush = await measure(n, () => {
        for (let i = 0; i < n; i++) batch.queue(payload, SIZE, port, '127.0.0.1');
        batch.flush();
        sent += n;
      });
      const fd = udpSocketFd(sender) ?? -1;
      const arena = Buffer.alloc(n * SIZE);
      const offsets = Int32Array.from({ length: n }, (_, i) => i * SIZE);
      const lengths = new Int32Array(n).fill(SIZE);
      const slots = new Int32Array(n);
      const addresses = Buffer.alloc(addon.addressSlotBytes);
      addon.encodeAddress(addresses, 0, '127.0.0.1', port, false);
      raw = await measure(n, () => {
        const k = addon.sendBatch(fd, arena, offsets, lengths, addresses, slots, n);
        sent += n;
        if (k < n) for (let i = k; i < n; i++) sender.send(arena.subarray(i * SIZE, (i + 1) * SIZE), port, '127.0.0.1');
      });
    }
    rows.push(
      `  N=${String(n).padStart(3)}  socket.send ${perSend.toFixed(2)} µs   UdpSendBatch ${queueFlush.toFixed(2)} µs   sendBatch ${raw.toFixed(2)} µs   (${(perSend / queueFlush).toFixed(1)}× / ${(perSend / raw).toFixed(1)}×)`,
    );
  }
  sender.close();
  child.stdin.end();
  await once(child, 'exit');
  console.log(`(a) CPU per 1200-byte datagram over loopback (sender process), ${CASE_MS} ms a case:`);
  for (const row of rows) console.log(row);
  console.log(`  the receiver counted ${lines[1]} of ${sent} datagrams (loopback drops what its buffer cannot hold)`);

  console.log(`(b) SRTP protect of a ${SIZE}-byte RTP packet, CPU µs per packet:`);
  for (const [name, profile] of [
    ['AES_CM_128_HMAC_SHA1_80', SRTP_AES128_CM_HMAC_SHA1_80],
    ['AEAD_AES_128_GCM', SRTP_AEAD_AES_128_GCM],
  ] as [string, SrtpProfile][]) {
    const len = masterLengths(profile);
    const keys = deriveSessionKeys(profile, randomBytes(len.key), randomBytes(len.salt));
    const plain = rtpPacket({ sequenceNumber: 1, ssrc: 0x1234, payload: randomBytes(SIZE - 12) });
    const out = Buffer.alloc(SIZE + 16);
    const ts = new SrtpRtpProtector(keys);
    const native = NativeSrtpRtpProtector.create(keys);
    const ROUND = 200;
    let seq = 0;
    const protectWith = (p: { protectInto(plain: Buffer, len: number, roc: number, out: Buffer): number }) => () => {
      for (let i = 0; i < ROUND; i++) {
        seq = (seq + 1) & 0xffff;
        plain.writeUInt16BE(seq, 2);
        p.protectInto(plain, SIZE, 0, out);
      }
    };
    const tsMicros = await measure(ROUND, protectWith(ts));
    const nativeMicros = native ? await measure(ROUND, protectWith(native)) : NaN;
    console.log(`  ${name.padEnd(24)} TypeScript ${tsMicros.toFixed(2)} µs   native ${nativeMicros.toFixed(2)} µs   (${(tsMicros / nativeMicros).toFixed(1)}×)`);
  }
  console.log(`(c) SRTP unprotect of a ${SIZE}-byte SRTP packet in place (a copy of it included), CPU µs per packet:`);
  for (const [name, profile] of [
    ['AES_CM_128_HMAC_SHA1_80', SRTP_AES128_CM_HMAC_SHA1_80],
    ['AEAD_AES_128_GCM', SRTP_AEAD_AES_128_GCM],
  ] as [string, SrtpProfile][]) {
    const len = masterLengths(profile);
    const keys = deriveSessionKeys(profile, randomBytes(len.key), randomBytes(len.salt));
    const protector = new SrtpRtpProtector(keys);
    const ROUND = 200;
    // Rising sequence numbers, so that a fresh unprotector each round takes every packet.
    const packets = Array.from({ length: ROUND }, (_, i) => protector.protect(rtpPacket({ sequenceNumber: i + 1, ssrc: 0x1234, payload: randomBytes(SIZE - 12) }), SIZE, 0)!);
    const work = Buffer.alloc(SIZE + 16);
    const unprotectWith = (useNative: boolean) => () => {
      const u = new SrtpRtpUnprotector(keys, 10, useNative);
      for (const p of packets) {
        p.copy(work);
        if (typeof u.unprotect(work.subarray(0, p.length), true) === 'string') throw new Error('the bench packet was refused');
      }
    };
    const tsMicros = await measure(ROUND, unprotectWith(false));
    const nativeMicros = nativeAddon() ? await measure(ROUND, unprotectWith(true)) : NaN;
    console.log(`  ${name.padEnd(24)} TypeScript ${tsMicros.toFixed(2)} µs   native ${nativeMicros.toFixed(2)} µs   (${(tsMicros / nativeMicros).toFixed(1)}×)`);
  }
}

// Last, so that everything above is initialised when main() runs.
if (process.argv[2] === '--receiver') {
  // The counting receiver: prints its port, counts datagrams, prints the count when stdin closes.
  const socket = dgram.createSocket('udp4');
  let count = 0;
  socket.on('message', () => count++);
  socket.bind(0, '127.0.0.1', () => {
    socket.setRecvBufferSize(4 * 1024 * 1024);
    process.stdout.write(`${socket.address().port}\n`);
  });
  process.stdin.resume();
  process.stdin.on('end', () => {
    process.stdout.write(`${count}\n`);
    socket.close();
  });
} else {
  await main();
}
