// janus.plugin.echotest: each handle's media and data come straight back to the same peer. The reference plugin
// of the kit (docs/plugin-api.md): one request, checked by its field rules, answered in the handle's queue.
import type { Plugin, PluginContext, PluginHandle, PluginMessage, PluginResult } from '../../plugin-api/plugin.js';
import type { MediaTrackInfo } from '../../plugin-api/media-types.js';
import type { JsonObject } from '../../core/validate.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { PluginError } from '../../plugin-api/plugin-error.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { requestsFor, type PluginReply, type RequestCall, type BodyOf } from '../../plugin-api/request-table.js';
import { prepareFileInside, resolveInside, UnsafePathError } from '../safe-path.js';
import { keyframeTest } from '../rtp/keyframe.js';
import { parseRtpHeader } from '../rtp/rtp-header.js';
import { TemporalLayerFilter } from '../rtp/temporal-layer-filter.js';
import { parseVp9Descriptor, Vp9LayerFilter } from '../rtp/vp9-svc.js';
import { SimulcastSelector } from '../rtp/simulcast-selector.js';
import { MjrRecorder, type RecordedKind } from '../rtp/mjr-recorder.js';

/** The error codes the EchoTest sends (Janus's numbering); docs/errors.md lists them. */
export const E = {
  INVALID_JSON: 412,
  /** A field missing, mistyped or out of range; also a recording file name outside the recordings folder. */
  INVALID_ELEMENT: 413,
  /** An offer that cannot be answered; also what an internal fault is answered with. */
  INVALID_SDP: 414,
} as const;

/** The one request: every member is optional, but one of them (or a jsep) must be there. */
const FIELDS = {
  audio: 'boolean',
  video: 'boolean',
  data: 'boolean',
  bitrate: 'positive',
  record: 'boolean',
  filename: 'string',
  substream: 'positive',
  temporal: 'positive',
  fallback: 'positive',
  svc: 'boolean',
  spatial_layer: 'positive',
  temporal_layer: 'positive',
  audiocodec: 'string',
  videocodec: 'string',
  videoprofile: 'string',
  opusred: 'boolean',
  min_delay: 'integer',
  max_delay: 'integer',
  keyframe: 'boolean',
} as const;
type EchoBody = BodyOf<typeof FIELDS>;
const KNOWN = new Set(Object.keys(FIELDS));
const LAYER_FIELDS = ['substream', 'temporal', 'spatial_layer', 'temporal_layer'] as const;

/** Text echoed on a data channel gets this prefix, as in Janus. */
export const DATA_PREFIX = 'Janus EchoTest here! You wrote: ';

/** Per-handle echo state. */
class EchoSession {
  audioActive = true;
  videoActive = true;
  dataActive = true;
  bitrate = 0;
  substream = 2;
  temporal = 2;
  audioCodec: string | undefined;
  videoCodec: string | undefined;
  slowlinkCount = 0;
  /** The sender simulcasts (its offer has rids): one layer at a time is echoed, chosen by `layers`. */
  simulcast = false;
  layers: SimulcastSelector;
  /** VP8 temporal layers echoed (`temporal`); in use once a `temporal` was asked. */
  temporalFilter: TemporalLayerFilter | undefined;
  /** VP9 SVC layers echoed (`spatial_layer`, `temporal_layer`); in use once one was asked. */
  svcFilter: Vp9LayerFilter | undefined;
  /** When a keyframe was last asked for on the filter's behalf (a request can get lost: ask again). */
  svcKeyframeAskedAt = 0;
  destroyed = false;
  /**
   * While recording: the base file name (relative to `folder`, checked to stay inside it) and one .mjr per kind
   * (audio, video, data).
   */
  recording: { folder: string; base: string; files: Map<RecordedKind, MjrRecorder>; failed: Set<RecordedKind> } | undefined;
  constructor(readonly handle: PluginHandle) {
    this.layers = this.newSelector();
  }

  /** Closes every file now (on disk when this returns). */
  stopRecording(): void {
    for (const r of this.recording?.files.values() ?? []) r.close();
    this.recording = undefined;
  }

