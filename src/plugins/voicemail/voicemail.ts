// janus.plugin.voicemail: a client's offer is answered recvonly, Opus only; its audio goes into an Ogg Opus file
// for ten seconds (or until `stop`), then the client gets the file's URL and the handle ends, as with Janus.
import { mkdirSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import type { JsonObject, MediaTrackInfo, Plugin, PluginContext, PluginHandle, PluginMessage, PluginResult } from '../../plugin-api/index.js';
import { PluginSessions } from '../../plugin-api/index.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { PluginError } from '../../plugin-api/plugin-error.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { requestsFor, type PluginReply, type RequestCall, type RequestTable } from '../../plugin-api/request-table.js';
import { rtpPayloadOffset } from '../../rtp/packet-check.js';
import { errorText } from '../../logging/error-text.js';
import { HandlerEvents } from '../handler-events.js';
import { generalSettings } from '../plugin-settings.js';
import { OggOpusWriter } from '../../audio/ogg-opus-writer.js';
import { messageEvent } from './handler-events.js';

export const E = {
  NO_MESSAGE: 460,
  INVALID_JSON: 461,
  INVALID_REQUEST: 462,
  MISSING_ELEMENT: 463,
  INVALID_ELEMENT: 464,
  ALREADY_RECORDING: 465,
  IO_ERROR: 466,
  LIBOGG_ERROR: 467,
  INVALID_STATE: 468,
  UNKNOWN_ERROR: 499,
} as const;

/** How long a message may be, as Janus's. */
export const MAX_MESSAGE_MS = 10_000;
/** Samples per Opus packet at 48 kHz as Janus counts them (20 ms). */
const SAMPLES_PER_PACKET = 960;
const MAX_RANDOM_ID = 2 ** 48;

class VoiceMailSession {
  readonly id = randomInt(1, MAX_RANDOM_ID);
  file: OggOpusWriter | undefined;
  startedAt = 0;
  started = false;
  stopping = false;
  destroyed = false;
  /** The first sequence number and the unwrapped count since: a packet's granule position. */
  private firstSeq = -1;
  private lastSeq = 0;
  private unwrapped = 0;

  constructor(readonly handle: PluginHandle) {}

  granuleOf(seq: number): bigint {
    if (this.firstSeq < 0) {
      this.firstSeq = this.lastSeq = seq;
      this.unwrapped = 0;
    } else {
      const step = ((seq - this.lastSeq + 0x8000) & 0xffff) - 0x8000;
      this.unwrapped += step;
      this.lastSeq = seq;
    }
    return BigInt(SAMPLES_PER_PACKET * (Math.max(0, this.unwrapped) + 1));
  }

  closeFile(): void {
    this.file?.close();
    this.file = undefined;
    this.started = false;
    this.firstSeq = -1;
  }
}

type Session = VoiceMailSession | undefined;

export class VoiceMailPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.voicemail',
    name: 'JANUS VoiceMail plugin',
    author: 'Portunus',
    description: 'This is a plugin implementing a very simple VoiceMail service for Janus, recording Opus streams.',
    version: 7,
    versionString: '0.0.7',
    apiVersion: PLUGIN_API_VERSION,
  };
  private folder = 'recordings';
  private base = '/recordings/';
  private events = HandlerEvents.NONE;
  private readonly requests = new PluginRequests<Session>({
    plugin: 'voicemail',
    codes: { invalidJson: E.INVALID_JSON, missingElement: E.MISSING_ELEMENT, invalidElement: E.INVALID_ELEMENT, unknownRequest: E.INVALID_REQUEST, internal: E.UNKNOWN_ERROR },
    anyCase: true,
    table: this.table(),
  });
  private readonly sessions = new PluginSessions<VoiceMailSession>(this.requests);

  /** `now` in ms: a test gives its own clock. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  init(context: PluginContext): void {
    const general = generalSettings(context.config);
    const path = typeof general.path === 'string' ? general.path.trim() : '';
    this.folder = path !== '' ? (isAbsolute(path) ? path : resolve(path)) : context.recordingsDir;
    if (typeof general.base === 'string' && general.base !== '') this.base = general.base;
    this.events = HandlerEvents.of(context, 'voicemail');
    mkdirSync(this.folder, { recursive: true });
    context.log.info(`voicemail: messages in ${this.folder}, given as ${this.base}`);
  }

  destroy(): void {
    this.sessions.endAll((s) => s.closeFile());
  }

  createSession(handle: PluginHandle): void {
    this.sessions.add(handle, new VoiceMailSession(handle));
  }

  destroySession(handle: PluginHandle): void {
    this.sessions.end(handle, (s) => s.closeFile());
  }

  querySession(handle: PluginHandle): JsonObject {
    const s = this.sessions.get(handle.id);
    if (!s) return {};
    const out: JsonObject = { state: s.file ? 'recording' : 'idle' };
    if (s.file) {
      out.id = s.id;
      out.start_time = s.startedAt;
      out.filename = s.file.path;
    }
    out.hangingup = 0;
    out.destroyed = s.destroyed ? 1 : 0;
    return out;
  }

  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    return this.sessions.handle(handle, message);
  }

  setupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (!s || s.destroyed) return;
    // Recording starts with the media, as Janus's does.
    s.startedAt = this.now();
    s.started = true;
    handle.pushEvent(undefined, { voicemail: 'event', status: 'started' });
  }

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    const s = this.sessions.get(handle.id);
    if (!s || !s.started || s.stopping || !s.file || track.kind !== 'audio') return;
    if (this.now() - s.startedAt >= MAX_MESSAGE_MS) {
      // Ten seconds: as if the client had sent `stop`.
      s.started = false;
      this.requests.inQueue(handle, () => {
        const reply = this.stop(s);
        handle.pushEvent(undefined, reply.data);
        this.endLater(s);
      });
      return;
    }
    const at = rtpPayloadOffset(packet);
    if (typeof at !== 'number' || at >= packet.length) return;
    try {
      s.file.write(packet.subarray(at), s.granuleOf(packet.readUInt16BE(2)));
    } catch (err) {
      handle.log.warn(`voicemail: writing ${s.file.path} failed, the message ends here: ${errorText(err)}`);
      s.closeFile();
    }
  }

  hangupMedia(handle: PluginHandle): void {
    this.sessions.get(handle.id)?.closeFile();
  }

  private table(): RequestTable<Session> {
    const on = requestsFor<Session>();
    const own = (call: RequestCall<Session>): VoiceMailSession => {
      if (!call.session) throw new PluginError(E.UNKNOWN_ERROR, 'No session associated with this handle');
      return call.session;
    };
    return {
      record: on.ack({}, (call) => this.record(own(call), call)),
      update: on.ack({}, async (call) => {
        const s = own(call);
        if (!s.file || !s.started) throw new PluginError(E.INVALID_STATE, 'Invalid state (not recording)');
        return this.withAnswer(call, { voicemail: 'event', status: 'updating' });
      }),
      stop: on.ack({}, (call) => {
        const s = own(call);
        // Pushed here, so that the handle ends only once `done` is out.
        call.handle.pushEvent(call.transaction, this.stop(s).data);
        this.endLater(s);
        return undefined;
      }),
    };
  }

  private async record(s: VoiceMailSession, call: RequestCall<Session>): Promise<PluginReply> {
    if (s.file) throw new PluginError(E.ALREADY_RECORDING, 'Already recording');
    if (call.jsep?.e2ee === true) throw new PluginError(E.INVALID_ELEMENT, 'Media encryption unsupported by this plugin');
    try {
      s.file = new OggOpusWriter(join(this.folder, `janus-voicemail-${s.id}.opus`));
    } catch (err) {
      call.handle.log.error(`voicemail: cannot open the message file: ${errorText(err)}`);
      throw new PluginError(E.IO_ERROR, "Couldn't open output file");
    }
    const reply = await this.withAnswer(call, { voicemail: 'event', status: s.started ? 'started' : 'starting' });
    messageEvent(this.events, s.handle, 'starting');
    return reply;
  }

  /** The event, with the answer to the request's offer when it has one (audio only, Opus, recvonly). */
  private async withAnswer(call: RequestCall<Session>, data: JsonObject): Promise<PluginReply> {
    const jsep = call.jsep;
    if (!jsep) return { data };
    if (jsep.type !== 'offer') throw new PluginError(E.INVALID_ELEMENT, 'Only offers are answered');
    try {
      const answer = await call.handle.answerOffer(jsep, { audio: true, video: false, data: false, direction: 'recvonly', audioCodec: 'opus' });
      return { data, jsep: answer };
    } catch (err) {
      call.session?.closeFile();
      throw new PluginError(E.INVALID_ELEMENT, `Error answering the offer: ${errorText(err)}`);
    }
  }

  /** Closes the message (`stop`, or ten seconds of it); the `done` event with its URL. */
  private stop(s: VoiceMailSession): PluginReply {
    s.stopping = true;
    s.closeFile();
    messageEvent(this.events, s.handle, 'done');
    const slash = this.base.endsWith('/') ? '' : '/';
    return { data: { voicemail: 'event', status: 'done', recording: `${this.base}${slash}janus-voicemail-${s.id}.opus` } };
  }

  /** After `done` is out, the handle ends (Janus ends the plugin session). */
  private endLater(s: VoiceMailSession): void {
    setImmediate(() => {
      if (!s.destroyed) s.handle.end();
    });
  }
}
