// janode's two transports, which the janode tests run each flow over: WebSocket, and janode's Unix socket
// transport (its transport-unix: SOCK_DGRAM through the npm package unix-dgram, built by scripts/test-setup.mjs),
// which talks to Portunus's pfunix socket as it talks to Janus's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeAddon, nativeAddonStatus } from '../../src/native/native-addon.js';

export type JanodeTransport = 'WebSocket' | 'Unix socket';
export const JANODE_TRANSPORTS: readonly JanodeTransport[] = ['WebSocket', 'Unix socket'];

/**
 * Why janode cannot reach this server over `transport`, or undefined when it can: Portunus's Unix socket transport
 * needs the native addon (Node has no SOCK_DGRAM), so a run on the TypeScript path skips those flows.
 */
export function janodeTransportUnavailable(transport: JanodeTransport): string | undefined {
  if (transport === 'WebSocket' || nativeAddon() !== undefined) return undefined;
  return `no Unix socket transport without the native addon (${nativeAddonStatus()})`;
}

/** A folder for a server's Janus API and Admin API sockets (SOCK_DGRAM, as janode speaks), removed by `remove`. */
export class JanodeSockets {
  readonly folder = mkdtempSync(join(tmpdir(), 'portunus-janode-'));
  readonly janusPath = join(this.folder, 'janus.sock');
  readonly adminPath = join(this.folder, 'admin.sock');

  /** The settings that serve both APIs there, as [section.key, value]. */
  overrides(): Array<[string, string]> {
    return [
      ['pfunix.enabled', 'true'],
      ['pfunix.path', this.janusPath],
      ['pfunix.type', 'SOCK_DGRAM'],
      ['pfunix.admin_enabled', 'true'],
      ['pfunix.admin_path', this.adminPath],
      ['pfunix.admin_type', 'SOCK_DGRAM'],
    ];
  }

  /** The same as command-line flags, for a child server. */
  args(): string[] {
    return this.overrides().map(([k, v]) => `--${k}=${v}`);
  }

  /** janode's address of the Janus API over `transport`. */
  url(transport: JanodeTransport, wsUrl: string): string {
    return transport === 'WebSocket' ? wsUrl : `file://${this.janusPath}`;
  }

  /** janode's address of the Admin API over `transport` (the WebSocket one given by the test). */
  adminUrl(transport: JanodeTransport, adminWsUrl: string): string {
    return transport === 'WebSocket' ? adminWsUrl : `file://${this.adminPath}`;
  }

  remove(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }
}
