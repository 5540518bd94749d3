// The `general` settings of janus.plugin.echotest (its .jcfg file, or [echotest] in ours).
import { setting, type SettingGroup } from '../../plugin-api/index.js';

export const ECHOTEST_SETTINGS: SettingGroup = {
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
};
