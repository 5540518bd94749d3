// The `general` settings of janus.plugin.streaming (its .jcfg file, or [streaming] in ours); groups other than
// `general` are mountpoints, which the plugin checks itself.
import { setting, type SettingGroup } from '../../plugin-api/index.js';

export const STREAMING_SETTINGS: SettingGroup = {
  admin_key: setting('', 'create/edit/destroy over the API need this admin_key; empty = anyone may'),
  rtp_port_range: setting('', 'min-max UDP ports of mountpoints that ask for port 0; empty = any free port'),
  string_ids: setting(false, 'mountpoint ids are strings rather than numbers'),
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
};
