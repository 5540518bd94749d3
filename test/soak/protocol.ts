// Messages between the soak runner (the server's process) and its client process, over the fork IPC channel.
import type { GarbageKind } from './garbage.js';

export type CycleKind = 'echotest' | 'streaming' | 'videoroom';

export interface ClientSettings {
  readonly wsUrl: string;
  readonly cycles: number;
  readonly concurrency: number;
  /** Epoch ms after which no new cycle starts. */
  readonly deadline: number;
  /** Share of each kind of cycle, e.g. { echotest: 80, streaming: 10, videoroom: 10 }. */
  readonly mix: Readonly<Record<CycleKind, number>>;
  /** Garbage datagrams per second sent to the server's media ports while cycles run. */
  readonly garbageRate: number;
  /** Share of cycles (0-1) in which the connected client's own socket sends a burst of garbage mid-call. */
  readonly injectShare: number;
  readonly seed: number;
}

export interface ClientStats {
  readonly started: number;
  readonly done: number;
  readonly failed: number;
  readonly byKind: Record<CycleKind, { done: number; failed: number }>;
  /** Garbage datagrams sent, by kind, and how many went through a connected client's own socket. */
  readonly garbage: Partial<Record<GarbageKind, number>>;
  readonly garbageFromPeers: number;
  /** The first failures, as "cycle 17 (echotest): timed out waiting for webrtcup". */
  readonly errors: string[];
}

export type ToClient = { readonly t: 'start'; readonly settings: ClientSettings } | { readonly t: 'go' } | { readonly t: 'quit' };

export type FromClient =
  | { readonly t: 'warmed'; readonly stats: ClientStats }
  | { readonly t: 'progress'; readonly stats: ClientStats }
  | { readonly t: 'finished'; readonly stats: ClientStats }
  | { readonly t: 'fatal'; readonly message: string };
