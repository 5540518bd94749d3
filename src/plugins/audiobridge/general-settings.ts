// The `general` settings of janus.plugin.audiobridge (its .jcfg file, or [audiobridge] in ours); groups named
// `room-<id>` are rooms, which the plugin reads itself.
import { setting, type SettingGroup } from '../../plugin-api/index.js';

export const AUDIOBRIDGE_SETTINGS: SettingGroup = {
  admin_key: setting('', 'create over the API needs this admin_key; empty = anyone may'),
  lock_rtp_forward: setting(false, 'rtp_forward needs the admin_key too (when one is set)'),
  lock_play_file: setting(false, 'play_file needs the admin_key too (when one is set)'),
  string_ids: setting(false, 'room and participant ids are strings rather than numbers'),
  record_tmp_ext: setting('', 'a .wav recording is written under this extra extension and renamed when done'),
  local_ip: setting('', 'the address plain-RTP participants send to (default: the host address the network layer picks)'),
  rtp_port_range: setting('10000-60000', 'local ports for plain-RTP participants'),
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
};
