// Changing a frame's sampling rate between the rates a mixer meets (8, 12, 16, 24, 48 kHz; G.711 is 8 kHz):
// linear interpolation, mono. Good enough for speech between these rates; no state carried between frames.

/** Writes `outCount` samples of `out` from `inCount` samples of `input`, spread evenly over the same 20 ms. */
export function resampleLinear(input: Int16Array, inCount: number, out: Int16Array, outCount: number): void {
  if (inCount <= 0) {
    out.fill(0, 0, outCount);
    return;
  }
  if (inCount === outCount) {
    out.set(input.subarray(0, inCount));
    return;
  }
  const step = inCount / outCount;
  for (let i = 0; i < outCount; i++) {
    const pos = i * step;
    const at = Math.floor(pos);
    const next = at + 1 < inCount ? at + 1 : at;
    const frac = pos - at;
    out[i] = Math.round(input[at] + (input[next] - input[at]) * frac);
  }
}
