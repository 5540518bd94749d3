// janus.plugin.streaming: RTP mountpoints fed over UDP and watched over WebRTC (the Janus 1.x API).
import { randomUUID } from 'node:crypto';
import { uniqueId } from '../../core/ids.js';
import { findFieldError, isJsonObject, sameSecret, type FieldSpec } from '../../core/validate.js';
import { isSafeId } from '../../core/json-bounds.js';
import { buildPli } from '../../rtp/rtcp.js';
import { BindError } from '../../net/bind-error.js';
import type { Network } from '../../net/network.js';
import { parsePortRange, type PortRange } from '../../net/port-range.js';
import type { Logger } from '../../logging/logger.js';
import { generalSettings, isTrue, loadSaved } from '../plugin-settings.js';
import type { Jsep, JsonObject, OfferTrack, Plugin, PluginContext, PluginHandle, PluginMessage, PluginResult, PluginStateStore } from '../plugin.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { jsonBoundsProblem } from '../../core/json-bounds.js';
import { prepareFileInside, resolveInside, UnsafePathError } from '../safe-path.js';
import {
  isMid,
  isPayloadType,
  isPort,
  isSdpText,
  isStringId,
  MAX_AUDIO_FILE_BYTES,
  MAX_BUFFERKF_BYTES,
  MAX_BUFFERKF_MS,
  MAX_MEDIA_ENTRIES,
  MAX_MID_LENGTH,
  MAX_RTSP_SECONDS,
  secretProblem,
  type GuardProblem,
} from './guards.js';
import { RtspError } from './rtsp-protocol.js';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../rtp/srtp/srtp-keys.js';
import { SrtcpProtector } from '../../rtp/srtp/srtcp-protector.js';
import { KeyframeBuffer, LastMessageBuffer } from './join-buffer.js';
import { SrtpRtpUnprotector } from '../../rtp/srtp/srtp-unprotector.js';
import { AudioFileError, audioFramesFor, type AudioFrames } from './audio-file.js';
import { findCodec } from './codecs.js';
import { FilePlayer } from './file-player.js';
import { RtspClient } from './rtsp-client.js';
import { parseRtspUrl } from './rtsp-protocol.js';
import { keyframeTest } from '../rtp/keyframe.js';
import { parseRtpHeader } from '../rtp/rtp-header.js';
import { SimulcastSelector } from '../rtp/simulcast-selector.js';
import { TemporalLayerFilter } from '../rtp/temporal-layer-filter.js';
import { MjrRecorder } from '../rtp/mjr-recorder.js';
import { Mountpoint, StreamSource, type MountpointId, type MountpointSettings, type SrtpSourceSettings, type StreamConfig, type StreamSink } from './mountpoint.js';

export const E = {
  NO_MESSAGE: 450,
  INVALID_JSON: 451,
  INVALID_REQUEST: 452,
  MISSING_ELEMENT: 453,
  INVALID_ELEMENT: 454,
  NO_SUCH_MOUNTPOINT: 455,
  CANT_CREATE: 456,
  UNAUTHORIZED: 457,
  CANT_SWITCH: 458,
  CANT_RECORD: 459,
  INVALID_STATE: 460,
  INVALID_SDP: 461,
  UNKNOWN: 470,
} as const;

class StreamingError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const CODES = { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT };

function check(body: JsonObject, specs: readonly FieldSpec[]): void {
  const err = findFieldError(body, specs, CODES);
  if (err) throw new StreamingError(err.code, err.reason);
}

const SECRET_CODES = { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT, unauthorized: E.UNAUTHORIZED };

/** Throws the problem a guard found, as the plugin's error. */
function refuse(problem: GuardProblem | undefined): void {
  if (problem) throw new StreamingError(problem.code, problem.reason);
}

/** Janus's check of `secret`, `pin` or `admin_key` (see guards.ts). */
function requireSecret(body: JsonObject, member: string, expected: string | undefined): void {
  refuse(secretProblem(body, member, expected, SECRET_CODES));
}

