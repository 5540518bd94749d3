// Sequential port allocation inside a configured range, with a slider shared by all callers of one range.

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

/** Parses "min-max" (Janus's rtp_port_range); returns undefined when malformed. */
export function parsePortRange(text: string): PortRange | undefined {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  if (!m) return undefined;
  let min = Number(m[1]);
  let max = Number(m[2]);
  if (min > max) [min, max] = [max, min];
  if (min < 1 || max > 65535) return undefined;
  return { min, max };
}

/** Hands out candidate ports round-robin over a range so that freed ports are not reused at once. */
export class PortSlider {
  private next: number;
  constructor(readonly range: PortRange) {
    this.next = range.min;
  }
  /** Every port of the range once, starting after the last one handed out. */
  *candidates(): Generator<number> {
    const size = this.range.max - this.range.min + 1;
    for (let i = 0; i < size; i++) {
      const port = this.next;
      this.next = port >= this.range.max ? this.range.min : port + 1;
      yield port;
    }
  }
}