  /** Writes a packet to the recording of its kind, opening that file on its first packet. */
  record(kind: RecordedKind, codec: string | undefined, packet: Buffer): void {
    const rec = this.recording;
    if (!rec || rec.failed.has(kind)) return;
    let file = rec.files.get(kind);
    if (!file) {
      try {
        if (!codec) throw new Error('the negotiated codec is not known');
        // Checked again now that the file is made: a link may have appeared in the folder since `record`.
        const path = prepareFileInside(rec.folder, `${rec.base}-${kind}.mjr`);
        file = new MjrRecorder(path.slice(0, -'.mjr'.length), codec, undefined, (m) => this.handle.log.warn(`echotest: ${m}`));
        rec.files.set(kind, file);
      } catch (err) {
        rec.failed.add(kind);
        this.handle.log.warn(`echotest: cannot record ${kind}: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
    file.write(packet);
  }

  newSelector(): SimulcastSelector {
    return new SimulcastSelector(() => this.handle.requestKeyframe('*'));
  }

  resetCall(): void {
    this.audioActive = true;
    this.videoActive = true;
    this.dataActive = true;
    this.bitrate = 0;
    this.substream = 2;
    this.temporal = 2;
    this.audioCodec = undefined;
    this.videoCodec = undefined;
    this.simulcast = false;
    this.layers = this.newSelector();
    this.temporalFilter = undefined;
    this.svcFilter = undefined;
    this.stopRecording();
  }
}

export class EchoTestPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.echotest',
    name: 'JANUS EchoTest plugin',
    author: 'Portunus',
    description: 'This is a trivial EchoTest plugin for Janus, just used to showcase the plugin interface.',
    version: 7,
    versionString: '0.0.7',
    apiVersion: PLUGIN_API_VERSION,
  };
  private readonly sessions = new Map<number, EchoSession>();
  /** Where recordings go: every `filename` a client gives is resolved inside this folder. */
  private recordingsDir = 'recordings';
  private readonly requests = new PluginRequests<EchoSession>({
    plugin: 'echotest',
    codes: { invalidJson: E.INVALID_JSON, missingElement: E.INVALID_ELEMENT, invalidElement: E.INVALID_ELEMENT, unknownRequest: E.INVALID_ELEMENT, internal: E.INVALID_SDP },
    // Every request is answered asynchronously, as Janus's EchoTest does.
    only: requestsFor<EchoSession>().ack(FIELDS, (call) => this.process(call), "I'm taking my time!"),
  });

  init(context: PluginContext): void {
    this.recordingsDir = context.recordingsDir;
  }

  /** Closes every recording now (a stop leaves whole files); settles once they are flushed. */
  destroy(): void {
    for (const s of this.sessions.values()) {
      s.destroyed = true;
      s.stopRecording();
    }
    this.sessions.clear();
    this.requests.dropAll();
  }

  createSession(handle: PluginHandle): void {
    this.sessions.set(handle.id, new EchoSession(handle));
  }

  destroySession(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (s) {
      s.destroyed = true;
      s.stopRecording();
    }
    this.sessions.delete(handle.id);
    this.requests.drop(handle.id);
  }

  querySession(handle: PluginHandle): JsonObject {
    const s = this.sessions.get(handle.id);
    if (!s) return {};
    const out: JsonObject = {
      audio_active: s.audioActive,
      video_active: s.videoActive,
      bitrate: s.bitrate,
      slowlink_count: s.slowlinkCount,
      destroyed: s.destroyed,
    };
    if (s.audioCodec) out.audio_codec = s.audioCodec;
    if (s.videoCodec) out.video_codec = s.videoCodec;
    if (s.recording) {
      const files: JsonObject = {};
      for (const [kind, r] of s.recording.files) files[kind] = r.path;
      out.recording = files;
    }
    if (s.simulcast) {
      out.simulcast = true;
      out['substream-target'] = s.substream;
      out.substream = s.layers.current;
      out['temporal-layer-target'] = s.temporal;
    }
    return out;
  }

  handleAdminMessage(request: JsonObject): JsonObject {
    return request;
  }

  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult {
    const s = this.sessions.get(handle.id);
    if (!s) return { kind: 'error', reason: 'No session associated with this handle' };
    return this.requests.ack(s, handle, message);
  }

  /** The request, once its fields have the right types; run in the handle's queue, after the earlier ones. */
  private async process(call: RequestCall<EchoSession, EchoBody>): Promise<PluginReply | undefined> {
    const { session: s, handle, body, jsep } = call;
    for (const f of LAYER_FIELDS) {
      const v = body[f];
      if (typeof v === 'number' && v > 2) throw new PluginError(E.INVALID_ELEMENT, `Invalid element (${f} should be 0, 1 or 2)`);
    }
    if (!jsep && !Object.keys(body).some((k) => KNOWN.has(k))) {
      throw new PluginError(E.INVALID_ELEMENT, 'Message error: no supported attributes found');
    }
    if (body.record === true && !s.recording) {
      // Files are opened when the first packet of each kind arrives (its codec is known then), inside the
      // recordings folder whatever the name says.
      const base = typeof body.filename === 'string' && body.filename !== '' ? body.filename : `echotest-${handle.id}-${Date.now()}`;
      try {
        for (const kind of ['audio', 'video', 'data']) resolveInside(this.recordingsDir, `${base}-${kind}.mjr`);
      } catch (err) {
        if (!(err instanceof UnsafePathError)) throw err;
        throw new PluginError(E.INVALID_ELEMENT, `Invalid element (filename '${base.slice(0, 200)}' ${err.message})`);
      }
      s.recording = { folder: this.recordingsDir, base, files: new Map(), failed: new Set() };
      handle.log.info(`echotest: recording to ${s.recording.base}-{audio,video,data}.mjr in ${this.recordingsDir}`);
    } else if (body.record === false) {
      s.stopRecording();
    }

    if (typeof body.audio === 'boolean') s.audioActive = body.audio;
    if (typeof body.video === 'boolean') {
      const wasOff = !s.videoActive;
      s.videoActive = body.video;
      if (wasOff && s.videoActive) this.askKeyframes(s);
    }
    if (typeof body.data === 'boolean') s.dataActive = body.data;
    if (typeof body.bitrate === 'number') {
      s.bitrate = body.bitrate;
      handle.sendRemb(s.bitrate === 0 ? 10_000_000 : s.bitrate);
    }
    if (typeof body.substream === 'number') {
      s.substream = body.substream;
      s.layers.setTarget(s.substream);
      this.askKeyframes(s);
      handle.pushEvent(undefined, { echotest: 'event', videocodec: s.videoCodec ?? 'vp8', substream: s.substream });
    }
    if (typeof body.temporal === 'number') {
      s.temporal = body.temporal;
      s.temporalFilter ??= new TemporalLayerFilter();
      s.temporalFilter.target = s.temporal;
      handle.pushEvent(undefined, { echotest: 'event', videocodec: s.videoCodec ?? 'vp8', temporal: s.temporal });
    }
    if (typeof body.spatial_layer === 'number' || typeof body.temporal_layer === 'number') {
      const f = (s.svcFilter ??= new Vp9LayerFilter());
      if (typeof body.spatial_layer === 'number') f.targetSpatial = body.spatial_layer;
      if (typeof body.temporal_layer === 'number') f.targetTemporal = body.temporal_layer;
      // A higher spatial layer can only be picked up at a keyframe.
      if (f.waitingForKeyframe) this.askKeyframes(s);
    }
    if (body.keyframe === true) this.askKeyframes(s);
    if (typeof body.audiocodec === 'string') s.audioCodec = body.audiocodec;
    if (typeof body.videocodec === 'string') s.videoCodec = body.videocodec;

    const result: JsonObject = { echotest: 'event', result: 'ok' };
    if (!jsep) return { data: result };
    if (jsep.type !== 'offer') throw new PluginError(E.INVALID_SDP, 'Error parsing offer: the EchoTest only answers offers');
    s.simulcast = (jsep.simulcast?.length ?? 0) > 0;
    s.layers = s.newSelector();
    s.layers.setTarget(s.substream);
    let answer;
    try {
      answer = await handle.answerOffer(jsep, {
        audio: true,
        video: true,
        data: true,
        direction: 'sendrecv',
        audioCodec: s.audioCodec,
        videoCodec: s.videoCodec,
      });
    } catch (err) {
      throw new PluginError(E.INVALID_SDP, `Error parsing offer: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { data: result, jsep: jsep.e2ee ? { ...answer, e2ee: true } : answer };
  }

  private askKeyframes(s: EchoSession): void {
    // The media layer knows the video mids; asking with '*' reaches each of them.
    s.handle.requestKeyframe('*');
  }

  setupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (s) handle.log.verbose('echotest: WebRTC media is up');
  }

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    const s = this.sessions.get(handle.id);
    if (!s) return;
    if (track.kind === 'audio' ? !s.audioActive : !s.videoActive) return;
    if (track.substream !== undefined) {
      // Simulcast: echo one layer, switching on a keyframe of the new one so the decoder never breaks.
      s.simulcast = true;
      const h = parseRtpHeader(packet);
      if (!h) return;
      const isKeyframe = keyframeTest(track.codec);
      const before = s.layers.current;
      const pass = s.layers.accept(track.substream, isKeyframe ? isKeyframe(packet.subarray(h.headerLength)) : true);
      if (s.layers.current !== before) {
        handle.log.verbose(`echotest: echoing simulcast layer ${s.layers.current} (rid ${track.rid ?? '?'})`);
        handle.pushEvent(undefined, { echotest: 'event', videocodec: track.codec ?? 'vp8', substream: s.layers.current });
      }
      if (!pass) return;
    }
    const svc = s.svcFilter;
    if (svc && track.kind === 'video' && track.codec === 'vp9') {
      const h = parseRtpHeader(packet);
      const d = h ? parseVp9Descriptor(packet.subarray(h.headerLength)) : undefined;
      if (d) {
        // Going up a spatial layer waits for a keyframe; keep asking, once a second, until one comes.
        if (svc.waitingForKeyframe && performance.now() - s.svcKeyframeAskedAt > 1000) {
          s.svcKeyframeAskedAt = performance.now();
          this.askKeyframes(s);
        }
        const before = [svc.spatial, svc.temporal];
        const decision = svc.decide(d);
        if (svc.spatial !== before[0]) handle.pushEvent(undefined, { echotest: 'event', videocodec: 'vp9', spatial_layer: svc.spatial });
        if (svc.temporal !== before[1]) handle.pushEvent(undefined, { echotest: 'event', videocodec: 'vp9', temporal_layer: svc.temporal });
        if (decision === 'drop') {
          handle.skipRtp(track.mid);
          return;
        }
        if (decision === 'pass-and-mark') packet[1] |= 0x80; // the echoed buffer is ours alone
      }
    }
    const filter = s.temporalFilter;
    // The echoed buffer is ours alone: pictures are renumbered in place.
    if (filter && track.kind === 'video' && track.codec === 'vp8' && !filter.filterPacket(packet, 'in-place')) {
      handle.skipRtp(track.mid);
      return;
    }
    s.record(track.kind, track.codec, packet);
    handle.relayRtp(track.mid, packet);
  }

  incomingRtcp(handle: PluginHandle, track: MediaTrackInfo | undefined, packet: Buffer): void {
    if (track) handle.relayRtcp(track.mid, packet);
  }

  incomingData(handle: PluginHandle, label: string, data: Buffer | string): void {
    const s = this.sessions.get(handle.id);
    if (!s || !s.dataActive) return;
    s.record('data', typeof data === 'string' ? 'text' : 'binary', typeof data === 'string' ? Buffer.from(data) : data);
    if (typeof data === 'string') handle.relayData(DATA_PREFIX + data, label);
    else handle.relayData(data, label);
  }

  slowLink(handle: PluginHandle, uplink: boolean, video: boolean): void {
    const s = this.sessions.get(handle.id);
    if (!s || uplink) return;
    s.slowlinkCount++;
    handle.pushEvent(undefined, { echotest: 'event', event: 'slow_link', media: video ? 'video' : 'audio' });
  }

  hangupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (!s || s.destroyed) return;
    s.resetCall();
    handle.pushEvent(undefined, { echotest: 'event', result: 'done' });
  }
}
