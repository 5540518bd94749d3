// Permanent mountpoints (`permanent: true`): what is saved for each in the plugin's state (general.state_dir),
// so that it is created again at the next start.
import type { JsonObject, PluginStateStore } from '../plugin.js';
import type { Mountpoint, MountpointId } from './mountpoint.js';
import { rtpOptions } from './mountpoint-settings.js';
import { E, StreamingError } from './streaming-error.js';
import type { StreamingState } from './streaming-state.js';

/** Saves (or re-saves) a mountpoint in the plugin's state file, with the ports it actually got. */
export function keepPermanently(state: StreamingState, mp: Mountpoint): void {
  const store = state.store;
  if (!store) throw new StreamingError(E.UNKNOWN, "No configuration file, can't create permanent mountpoint");
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
  const saved: JsonObject = mp.webrtc
    ? { type: 'webrtc', id: mp.id, name: s.name, description: s.description, is_private: s.isPrivate }
    : mp.rtsp
      ? { type: 'rtsp', id: mp.id, name: s.name, description: s.description, is_private: s.isPrivate, ...mp.rtsp.saved }
      : mp.file
        ? { type: mp.file.kind, id: mp.id, name: s.name, description: s.description, is_private: s.isPrivate, filename: mp.file.filename, audio: true, video: false, audiopt: mp.file.pt }
        : {
            type: 'rtp',
            id: mp.id,
            name: s.name,
            description: s.description,
            is_private: s.isPrivate,
            media,
            ...(mp.srtp ? { srtpsuite: mp.srtp.suite, srtpcrypto: mp.srtp.crypto } : {}),
            ...rtpOptions(s),
          };
  if (s.metadata !== undefined) saved.metadata = s.metadata;
  if (s.secret !== undefined) saved.secret = s.secret;
  if (s.pin !== undefined) saved.pin = s.pin;
  state.permanent.set(mp.id, saved);
  writeState(state, store);
}

/** Takes a mountpoint out of the saved state (when it was in it). */
export function forgetPermanently(state: StreamingState, id: MountpointId): void {
  if (!state.permanent.delete(id) || !state.store) return;
  writeState(state, state.store);
}

function writeState(state: StreamingState, store: PluginStateStore): void {
  const groups: JsonObject = {};
  // Group names must be plain words in the .jcfg file; the id itself is kept inside the group.
  let n = 0;
  for (const [id, saved] of state.permanent) groups[`mountpoint-${String(id).replace(/[^A-Za-z0-9_-]/g, '_')}-${n++}`] = saved;
  store.save(groups);
  state.log.verbose(`${state.permanent.size} permanent mountpoint(s) saved to ${store.location}`);
}
