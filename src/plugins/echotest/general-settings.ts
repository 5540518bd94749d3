// The `general` settings of janus.plugin.echotest (its .jcfg file, or [echotest] in ours).
import { inertSetting, type SettingGroup } from '../../plugin-api/index.js';

export const ECHOTEST_SETTINGS: SettingGroup = {
  events: inertSetting(true, 'send events to event handlers (none exist yet)'),
};
