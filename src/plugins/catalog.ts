// The plugins Portunus ships: the one place a new plugin is named. Their configuration sections (Janus's
// janus.plugin.<name>.jcfg, [<section>] in ours) come from here too.
import type { Plugin } from '../plugin-api/plugin.js';
import type { SettingGroup } from '../plugin-api/index.js';
import { ECHOTEST_SETTINGS } from './echotest/general-settings.js';
import { STREAMING_SETTINGS } from './streaming/general-settings.js';
import { TEXTROOM_SETTINGS } from './textroom/general-settings.js';
import { VIDEOROOM_SETTINGS } from './videoroom/general-settings.js';
import { RECORDPLAY_SETTINGS } from './recordplay/general-settings.js';
import { VOICEMAIL_SETTINGS } from './voicemail/general-settings.js';
import { VIDEOCALL_SETTINGS } from './videocall/general-settings.js';
import { AUDIOBRIDGE_SETTINGS } from './audiobridge/general-settings.js';
import { NOSIP_SETTINGS } from './nosip/general-settings.js';

export interface CatalogEntry {
  /** The configuration section handed to the plugin whole (`PluginContext.config`). */
  readonly section: string;
  /** The package clients attach to; the plugin's descriptor must say the same. */
  readonly package: string;
  /** The keys its `general` group (or a flag/variable such as --videoroom.admin_key) may set; others are reported. */
  readonly settings: SettingGroup;
  /** Loaded only when the plugin is not disabled, so naming a plugin here costs the settings code nothing. */
  load(): Promise<Plugin>;
}

export const PLUGIN_CATALOG: readonly CatalogEntry[] = [
  { section: 'echotest', package: 'janus.plugin.echotest', settings: ECHOTEST_SETTINGS, load: async () => new (await import('./echotest/echotest.js')).EchoTestPlugin() },
  { section: 'streaming', package: 'janus.plugin.streaming', settings: STREAMING_SETTINGS, load: async () => new (await import('./streaming/streaming.js')).StreamingPlugin() },
  { section: 'recordplay', package: 'janus.plugin.recordplay', settings: RECORDPLAY_SETTINGS, load: async () => new (await import('./recordplay/recordplay.js')).RecordPlayPlugin() },
  { section: 'textroom', package: 'janus.plugin.textroom', settings: TEXTROOM_SETTINGS, load: async () => new (await import('./textroom/textroom.js')).TextRoomPlugin() },
  { section: 'videoroom', package: 'janus.plugin.videoroom', settings: VIDEOROOM_SETTINGS, load: async () => new (await import('./videoroom/videoroom.js')).VideoRoomPlugin() },
  { section: 'voicemail', package: 'janus.plugin.voicemail', settings: VOICEMAIL_SETTINGS, load: async () => new (await import('./voicemail/voicemail.js')).VoiceMailPlugin() },
  { section: 'audiobridge', package: 'janus.plugin.audiobridge', settings: AUDIOBRIDGE_SETTINGS, load: async () => new (await import('./audiobridge/audiobridge.js')).AudioBridgePlugin() },
  { section: 'videocall', package: 'janus.plugin.videocall', settings: VIDEOCALL_SETTINGS, load: async () => new (await import('./videocall/videocall.js')).VideoCallPlugin() },
  { section: 'nosip', package: 'janus.plugin.nosip', settings: NOSIP_SETTINGS, load: async () => new (await import('./nosip/nosip.js')).NoSipPlugin() },
];