/** A stored client value that breaks the JSON bounds is refused whole (454). */
function requireBounded(body: JsonObject): void {
  const problem = jsonBoundsProblem(body);
  if (problem) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (the request holds ${problem})`);
}

/** A client-safe account of a failure: our own errors say what went wrong; anything else only its kind. */
function faultText(err: unknown): string {
  if (err instanceof StreamingError || err instanceof RtspError || err instanceof AudioFileError || err instanceof BindError || err instanceof UnsafePathError) return err.message;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EEXIST: 'a file of that name exists',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'is a folder',
    ENOTDIR: 'a part of the path is not a folder',
    ENAMETOOLONG: 'the name is too long',
    ENOSPC: 'no space left',
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  return (typeof code === 'string' && known[code]) || 'internal error';
}

/** Where a mountpoint request comes from: the operator's configuration, the saved state, or a client. */
type Origin = 'config' | 'state' | 'api';


type ViewerState = 'idle' | 'preparing' | 'starting' | 'started' | 'paused';

/** One handle watching (or about to watch) a mountpoint. */
class Viewer implements StreamSink {
  mountpoint: Mountpoint | undefined;
  state: ViewerState = 'idle';
  mids = new Set<string>();
  /** When the viewer offered: its own mid for each mountpoint mid it gets (otherwise they are the same). */
  readonly peerMid = new Map<string, string>();
  /** This viewer's own playback of an `ondemand` mountpoint. */
  player: FilePlayer | undefined;
  constructor(readonly handle: PluginHandle) {}

  private acceptLayer(stream: StreamSource, packet: Buffer, layer: number): boolean {
    const mid = stream.config.mid;
    let sel = this.layers.get(mid);
    if (!sel) {
      sel = new SimulcastSelector(() => this.onLayerKeyframeNeeded?.());
      sel.setTarget(this.substreamTarget);
      this.layers.set(mid, sel);
    }
    const h = parseRtpHeader(packet);
    if (!h) return false;
    const test = keyframeTest(stream.config.codec?.name);
    const before = sel.current;
    const pass = sel.accept(layer, test ? test(packet.subarray(h.headerLength)) : true);
    if (sel.current !== before) this.handle.pushEvent(undefined, { streaming: 'event', result: { mid, substream: sel.current } });
    return pass;
  }

  /** Set by the plugin: asks the mountpoint's sources for a keyframe (rate-limited there). */
  onLayerKeyframeNeeded: (() => void) | undefined;

  /** Leaves the mountpoint (if any) and stops an on-demand playback. */
  detach(): void {
    this.layers.clear();
    this.peerMid.clear();
    this.temporal.clear();
    this.player?.stop();
    this.player = undefined;
    this.mountpoint?.viewers.delete(this);
    this.mountpoint = undefined;
    this.state = 'idle';
  }

  /** Per VP8 stream (by mid), once `temporal` was asked: which temporal layers this viewer gets. */
  readonly temporal = new Map<string, TemporalLayerFilter>();

  /**
   * Drops frames above the viewer's temporal layer (closing the sequence gap) and renumbers pictures; returns
   * the packet to send (a copy when renumbered: the source's buffer is shared by every viewer), or undefined.
   */
  private filterTemporal(stream: StreamSource, packet: Buffer): Buffer | undefined {
    const f = this.temporal.get(stream.config.mid);
    if (!f) return packet;
    const before = f.forwarding;
    const out = f.filterPacket(packet, 'copy');
    if (!out) this.handle.skipRtp(this.outMid(stream.config.mid));
    if (f.forwarding !== before) this.handle.pushEvent(undefined, { streaming: 'event', result: { mid: stream.config.mid, temporal: f.forwarding } });
    return out;
  }

  /** Per simulcast stream (by mid): which layer this viewer gets. */
  readonly layers = new Map<string, SimulcastSelector>();
  /** The layer asked with `configure` (default: the highest). */
  substreamTarget = 2;

  receive(stream: StreamSource, packet: Buffer, layer?: number): void {
    if (this.state !== 'started' || !this.mids.has(stream.config.mid)) return;
    if (layer !== undefined && !this.acceptLayer(stream, packet, layer)) return;
    if (stream.config.type === 'data') {
      this.handle.relayData(stream.config.datatype === 'text' ? packet.toString('utf8') : packet);
      return;
    }
    const out = this.temporal.size > 0 ? this.filterTemporal(stream, packet) : packet;
    if (out) this.handle.relayRtp(this.outMid(stream.config.mid), out);
  }

  /** The mid on this viewer's PeerConnection that carries a mountpoint mid. */
  outMid(mid: string): string {
    return this.peerMid.get(mid) ?? mid;
  }
}

export class StreamingPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.streaming',
    name: 'JANUS Streaming plugin',
    author: 'Portunus',
    description: 'This is a streaming plugin for Janus, allowing WebRTC peers to watch/listen to pre-recorded files or media generated by another tool.',
    version: 11,
    versionString: '0.0.11',
  };
  private readonly mountpoints = new Map<MountpointId, Mountpoint>();
  /** Janus's `string_ids`: mountpoint ids are strings instead of positive integers. */
  private stringIds = false;
  private readonly viewers = new Map<number, Viewer>();
  private network!: Network;
  private log!: Logger;
  private range: PortRange = { min: 10000, max: 60000 };
  private adminKey: string | undefined;
  private state: PluginStateStore | undefined;
  /** The folder every file a client names is resolved in (recordings, files of mountpoints created over the API). */
  private recordingsDir = '';
  /** Set by destroy(): a create still opening sockets then closes what it opened. */
  private stopped = false;
  /** What is saved for each permanent mountpoint, by id. */
  private readonly permanent = new Map<MountpointId, JsonObject>();

  async init(context: PluginContext): Promise<void> {
    this.network = context.network;
    this.log = context.log;
    this.recordingsDir = context.recordingsDir;
    // The `general` group of janus.plugin.streaming.jcfg; single keys given by flag or environment
    // (--streaming.string_ids=true, PORTUNUS_STREAMING_STRING_IDS) sit at the top level.
    const general = generalSettings(context.config);
    if (typeof general.rtp_port_range === 'string') this.range = parsePortRange(general.rtp_port_range) ?? this.range;
    if (typeof general.admin_key === 'string' && general.admin_key !== '') this.adminKey = general.admin_key;
    this.stringIds = isTrue(general.string_ids);
    if (!this.network.ipv6Available) this.log.warn('IPv6 unavailable: mountpoints will use IPv4 sockets only');
    this.state = context.state;
    const saved = loadSaved(this.state, (m) => this.log.error(`permanent mountpoints not loaded: ${m}`));
    const fromState = new Set(Object.keys(saved).map((k) => `state:${k}`));
    const entries: Array<[string, unknown]> = [...Object.entries(context.config), ...Object.entries(saved).map(([k, v]): [string, unknown] => [`state:${k}`, v])];
    for (const [name, group] of entries) {
      if (name === 'general' || !isJsonObject(group)) continue;
      try {
        const request: JsonObject = { ...group, name: typeof group.name === 'string' ? group.name : name };
        if (typeof request.id === 'string' && /^\d+$/.test(request.id) && !this.stringIds) request.id = Number(request.id);
        if (typeof request.id === 'number' && this.stringIds) request.id = String(request.id);
        if (request.media !== undefined && !Array.isArray(request.media)) throw new StreamingError(E.INVALID_ELEMENT, 'media should be a list');
        // The saved state holds what clients created: it is checked as their requests were (paths, bounds).
        const mp = await this.createMountpoint(request, fromState.has(name) ? 'state' : 'config');
        if (fromState.has(name)) this.permanent.set(mp.id, group);
        this.log.info(`mountpoint ${mp.id} (${mp.settings.name}) created from ${fromState.has(name) ? 'the saved state' : 'the configuration'}`);
      } catch (err) {
        this.log.error(`mountpoint '${name}' in the ${fromState.has(name) ? 'saved state' : 'configuration'} skipped: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /**
   * Stops everything at once: viewers' on-demand playbacks, every mountpoint's sources, sockets, RTSP sessions and
   * recorders are closed before this returns; the promise settles once the recordings are flushed to disk.
   */
  destroy(): Promise<void> {
    this.stopped = true;
    const closing: Array<Promise<void>> = [];
    for (const v of this.viewers.values()) v.detach();
    for (const mp of this.mountpoints.values()) closing.push(mp.close());
    this.mountpoints.clear();
    return Promise.all(closing).then(() => undefined);
  }

  createSession(handle: PluginHandle): void {
    const v = new Viewer(handle);
    v.onLayerKeyframeNeeded = () => {
      if (v.mountpoint) this.askKeyframe(v.mountpoint);
    };
    this.viewers.set(handle.id, v);
  }

  destroySession(handle: PluginHandle): void {
    this.viewers.get(handle.id)?.detach();
    this.viewers.delete(handle.id);
  }

  querySession(handle: PluginHandle): JsonObject {
    const v = this.viewers.get(handle.id);
    if (!v) return {};
    const out: JsonObject = { state: v.mountpoint ? 'watching' : 'idle', started: v.state === 'started' ? 1 : 0, paused: v.state === 'paused' ? 1 : 0 };
    if (v.mountpoint) {
      out.mountpoint_id = v.mountpoint.id;
      out.mountpoint_name = v.mountpoint.settings.name;
      out.mountpoint_viewers = v.mountpoint.viewers.size;
    }
    return out;
  }

  async handleAdminMessage(request: JsonObject): Promise<JsonObject> {
    try {
      return await this.synchronous(request);
    } catch (err) {
      return this.errorData(err);
    }
  }

  async handleMessage(handle: PluginHandle, message: PluginMessage): Promise<PluginResult> {
    const body = message.body;
    const request = typeof body.request === 'string' ? body.request.toLowerCase() : undefined;
    if (request === undefined) return { kind: 'ok', data: { streaming: 'event', error_code: E.MISSING_ELEMENT, error: 'Missing mandatory element (request)' } };
    if (['watch', 'start', 'pause', 'stop', 'configure', 'switch'].includes(request)) {
      setImmediate(() => {
        this.viewerRequest(handle, request, message)
          .then((r) => handle.pushEvent(message.transaction, r.data, r.jsep))
          .catch((err: unknown) => handle.pushEvent(message.transaction, this.errorData(err)));
      });
      return { kind: 'ack' };
    }
    try {
      return { kind: 'ok', data: await this.synchronous(body) };
    } catch (err) {
      return { kind: 'ok', data: this.errorData(err) };
    }
  }

  private errorData(err: unknown): JsonObject {
    if (err instanceof StreamingError) return { streaming: 'event', error_code: err.code, error: err.message };
    // An internal fault: the details go to the log, never to the client.
    this.log.error(`streaming: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    return { streaming: 'event', error_code: E.UNKNOWN, error: 'Internal error' };
  }

  // ---- synchronous requests ----

  private async synchronous(body: JsonObject): Promise<JsonObject> {
    const request = typeof body.request === 'string' ? body.request.toLowerCase() : '';
    switch (request) {
      case 'list':
        return this.list(body);
      case 'info':
        return { streaming: 'info', info: this.info(this.lookup(body), body) };
      case 'create': {
        const mp = await this.createMountpoint(body, 'api');
        const permanent = body.permanent === true;
        if (permanent) {
          try {
            this.keepPermanently(mp);
          } catch (err) {
            this.forgetPermanently(mp.id);
            void mp.close();
            this.mountpoints.delete(mp.id);
            this.log.error(`mountpoint ${mp.id} not saved: ${err instanceof Error ? err.message : String(err)}`);
            throw new StreamingError(E.UNKNOWN, `Error saving the mountpoint permanently: ${faultText(err)}`);
          }
        }
        return { streaming: 'created', created: mp.settings.name, permanent, stream: this.describeCreated(mp) };
      }
      case 'edit':
        return this.edit(body);
      case 'destroy': {
        check(body, [{ name: 'permanent', type: 'boolean' }]);
        const mp = this.lookup(body, true);
        // As in Janus: only a permanent destroy removes the mountpoint from the saved state.
        if (body.permanent === true) {
          if (!this.state) throw new StreamingError(E.UNKNOWN, "No configuration file, can't destroy mountpoint permanently");
          this.forgetPermanently(mp.id);
        }
        this.notifyAndStop(mp, 'stopped');
        void mp.close();
        this.mountpoints.delete(mp.id);
        this.log.info(`mountpoint ${mp.id} destroyed`);
        return { streaming: 'destroyed', destroyed: mp.id };
      }
      case 'enable':
      case 'disable': {
        const mp = this.lookup(body, true);
        mp.enabled = request === 'enable';
        return { streaming: 'ok' };
      }
      case 'kick_all': {
        const mp = this.lookup(body, true);
        this.notifyAndStop(mp, 'kicked_all');
        return { streaming: 'kicked_all' };
      }
      case 'recording':
        return this.recording(body);
      default:
        throw new StreamingError(E.INVALID_REQUEST, `Unknown request '${String(body.request).slice(0, 100)}'`);
    }
  }

  /** `recording` start/stop: .mjr files per stream, as Janus writes them (janus-pp-rec reads them). */
  private recording(body: JsonObject): JsonObject {
    check(body, [{ name: 'action', type: 'string', required: true }, { name: 'media', type: 'array' }]);
    requireBounded(body);
    const mp = this.lookup(body, true);
    if (mp.file) throw new StreamingError(E.INVALID_REQUEST, 'Recording is only available on RTP-based live streams');
    const action = body.action;
    if (action !== 'start' && action !== 'stop') throw new StreamingError(E.INVALID_ELEMENT, 'Invalid action (should be start|stop)');
    // Which streams, from the media array or the older per-type fields (file names when starting, booleans when stopping).
    const wanted: Array<{ stream: StreamSource; filename?: string }> = [];
    if (Array.isArray(body.media)) {
      for (const e of body.media) {
        if (!isJsonObject(e) || typeof e.mid !== 'string') continue;
        const stream = mp.streams.find((s) => s.config.mid === e.mid);
        if (!stream) throw new StreamingError(E.INVALID_ELEMENT, `No such mid '${e.mid}'`);
        if (action === 'start' && typeof e.filename !== 'string') continue;
        wanted.push({ stream, filename: e.filename as string | undefined });
      }
    } else {
      for (const kind of ['audio', 'video', 'data'] as const) {
        const v = body[kind];
        if (action === 'start' ? typeof v !== 'string' : v !== true) continue;
        const stream = mp.streams.find((s) => s.config.type === kind);
        if (stream) wanted.push({ stream, filename: typeof v === 'string' ? v : undefined });
      }
    }
    if (wanted.length === 0) throw new StreamingError(E.INVALID_REQUEST, 'Missing audio, video and/or data');
    if (action === 'stop') {
      for (const { stream } of wanted) {
        stream.recorder?.close();
        stream.recorder = undefined;
      }
      return { streaming: 'ok' };
    }
    if (wanted.some(({ stream }) => stream.recorder)) throw new StreamingError(E.INVALID_REQUEST, 'Recording for this mountpoint already in progress');
    // Every file a client names is inside the recordings folder; nothing is opened unless all names are.
    const bases = wanted.map(({ filename }) => this.recordingBase(filename as string));
    const started: MjrRecorder[] = [];
    try {
      wanted.forEach(({ stream }, i) => {
        const c = stream.config;
        const codec = c.type === 'data' ? c.datatype : (c.codec?.name ?? '');
        const recorder = new MjrRecorder(bases[i], codec, c.fmtp, (m) => this.log.warn(`mountpoint ${mp.id}: ${m}`));
        started.push(recorder);
        stream.recorder = recorder;
      });
    } catch (err) {
      for (const { stream } of wanted) stream.recorder = undefined;
      for (const r of started) r.close();
      this.log.warn(`mountpoint ${mp.id}: recording not started: ${err instanceof Error ? err.message : String(err)}`);
      throw new StreamingError(E.CANT_RECORD, `Error starting recorder: ${faultText(err)}`);
    }
    this.log.info(`mountpoint ${mp.id}: recording ${started.map((r) => r.path).join(', ')}`);
    return { streaming: 'ok' };
  }

  /** The path (without `.mjr`) a recording a client named is written to: inside the recordings folder, or 454. */
  private recordingBase(filename: string): string {
    try {
      const file = prepareFileInside(this.recordingsDir, `${filename}.mjr`);
      // A recording never replaces a file (the recorder, which opens it exclusively, would refuse it anyway).
      if (existsSync(file)) throw new StreamingError(E.CANT_RECORD, `Error starting recorder: '${filename.slice(0, 200)}.mjr' exists`);
      return file.slice(0, -'.mjr'.length);
    } catch (err) {
      if (err instanceof StreamingError) throw err;
      if (err instanceof UnsafePathError) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (filename '${filename.slice(0, 200)}' ${err.message})`);
      this.log.warn(`recording folder for '${filename.slice(0, 200)}' not made: ${err instanceof Error ? err.message : String(err)}`);
      throw new StreamingError(E.CANT_RECORD, `Error starting recorder: ${faultText(err)}`);
    }
  }

  /** A recording as info shows it: its name inside the recordings folder. */
  private recordingName(path: string): string {
    return relative(this.recordingsDir, path);
  }

  private list(body: JsonObject): JsonObject {
    // As in Janus: a (non-empty) admin_key given must be the right one; only then are private mountpoints listed.
    const given = body.admin_key;
    const tried = this.adminKey !== undefined && typeof given === 'string' && given !== '';
    if (tried) requireSecret(body, 'admin_key', this.adminKey);
    const admin = tried;
    const list: JsonObject[] = [];
    for (const mp of this.mountpoints.values()) {
      if (mp.settings.isPrivate && !admin) continue;
      const entry: JsonObject = { id: mp.id, type: mp.file?.kind === 'ondemand' ? 'on demand' : 'live', description: mp.settings.description, enabled: mp.enabled };
      if (mp.settings.metadata !== undefined) entry.metadata = mp.settings.metadata;
      entry.media = mp.streams.map((s) => {
        const m: JsonObject = { mid: s.config.mid, type: s.config.type, label: s.config.label };
        const age = s.ageMs();
        if (age !== undefined) m.age_ms = age;
        return m;
      });
      list.push(entry);
    }
    return { streaming: 'list', list };
  }

  /** The `id` of a request, a string with string_ids, a positive integer otherwise (454 when it is neither). */
  private idOf(body: JsonObject, required: boolean): MountpointId | undefined {
    const id = body.id;
    if (id === undefined || id === null) {
      if (required) throw new StreamingError(E.MISSING_ELEMENT, 'Missing mandatory element (id)');
      return undefined;
    }
    if (this.stringIds) {
      if (typeof id !== 'string' || id === '') throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element type (id should be a string)');
      if (!isStringId(id)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (id should be 1-256 characters, none of them control characters)');
      return id;
    }
    if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element type (id should be a positive integer)');
    // Janus's ids are 53-bit: a larger number is not carried exactly by JSON, so it could name another mountpoint.
    if (!isSafeId(id)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (id should be a positive integer below 2^53)');
    return id;
  }

  private lookup(body: JsonObject, needSecret = false): Mountpoint {
    const mp = this.mountpoints.get(this.idOf(body, true)!);
    if (!mp) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `No such mountpoint/stream ${String(body.id)}`);
    if (needSecret) requireSecret(body, 'secret', mp.settings.secret);
    return mp;
  }

  private info(mp: Mountpoint, body: JsonObject): JsonObject {
    const admin = mp.settings.secret === undefined || sameSecret(body.secret, mp.settings.secret);
    const out: JsonObject = { id: mp.id, description: mp.settings.description };
    if (admin) out.name = mp.settings.name;
    if (mp.settings.metadata !== undefined) out.metadata = mp.settings.metadata;
    if (admin && mp.settings.secret !== undefined) out.secret = mp.settings.secret;
    if (admin && mp.settings.pin !== undefined) out.pin = mp.settings.pin;
    if (admin && mp.settings.isPrivate) out.is_private = true;
    out.enabled = mp.enabled;
    if (admin) out.viewers = mp.viewers.size;
    out.type = mp.file?.kind === 'ondemand' ? 'on demand' : 'live';
    if (admin && mp.file) out.filename = mp.file.filename;
    if (mp.srtp) out.srtp = true;
    if (mp.rtsp) {
      out.rtsp = true;
      if (admin) out.url = mp.rtsp.url;
    }
    if (!mp.file && !mp.rtsp) Object.assign(out, rtpOptions(mp.settings));
    out.media = mp.streams.map((s, mindex) => {
      const c = s.config;
      const m: JsonObject = { mindex, type: c.type, mid: c.mid, label: c.label };
      if (c.pt !== undefined) m.pt = c.pt;
      if (c.codec) m.codec = c.codec.name;
      if (c.fmtp !== undefined) m.fmtp = c.fmtp;
      if (s.layers.length === 2) m.simulcast = true;
      if (admin && s.rtp) {
        m.port = s.rtp.port;
        if (s.layers.length === 2) {
          m.port2 = s.layers[0].port;
          m.port3 = s.layers[1].port;
        }
        if (s.rtcp) m.rtcpport = s.rtcp.port;
        if (s.rtp.requested !== undefined) out.host = s.rtp.requested;
      }
      if (c.type === 'data') m.datatype = c.datatype;
      if (c.bufferKeyframe || s.keyframes) m.bufferkf = true;
      if (c.bufferMessage) m.buffermsg = true;
      if (admin && s.recorder) m.recording = this.recordingName(s.recorder.path);
      const age = s.ageMs();
      if (age !== undefined) m.age_ms = age;
      m.packets = s.packets;
      return m;
    });
    return out;
  }

  private edit(body: JsonObject): JsonObject {
    const mp = this.lookup(body, true);
    requireBounded(body);
    check(body, [
      { name: 'new_description', type: 'string' },
      { name: 'new_metadata', type: 'string' },
      { name: 'new_secret', type: 'string' },
      { name: 'new_pin', type: 'string' },
      { name: 'new_is_private', type: 'boolean' },
      { name: 'permanent', type: 'boolean' },
      { name: 'edited_event', type: 'boolean' },
    ]);
    if (body.permanent === true && !this.state) throw new StreamingError(E.UNKNOWN, "No configuration file, can't edit mountpoint permanently");
    const s = mp.settings;
    const oldMetadata = s.metadata;
    if (typeof body.new_description === 'string' && body.new_description !== '') s.description = body.new_description;
    if (typeof body.new_metadata === 'string') s.metadata = body.new_metadata;
    if (typeof body.new_secret === 'string' && body.new_secret !== '') s.secret = body.new_secret;
    if (typeof body.new_pin === 'string') s.pin = body.new_pin === '' ? undefined : body.new_pin;
    if (typeof body.new_is_private === 'boolean') s.isPrivate = body.new_is_private;
    if (body.edited_event === true && s.metadata !== oldMetadata) {
      for (const v of mp.viewers) if (v instanceof Viewer) v.handle.pushEvent(undefined, { event: 'edited', id: mp.id, metadata: s.metadata ?? null });
    }
    const permanent = body.permanent === true;
    if (permanent) {
      try {
        this.keepPermanently(mp);
      } catch (err) {
        this.log.error(`mountpoint ${mp.id}: edit not saved: ${err instanceof Error ? err.message : String(err)}`);
        throw new StreamingError(E.UNKNOWN, `Error saving the edit permanently: ${faultText(err)}`);
      }
    }
    return { streaming: 'edited', id: mp.id, permanent };
  }

  // ---- permanent mountpoints (general.state_dir) ----

  /** Saves (or re-saves) a mountpoint in the plugin's state file, with the ports it actually got. */
  private keepPermanently(mp: Mountpoint): void {
    const state = this.state;
    if (!state) throw new StreamingError(E.UNKNOWN, "No configuration file, can't create permanent mountpoint");
    const s = mp.settings;
    const media = mp.streams.map((st) => {
      const c = st.config;
      const m: JsonObject = { type: c.type, mid: c.mid, label: c.label, port: st.rtp?.port ?? 0 };
      if (st.rtcp) m.rtcpport = st.rtcp.port;
      if (c.pt !== undefined) m.pt = c.pt;
      if (c.codecText !== undefined) m.codec = c.codecText;
      if (c.fmtp !== undefined) m.fmtp = c.fmtp;
      if (c.iface !== undefined) m.iface = c.iface;
      if (c.mcast !== undefined) m.mcast = c.mcast;
      if (c.type === 'data') m.datatype = c.datatype;
      if (c.bufferKeyframe) m.bufferkf = true;
      if (c.bufferMessage) m.buffermsg = true;
      if (st.layers.length === 2) {
        m.simulcast = true;
        m.port2 = st.layers[0].port;
        m.port3 = st.layers[1].port;
      }
      return m;
    });
    const saved: JsonObject = mp.rtsp
      ? { type: 'rtsp', id: mp.id, name: s.name, description: s.description, is_private: s.isPrivate, ...mp.rtsp.saved }
      : mp.file
      ? { type: mp.file.kind, id: mp.id, name: s.name, description: s.description, is_private: s.isPrivate, filename: mp.file.filename, audio: true, video: false, audiopt: mp.file.pt }
      : { type: 'rtp', id: mp.id, name: s.name, description: s.description, is_private: s.isPrivate, media, ...(mp.srtp ? { srtpsuite: mp.srtp.suite, srtpcrypto: mp.srtp.crypto } : {}), ...rtpOptions(s) };
    if (s.metadata !== undefined) saved.metadata = s.metadata;
    if (s.secret !== undefined) saved.secret = s.secret;
    if (s.pin !== undefined) saved.pin = s.pin;
    this.permanent.set(mp.id, saved);
    this.writeState(state);
  }

  private forgetPermanently(id: MountpointId): void {
    if (!this.permanent.delete(id) || !this.state) return;
    this.writeState(this.state);
  }

  private writeState(state: PluginStateStore): void {
    const groups: JsonObject = {};
    // Group names must be plain words in the .jcfg file; the id itself is kept inside the group.
    let n = 0;
    for (const [id, saved] of this.permanent) groups[`mountpoint-${String(id).replace(/[^A-Za-z0-9_-]/g, '_')}-${n++}`] = saved;
    state.save(groups);
    this.log.verbose(`${this.permanent.size} permanent mountpoint(s) saved to ${state.location}`);
  }

  private notifyAndStop(mp: Mountpoint, status: string): void {
    for (const v of [...mp.viewers]) {
      if (!(v instanceof Viewer)) continue;
      v.handle.pushEvent(undefined, { streaming: 'event', result: { status } });
      v.detach();
      v.handle.closePc();
    }
  }

  // ---- create ----

  private async createMountpoint(body: JsonObject, origin: Origin): Promise<Mountpoint> {
    // As in Janus, the admin key (when one is set) comes first: without it, nothing about the request is looked at.
    if (origin === 'api') requireSecret(body, 'admin_key', this.adminKey);
    if (origin !== 'config') requireBounded(body);
    check(body, [
      { name: 'type', type: 'string', required: true },
      { name: 'name', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'metadata', type: 'string' },
      { name: 'secret', type: 'string' },
      { name: 'pin', type: 'string' },
      { name: 'is_private', type: 'boolean' },
      { name: 'permanent', type: 'boolean' },
      { name: 'media', type: 'array' },
      { name: 'srtpsuite', type: 'integer' },
      { name: 'srtpcrypto', type: 'string' },
      { name: 'collision', type: 'integer' },
      { name: 'bufferkf_ms', type: 'integer' },
      { name: 'bufferkf_bytes', type: 'integer' },
      { name: 'e2ee', type: 'boolean' },
    ]);
    for (const k of ['collision', 'bufferkf_ms', 'bufferkf_bytes']) {
      if (typeof body[k] === 'number' && body[k] < 0) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (${k} should be a positive integer)`);
    }
    if (typeof body.bufferkf_ms === 'number' && body.bufferkf_ms > MAX_BUFFERKF_MS) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (bufferkf_ms should be at most ${MAX_BUFFERKF_MS})`);
    if (typeof body.bufferkf_bytes === 'number' && body.bufferkf_bytes > MAX_BUFFERKF_BYTES) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (bufferkf_bytes should be at most ${MAX_BUFFERKF_BYTES})`);
    if (body.permanent === true && !this.state) throw new StreamingError(E.UNKNOWN, "No configuration file, can't create permanent mountpoint");
    if (body.type !== 'rtp' && body.type !== 'live' && body.type !== 'ondemand' && body.type !== 'rtsp') {
      throw new StreamingError(E.INVALID_ELEMENT, `Unsupported mountpoint type '${String(body.type)}'`);
    }
    let id = this.idOf(body, false);
    if (id !== undefined) {
      if (this.mountpoints.has(id)) throw new StreamingError(E.CANT_CREATE, 'A stream with the provided ID already exists');
    } else id = this.stringIds ? randomUUID() : uniqueId((n) => this.mountpoints.has(n));
    if (body.type === 'live' || body.type === 'ondemand') return this.createFileMountpoint(body, body.type, id, origin);
    if (body.type === 'rtsp') return this.createRtspMountpoint(body, id);
    const legacy = body.media === undefined;
    const specs = legacy ? legacyStreams(body) : (body.media as unknown[]);
    if (specs.length === 0) throw new StreamingError(E.CANT_CREATE, legacy ? "Can't add 'rtp' stream, no audio, video or data have to be streamed" : "Can't add 'rtp' stream, empty media array");
    if (specs.length > MAX_MEDIA_ENTRIES) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (media: at most ${MAX_MEDIA_ENTRIES} entries)`);
    // Every entry is checked before any socket is opened.
    const parsed: ParsedStream[] = [];
    const mids = new Set<string>();
    for (const raw of specs) {
      const p = parseStream(raw, body);
      if (mids.has(p.config.mid)) throw new StreamingError(E.CANT_CREATE, `Duplicate mid '${p.config.mid}'`);
      mids.add(p.config.mid);
      parsed.push(p);
    }
    const srtp = parseSrtpSource(body);
    const mp = new Mountpoint(mountpointSettings(body, id, legacy));
    mp.srtp = srtp;
    // Reserve the id while sockets are being opened, so a concurrent create cannot take it.
    this.mountpoints.set(id, mp);
    try {
      for (const p of parsed) mp.streams.push(await this.openStream(mp, p));
      if (this.stopped) throw new StreamingError(E.UNKNOWN, 'The plugin is stopping');
    } catch (err) {
      // Nothing half-created: every socket already opened for this mountpoint is closed.
      void mp.close();
      this.mountpoints.delete(id);
      throw err;
    }
    this.log.info(`mountpoint ${id} created: ${mp.streams.map((s) => `${s.config.type} ${s.config.mid} on ${s.rtp?.address}:${s.rtp?.port}`).join(', ')}`);
    return mp;
  }

  /**
   * An `rtsp` mountpoint: Portunus connects to the camera (OPTIONS, DESCRIBE, SETUP, PLAY) and receives its RTP on
   * UDP sockets of the network layer; the first audio and the first video track are used (as `audio`/`video` ask).
   * A session lost after it played is set up again every `rtsp_reconnect_delay` seconds, on the same UDP ports;
   * with `rtsp_failcheck: false` a camera that cannot be reached at creation is tried in the background, and the
   * mountpoint's streams appear when it first answers.
   */
  private async createRtspMountpoint(body: JsonObject, id: MountpointId): Promise<Mountpoint> {
    check(body, [
      { name: 'url', type: 'string', required: true },
      { name: 'rtsp_user', type: 'string' },
      { name: 'rtsp_pwd', type: 'string' },
      { name: 'audio', type: 'boolean' },
      { name: 'video', type: 'boolean' },
      { name: 'rtspiface', type: 'string' },
      { name: 'rtsp_timeout', type: 'positive' },
      { name: 'rtsp_conn_timeout', type: 'number' },
      { name: 'rtsp_session_timeout', type: 'positive' },
      { name: 'rtsp_reconnect_delay', type: 'number' },
      { name: 'rtsp_failcheck', type: 'boolean' },
      { name: 'rtsp_quirk', type: 'boolean' },
    ]);
    for (const k of ['rtsp_conn_timeout', 'rtsp_reconnect_delay']) {
      if (typeof body[k] === 'number' && body[k] <= 0) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (${k} should be a positive number)`);
    }
    for (const k of ['rtsp_timeout', 'rtsp_conn_timeout', 'rtsp_session_timeout', 'rtsp_reconnect_delay']) {
      if (typeof body[k] === 'number' && body[k] > MAX_RTSP_SECONDS) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (${k} should be at most ${MAX_RTSP_SECONDS} seconds)`);
    }
    let url;
    try {
      url = parseRtspUrl(body.url as string);
    } catch (err) {
      throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (url): ${err instanceof Error ? err.message : String(err)}`);
    }
    const wantAudio = body.audio === true || (body.audio === undefined && body.video === undefined);
    const wantVideo = body.video === true || (body.audio === undefined && body.video === undefined);
    // Janus's options are in seconds; 0 (or absent) means the default.
    const seconds = (k: string, fallback: number): number => (typeof body[k] === 'number' && body[k] > 0 ? body[k] : fallback);
    const reconnectDelay = seconds('rtsp_reconnect_delay', 5);
    const iface = body.rtspiface as string | undefined;
    const mp = new Mountpoint(mountpointSettings(body, id, false));
    this.mountpoints.set(id, mp);
    const client: RtspClient = new RtspClient({
      // The network layer opens every connection (first, redirected, reconnected): address literals only.
      connect: (host, port) => this.network.connectTcp(`mountpoint ${id} RTSP`, host, port, seconds('rtsp_conn_timeout', 5) * 1000),
      url,
      credentials: { user: typeof body.rtsp_user === 'string' ? body.rtsp_user : url.user, password: typeof body.rtsp_pwd === 'string' ? body.rtsp_pwd : url.password },
      timeoutMs: seconds('rtsp_timeout', 10) * 1000,
      sessionTimeout: seconds('rtsp_session_timeout', 0),
      reconnectDelayMs: reconnectDelay * 1000,
      quirk: body.rtsp_quirk === true,
      select: async (offered) => {
        if (mp.streams.length === 0) {
          // First answer of the camera: open one stream per wanted track (their ports stay for reconnections).
          const chosen = [offered.find((t) => t.type === 'audio' && wantAudio), offered.find((t) => t.type === 'video' && wantVideo)].filter((t) => t !== undefined);
          if (chosen.length === 0) throw new Error('the camera offers no audio or video that was asked for');
          const configs: StreamConfig[] = chosen.map((t) => {
            const codec = t.codec ? findCodec(t.type, t.codec) : undefined;
            if (!codec) throw new Error(`unsupported ${t.type} codec '${t.codec ?? '?'}' from the camera`);
            return { type: t.type, mid: t.type === 'audio' ? 'a' : 'v', label: t.type, pt: t.pt, codec, codecText: t.codec, fmtp: t.fmtp, datatype: 'text', iface };
          });
          const opened = [];
          try {
            for (const config of configs) opened.push(await this.openStream(mp, { config, port: 0, rtcpPort: 0 }));
            if (client.closed) throw new Error('the mountpoint was destroyed');
          } catch (err) {
            for (const s of opened) s.close();
            throw err;
          }
          mp.streams.push(...opened);
        }
        // Every stream takes the camera's track of its kind, which must still carry the same codec.
        const tracks = mp.streams.map((s) => {
          const t = offered.find((o) => o.type === s.config.type);
          if (!t) throw new Error(`the camera no longer offers ${s.config.type}`);
          const codec = t.codec ? findCodec(t.type, t.codec) : undefined;
          if (codec?.name !== s.config.codec?.name) throw new Error(`the camera now offers ${t.type} '${t.codec ?? '?'}' instead of '${s.config.codec?.name ?? '?'}'`);
          return t;
        });
        return { tracks, targets: mp.streams.map((s) => ({ rtpPort: s.rtp?.port ?? 0, rtcpPort: s.rtcp?.port ?? 0 })) };
      },
      // PLIs for the camera go to the RTCP port it gave in SETUP.
      onPlaying: (playing) =>
        playing.serverRtcpPorts.forEach((port, i) => {
          if (port && mp.streams[i]) mp.streams[i].latched = { address: playing.host, port };
        }),
      onLost: (why) => this.log.warn(`mountpoint ${id}: RTSP session lost (${why}); setting it up again every ${reconnectDelay} s`),
      onRestored: (before) =>
        this.log.info(`mountpoint ${id}: RTSP session ${before ? 're-established' : 'established'}: ${mp.streams.map((s) => `${s.config.type} ${s.config.codec?.name} on port ${s.rtp?.port}`).join(', ')}`),
      onRetryFailed: (why) => this.log.verbose(`mountpoint ${id}: RTSP reconnection failed: ${why}`),
      onServerRequest: (req) => this.log.verbose(`mountpoint ${id}: the RTSP server sent ${req.method}`),
    });
    const saved: JsonObject = { url: body.url, audio: wantAudio, video: wantVideo };
    for (const k of ['rtsp_user', 'rtsp_pwd', 'rtspiface', 'rtsp_timeout', 'rtsp_conn_timeout', 'rtsp_session_timeout', 'rtsp_reconnect_delay', 'rtsp_failcheck', 'rtsp_quirk']) {
      if (body[k] !== undefined) saved[k] = body[k];
    }
    mp.rtsp = { client, url: url.clean, saved };
    try {
      await client.start();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (body.rtsp_failcheck !== false || client.closed) {
        void mp.close();
        if (this.mountpoints.get(id) === mp) this.mountpoints.delete(id);
        if (err instanceof StreamingError) throw err;
        throw new StreamingError(E.CANT_CREATE, `Can't add 'rtsp' stream: ${why}`);
      }
      this.log.warn(`mountpoint ${id}: cannot play ${url.clean} (${why}); trying again every ${reconnectDelay} s`);
      client.retryInBackground();
      return mp;
    }
    this.log.info(`mountpoint ${id} created: RTSP ${url.clean}, ${mp.streams.map((s) => `${s.config.type} ${s.config.codec?.name} on port ${s.rtp?.port}`).join(', ')}`);
    return mp;
  }

  /** A `live` or `ondemand` mountpoint: one audio stream played from a file (.alaw, .mulaw, .opus). */
  private createFileMountpoint(body: JsonObject, kind: 'live' | 'ondemand', id: MountpointId, origin: Origin): Mountpoint {
    check(body, [
      { name: 'filename', type: 'string', required: true },
      { name: 'audio', type: 'boolean' },
      { name: 'video', type: 'boolean' },
      { name: 'audiopt', type: 'integer' },
      { name: 'audiocodec', type: 'string' },
      { name: 'audiortpmap', type: 'string' },
      { name: 'audiofmtp', type: 'string' },
    ]);
    const filename = body.filename as string;
    if (filename === '' || filename.includes('../')) throw new StreamingError(E.INVALID_ELEMENT, `Invalid filename '${filename.slice(0, 200)}'`);
    // A file a client names is read inside the recordings folder only; the operator's configuration may name any.
    let path = filename;
    if (origin !== 'config') {
      try {
        path = resolveInside(this.recordingsDir, filename);
      } catch (err) {
        if (!(err instanceof UnsafePathError)) throw err;
        throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (filename '${filename.slice(0, 200)}' ${err.message})`);
      }
    }
    if (body.audio !== true || body.video === true) throw new StreamingError(E.CANT_CREATE, `Can't add '${kind}' stream: only audio files are supported (audio: true, video: false)`);
    const audio = readAudioFile(path, filename, kind);
    const codecText = typeof body.audiocodec === 'string' ? body.audiocodec : typeof body.audiortpmap === 'string' ? body.audiortpmap : undefined;
    if (codecText !== undefined && findCodec('audio', codecText)?.name !== audio.codec) {
      throw new StreamingError(E.CANT_CREATE, `Can't add '${kind}' stream: the file holds ${audio.codec}, not '${codecText}'`);
    }
    const pt = typeof body.audiopt === 'number' ? body.audiopt : audio.pt;
    if (pt < 0 || pt > 127) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (audiopt should be 0-127)');
    if (body.audiofmtp !== undefined && !isSdpText(body.audiofmtp)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (audiofmtp should be one line of at most 1024 printable characters)');
    const mp = new Mountpoint(mountpointSettings(body, id, false));
    const config: StreamConfig = {
      type: 'audio',
      mid: 'a',
      label: 'audio',
      pt,
      codec: findCodec('audio', audio.codec),
      codecText: audio.codec,
      fmtp: typeof body.audiofmtp === 'string' ? body.audiofmtp : undefined,
      datatype: 'text',
    };
    const stream = new StreamSource(config, undefined, undefined, (s, p) => mp.fanOut(s, p), (m) => this.log.warn(`mountpoint ${id}: ${m}`));
    mp.streams.push(stream);
    mp.file = { kind, filename, audio, pt };
    if (kind === 'live') {
      // One playback for everybody, running whether or not anyone listens (as a radio does).
      mp.file.player = new FilePlayer(audio, pt, (packet) => stream.ingest(packet));
      mp.file.player.start();
    }
    this.mountpoints.set(id, mp);
    this.log.info(`mountpoint ${id} created: ${kind} playback of ${filename} (${audio.codec}, ${audio.frames.length} frames)`);
    return mp;
  }

  private async openStream(mp: Mountpoint, parsed: ParsedStream): Promise<StreamSource> {
    const { config } = parsed;
    const what = `mountpoint ${mp.id} stream ${config.mid} (${config.type})`;
    const open = (port: number, rtcp: boolean) =>
      this.network.openUdp({
        what: `${what} ${rtcp ? 'RTCP' : 'RTP'}`,
        bind: rtcp ? config.iface : config.iface,
        multicast: rtcp ? undefined : config.mcast,
        port,
        portRange: this.range,
        recvBufferSize: config.type === 'video' ? 4 * 1024 * 1024 : undefined,
      });
    let rtp;
    let rtcp;
    const layers = [];
    try {
      rtp = await open(parsed.port, false);
      if (parsed.rtcpPort !== undefined) rtcp = await open(parsed.rtcpPort, true);
      for (const p of parsed.layerPorts ?? []) layers.push(await open(p, false));
    } catch (err) {
      rtp?.socket.close();
      rtcp?.socket.close();
      for (const l of layers) l.socket.close();
      if (err instanceof BindError) throw new StreamingError(E.CANT_CREATE, `Can't add 'rtp' stream, error creating data source stream: ${err.message}`);
      throw err;
    }
    const source = new StreamSource(config, rtp, rtcp, (s, p, layer) => mp.fanOut(s, p, layer), (m) => this.log.warn(`mountpoint ${mp.id}: ${m}`));
    if (mp.srtp) {
      // One SDES key both ways, as Janus uses it: media from the source, keyframe requests to it.
      source.srtp = new SrtpRtpUnprotector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, mp.srtp.key, mp.srtp.salt), mp.srtp.suite === 32 ? 4 : 10);
      source.srtcp = new SrtcpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, mp.srtp.key, mp.srtp.salt, true));
    }
    if (parsed.layerPorts) source.addLayers(layers);
    source.collisionMs = mp.settings.collision;
    const s = mp.settings;
    const isKeyframeStart = keyframeTest(config.codec?.name);
    if (config.type === 'video' && !parsed.layerPorts && isKeyframeStart && (config.bufferKeyframe || s.bufferkfMs > 0 || s.bufferkfBytes > 0)) {
      source.keyframes = new KeyframeBuffer(isKeyframeStart, { maxMs: s.bufferkfMs || 5000, maxBytes: s.bufferkfBytes || 1024 * 1024 });
    }
    if (config.type === 'data' && config.bufferMessage) source.lastMessage = new LastMessageBuffer();
    return source;
  }

  private describeCreated(mp: Mountpoint): JsonObject {
    const out: JsonObject = { id: mp.id, type: mp.file?.kind === 'ondemand' ? 'on demand' : 'live', description: mp.settings.description, is_private: mp.settings.isPrivate };
    if (mp.file) return out;
    if (mp.settings.legacy) {
      for (const s of mp.streams) {
        const k = s.config.type;
        if (!s.rtp) continue;
        if (s.rtp.requested !== undefined) out[`${k}_host`] = s.rtp.requested;
        out[`${k}_port`] = s.rtp.port;
        if (s.rtcp) out[`${k}_rtcp_port`] = s.rtcp.port;
      }
      out.warning = 'deprecated_api';
      return out;
    }
    out.ports = mp.streams.map((s) => {
      const p: JsonObject = { type: s.config.type, mid: s.config.mid };
      if (s.rtp?.requested !== undefined) p.host = s.rtp.requested;
      p.port = s.rtp?.port ?? 0;
      if (s.layers.length === 2) {
        p.port_2 = s.layers[0].port;
        p.port_3 = s.layers[1].port;
      }
      if (s.rtcp) p.rtcp_port = s.rtcp.port;
      return p;
    });
    return out;
  }

  // ---- viewers ----

  private async viewerRequest(handle: PluginHandle, request: string, message: PluginMessage): Promise<{ data: JsonObject; jsep?: PluginMessage['jsep'] }> {
    const v = this.viewers.get(handle.id);
    if (!v) throw new StreamingError(E.UNKNOWN, 'No session associated with this handle');
    const body = message.body;
    switch (request) {
      case 'watch': {
        check(body, [{ name: 'pin', type: 'string' }, { name: 'media', type: 'string-array' }, { name: 'restart', type: 'boolean' }]);
        const mp = this.mountpoints.get(this.idOf(body, true)!);
        if (!mp) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `No such mountpoint/stream ${String(body.id)}`);
        requireSecret(body, 'pin', mp.settings.pin);
        if (body.restart === true) {
          // An ICE restart of this viewer's PeerConnection: a new offer with new credentials, media carries on.
          if (v.mountpoint !== mp || (v.state !== 'started' && v.state !== 'paused')) throw new StreamingError(E.INVALID_STATE, 'Can only restart an active subscription to this mountpoint');
          const offer = await handle.restartIce().catch((err: unknown) => {
            handle.log.error(`streaming: ICE restart failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
            throw new StreamingError(E.UNKNOWN, 'Error restarting ICE');
          });
          return { data: { streaming: 'event', result: { status: 'updating' } }, jsep: mp.settings.e2ee ? { ...offer, e2ee: true } : offer };
        }
        if (v.mountpoint) throw new StreamingError(E.INVALID_STATE, `Already watching mountpoint ${v.mountpoint.id}`);
        const wanted = Array.isArray(body.media) && body.media.length > 0 ? new Set(body.media as string[]) : undefined;
        const offerAudio = body.offer_audio !== false;
        const offerVideo = body.offer_video !== false;
        const offerData = body.offer_data !== false;
        const chosen = mp.streams.filter((s) => {
          if (wanted) return wanted.has(s.config.mid);
          return s.config.type === 'audio' ? offerAudio : s.config.type === 'video' ? offerVideo : offerData;
        });
        if (chosen.length === 0) throw new StreamingError(E.INVALID_REQUEST, "Can't offer an SDP with no audio, video or data for this mountpoint");
        if (message.jsep) return this.watchWithOffer(handle, v, mp, chosen, message.jsep);
        const tracks: OfferTrack[] = chosen.map((s) => ({
          kind: s.config.type,
          mid: s.config.mid,
          codec: s.config.codec?.name,
          pt: s.config.pt,
          fmtp: s.config.fmtp,
          clockRate: s.config.codec?.clockRate,
          channels: s.config.codec?.channels,
        }));
        const offer = await handle.createOffer(tracks).catch((err: unknown) => {
          handle.log.error(`streaming: offer not created: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
          throw new StreamingError(E.UNKNOWN, 'Error creating the offer');
        });
        v.mountpoint = mp;
        v.mids = new Set(chosen.map((s) => s.config.mid));
        v.state = 'preparing';
        mp.viewers.add(v);
        return { data: { streaming: 'event', result: { status: 'preparing' } }, jsep: mp.settings.e2ee ? { ...offer, e2ee: true } : offer };
      }
      case 'start': {
        if (!v.mountpoint) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, "Can't start: no mountpoint set");
        if (v.state === 'paused') {
          v.state = 'started';
          v.player?.start();
          // The source went on while we were paused: the viewer must not see a jump in sequence numbers.
          for (const mid of v.mids) handle.restartRtp(v.outMid(mid));
          this.askKeyframe(v.mountpoint);
          return { data: { streaming: 'event', result: { status: 'started' } } };
        }
        if (v.state === 'preparing') v.state = 'starting';
        return { data: { streaming: 'event', result: { status: v.state === 'started' ? 'started' : 'starting' } } };
      }
      case 'pause':
        if (!v.mountpoint) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, "Can't pause: not watching anything");
        if (v.state === 'started') {
          v.state = 'paused';
          v.player?.pause(); // on-demand playback waits where it is, as in Janus
        }
        return { data: { streaming: 'event', result: { status: 'pausing' } } };
      case 'configure': {
        if (!v.mountpoint) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, "Can't configure: not on a mountpoint");
        // Simulcast: `substream` at the top level, or per mid in `streams`.
        const entries: JsonObject[] = Array.isArray(body.streams) ? body.streams.filter(isJsonObject) : [body];
        for (const e of entries) {
          if (e.temporal !== undefined) {
            if (typeof e.temporal !== 'number' || !Number.isInteger(e.temporal) || e.temporal < 0 || e.temporal > 2) {
              throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (temporal should be 0, 1 or 2)');
            }
            for (const stream of v.mountpoint.streams) {
              if (stream.config.type !== 'video' || stream.config.codec?.name !== 'vp8') continue;
              if (typeof e.mid === 'string' && e.mid !== stream.config.mid) continue;
              let f = v.temporal.get(stream.config.mid);
              if (!f) v.temporal.set(stream.config.mid, (f = new TemporalLayerFilter()));
              f.target = e.temporal;
            }
          }
          if (e.substream === undefined) continue;
          if (typeof e.substream !== 'number' || !Number.isInteger(e.substream) || e.substream < 0 || e.substream > 2) {
            throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (substream should be 0, 1 or 2)');
          }
          const target = e.substream;
          const mids = typeof e.mid === 'string' ? [e.mid] : [...v.mids];
          if (typeof e.mid !== 'string') v.substreamTarget = target;
          for (const mid of mids) {
            const sel = v.layers.get(mid);
            if (!sel) continue;
            sel.setTarget(target);
            // Already there: say so, as Janus does; otherwise the switch happens on the next keyframe.
            if (sel.current === target) handle.pushEvent(undefined, { streaming: 'event', result: { mid, substream: target } });
          }
          this.askKeyframe(v.mountpoint);
        }
        return { data: { streaming: 'event', result: { event: 'configured' } } };
      }
      case 'switch': {
        if (!v.mountpoint) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, "Can't switch: not on a mountpoint");
        const target = this.mountpoints.get(this.idOf(body, true)!);
        if (!target) throw new StreamingError(E.NO_SUCH_MOUNTPOINT, `No such mountpoint/stream ${String(body.id)}`);
        if (v.mountpoint.file) throw new StreamingError(E.CANT_SWITCH, "Can't switch: not on a live RTP mountpoint");
        if (target.file) throw new StreamingError(E.CANT_SWITCH, "Can't switch: target is not a live RTP mountpoint");
        // Janus lets a switch skip the target's pin; here a switch is a watch of the target and asks for it too.
        requireSecret(body, 'pin', target.settings.pin);
        v.mountpoint.viewers.delete(v);
        v.mountpoint = target;
        target.viewers.add(v);
        this.askKeyframe(target);
        return { data: { streaming: 'event', result: { switched: 'ok', id: target.id } } };
      }
      case 'stop':
      default: {
        if (!v.mountpoint) return { data: { streaming: 'event', result: { status: 'idle' } } };
        v.detach();
        setImmediate(() => handle.closePc());
        return { data: { streaming: 'event', result: { status: 'stopping' } } };
      }
    }
  }

  /**
   * Viewer-offers mode: the viewer's offer is answered (send only, the mountpoint's codecs) and its m-lines are
   * matched in order to the chosen streams of the same kind; unmatched m-lines carry nothing.
   */
  private async watchWithOffer(handle: PluginHandle, v: Viewer, mp: Mountpoint, chosen: readonly StreamSource[], offer: Jsep): Promise<{ data: JsonObject; jsep?: Jsep }> {
    if (offer.type !== 'offer') throw new StreamingError(E.INVALID_SDP, 'User provided SDP for a watch request must be an offer');
    const first = (type: string): StreamSource | undefined => chosen.find((s) => s.config.type === type);
    const answer = await handle
      .answerOffer(offer, {
        audio: first('audio') !== undefined,
        video: first('video') !== undefined,
        data: first('data') !== undefined,
        direction: 'sendonly',
        audioCodec: first('audio')?.config.codec?.name,
        videoCodec: first('video')?.config.codec?.name,
      })
      .catch((err: unknown) => {
        throw new StreamingError(E.INVALID_SDP, `Error parsing SDP: ${err instanceof Error ? err.message : String(err)}`);
      });
    const unused = [...chosen];
    for (const m of handle.negotiatedMedia()) {
      const at = unused.findIndex((s) => s.config.type === m.kind);
      if (at < 0) continue;
      v.peerMid.set(unused[at].config.mid, m.mid);
      unused.splice(at, 1);
    }
    if (v.peerMid.size === 0) {
      setImmediate(() => handle.closePc());
      throw new StreamingError(E.INVALID_SDP, 'The offer has no m-line this mountpoint can send on');
    }
    v.mountpoint = mp;
    v.mids = new Set(v.peerMid.keys());
    v.state = 'starting';
    mp.viewers.add(v);
    return { data: { streaming: 'event', result: { status: 'starting' } }, jsep: offer.e2ee || mp.settings.e2ee ? { ...answer, e2ee: true } : answer };
  }

  setupMedia(handle: PluginHandle): void {
    const v = this.viewers.get(handle.id);
    if (!v || !v.mountpoint) return;
    v.state = 'started';
    const mp = v.mountpoint;
    const file = mp.file;
    const stream = mp.streams[0];
    if (file?.kind === 'ondemand' && stream && !v.player) {
      // Every viewer of an on-demand mountpoint hears the file from its start.
      v.player = new FilePlayer(file.audio, file.pt, (packet) => {
        if (mp.enabled) v.receive(stream, packet);
      });
      v.player.start();
    }
    handle.pushEvent(undefined, { streaming: 'event', result: { status: 'started' } });
    for (const s of mp.streams) s.replayTo(v);
    this.askKeyframe(v.mountpoint);
  }

  hangupMedia(handle: PluginHandle): void {
    const v = this.viewers.get(handle.id);
    if (!v) return;
    v.detach();
  }

  incomingRtcp(_handle: PluginHandle): void {
    // Viewers' PLI/FIR: ask the source for a keyframe (rate-limited by askKeyframe).
    const v = this.viewers.get(_handle.id);
    if (v?.mountpoint) this.askKeyframe(v.mountpoint);
  }

  private lastPli = new Map<MountpointId, number>();

  /** Sends a PLI to every video source of the mountpoint that has a latched RTCP address, at most once a second. */
  private askKeyframe(mp: Mountpoint): void {
    const now = Date.now();
    if (now - (this.lastPli.get(mp.id) ?? 0) < 1000) return;
    this.lastPli.set(mp.id, now);
    for (const s of mp.streams) if (s.config.type === 'video' && s.lastSsrc !== 0) s.sendRtcp(buildPli(1, s.lastSsrc));
  }
}

