// The `general` settings of janus.plugin.textroom (its .jcfg file, or [textroom] in ours); groups named
// `room-<id>` are rooms, which the plugin reads itself.
import { setting, type SettingGroup } from '../../plugin-api/index.js';

export const TEXTROOM_SETTINGS: SettingGroup = {
  admin_key: setting('', 'create over the API needs this admin_key (and private rooms are listed with it); empty = anyone may'),
  string_ids: setting(false, 'room ids are strings rather than numbers'),
  json: setting('indented', 'how data channel messages are written: indented, plain or compact'),
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
};
