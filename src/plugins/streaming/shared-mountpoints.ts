// Mountpoints known on every node of a cluster (docs/cluster.md): a mountpoint made at run time (`create`, a
// `publish` that made one, the saved state) is a shared record of the node that has its source, with what
// `list`, `info` and `watch` need elsewhere: its settings, whether it is enabled, its streams. Every other node
// keeps a copy of it (fed from that node while someone there watches, mountpoint-relay.ts). A record read here
// is untrusted input: every field is checked, a bad record is dropped.
import { isJsonObject, type JsonObject } from '../plugin.js';
import { findCodec } from './codecs.js';
import { isMid, isPayloadType, isSdpText } from './guards.js';
import type { Mountpoint, MountpointId } from './mountpoint.js';
import { mountpointSettings } from './mountpoint-settings.js';
import type { StreamConfig } from './stream-source.js';

/** A mountpoint id as a record key: numbers and strings never meet. */
export function mountpointKey(id: MountpointId): string {
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}

export function keyMountpoint(key: string, stringIds: boolean): MountpointId | undefined {
  if (stringIds) return key.startsWith('s') && key.length > 1 ? key.slice(1) : undefined;
  const n = /^n\d{1,16}$/.test(key) ? Number(key.slice(1)) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** One stream of a shared mountpoint. */
export interface SharedStream {
  readonly config: StreamConfig;
  readonly simulcast: boolean;
}

/** A shared record, read. */
export interface SharedMountpoint {
  /** The node with the source, and its run (a node started again has a new one: older records are stale). */
  readonly node: string;
  readonly run: string;
  /** The settings as a create request gives them. */
  readonly settings: JsonObject;
  readonly enabled: boolean;
  readonly streams: readonly SharedStream[];
}

/** The record of a mountpoint of this node. */
export function mountpointRecord(mp: Mountpoint, node: string, run: string): JsonObject {
  const s = mp.settings;
  const settings: JsonObject = { name: s.name, description: s.description, is_private: s.isPrivate, e2ee: s.e2ee };
  if (s.metadata !== undefined) settings.metadata = s.metadata;
  if (s.secret !== undefined) settings.secret = s.secret;
  if (s.pin !== undefined) settings.pin = s.pin;
  // A copy buffers for its joining viewers as the source's node does (join-buffer.ts).
  if (s.bufferkfMs > 0) settings.bufferkf_ms = s.bufferkfMs;
  if (s.bufferkfBytes > 0) settings.bufferkf_bytes = s.bufferkfBytes;
  const streams = mp.streams.map((st) => {
    const c = st.config;
    const out: JsonObject = { type: c.type, mid: c.mid, label: c.label, datatype: c.datatype, simulcast: st.simulcast };
    if (st.keyframes) out.bufferkf = true;
    if (st.lastMessage) out.buffermsg = true;
    if (c.pt !== undefined) out.pt = c.pt;
    if (c.codec) out.codec = c.codec.name;
    if (c.fmtp !== undefined) out.fmtp = c.fmtp;
    return out;
  });
  return { node, run, settings, enabled: mp.enabled, streams };
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** The largest bufferkf_ms or bufferkf_bytes a record may give a copy. */
const MAX_BUFFER_LIMIT = 64 * 1024 * 1024;

/** A record's value as this node takes it, or undefined when it is not one. */
export function readMountpointRecord(value: JsonObject): SharedMountpoint | undefined {
  const { node, run, settings, enabled, streams } = value;
  if (typeof node !== 'string' || !NAME.test(node) || typeof run !== 'string' || !NAME.test(run)) return undefined;
  if (!isJsonObject(settings) || typeof enabled !== 'boolean' || !Array.isArray(streams) || streams.length > 64) return undefined;
  for (const k of ['name', 'description', 'metadata', 'secret', 'pin']) if (settings[k] !== undefined && typeof settings[k] !== 'string') return undefined;
  for (const k of ['bufferkf_ms', 'bufferkf_bytes']) {
    const v = settings[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_BUFFER_LIMIT)) return undefined;
  }
  const read: SharedStream[] = [];
  for (const raw of streams) {
    const stream = readStream(raw);
    if (!stream || read.some((s) => s.config.mid === stream.config.mid)) return undefined;
    read.push(stream);
  }
  return { node, run, settings, enabled, streams: read };
}

function readStream(raw: unknown): SharedStream | undefined {
  if (!isJsonObject(raw)) return undefined;
  const { type, mid, label, pt, fmtp, datatype } = raw;
  if (type !== 'audio' && type !== 'video' && type !== 'data') return undefined;
  if (!isMid(mid) || !isSdpText(label, 256) || (fmtp !== undefined && !isSdpText(fmtp))) return undefined;
  if (datatype !== 'text' && datatype !== 'binary') return undefined;
  let codec;
  if (type !== 'data') {
    if (!isPayloadType(pt) || typeof raw.codec !== 'string') return undefined;
    codec = findCodec(type, raw.codec);
    if (!codec) return undefined;
  }
  const config: StreamConfig = {
    type,
    mid,
    label,
    pt: type === 'data' ? undefined : (pt as number),
    codec,
    codecText: codec?.name,
    fmtp: fmtp,
    datatype,
    bufferKeyframe: type === 'video' && raw.bufferkf === true,
    bufferMessage: type === 'data' && raw.buffermsg === true,
  };
  return { config, simulcast: type === 'video' && raw.simulcast === true };
}

/** A copy's settings from its record. */
export function copySettings(shared: SharedMountpoint, id: MountpointId): ReturnType<typeof mountpointSettings> {
  return mountpointSettings(shared.settings, id, false);
}

/** Applies an edited record to a copy: what `edit` may change. */
export function applySettings(mp: Mountpoint, shared: SharedMountpoint): void {
  const next = copySettings(shared, mp.id);
  const s = mp.settings;
  s.name = next.name;
  s.description = next.description;
  s.metadata = next.metadata;
  s.secret = next.secret;
  s.pin = next.pin;
  s.isPrivate = next.isPrivate;
  mp.enabled = shared.enabled;
}
