// Forwarding a room's mix: rtp_forward, stop_rtp_forward and listforwarders (Janus's fields; the admin_key is
// needed too when lock_rtp_forward is set).
import { PluginError, randomUint32, type JsonObject } from '../../plugin-api/index.js';
import { errorText } from '../../logging/error-text.js';
import { resolveHost } from '../forward-host.js';
import { parseSrtp, protectorFor } from '../srtp-settings.js';
import { isAudioCodec, staticPayloadType } from './audio-codec.js';
import type { AudioBridgeState } from './audiobridge-state.js';
import { E } from './audiobridge-error.js';
import { MixForwarder } from './mix-forwarder.js';
import { DEFAULT_COMPLEXITY } from '../../audio/opus-codec.js';
import { checkFields, checkRoomSecret, findRoom, roomId } from './request-checks.js';
import type { AudioRoom } from './room.js';

const ELEMENT_CODES = { invalid: E.INVALID_ELEMENT, missing: E.MISSING_ELEMENT };
/** Janus's payload type for a forwarded Opus mix when none is given. */
const DEFAULT_OPUS_PT = 100;

export async function rtpForward(state: AudioBridgeState, body: JsonObject): Promise<JsonObject> {
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'group', type: 'string' },
    { name: 'ssrc', type: 'positive' },
    { name: 'codec', type: 'string' },
    { name: 'ptype', type: 'positive' },
    { name: 'port', type: 'positive', required: true },
    { name: 'host', type: 'string', required: true },
    { name: 'host_family', type: 'string' },
    { name: 'srtp_suite', type: 'positive' },
    { name: 'srtp_crypto', type: 'string' },
    { name: 'always_on', type: 'boolean' },
  ]);
  const room = findRoom(state, roomId(state, body));
  checkRoomSecret(state, room, body, state.options.lockRtpForward);
  const f = await startForwarder(state, room, body);
  const reply: JsonObject = { audiobridge: 'success', room: room.id };
  if (f.target.group !== undefined) reply.group = f.target.group;
  return { ...reply, stream_id: f.id, host: body.host as string, port: f.target.port };
}

/** Checks a forwarder's fields and starts it (also for a configured room's `rtp_forward_*`). */
export async function startForwarder(state: AudioBridgeState, room: AudioRoom, body: JsonObject): Promise<MixForwarder> {
  const port = body.port as number;
  if (port < 1 || port > 65535) throw new PluginError(E.INVALID_ELEMENT, `Invalid element (port should be 1 to 65535)`);
  const codec = body.codec ?? 'opus';
  if (!isAudioCodec(codec)) throw new PluginError(E.INVALID_ELEMENT, `Unsupported codec (${typeof codec === 'string' ? codec.slice(0, 50) : typeof codec})`);
  const group = typeof body.group === 'string' ? body.group : undefined;
  if (group !== undefined && !room.settings.groups.includes(group)) throw new PluginError(E.NO_SUCH_GROUP, `No such group (${group})`);
  const srtp = protectorFor(parseSrtp(body, ELEMENT_CODES));
  const host = await resolveHost(state.network, body.host as string, body.host_family ?? undefined, ELEMENT_CODES);
  let id = typeof body.stream_id === 'number' && body.stream_id > 0 ? body.stream_id : randomUint32();
  while (room.forwarders.has(id)) id = randomUint32();
  let socket;
  try {
    room.forwardSocket ??= state.network.openUdp({ what: `AudioBridge room ${room.id} forwarders` });
    socket = await room.forwardSocket;
  } catch (err) {
    room.forwardSocket = undefined;
    throw new PluginError(E.UNKNOWN_ERROR, `Could not open UDP socket for RTP forwarder: ${errorText(err)}`);
  }
  const ptype = codec === 'opus' ? (typeof body.ptype === 'number' ? body.ptype : DEFAULT_OPUS_PT) : (staticPayloadType(codec) as number);
  const forwarder = new MixForwarder(
    id,
    socket,
    { host, port, ssrc: typeof body.ssrc === 'number' ? body.ssrc : id, ptype, codec, group, alwaysOn: body.always_on === true, srtp },
    { codec, bitrate: room.settings.defaultBitrate, complexity: DEFAULT_COMPLEXITY, fec: room.settings.defaultExpectedLoss > 0, expectedLoss: room.settings.defaultExpectedLoss },
  );
  room.forwarders.set(id, forwarder);
  state.wake();
  state.log.verbose(`audiobridge: room ${room.id} forwards its mix to ${host}:${port} (${codec}, stream ${id})`);
  return forwarder;
}

export function stopRtpForward(state: AudioBridgeState, body: JsonObject): JsonObject {
  checkFields(body, [
    { name: 'secret', type: 'string' },
    { name: 'stream_id', type: 'positive', required: true },
  ]);
  const room = findRoom(state, roomId(state, body));
  checkRoomSecret(state, room, body, state.options.lockRtpForward);
  const id = body.stream_id as number;
  // An unknown stream id is no error, as in Janus.
  room.forwarders.get(id)?.close();
  room.forwarders.delete(id);
  return { audiobridge: 'success', room: room.id, stream_id: id };
}

export function listForwarders(state: AudioBridgeState, body: JsonObject): JsonObject {
  checkFields(body, [{ name: 'secret', type: 'string' }]);
  const room = findRoom(state, roomId(state, body));
  checkRoomSecret(state, room, body);
  return { audiobridge: 'forwarders', room: room.id, rtp_forwarders: [...room.forwarders.values()].map((f) => f.describe()) };
}
