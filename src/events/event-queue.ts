// A handler's queue: bounded, oldest dropped first when full (as Janus's wsevh caps its queue while it
// reconnects), every drop counted. A ring of slots, so pushing and taking never move the other items.

export class EventQueue<T> {
  private slots: (T | undefined)[];
  private head = 0;
  private size = 0;
  /** Items dropped because the queue was full, since it was made. */
  dropped = 0;

  constructor(private bound: number) {
    if (!Number.isInteger(bound) || bound < 1) throw new RangeError(`queue bound must be an integer >= 1, got ${bound}`);
    this.slots = new Array<T | undefined>(Math.min(bound, 1024));
  }

  get length(): number {
    return this.size;
  }

  get capacity(): number {
    return this.bound;
  }

  /** Adds an item at the tail; when full, the oldest goes first (counted). Returns true when one was dropped. */
  push(item: T): boolean {
    let droppedOne = false;
    if (this.size === this.bound) {
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.slots.length;
      this.size--;
      this.dropped++;
      droppedOne = true;
    } else if (this.size === this.slots.length) this.grow();
    this.slots[(this.head + this.size) % this.slots.length] = item;
    this.size++;
    return droppedOne;
  }

  /** Removes and returns up to `max` items from the head, oldest first. */
  take(max: number): T[] {
    const n = Math.min(max, this.size);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.slots[this.head] as T;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.slots.length;
    }
    this.size -= n;
    return out;
  }

  /** A new bound; when smaller than what is queued, the oldest go (counted). */
  setBound(bound: number): void {
    if (!Number.isInteger(bound) || bound < 1) throw new RangeError(`queue bound must be an integer >= 1, got ${bound}`);
    const excess = this.size - bound;
    if (excess > 0) {
      this.take(excess);
      this.dropped += excess;
    }
    this.bound = bound;
    if (this.slots.length > bound) this.resize(Math.max(bound, this.size));
  }

  /** Drops everything queued without counting it (the handler stops). */
  clear(): void {
    this.slots = new Array<T | undefined>(Math.min(this.bound, 1024));
    this.head = 0;
    this.size = 0;
  }

  /** Doubles the ring (up to the bound), keeping the order; only while filling, never on a full queue. */
  private grow(): void {
    this.resize(Math.min(this.bound, this.slots.length * 2));
  }

  private resize(length: number): void {
    const next = new Array<T | undefined>(length);
    for (let i = 0; i < this.size; i++) next[i] = this.slots[(this.head + i) % this.slots.length];
    this.slots = next;
    this.head = 0;
  }
}
