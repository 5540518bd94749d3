// The version Portunus reports, and the Janus API version it speaks.
export const PORTUNUS_VERSION = '0.1.0';
/** Janus reports its version as an integer (1.1.2 → 1102); we report the Janus API level we follow. */
export const API_VERSION = 1102;
export const API_VERSION_STRING = '1.1.2';
