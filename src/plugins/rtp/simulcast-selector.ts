// Which simulcast layer of a publisher to forward: the highest one at or below the target that is arriving,
// switching only on a keyframe of the new layer (asking for one when needed), as Janus's simulcast context does.

/** A layer not heard from for this long counts as gone (Janus's `fallback`, which it gives in microseconds). */
const DEFAULT_FALLBACK_MS = 1000;
const PLI_EVERY_MS = 500;
/** At the start, how long a lower layer waits for the target layer to show up before it is taken instead. */
const START_GRACE_MS = 300;

export class SimulcastSelector {
  /** The layer asked for (0 = lowest). */
  target = 2;
  /** The layer being forwarded, -1 before the first keyframe. */
  current = -1;
  private readonly lastSeen: number[] = [];
  private lastPli = -Infinity;
  private firstSeen = -1;

  /** How long a layer may be silent before a lower one is taken instead. */
  fallbackMs = DEFAULT_FALLBACK_MS;

  constructor(
    private readonly askKeyframe: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  setTarget(layer: number): void {
    this.target = Math.max(0, Math.floor(layer));
  }

  /** Whether a packet of `layer` goes out; `keyframe` says whether it starts a keyframe. */
  accept(layer: number, keyframe: boolean): boolean {
    const t = this.now();
    this.lastSeen[layer] = t;
    if (this.firstSeen < 0) this.firstSeen = t;
    const wanted = this.wanted(t);
    if (wanted !== this.current) {
      // Layers arrive on separate sockets: the first packet heard need not be of the best layer there is.
      const settling = this.current === -1 && wanted < this.target && t - this.firstSeen < START_GRACE_MS;
      if (layer === wanted && keyframe && !settling) this.current = wanted;
      else if (t - this.lastPli >= PLI_EVERY_MS) {
        this.lastPli = t;
        this.askKeyframe();
      }
    }
    return layer === this.current;
  }

  /** The highest live layer at or below the target, else the lowest live one above it. */
  private wanted(t: number): number {
    let below = -1;
    let above = -1;
    for (let l = 0; l < this.lastSeen.length; l++) {
      const seen = this.lastSeen[l];
      if (seen === undefined || t - seen > this.fallbackMs) continue;
      if (l <= this.target) below = l;
      else if (above === -1) above = l;
    }
    return below !== -1 ? below : above;
  }
}
