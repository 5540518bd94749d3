// The bytes a stream carried in its last second, as Janus counts them for `bytes-received-lastsec` and
// `bytes-sent-lastsec` (what Nextcloud's signaling server turns into bandwidth): packets add to the current window;
// the first packet a second or more after the window began closes it, its total becoming the figure; two seconds
// without a packet empty both (Janus's once-a-second check). src/native/out-stream.c keeps the same window for
// its streams (the differential test holds the two together). `now` is in ms.

/** A window of at least this long closes on its next packet. */
export const WINDOW_MS = 1000;
/** A window this old with no packet since means the stream went quiet: the figure is 0. */
export const IDLE_MS = 2000;

/** The figure at `now` from a window's state (start < 0: nothing counted yet). */
export function lastSecondValue(last: number, start: number, now: number): number {
  return start >= 0 && now - start >= IDLE_MS ? 0 : last;
}

export class LastSecondBytes {
  private start = -1;
  private inWindow = 0;
  private last = 0;

  add(bytes: number, now: number): void {
    if (this.start < 0) this.start = now;
    else if (now - this.start >= IDLE_MS) {
      this.last = 0;
      this.inWindow = 0;
      this.start = now;
    } else if (now - this.start >= WINDOW_MS) {
      this.last = this.inWindow;
      this.inWindow = 0;
      this.start = now;
    }
    this.inWindow += bytes;
  }

  value(now: number): number {
    return lastSecondValue(this.last, this.start, now);
  }
}
