// Which simulcast layer of a publisher to forward: the highest one at or below the target that is arriving,
// switching only on a keyframe of the new layer (asking for one when needed), as Janus's simulcast context does.
import { KEYFRAME_REQUEST_INTERVAL_MS, KeyframeRequester } from './keyframe-requester.js';

/** A layer not heard from for this long counts as gone (Janus's `fallback`, which it gives in microseconds). */
const DEFAULT_FALLBACK_MS = 1000;
/** At the start, how long a lower layer waits for the target layer to show up before it is taken instead. */
const START_GRACE_MS = 300;
/** Layers are 0..MAX_LAYER (Janus knows three; room for a few more). A layer index is also an array index here. */
export const MAX_LAYER = 7;

/** A layer number as given (a rid's index, a substream, a client's target), clamped to 0..MAX_LAYER; -1 if none. */
function layerIndex(n: number): number {
  if (!Number.isFinite(n)) return n === Infinity ? MAX_LAYER : -1;
  return Math.min(MAX_LAYER, Math.max(0, Math.floor(n)));
}

export class SimulcastSelector {
  /** The layer asked for (0 = lowest). */
  target = 2;
  /** The layer being forwarded, -1 before the first keyframe. */
  current = -1;
  private readonly lastSeen: number[] = [];
  private firstSeen = -1;
  private readonly keyframes: KeyframeRequester;

  /** How long a layer may be silent before a lower one is taken instead. */
  fallbackMs = DEFAULT_FALLBACK_MS;

  constructor(
    askKeyframe: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.keyframes = new KeyframeRequester(askKeyframe, KEYFRAME_REQUEST_INTERVAL_MS, now);
  }

  /** The layer to aim for; clamped to 0..MAX_LAYER, a non-number leaves the target as it was. */
  setTarget(layer: number): void {
    const l = layerIndex(layer);
    if (l >= 0) this.target = l;
  }

  /**
   * Whether a packet of `layer` goes out; `keyframe` says whether it starts a keyframe. A layer that is no layer
   * index (negative, fractional, above MAX_LAYER) never does. `t`: the packet's arrival on the selector's clock,
   * when the caller read it already (a clock read allocates: once per source packet, not per viewer).
   */
  accept(layer: number, keyframe: boolean, t = this.now()): boolean {
    if (!Number.isInteger(layer) || layer < 0 || layer > MAX_LAYER) return false;
    this.lastSeen[layer] = t;
    if (this.firstSeen < 0) this.firstSeen = t;
    const wanted = this.wanted(t);
    if (wanted !== this.current) {
      // Layers arrive on separate sockets: the first packet heard need not be of the best layer there is.
      const settling = this.current === -1 && wanted < this.target && t - this.firstSeen < START_GRACE_MS;
      if (layer === wanted && keyframe && !settling) this.current = wanted;
      else this.keyframes.request(false, t);
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
