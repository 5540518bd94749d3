// The `general` settings of janus.plugin.videocall (its .jcfg file, or [videocall] in ours).
import { inertSetting, type SettingGroup } from '../../plugin-api/index.js';

export const VIDEOCALL_SETTINGS: SettingGroup = {
  events: inertSetting(true, 'send plugin events to event handlers (this plugin sends none yet)'),
};
