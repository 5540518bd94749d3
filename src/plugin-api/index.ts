// The plugin door: the interface, the media types it shares with the media layer, the API version and the kit.
export type { JsonObject, FieldType } from '../core/validate.js';
export type * from './plugin.js';
export type * from './media-types.js';
export { PLUGIN_API_VERSION } from './version.js';
// Pure helpers a plugin checks requests, names mountpoints and reads settings with (added for the Streaming plugin).
export { findFieldError, isJsonObject, sameSecret, type FieldSpec } from '../core/validate.js';
export { isSafeId, jsonBoundsProblem } from '../core/json-bounds.js';
export { uniqueId, randomUint32 } from '../core/ids.js';
export { parsePortRange, type PortRange } from '../net/port-range.js';
export type { TcpConnection } from '../net/network.js';
export { PluginError, errorEvent, type PluginErrorCodes } from './plugin-error.js';
export {
  requestsFor,
  fieldSpecs,
  type BodyOf,
  type FieldRule,
  type FieldRules,
  type PluginReply,
  type RequestCall,
  type RequestEntry,
  type OkRequest,
  type AckRequest,
  type RequestTable,
} from './request-table.js';
export { type AdminCall, type AdminRequest } from './request-table.js';
export { PluginRequests, type PluginRequestsOptions } from './plugin-requests.js';
export { PluginSessions, type PluginSessionState } from './plugin-sessions.js';
export { HandleQueue, HandleQueues, type QueuedJob } from './handle-queue.js';
export { setting, inertSetting, type Setting, type SettingGroup, type SettingValue } from '../config/setting.js';
// What the VideoRoom's forwarders and remote publishers need of the network: its endpoint types, address helpers, its bind error.
export type { Network, UdpEndpoint, UdpSource } from '../net/network.js';
export { isIP } from '../net/address.js';
export { destinationFor } from '../net/address.js';
export { BindError } from '../net/bind-error.js';
