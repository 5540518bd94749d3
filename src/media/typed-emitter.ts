// A small typed event emitter. A listener that throws is reported, never allowed to break the emitter's caller.

export type EventMap = { [event: string]: unknown[] };
type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<E extends EventMap> {
  private readonly listeners: { [K in keyof E]?: Listener<E[K]>[] } = {};

  constructor(private readonly onListenerError: (event: string, err: unknown) => void = () => {}) {}

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.listeners[event] ?? [];
    // Copy on write: emit() may be iterating the old array.
    this.listeners[event] = [...list, listener];
    return this;
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.listeners[event];
    if (list) this.listeners[event] = list.filter((l) => l !== listener);
    return this;
  }

  once<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const wrapper: Listener<E[K]> = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  hasListeners(event: keyof E): boolean {
    return (this.listeners[event]?.length ?? 0) > 0;
  }

  removeAllListeners(): void {
    for (const key of Object.keys(this.listeners)) delete this.listeners[key as keyof E];
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const list = this.listeners[event];
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](...args);
      } catch (err) {
        this.onListenerError(String(event), err);
      }
    }
  }
}
