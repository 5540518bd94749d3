// Random identifiers as Janus draws them: 53-bit, never 0, so they survive JavaScript's number type.
import { randomBytes } from 'node:crypto';

export function randomId53(): number {
  for (;;) {
    const b = randomBytes(8);
    const hi = b.readUInt32BE(0) & 0x1fffff;
    const id = hi * 0x100000000 + b.readUInt32BE(4);
    if (id !== 0) return id;
  }
}

/** Draws ids until one is not taken. */
export function uniqueId(taken: (id: number) => boolean): number {
  for (;;) {
    const id = randomId53();
    if (!taken(id)) return id;
  }
}

export function randomUint32(): number {
  for (;;) {
    const id = randomBytes(4).readUInt32BE(0);
    if (id !== 0) return id;
  }
}

export function randomString(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[bytes[i] % alphabet.length];
  return s;
}
