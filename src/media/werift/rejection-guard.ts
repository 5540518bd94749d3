// werift starts promises it never awaits (DTLS flights, SCTP timers, async Promise executors). One of them
// rejecting would end the process under Node's default unhandled-rejection policy. This guard, installed once,
// logs rejections that come from werift and leaves every other one to Node's default behaviour.
import { errorText } from '../../logging/error-text.js';

let installed = false;
let sink: ((msg: string) => void) | undefined;
let swallowed = 0;

function fromWerift(reason: unknown): boolean {
  if (reason instanceof Error) return /[\\/]node_modules[\\/]werift[\\/]/.test(reason.stack ?? '');
  // werift rejects with bare strings in a few places ("Event watch timeout", DOMException-like objects).
  return typeof reason === 'string';
}

/** Installs the process-wide guard (idempotent); `log` receives one line per swallowed rejection. */
export function installWeriftRejectionGuard(log: (msg: string) => void): void {
  sink = log;
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    if (fromWerift(reason)) {
      swallowed++;
      sink?.(`ignored an unhandled rejection inside werift (#${swallowed}): ${errorText(reason)}`);
      return;
    }
    // Not ours to judge: if nobody else listens, behave as Node would without a listener.
    if (process.listenerCount('unhandledRejection') <= 1) throw reason;
  });
}

/** How many werift rejections the guard has swallowed (for tests and Admin info). */
export function weriftRejectionsSwallowed(): number {
  return swallowed;
}
