// G.711 μ-law (PCMU) and A-law (PCMA), ITU-T G.711: 8-bit companded samples at 8 kHz. Tables built once.

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

function ulawByte(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function ulawSample(byte: number): number {
  const b = ~byte & 0xff;
  const exponent = (b >> 4) & 0x07;
  const magnitude = ((((b & 0x0f) << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return b & 0x80 ? -magnitude : magnitude;
}

function alawByte(sample: number): number {
  let s = sample >> 3; // A-law works on 13 bits
  const sign = s >= 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  let exponent = 0;
  for (let v = s >> 4; v > 1 && exponent < 7; v >>= 1) exponent++;
  if (s >= 0x1000) exponent = 7;
  const mantissa = exponent === 0 ? (s >> 1) & 0x0f : (s >> exponent) & 0x0f;
  return ((sign | (exponent << 4) | mantissa) ^ 0x55) & 0xff;
}

function alawSample(byte: number): number {
  const b = byte ^ 0x55;
  const exponent = (b >> 4) & 0x07;
  const mantissa = b & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if (magnitude > 32767) magnitude = 32767;
  return b & 0x80 ? magnitude : -magnitude;
}

/** Decoded value of each byte. */
const ULAW_TO_PCM = Int16Array.from({ length: 256 }, (_, b) => ulawSample(b));
const ALAW_TO_PCM = Int16Array.from({ length: 256 }, (_, b) => alawSample(b));
/** Encoded byte of each sample, indexed by the sample's top 14 bits (the precision both laws keep at most). */
const PCM_TO_ULAW = Uint8Array.from({ length: 16384 }, (_, i) => ulawByte((i << 2) - 32768));
const PCM_TO_ALAW = Uint8Array.from({ length: 16384 }, (_, i) => alawByte((i << 2) - 32768));

export type G711Law = 'pcmu' | 'pcma';

/** Decodes `count` bytes of `payload` from `start` into `out`; the samples written. */
export function decodeG711(law: G711Law, payload: Uint8Array, start: number, count: number, out: Int16Array): number {
  const table = law === 'pcmu' ? ULAW_TO_PCM : ALAW_TO_PCM;
  const n = Math.min(count, out.length, payload.length - start);
  for (let i = 0; i < n; i++) out[i] = table[payload[start + i]];
  return Math.max(0, n);
}

/** Encodes `count` samples of `pcm` into `out` from `start`. */
export function encodeG711(law: G711Law, pcm: Int16Array, count: number, out: Uint8Array, start: number): void {
  const table = law === 'pcmu' ? PCM_TO_ULAW : PCM_TO_ALAW;
  for (let i = 0; i < count; i++) out[start + i] = table[(pcm[i] + 32768) >> 2];
}
