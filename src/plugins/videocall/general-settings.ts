// The `general` settings of janus.plugin.videocall (its .jcfg file, or [videocall] in ours).
import { setting, type SettingGroup } from '../../plugin-api/index.js';

export const VIDEOCALL_SETTINGS: SettingGroup = {
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
};
