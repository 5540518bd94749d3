// The Admin API over REST of a server started in-process (http.admin_http on), for tests.
import assert from 'node:assert/strict';
import type { StartedServer } from './in-process-server.js';

/** The settings that open the Admin API on a free loopback port. */
export const ADMIN_REST: Array<[string, string]> = [
  ['http.admin_http', 'true'],
  ['http.admin_ip', '127.0.0.1'],
  ['http.admin_port', '0'],
];

export async function adminRequest(s: StartedServer, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const admin = s.server.listeners.find((l) => l.name.startsWith('Admin API (http)'));
  assert.ok(admin, 'the Admin API listens (ADMIN_REST)');
  const res = await fetch(`http://127.0.0.1:${admin.port}/admin`, { method: 'POST', body: JSON.stringify({ transaction: 't', ...body }) });
  return (await res.json()) as Record<string, unknown>;
}

/** One handler's counters from get_status. */
export async function handlerStatus(s: StartedServer, pkg: string): Promise<Record<string, unknown>> {
  const status = (await adminRequest(s, { janus: 'get_status' })).status as Record<string, unknown>;
  return ((status.event_handlers as Record<string, unknown> | undefined)?.[pkg] ?? {}) as Record<string, unknown>;
}
