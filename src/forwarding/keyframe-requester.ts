// The one keyframe-request throttle. A decoder that lost its reference, a viewer switching layers and a viewer
// joining all ask for a keyframe, often on every packet; the sender must see at most one request per interval.
// A lost request is repaired by the next one after the interval, so callers may simply keep asking.

/** Between two requests to one sender when a layer switch or a joining viewer needs a keyframe. */
export const KEYFRAME_REQUEST_INTERVAL_MS = 500;
/**
 * The slower pace: a retry while an SVC viewer waits to go up a spatial layer (it can wait), and the PLIs the
 * Streaming plugin sends a plain-RTP source (once a second, as Janus does).
 */
export const KEYFRAME_RETRY_INTERVAL_MS = 1000;

export class KeyframeRequester {
  private lastAt = -Infinity;

  /**
   * `send` asks the sender; it may answer false when it could not (nobody to ask yet), which does not count as
   * a request, so the next ask is not held back. Built once per sender (or per viewer): never a closure per packet.
   */
  constructor(
    private readonly send: () => boolean | void,
    readonly intervalMs = KEYFRAME_REQUEST_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Asks unless the last request is younger than the interval (`force`: ask anyway); true when it asked. `t`: now, if known. */
  request(force = false, t = this.now()): boolean {
    if (!force && t - this.lastAt < this.intervalMs) return false;
    if (this.send() === false) return false;
    this.lastAt = t;
    return true;
  }

  /** Forgets the last request (a new call or source: the first ask goes out at once). */
  reset(): void {
    this.lastAt = -Infinity;
  }
}
