// The version of the plugin API: what a plugin declares in its descriptor and the registry checks.

/**
 * Raised when a change to `plugin.ts` would break a plugin written for the previous version (a member removed
 * or its meaning changed); adding an optional member does not raise it.
 */
export const PLUGIN_API_VERSION = 1;
