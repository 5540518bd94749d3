// An `rtp` mountpoint: streams received on UDP sockets of the network layer (plain RTP, or SRTP with an SDES key),
// and the opening of one stream's sockets, which an `rtsp` mountpoint uses too.
import { BindError } from '../../plugin-api/index.js';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../rtp/srtp/srtp-keys.js';
import { SrtcpProtector } from '../../rtp/srtp/srtcp-protector.js';
import { SrtpRtpUnprotector } from '../../rtp/srtp/srtp-unprotector.js';
import type { JsonObject } from '../plugin.js';
import { MAX_MEDIA_ENTRIES } from './guards.js';
import { addJoinBuffers } from './join-buffer.js';
import type { Mountpoint, MountpointId } from './mountpoint.js';
import { StreamSource } from './stream-source.js';
import { mountpointSettings } from './mountpoint-settings.js';
import { legacyStreams, parseSrtpSource, parseStream, type ParsedStream } from './rtp-stream-spec.js';
import { E, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';

/** Creates an `rtp` mountpoint (its id already checked and free) with every stream's sockets open, or nothing. */
export async function createRtpMountpoint(state: StreamingState, body: JsonObject, id: MountpointId): Promise<Mountpoint> {
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
  const mp = state.newMountpoint(mountpointSettings(body, id, legacy));
  mp.srtp = srtp;
  // Reserve the id while sockets are being opened, so a concurrent create cannot take it.
  state.mountpoints.set(id, mp);
  try {
    for (const p of parsed) mp.streams.push(await openStream(state, mp, p));
    if (state.stopped) throw new StreamingError(E.UNKNOWN, 'The plugin is stopping');
  } catch (err) {
    // Nothing half-created: every socket already opened for this mountpoint is closed.
    void mp.close();
    state.mountpoints.delete(id);
    throw err;
  }
  state.log.info(`mountpoint ${id} created: ${mp.streams.map((s) => `${s.config.type} ${s.config.mid} on ${s.rtp?.address}:${s.rtp?.port}`).join(', ')}`);
  return mp;
}

/** Opens the sockets of one stream of a mountpoint (RTP, RTCP, simulcast layers) and the source that reads them. */
export async function openStream(state: StreamingState, mp: Mountpoint, parsed: ParsedStream): Promise<StreamSource> {
  const { config } = parsed;
  const what = `mountpoint ${mp.id} stream ${config.mid} (${config.type})`;
  const open = (port: number, rtcp: boolean) =>
    state.network.openUdp({
      what: `${what} ${rtcp ? 'RTCP' : 'RTP'}`,
      bind: rtcp ? config.iface : config.iface,
      multicast: rtcp ? undefined : config.mcast,
      port,
      portRange: state.range,
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
    void rtp?.close();
    void rtcp?.close();
    for (const l of layers) void l.close();
    if (err instanceof BindError) throw new StreamingError(E.CANT_CREATE, `Can't add 'rtp' stream, error creating data source stream: ${err.message}`);
    throw err;
  }
  const source = new StreamSource(
    config,
    rtp,
    rtcp,
    (s, p) => mp.fanOut(s, p),
    (m) => state.log.warn(`mountpoint ${mp.id}: ${m}`),
  );
  if (mp.srtp) {
    // One SDES key both ways, as Janus uses it: media from the source, keyframe requests to it.
    source.srtp = new SrtpRtpUnprotector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, mp.srtp.key, mp.srtp.salt), mp.srtp.suite === 32 ? 4 : 10);
    source.srtcp = new SrtcpProtector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, mp.srtp.key, mp.srtp.salt, true));
  }
  if (parsed.layerPorts) source.addLayers(layers);
  source.collisionMs = mp.settings.collision;
  addJoinBuffers(source, mp.settings, parsed.layerPorts !== undefined);
  return source;
}
