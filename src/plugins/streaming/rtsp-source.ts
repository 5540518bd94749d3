// An `rtsp` mountpoint: a camera's RTSP session (rtsp-client.ts) whose RTP arrives on UDP sockets of the network layer.
import type { JsonObject } from '../plugin.js';
import { findCodec } from './codecs.js';
import { MAX_RTSP_SECONDS } from './guards.js';
import type { Mountpoint, MountpointId } from './mountpoint.js';
import type { StreamConfig } from './stream-source.js';
import { mountpointSettings } from './mountpoint-settings.js';
import { openStream } from './rtp-source.js';
import { RtspClient } from './rtsp-client.js';
import { rtspConnection } from './handler-events.js';
import { parseRtspUrl } from './rtsp-protocol.js';
import { check, E, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';
import { errorText } from '../../logging/error-text.js';

/**
 * An `rtsp` mountpoint: Portunus connects to the camera (OPTIONS, DESCRIBE, SETUP, PLAY) and receives its RTP on
 * UDP sockets of the network layer; the first audio and the first video track are used (as `audio`/`video` ask).
 * A session lost after it played is set up again every `rtsp_reconnect_delay` seconds, on the same UDP ports;
 * with `rtsp_failcheck: false` a camera that cannot be reached at creation is tried in the background, and the
 * mountpoint's streams appear when it first answers.
 */
export async function createRtspMountpoint(state: StreamingState, body: JsonObject, id: MountpointId): Promise<Mountpoint> {
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
    throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (url): ${errorText(err)}`);
  }
  const wantAudio = body.audio === true || (body.audio === undefined && body.video === undefined);
  const wantVideo = body.video === true || (body.audio === undefined && body.video === undefined);
  // Janus's options are in seconds; 0 (or absent) means the default.
  const seconds = (k: string, fallback: number): number => (typeof body[k] === 'number' && body[k] > 0 ? body[k] : fallback);
  const reconnectDelay = seconds('rtsp_reconnect_delay', 5);
  const iface = body.rtspiface as string | undefined;
  const mp = state.newMountpoint(mountpointSettings(body, id, false));
  state.mountpoints.set(id, mp);
  const client: RtspClient = new RtspClient({
    // The network layer opens every connection (first, redirected, reconnected): address literals only.
    connect: (host, port) => state.network.connectTcp(`mountpoint ${id} RTSP`, host, port, seconds('rtsp_conn_timeout', 5) * 1000),
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
          for (const config of configs) opened.push(await openStream(state, mp, { config, port: 0, rtcpPort: 0 }));
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
    onLost: (why) => {
      state.log.warn(`mountpoint ${id}: RTSP session lost (${why}); setting it up again every ${reconnectDelay} s`);
      rtspConnection(state, 'rtsp-disconnected', id);
    },
    onRestored: (before) => {
      state.log.info(
        `mountpoint ${id}: RTSP session ${before ? 're-established' : 'established'}: ${mp.streams.map((s) => `${s.config.type} ${s.config.codec?.name} on port ${s.rtp?.port}`).join(', ')}`,
      );
      // Janus's reconnection loop says so each time it is streaming again.
      rtspConnection(state, 'rtsp-reconnected', id);
    },
    onRetryFailed: (why) => state.log.verbose(`mountpoint ${id}: RTSP reconnection failed: ${why}`),
    onServerRequest: (req) => state.log.verbose(`mountpoint ${id}: the RTSP server sent ${req.method}`),
  });
  const saved: JsonObject = { url: body.url, audio: wantAudio, video: wantVideo };
  for (const k of ['rtsp_user', 'rtsp_pwd', 'rtspiface', 'rtsp_timeout', 'rtsp_conn_timeout', 'rtsp_session_timeout', 'rtsp_reconnect_delay', 'rtsp_failcheck', 'rtsp_quirk']) {
    if (body[k] !== undefined) saved[k] = body[k];
  }
  mp.rtsp = { client, url: url.clean, saved };
  try {
    await client.start();
  } catch (err) {
    const why = errorText(err);
    if (body.rtsp_failcheck !== false || client.closed) {
      void mp.close();
      if (state.mountpoints.get(id) === mp) state.mountpoints.delete(id);
      if (err instanceof StreamingError) throw err;
      throw new StreamingError(E.CANT_CREATE, `Can't add 'rtsp' stream: ${why}`);
    }
    state.log.warn(`mountpoint ${id}: cannot play ${url.clean} (${why}); trying again every ${reconnectDelay} s`);
    client.retryInBackground();
    return mp;
  }
  state.log.info(`mountpoint ${id} created: RTSP ${url.clean}, ${mp.streams.map((s) => `${s.config.type} ${s.config.codec?.name} on port ${s.rtp?.port}`).join(', ')}`);
  return mp;
}
