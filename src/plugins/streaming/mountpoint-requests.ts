// The requests that manage mountpoints: list, info, create, edit, destroy, enable/disable and kick_all
// (recording is in recording-requests.ts).
import { sameSecret } from '../../plugin-api/index.js';
import type { JsonObject, PluginHandle } from '../plugin.js';
import type { Mountpoint } from './mountpoint.js';
import { createMountpoint } from './mountpoint-create.js';
import { rtpOptions } from './mountpoint-settings.js';
import { forgetPermanently, keepPermanently } from './permanent-mountpoints.js';
import { recordingName } from './recording-requests.js';
import { check, E, faultText, requireBounded, requireSecret, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';
import { stopViewers, Viewer } from './viewer.js';
import { mountpointChanged, mountpointCreated } from './handler-events.js';
import { errorText } from '../../logging/error-text.js';

export function listRequest(state: StreamingState, body: JsonObject): JsonObject {
  // As in Janus: a (non-empty) admin_key given must be the right one; only then are private mountpoints listed.
  const given = body.admin_key;
  const tried = state.adminKey !== undefined && typeof given === 'string' && given !== '';
  if (tried) requireSecret(body, 'admin_key', state.adminKey);
  const admin = tried;
  const list: JsonObject[] = [];
  for (const mp of state.mountpoints.values()) {
    if (mp.settings.isPrivate && !admin) continue;
    const entry: JsonObject = { id: mp.id, type: mp.file?.kind === 'ondemand' ? 'on demand' : 'live', description: mp.settings.description, enabled: mp.enabled };
    if (mp.settings.metadata !== undefined) entry.metadata = mp.settings.metadata;
    // In a cluster (not in Janus): the node with the source.
    if (state.span) entry.node = mp.remote?.node ?? state.span.node;
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

export function infoRequest(state: StreamingState, body: JsonObject): JsonObject {
  return { streaming: 'info', info: describe(state, state.lookup(body), body) };
}

/** A mountpoint as info shows it: everything to whoever gives its secret (or when it has none), less to others. */
function describe(state: StreamingState, mp: Mountpoint, body: JsonObject): JsonObject {
  const admin = mp.settings.secret === undefined || sameSecret(body.secret, mp.settings.secret);
  const out: JsonObject = { id: mp.id, description: mp.settings.description };
  if (admin) out.name = mp.settings.name;
  if (mp.settings.metadata !== undefined) out.metadata = mp.settings.metadata;
  if (admin && mp.settings.secret !== undefined) out.secret = mp.settings.secret;
  if (admin && mp.settings.pin !== undefined) out.pin = mp.settings.pin;
  if (admin && mp.settings.isPrivate) out.is_private = true;
  out.enabled = mp.enabled;
  if (admin) out.viewers = mp.viewerCount;
  out.type = mp.file?.kind === 'ondemand' ? 'on demand' : 'live';
  if (admin && mp.file) out.filename = mp.file.filename;
  if (mp.srtp) out.srtp = true;
  if (state.span) {
    // In a cluster (not in Janus): the node with the source, and the nodes it is sent to from here.
    out.node = mp.remote?.node ?? state.span.node;
    if (admin && !mp.remote) {
      out.feeding = state.span.fedNodes(mp.id);
      out.feeding_srtp = state.span.fedNodes(mp.id, true);
    }
  }
  if (mp.rtsp) {
    out.rtsp = true;
    if (admin) out.url = mp.rtsp.url;
  }
  if (mp.webrtc) {
    out.webrtc = true;
    out.publishing = mp.webrtc.publisher !== undefined;
  } else if (!mp.file && !mp.rtsp) Object.assign(out, rtpOptions(mp.settings));
  out.media = mp.streams.map((s, mindex) => {
    const c = s.config;
    const m: JsonObject = { mindex, type: c.type, mid: c.mid, label: c.label };
    if (c.pt !== undefined) m.pt = c.pt;
    if (c.codec) m.codec = c.codec.name;
    if (c.fmtp !== undefined) m.fmtp = c.fmtp;
    if (s.simulcast) m.simulcast = true;
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
    if (admin && s.recorder) m.recording = recordingName(state, s.recorder.path);
    const age = s.ageMs();
    if (age !== undefined) m.age_ms = age;
    m.packets = s.packets;
    return m;
  });
  return out;
}

export async function createRequest(state: StreamingState, body: JsonObject, by?: PluginHandle): Promise<JsonObject> {
  const mp = await createMountpoint(state, body, 'api');
  const permanent = body.permanent === true;
  if (permanent) {
    try {
      keepPermanently(state, mp);
    } catch (err) {
      forgetPermanently(state, mp.id);
      void mp.close();
      state.mountpoints.delete(mp.id);
      state.log.error(`mountpoint ${mp.id} not saved: ${errorText(err)}`);
      throw new StreamingError(E.UNKNOWN, `Error saving the mountpoint permanently: ${faultText(err)}`);
    }
  }
  mountpointCreated(state, mp, by);
  state.span?.share(mp);
  return { streaming: 'created', created: mp.settings.name, permanent, stream: describeCreated(mp) };
}

/** What a create answers: the ports the sources must send to (in the deprecated shape when it was asked so). */
function describeCreated(mp: Mountpoint): JsonObject {
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

export function editRequest(state: StreamingState, body: JsonObject, by?: PluginHandle): JsonObject {
  const mp = state.lookup(body, true);
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
  if (body.permanent === true && !state.store) throw new StreamingError(E.UNKNOWN, "No configuration file, can't edit mountpoint permanently");
  const s = mp.settings;
  const oldMetadata = s.metadata;
  if (typeof body.new_description === 'string' && body.new_description !== '') s.description = body.new_description;
  if (typeof body.new_metadata === 'string') s.metadata = body.new_metadata;
  if (typeof body.new_secret === 'string' && body.new_secret !== '') s.secret = body.new_secret;
  if (typeof body.new_pin === 'string') s.pin = body.new_pin === '' ? undefined : body.new_pin;
  if (typeof body.new_is_private === 'boolean') s.isPrivate = body.new_is_private;
  if (body.edited_event === true && s.metadata !== oldMetadata) {
    tellEdited(mp);
    state.span?.tellEdited(mp);
  }
  const permanent = body.permanent === true;
  if (permanent) {
    try {
      keepPermanently(state, mp);
    } catch (err) {
      state.log.error(`mountpoint ${mp.id}: edit not saved: ${errorText(err)}`);
      throw new StreamingError(E.UNKNOWN, `Error saving the edit permanently: ${faultText(err)}`);
    }
  }
  mountpointChanged(state, 'edited', mp.id, by);
  state.span?.changed(mp);
  return { streaming: 'edited', id: mp.id, permanent };
}

/** The viewers here hear that the mountpoint's metadata changed (`edit` with `edited_event`). */
export function tellEdited(mp: Mountpoint): void {
  for (const v of mp.viewers) if (v instanceof Viewer) v.handle.pushEvent(undefined, { event: 'edited', id: mp.id, metadata: mp.settings.metadata ?? null });
}

export function destroyRequest(state: StreamingState, body: JsonObject, by?: PluginHandle): JsonObject {
  check(body, [{ name: 'permanent', type: 'boolean' }]);
  const mp = state.lookup(body, true);
  // As in Janus: only a permanent destroy removes the mountpoint from the saved state.
  if (body.permanent === true) {
    if (!state.store) throw new StreamingError(E.UNKNOWN, "No configuration file, can't destroy mountpoint permanently");
    forgetPermanently(state, mp.id);
  }
  removeMountpoint(state, mp, by);
  return { streaming: 'destroyed', destroyed: mp.id };
}

/** A mountpoint destroyed (a request, or its WebRTC publisher gone): viewers told `stopped`, sources closed. */
export function removeMountpoint(state: StreamingState, mp: Mountpoint, by: PluginHandle | undefined): void {
  stopViewers(mp, 'stopped');
  void mp.close();
  state.mountpoints.delete(mp.id);
  state.span?.removed(mp);
  state.log.info(`mountpoint ${mp.id} destroyed`);
  mountpointChanged(state, 'destroyed', mp.id, by);
}

/** `enable` and `disable`: a disabled mountpoint keeps its viewers but sends them nothing. */
export function enableRequest(state: StreamingState, body: JsonObject): JsonObject {
  return setEnabled(state, body, true);
}

export function disableRequest(state: StreamingState, body: JsonObject): JsonObject {
  return setEnabled(state, body, false);
}

function setEnabled(state: StreamingState, body: JsonObject, enabled: boolean): JsonObject {
  const mp = state.lookup(body, true);
  mp.enabled = enabled;
  state.span?.changed(mp);
  return { streaming: 'ok' };
}

export function kickAllRequest(state: StreamingState, body: JsonObject, by?: PluginHandle): JsonObject {
  const mp = state.lookup(body, true);
  stopViewers(mp, 'kicked_all');
  state.span?.kickedAll(mp);
  mountpointChanged(state, 'kicked_all', mp.id, by);
  return { streaming: 'kicked_all' };
}
