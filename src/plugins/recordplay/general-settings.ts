// The `general` settings of janus.plugin.recordplay (its .jcfg file, or [recordplay] in ours).
import { setting, type SettingGroup } from '../../plugin-api/index.js';

export const RECORDPLAY_SETTINGS: SettingGroup = {
  path: setting('', 'the folder of recordings and their .nfo files; empty = general.recordings_dir'),
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
};
