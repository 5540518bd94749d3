// janus.plugin.echotest: each handle's media and data come straight back to the same peer. The reference plugin
// of the kit (docs/plugin-api.md): one request, checked by its field rules, answered in the handle's queue.
import type { JsonObject, MediaTrackInfo, Plugin, PluginContext, PluginHandle, PluginMessage, PluginResult } from '../../plugin-api/index.js';
import { PluginSessions } from '../../plugin-api/index.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { PluginError } from '../../plugin-api/plugin-error.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { requestsFor, type PluginReply, type RequestCall, type BodyOf } from '../../plugin-api/request-table.js';
import { errorText } from '../../logging/error-text.js';
import { HandlerEvents } from '../handler-events.js';
import { resolveInside, UnsafePathError } from '../safe-path.js';
import { KindRecording } from '../mjr/kind-recording.js';
import { EchoSession } from './echo-session.js';

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
  /** Where recordings go: every `filename` a client gives is resolved inside this folder. */
  private recordingsDir = 'recordings';
  /** The event handlers, with the plugin's `events` setting (as Janus's). */
  private events = HandlerEvents.NONE;
  private readonly requests = new PluginRequests<EchoSession>({
    plugin: 'echotest',
    codes: { invalidJson: E.INVALID_JSON, missingElement: E.INVALID_ELEMENT, invalidElement: E.INVALID_ELEMENT, unknownRequest: E.INVALID_ELEMENT, internal: E.INVALID_SDP },
    // Every request is answered asynchronously, as Janus's EchoTest does.
    only: requestsFor<EchoSession>().ack(FIELDS, (call) => this.process(call), "I'm taking my time!"),
  });
  private readonly sessions = new PluginSessions<EchoSession>(this.requests);

  init(context: PluginContext): void {
    this.recordingsDir = context.recordingsDir;
    this.events = HandlerEvents.of(context, 'echotest');
  }

  /** Closes every recording now (a stop leaves whole files); settles once they are flushed. */
  destroy(): void {
    this.sessions.endAll((s) => s.stopRecording());
  }

  createSession(handle: PluginHandle): void {
    this.sessions.add(handle, new EchoSession(handle));
  }

  destroySession(handle: PluginHandle): void {
    this.sessions.end(handle, (s) => s.stopRecording());
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
    if (s.recording) out.recording = s.recording.paths();
    if (s.simulcast) {
      out.simulcast = true;
      out['substream-target'] = s.forwarder.substreamTarget;
      out.substream = s.forwarder.substream;
      out['temporal-layer-target'] = s.forwarder.temporalTarget;
    }
    return out;
  }

  handleAdminMessage(request: JsonObject): JsonObject {
    return request;
  }

  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult {
    // Answered at once (an ack): one request, queued.
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
      s.recording = new KindRecording(this.recordingsDir, base, handle.log, 'echotest');
      handle.log.info(`echotest: recording to ${s.recording.base}-{audio,video,data}.mjr in ${this.recordingsDir}`);
    } else if (body.record === false) {
      s.stopRecording();
    }

    if (typeof body.audio === 'boolean') s.audioActive = body.audio;
    if (typeof body.video === 'boolean') {
      const wasOff = !s.videoActive;
      s.videoActive = body.video;
      if (wasOff && s.videoActive) s.askKeyframe();
    }
    if (typeof body.data === 'boolean') s.dataActive = body.data;
    if (typeof body.bitrate === 'number') {
      s.bitrate = body.bitrate;
      handle.sendRemb(s.bitrate === 0 ? 10_000_000 : s.bitrate);
    }
    if (typeof body.substream === 'number') {
      s.forwarder.setSubstream(body.substream);
      s.askKeyframe();
      handle.pushEvent(undefined, { echotest: 'event', videocodec: s.videoCodec ?? 'vp8', substream: body.substream });
    }
    if (typeof body.temporal === 'number') {
      s.forwarder.setTemporal(body.temporal);
      handle.pushEvent(undefined, { echotest: 'event', videocodec: s.videoCodec ?? 'vp8', temporal: body.temporal });
    }
    const spatial = typeof body.spatial_layer === 'number' ? body.spatial_layer : undefined;
    const temporal = typeof body.temporal_layer === 'number' ? body.temporal_layer : undefined;
    if (spatial !== undefined || temporal !== undefined) {
      s.forwarder.setSvc(spatial, temporal);
      // A higher spatial layer can only be picked up at a keyframe.
      if (s.forwarder.waitingForKeyframe) s.askKeyframe();
    }
    if (body.keyframe === true) s.askKeyframe();
    if (typeof body.audiocodec === 'string') s.audioCodec = body.audiocodec;
    if (typeof body.videocodec === 'string') s.videoCodec = body.videocodec;

    const result: JsonObject = { echotest: 'event', result: 'ok' };
    if (!jsep) {
      this.notifyState(s, handle);
      return { data: result };
    }
    if (jsep.type !== 'offer') throw new PluginError(E.INVALID_SDP, 'Error parsing offer: the EchoTest only answers offers');
    s.simulcast = (jsep.simulcast?.length ?? 0) > 0;
    s.forwarder.resetSubstream();
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
      throw new PluginError(E.INVALID_SDP, `Error parsing offer: ${errorText(err)}`);
    }
    this.notifyState(s, handle);
    return { data: result, jsep: jsep.e2ee ? { ...answer, e2ee: true } : answer };
  }

  /** After each request, as Janus's EchoTest: what is echoed now, the bitrate cap, layers and recordings. */
  private notifyState(s: EchoSession, handle: PluginHandle): void {
    this.events.send(() => {
      const info: JsonObject = { audio_active: s.audioActive, video_active: s.videoActive, bitrate: s.bitrate };
      if (s.simulcast) info.simulcast = { substream: s.forwarder.substream, 'temporal-layer': s.forwarder.temporalTarget };
      if (s.recording) info.recording = s.recording.paths();
      return info;
    }, handle);
  }

  setupMedia(handle: PluginHandle): void {
    if (this.sessions.has(handle.id)) handle.log.verbose('echotest: WebRTC media is up');
  }

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    const s = this.sessions.get(handle.id);
    if (!s) return;
    if (track.kind === 'audio') {
      if (s.audioActive) s.echo(track, packet);
    } else if (s.videoActive) s.echoVideo(track, packet);
  }

  incomingRtcp(handle: PluginHandle, track: MediaTrackInfo | undefined, packet: Buffer): void {
    if (track) handle.relayRtcp(track.mid, packet);
  }

  incomingData(handle: PluginHandle, label: string, data: Buffer | string): void {
    const s = this.sessions.get(handle.id);
    if (!s || !s.dataActive) return;
    if (s.recording) s.record('data', typeof data === 'string' ? 'text' : 'binary', typeof data === 'string' ? Buffer.from(data) : data);
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
