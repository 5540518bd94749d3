// Raw TCP clients for transport tests: half-sent HTTP requests, a hand-made WebSocket handshake and frames,
// clients that stop reading. Loopback only.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { sleep } from '../../support/wait.js';

export interface RawClient {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the server closed (or reset) the connection; rejects after `ms`. */
  closed(ms: number): Promise<void>;
  isClosed(): boolean;
}

export function rawConnect(port: number, host = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const chunks: Buffer[] = [];
    let done = false;
    const waiters: Array<() => void> = [];
    const finish = (): void => {
      done = true;
      for (const w of waiters.splice(0)) w();
    };
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', () => finish());
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        isClosed: () => done,
        closed: (ms) =>
          new Promise<void>((res, rej) => {
            if (done) return res();
            const t = setTimeout(() => rej(new Error(`connection still open after ${ms} ms`)), ms);
            waiters.push(() => {
              clearTimeout(t);
              res();
            });
          }),
      }),
    );
    socket.once('error', reject);
  });
}

/** Opens a WebSocket with subprotocol janus-protocol by hand; resolves once the 101 is in (bytes after it stay in `received`). */
export async function rawWebSocket(port: number, protocol = 'janus-protocol'): Promise<RawClient & { headerLength: number }> {
  const c = await rawConnect(port);
  const key = randomBytes(16).toString('base64');
  c.socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = c.received().toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end >= 0) {
      if (!text.startsWith('HTTP/1.1 101')) throw new Error(`handshake refused: ${text.slice(0, 80)}`);
      return { ...c, headerLength: end + 4 };
    }
    if (c.isClosed() || Date.now() > deadline) throw new Error('no handshake reply');
    await sleep(10);
  }
}

/** A masked client text frame (FIN set). */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const mask = randomBytes(4);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n]) : n < 65536 ? Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigLength(n)]);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

function bigLength(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** Unmasked server frames in `data` (from `offset`): their opcodes and payloads; an incomplete tail is ignored. */
export function readFrames(data: Buffer, offset = 0): Array<{ opcode: number; payload: Buffer }> {
  const out: Array<{ opcode: number; payload: Buffer }> = [];
  let i = offset;
  while (i + 2 <= data.length) {
    const opcode = data[i] & 0x0f;
    let len = data[i + 1] & 0x7f;
    let p = i + 2;
    if (len === 126) {
      if (p + 2 > data.length) break;
      len = data.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (p + 8 > data.length) break;
      len = Number(data.readBigUInt64BE(p));
      p += 8;
    }
    if (p + len > data.length) break;
    out.push({ opcode, payload: data.subarray(p, p + len) });
    i = p + len;
  }
  return out;
}
