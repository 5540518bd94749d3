// Waiting in tests and benchmarks: for a condition (polled, with a deadline that names what was awaited), or for
// a fixed time where the point is that nothing should happen meanwhile, or to pace what a client sends.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeout: number;
  /** What is awaited, for the error: "timed out after 5000 ms waiting for <what>". */
  what: string;
  /** Poll period in milliseconds (20 unless told). */
  interval?: number;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/** Resolves as soon as `condition()` holds, polling; rejects once `timeout` has passed without it. */
export async function waitFor(condition: () => boolean | Promise<boolean>, { timeout, what, interval = 20 }: WaitOptions): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await delay(interval);
  }
}

/**
 * Reads `read()` until `ok` holds of a reading or `timeout` has passed, and returns the last reading either way:
 * the caller asserts on it, so a failure shows what was seen rather than only that time ran out.
 */
export async function pollUntil<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, { timeout, interval = 20 }: Omit<WaitOptions, 'what'>): Promise<T> {
  const deadline = Date.now() + timeout;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await delay(interval);
    value = await read();
  }
  return value;
}

/**
 * Like `waitFor` but never rejects: true once `condition()` holds, false when `timeout` has passed. For a test that
 * asserts afterwards on what it waited for, with a message that says more than a timeout would.
 */
export async function waitUntil(condition: () => boolean, { timeout, interval = 20 }: Omit<WaitOptions, 'what'>): Promise<boolean> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await delay(interval);
  }
  return true;
}
