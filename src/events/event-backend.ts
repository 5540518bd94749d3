import type { JsonObject } from '../core/validate.js';
export interface EventBackend {
  readonly name: string;
  send(batch: readonly JsonObject[]): Promise<void>;
  close(): Promise<void>;
}
