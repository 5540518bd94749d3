// The plugin door: the interface, the media types it shares with the media layer, the API version and the kit.
export type { JsonObject, FieldType } from '../core/validate.js';
export type * from './plugin.js';
export type * from './media-types.js';
export { PLUGIN_API_VERSION } from './version.js';
export { PluginError, errorEvent, type PluginErrorCodes } from './plugin-error.js';
export { requestsFor, fieldSpecs, type BodyOf, type FieldRule, type FieldRules, type PluginReply, type RequestCall, type RequestEntry, type OkRequest, type AckRequest, type RequestTable } from './request-table.js';
export { type AdminCall, type AdminRequest } from './request-table.js';
export { PluginRequests, type PluginRequestsOptions } from './plugin-requests.js';
export { HandleQueue, HandleQueues, type QueuedJob } from './handle-queue.js';
export { setting, inertSetting, type Setting, type SettingGroup, type SettingValue } from '../config/setting.js';
