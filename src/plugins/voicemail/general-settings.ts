// The `general` settings of janus.plugin.voicemail (its .jcfg file, or [voicemail] in ours).
import { setting, type SettingGroup } from '../../plugin-api/index.js';

export const VOICEMAIL_SETTINGS: SettingGroup = {
  path: setting('', 'the folder the .opus messages are written to; empty = general.recordings_dir'),
  base: setting('/recordings/', 'the URL prefix the `done` event gives with the file name'),
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
};
