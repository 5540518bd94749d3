// A set of listeners told of each event in turn; one that throws is logged and the others still hear it.
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';

export class Listeners<E> {
  private readonly set = new Set<(event: E) => void>();

  /** @param what names the listeners in the log line of one that fails ("a membership listener") */
  constructor(
    private readonly what: string,
    private readonly log: Logger,
  ) {}

  /** Adds `listener`; returns what removes it. */
  add(listener: (event: E) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(event: E): void {
    for (const l of [...this.set]) {
      try {
        l(event);
      } catch (err) {
        this.log.error(`${this.what} failed: ${errorText(err)}`);
      }
    }
  }
}