interface ParsedStream {
  readonly config: StreamConfig;
  readonly port: number;
  readonly rtcpPort?: number;
  /** Simulcast video: the ports of substreams 1 and 2 (the first port carries substream 0). */
  readonly layerPorts?: readonly [number, number];
}

const STREAM_FIELDS: readonly FieldSpec[] = [
  { name: 'type', type: 'string', required: true },
  { name: 'mid', type: 'string', required: true },
  { name: 'port', type: 'integer', required: true },
  { name: 'rtcpport', type: 'integer' },
  { name: 'label', type: 'string' },
  { name: 'mcast', type: 'string' },
  { name: 'iface', type: 'string' },
  { name: 'pt', type: 'positive' },
  { name: 'codec', type: 'string' },
  { name: 'rtpmap', type: 'string' },
  { name: 'fmtp', type: 'string' },
  { name: 'datatype', type: 'string' },
  { name: 'simulcast', type: 'boolean' },
  { name: 'port2', type: 'integer' },
  { name: 'port3', type: 'integer' },
  { name: 'bufferkf', type: 'boolean' },
  { name: 'buffermsg', type: 'boolean' },
];

function parseStream(raw: unknown, top: JsonObject): ParsedStream {
  if (!isJsonObject(raw)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element type (media entries should be objects)');
  check(raw, STREAM_FIELDS);
  const type = raw.type as string;
  if (type !== 'audio' && type !== 'video' && type !== 'data') throw new StreamingError(E.INVALID_ELEMENT, `Unknown stream type '${type}'`);
  const port = raw.port as number;
  const rtcpPort = raw.rtcpport as number | undefined;
  let layerPorts: [number, number] | undefined;
  if (raw.simulcast === true) {
    if (type !== 'video') throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (simulcast is for video streams only)');
    if (raw.port2 === undefined || raw.port3 === undefined) throw new StreamingError(E.MISSING_ELEMENT, 'Missing mandatory element (port2 and port3 for simulcast)');
    layerPorts = [raw.port2 as number, raw.port3 as number];
  }
  for (const [name, p] of [['port', port], ['rtcpport', rtcpPort], ['port2', layerPorts?.[0]], ['port3', layerPorts?.[1]]] as const) {
    if (p !== undefined && !isPort(p)) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element type (${name} should be a port number 0-65535)`);
  }
  const mid = raw.mid as string;
  if (!isMid(mid)) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (mid should be 1-${MAX_MID_LENGTH} letters, digits or token characters)`);
  if (raw.pt !== undefined && !isPayloadType(raw.pt)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (pt should be a payload type 0-127)');
  if (raw.fmtp !== undefined && !isSdpText(raw.fmtp)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (fmtp should be one line of at most 1024 printable characters)');
  if (raw.label !== undefined && !isSdpText(raw.label, 256)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (label should be at most 256 printable characters)');
  let codec;
  const codecText = (raw.codec ?? raw.rtpmap) as string | undefined;
  if (type !== 'data') {
    if (raw.pt === undefined) throw new StreamingError(E.MISSING_ELEMENT, 'Missing mandatory element (pt)');
    if (codecText === undefined) throw new StreamingError(E.CANT_CREATE, `Can't add 'rtp' stream, error creating data source stream: no codec for ${type} stream ${mid}`);
    codec = findCodec(type, codecText);
    if (!codec) throw new StreamingError(E.CANT_CREATE, `Can't add 'rtp' stream, error creating data source stream: unsupported ${type} codec '${codecText}'`);
  }
  const datatypeRaw = (raw.datatype ?? top.datatype) as unknown;
  const datatype = datatypeRaw === 'binary' ? 'binary' : 'text';
  if (datatypeRaw !== undefined && datatypeRaw !== 'text' && datatypeRaw !== 'binary') throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (datatype can only be text or binary)');
  return {
    config: {
      type,
      mid,
      label: typeof raw.label === 'string' ? raw.label : type,
      pt: raw.pt as number | undefined,
      codec,
      codecText,
      fmtp: raw.fmtp as string | undefined,
      datatype,
      iface: raw.iface as string | undefined,
      mcast: raw.mcast as string | undefined,
      bufferKeyframe: type === 'video' && raw.bufferkf === true,
      // The API reads buffermsg at the top level of the request (a Janus quirk), the configuration per stream.
      bufferMessage: type === 'data' && (raw.buffermsg ?? top.buffermsg) === true,
    },
    port,
    rtcpPort,
    layerPorts,
  };
}

/** `srtpsuite` + `srtpcrypto` (SDES: base64 of the 16-byte master key and 14-byte salt), as Janus takes them. */
function parseSrtpSource(body: JsonObject): SrtpSourceSettings | undefined {
  if (body.srtpsuite === undefined && body.srtpcrypto === undefined) return undefined;
  if (body.srtpsuite === undefined || body.srtpcrypto === undefined) throw new StreamingError(E.MISSING_ELEMENT, 'Missing mandatory element (srtpsuite and srtpcrypto go together)');
  if (body.srtpsuite !== 32 && body.srtpsuite !== 80) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (srtpsuite should be 32 or 80)');
  const raw = Buffer.from(body.srtpcrypto as string, 'base64');
  if (raw.length !== 30) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (srtpcrypto should be the base64 of a 16-byte key and a 14-byte salt)');
  return { suite: body.srtpsuite, crypto: body.srtpcrypto as string, key: raw.subarray(0, 16), salt: raw.subarray(16) };
}

/** Reads and cuts a file mountpoint's audio: a regular file (not a FIFO or a device) of bounded size. */
function readAudioFile(path: string, filename: string, kind: string): AudioFrames {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new AudioFileError('not a regular file');
    if (st.size > MAX_AUDIO_FILE_BYTES) throw new AudioFileError(`larger than ${MAX_AUDIO_FILE_BYTES} bytes`);
    return audioFramesFor(filename, readFileSync(path));
  } catch (err) {
    throw new StreamingError(E.CANT_CREATE, `Can't add '${kind}' stream, cannot play '${filename.slice(0, 200)}': ${faultText(err)}`);
  }
}

/** The settings every mountpoint type shares, from a create request (or a configuration entry). */
function mountpointSettings(body: JsonObject, id: MountpointId, legacy: boolean): MountpointSettings {
  let name = typeof body.name === 'string' && body.name !== '' ? body.name : `mp-${id}`;
  if (/^\d/.test(name)) name = `mp-${name}`;
  return {
    id,
    name,
    description: typeof body.description === 'string' ? body.description : name,
    metadata: typeof body.metadata === 'string' ? body.metadata : undefined,
    secret: typeof body.secret === 'string' ? body.secret : undefined,
    pin: typeof body.pin === 'string' ? body.pin : undefined,
    isPrivate: body.is_private === true,
    legacy,
    collision: typeof body.collision === 'number' ? body.collision : 0,
    bufferkfMs: typeof body.bufferkf_ms === 'number' ? body.bufferkf_ms : 0,
    bufferkfBytes: typeof body.bufferkf_bytes === 'number' ? body.bufferkf_bytes : 0,
    e2ee: body.e2ee === true,
  };
}

/** The mountpoint-level `rtp` options that differ from their defaults, as info shows and saving keeps them. */
function rtpOptions(s: MountpointSettings): JsonObject {
  const out: JsonObject = {};
  if (s.collision > 0) out.collision = s.collision;
  if (s.bufferkfMs > 0) out.bufferkf_ms = s.bufferkfMs;
  if (s.bufferkfBytes > 0) out.bufferkf_bytes = s.bufferkfBytes;
  if (s.e2ee) out.e2ee = true;
  return out;
}

/** The deprecated single-stream fields (audio/audioport/…), as janode sends them, as a media array. */
function legacyStreams(body: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const kinds: Array<['audio' | 'video' | 'data', string]> = [
    ['audio', 'a'],
    ['video', 'v'],
    ['data', 'd'],
  ];
  for (const [kind, mid] of kinds) {
    if (body[kind] !== true) continue;
    const s: JsonObject = { type: kind, mid, label: kind };
    const get = (k: string): unknown => body[`${kind}${k}`];
    if (get('port') === undefined) throw new StreamingError(E.MISSING_ELEMENT, `Missing mandatory element (${kind}port)`);
    s.port = get('port');
    if (get('rtcpport') !== undefined) s.rtcpport = get('rtcpport');
    if (get('mcast') !== undefined) s.mcast = get('mcast');
    if (get('iface') !== undefined) s.iface = get('iface');
    if (kind !== 'data') {
      if (get('pt') === undefined) throw new StreamingError(E.MISSING_ELEMENT, `Missing mandatory element (${kind}pt)`);
      s.pt = get('pt');
      s.codec = get('codec') ?? get('rtpmap');
      if (get('fmtp') !== undefined) s.fmtp = get('fmtp');
    }
    if (kind === 'video' && body.videobufferkf === true) s.bufferkf = true;
    if (kind === 'data' && body.databuffermsg === true) s.buffermsg = true;
    if (kind === 'video' && body.videosimulcast === true) {
      s.simulcast = true;
      s.port2 = body.videoport2;
      s.port3 = body.videoport3;
    }
    out.push(s);
  }
  return out;
}
