// What a node says of itself on NATS, every heartbeat: on the heartbeat subject and as its entry in the nodes
// bucket. What arrives from NATS is read as untrusted input: a malformed message is dropped, never thrown on.
import type { JsonObject } from '../core/validate.js';

/** A node's load, as it announces it. */
export interface NodeLoad {
  /** PeerConnections open on the node. */
  readonly peerconnections: number;
  /** RTP bits a second the node sends to its clients (the last heartbeat period). */
  readonly forwarded_bps: number;
  /** The node process's CPU time over wall time in the last heartbeat period (1 = one core busy). */
  readonly cpu: number;
}

export interface NodeAnnouncement {
  readonly node: string;
  /** Random at each process start: the same name with another incarnation is a restarted node. */
  readonly incarnation: string;
  readonly media_ip: string;
  /** When the node process started, ms since the epoch (its clock). */
  readonly started: number;
  readonly version: string;
  readonly heartbeat_ms: number;
  readonly load: NodeLoad;
  /** How many rooms and mountpoints it holds (the placement bucket has which). */
  readonly holds: number;
}

/** A node leaving on purpose (its process stopping): its name and incarnation. */
export interface NodeLeave {
  readonly node: string;
  readonly incarnation: string;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function parse(data: Uint8Array): Record<string, unknown> | undefined {
  if (data.length > 16_384) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(data));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const text = (v: unknown, max = 128): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);

/** The announcement in `data`, or undefined when it is not one. */
export function readAnnouncement(data: Uint8Array): NodeAnnouncement | undefined {
  const o = parse(data);
  if (!o) return undefined;
  const node = text(o.node);
  const load = typeof o.load === 'object' && o.load !== null ? (o.load as Record<string, unknown>) : {};
  const incarnation = text(o.incarnation);
  const mediaIp = text(o.media_ip, 64);
  if (node === undefined || !NAME.test(node) || incarnation === undefined || mediaIp === undefined) return undefined;
  return {
    node,
    incarnation,
    media_ip: mediaIp,
    started: count(o.started) ?? 0,
    version: text(o.version) ?? 'unknown',
    heartbeat_ms: count(o.heartbeat_ms) ?? 0,
    load: { peerconnections: count(load.peerconnections) ?? 0, forwarded_bps: count(load.forwarded_bps) ?? 0, cpu: count(load.cpu) ?? 0 },
    holds: count(o.holds) ?? 0,
  };
}

/** The leave notice in `data`, or undefined. */
export function readLeave(data: Uint8Array): NodeLeave | undefined {
  const o = parse(data);
  const node = text(o?.node);
  const incarnation = text(o?.incarnation);
  return node !== undefined && incarnation !== undefined ? { node, incarnation } : undefined;
}

export function encodeJson(value: NodeAnnouncement | NodeLeave | JsonObject): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
