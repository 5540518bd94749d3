// The `general` settings of janus.plugin.videoroom (its .jcfg file, or [videoroom] in ours); groups other than
// `general` are rooms, which the plugin checks itself.
import { setting, type SettingGroup } from '../../plugin-api/index.js';

export const VIDEOROOM_SETTINGS: SettingGroup = {
  admin_key: setting('', 'create over the API needs this admin_key; empty = anyone may'),
  lock_rtp_forward: setting(true, 'rtp_forward and remote publishing need the admin_key (when one is set)'),
  string_ids: setting(false, 'room and participant ids are strings rather than numbers'),
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
};
