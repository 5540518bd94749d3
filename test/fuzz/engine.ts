// Runs one fuzz target for a number of inputs with fast-check: every call timed (a call whose best of three timings
// is over HANG_MS is a hang), the slowest input kept, a failure reported with its (shrunk) input and the seed to replay it.
import fc from 'fast-check';
import { describeInput } from './mutate.js';
import { errorText } from '../../src/logging/error-text.js';
import type { FuzzTarget } from './targets.js';

/** A call slower than this counts as a hang (the best of three timings, so a GC pause is not one). */
export const HANG_MS = 50;

export interface FuzzReport {
  readonly name: string;
  readonly runs: number;
  readonly seconds: number;
  readonly inputsPerSecond: number;
  readonly slowestMs: number;
  readonly slowestInput: string;
  /** Undefined when every input passed. */
  readonly failure?: string;
}

/** Calls slower than this are timed again before they count. */
const RETIME_MS = 2;

export class HangError extends Error {}

export function fuzz(target: FuzzTarget, runs: number, seed?: number): FuzzReport {
  let slowestMs = 0;
  let slowest: unknown;
  const timed = (input: unknown): number => {
    const t0 = performance.now();
    target.run(input);
    return performance.now() - t0;
  };
  const started = performance.now();
  const result = fc.check(
    fc.property(target.input, (input) => {
      // A slow call is timed again (up to twice): a GC pause or a busy machine is not the input's doing.
      let ms = timed(input);
      for (let again = 0; again < 2 && ms > RETIME_MS; again++) ms = Math.min(ms, timed(input));
      if (ms > slowestMs) {
        slowestMs = ms;
        slowest = input;
      }
      if (ms > HANG_MS) throw new HangError(`took ${ms.toFixed(1)} ms (limit ${HANG_MS} ms)`);
    }),
    { numRuns: runs, seed, endOnFailure: false },
  );
  const seconds = (performance.now() - started) / 1000;
  const failure = result.failed
    ? `${result.errorInstance instanceof Error ? `${result.errorInstance.name}: ` : ''}${errorText(result.errorInstance)}\n  input: ${describeInput(result.counterexample?.[0])}\n  replay: seed ${result.seed}, path "${result.counterexamplePath}"`
    : undefined;
  return { name: target.name, runs: result.numRuns, seconds, inputsPerSecond: result.numRuns / seconds, slowestMs, slowestInput: describeInput(slowest, 200), ...(failure ? { failure } : {}) };
}
