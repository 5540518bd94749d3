// The data of type 64 events as Janus's plugins build it for their notify_event calls (janus_audiobridge.c,
// janus_textroom.c, janus_streaming.c, janus_videocall.c, janus_recordplay.c, janus_nosip.c, janus_voicemail.c):
// per plugin, per event name, each member and its type; a member not listed is a problem, a `?` one may be absent.
type Obj = Record<string, unknown>;

/** `id`: a room, participant or mountpoint id (an integer, or a string with string_ids); a list: one of these strings. */
type Kind = 'id' | 'str' | 'int' | 'bool' | 'obj' | readonly string[];
type Shape = Readonly<Record<string, Kind>>;

/** Where the event's name is: `event` mostly; Janus names a few by another member. */
const NAME_KEYS = ['event', 'status', 'textroom', 'audiobridge'] as const;

const ROOM: Shape = { room: 'id' };
const ROOM_USER: Shape = { room: 'id', id: 'id' };
const MOUNTPOINT: Shape = { id: 'id' };
const RECORDING_ID: Shape = { id: 'int' };
const MEDIA: Shape = { id: 'int', audio: 'bool', video: 'bool', data: 'bool' };

const SHAPES: Readonly<Record<string, Readonly<Record<string, Shape>>>> = {
  'janus.plugin.audiobridge': {
    created: ROOM,
    edited: ROOM,
    destroyed: ROOM,
    mute_room: ROOM,
    unmute_room: ROOM,
    mute: ROOM_USER,
    unmute: ROOM_USER,
    kicked: ROOM_USER,
    kicked_all: ROOM_USER,
    suspended: ROOM_USER,
    resumed: ROOM_USER,
    joined: { ...ROOM_USER, 'display?': 'str', 'setup?': 'bool', muted: 'bool', 'spatial_position?': 'int', 'suspended?': 'bool' },
    configured: { ...ROOM_USER, 'display?': 'str', muted: 'bool', 'bitrate?': 'int', quality: 'int', 'spatial_position?': 'int', 'suspended?': 'bool' },
    left: { ...ROOM_USER, 'display?': 'str' },
    'announcement-started': { room: 'id', file_id: 'str' },
    'announcement-stopped': { room: 'id', file_id: 'str' },
    recordingdone: { room: 'id', record_file: 'str' },
    talking: ROOM_USER,
    'stopped-talking': ROOM_USER,
  },
  'janus.plugin.textroom': {
    created: ROOM,
    edited: ROOM,
    destroyed: ROOM,
    join: { room: 'id', username: 'str', 'display?': 'str' },
    leave: { room: 'id', username: 'str' },
    kicked: { room: 'id', username: 'str' },
  },
  'janus.plugin.streaming': {
    created: { id: 'id', type: ['live', 'on demand'] },
    edited: MOUNTPOINT,
    destroyed: MOUNTPOINT,
    kicked_all: MOUNTPOINT,
    'rtsp-disconnected': MOUNTPOINT,
    'rtsp-reconnected': MOUNTPOINT,
    starting: { 'id?': 'id' },
    started: { 'id?': 'id' },
    pausing: { 'id?': 'id' },
    switching: MOUNTPOINT,
    stopping: { 'id?': 'id' },
  },
  'janus.plugin.videocall': {
    registered: { username: 'str' },
    calling: {},
    accepted: {},
    hangup: { reason: ['User busy', 'Explicit hangup', 'Remote hangup', 'Remote WebRTC hangup'] },
    configured: { audio_active: 'bool', video_active: 'bool', bitrate: 'int', 'recording?': 'obj' },
  },
  'janus.plugin.recordplay': {
    recording: MEDIA,
    playout: MEDIA,
    playing: RECORDING_ID,
    stopped: RECORDING_ID,
    paused: RECORDING_ID,
    resumed: RECORDING_ID,
  },
  'janus.plugin.nosip': {
    generated: { type: ['offer', 'answer'], sdp: 'str', unique_id: 'str' },
    processed: { type: ['offer', 'answer'], sdp: 'str', unique_id: 'str' },
    rtp_forward: { stream_id: 'int', type: ['audio', 'video', 'peer_audio', 'peer_video'], host: 'str', port: 'int', media: ['audio', 'video'], 'pt?': 'int', 'ssrc?': 'int', 'srtp?': 'bool' },
    stop_rtp_forward: { stream_id: 'int' },
  },
  'janus.plugin.voicemail': {
    starting: {},
    done: {},
  },
};

function fits(v: unknown, kind: Kind): boolean {
  if (typeof kind !== 'string') return typeof v === 'string' && kind.includes(v);
  switch (kind) {
    case 'id':
      return typeof v === 'string' || (Number.isInteger(v) && (v as number) >= 0);
    case 'str':
      return typeof v === 'string';
    case 'int':
      return Number.isInteger(v) && (v as number) >= 0;
    case 'bool':
      return typeof v === 'boolean';
    default:
      return typeof v === 'object' && v !== null && !Array.isArray(v);
  }
}

/** What is wrong with the `data` of a plugin event (empty for plugins not listed here). */
export function pluginDataProblems(plugin: string, data: Obj): string[] {
  const events = SHAPES[plugin];
  if (!events) return [];
  const nameKey = NAME_KEYS.find((k) => typeof data[k] === 'string');
  const name = nameKey === undefined ? undefined : (data[nameKey] as string);
  const shape = name === undefined ? undefined : events[name];
  if (nameKey === undefined || !shape) return [`${plugin}: an event Janus's plugin does not send: ${JSON.stringify(data).slice(0, 200)}`];
  const out: string[] = [];
  const where = `${plugin} ${name}`;
  const allowed = new Set<string>([nameKey]);
  for (const [spec, kind] of Object.entries(shape)) {
    const optional = spec.endsWith('?');
    const key = optional ? spec.slice(0, -1) : spec;
    allowed.add(key);
    if (!(key in data)) {
      if (!optional) out.push(`${where}: ${key} missing`);
    } else if (!fits(data[key], kind)) out.push(`${where}: ${key} should be ${typeof kind === 'string' ? kind : `one of ${kind.join('|')}`}, got ${JSON.stringify(data[key])}`);
  }
  for (const k of Object.keys(data)) if (!allowed.has(k)) out.push(`${where}: unexpected member ${k}`);
  return out;
}
