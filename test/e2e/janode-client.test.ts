// janode (the official Node client) against Portunus over WebSocket: sessions, handles, errors, Admin API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Janode from 'janode';
import EchoTestPlugin from 'janode/plugins/echotest';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { freePort } from '../helpers/child-server.js';
import { noIpv6Env } from '../helpers/no-ipv6.js';

interface JanodeSession {
  id: number;
  attach(o: { id?: string; Handle?: unknown }): Promise<JanodeHandle>;
  destroy(): Promise<void>;
  _sendKeepAlive(timeout: number): Promise<unknown>;
}
interface JanodeHandle {
  id: number;
  detach(): Promise<void>;
  message(body: object): Promise<Record<string, unknown>>;
  start?(o: object): Promise<unknown>;
}
interface JanodeConnection {
  create(): Promise<JanodeSession>;
  getInfo(): Promise<Record<string, unknown>>;
  listSessions(): Promise<Record<string, unknown>>;
  listHandles(s: number): Promise<Record<string, unknown>>;
  handleInfo(s: number, h: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const connect = (config: object): Promise<JanodeConnection> => (Janode as unknown as { connect: (c: object) => Promise<JanodeConnection> }).connect(config);
(Janode as unknown as { Logger: { setLevel: (l: string) => void } }).Logger.setLevel('none');

for (const variant of ['normal host', 'host without IPv6'] as const) {
  let srv: ChildServer;
  let adminPort: number;
  before(async () => {
    adminPort = await freePort();
    const env = variant === 'normal host' ? process.env : await noIpv6Env();
    srv = await startChildServer(['--websockets.admin_ws=true', `--websockets.admin_ws_port=${adminPort}`, '--general.admin_secret=overlord'], env);
  });
  after(async () => {
    await srv?.stop();
  });

  test(`janode (${variant}): session, echotest handle, unknown plugin error, keepalive, detach, destroy`, { timeout: 30_000 }, async () => {
    const conn = await connect({ address: [{ url: srv.wsUrl }], retry_time_secs: 1, max_retries: 0 });
    try {
      const info = await conn.getInfo();
      assert.equal(info.janus, 'server_info');
      assert.ok((info.plugins as Record<string, unknown>)['janus.plugin.echotest']);
      const session = await conn.create();
      assert.ok(session.id > 0);
      await assert.rejects(session.attach({ id: 'janus.plugin.nonexistent' }), (err: Error) => {
        assert.match(err.message, /460/);
        return true;
      });
      const handle = await session.attach(EchoTestPlugin);
      assert.ok(handle.id > 0);
      const reply = await handle.message({ audio: true });
      assert.equal(reply.janus, 'event', 'janode completes the request on the async event');
      assert.deepEqual((reply.plugindata as { data: unknown }).data, { echotest: 'event', result: 'ok' });
      await session._sendKeepAlive(5000);
      await handle.detach();
      await session.destroy();
    } finally {
      await conn.close();
    }
    assert.equal(srv.child.exitCode, null);
  });

  test(`janode admin (${variant}): list_sessions, list_handles, handle_info`, { timeout: 30_000 }, async () => {
    const conn = await connect({ address: [{ url: srv.wsUrl }], max_retries: 0 });
    const admin = await connect({ address: [{ url: `ws://127.0.0.1:${adminPort}`, apisecret: 'overlord' }], is_admin: true, max_retries: 0 });
    try {
      const session = await conn.create();
      const handle = await session.attach(EchoTestPlugin);
      const sessions = await admin.listSessions();
      assert.ok((sessions.sessions as number[]).includes(session.id));
      const handles = await admin.listHandles(session.id);
      assert.deepEqual(handles.handles, [handle.id]);
      const info = await admin.handleInfo(session.id, handle.id);
      assert.equal((info.info as Record<string, unknown>).plugin, 'janus.plugin.echotest');
      await session.destroy();
    } finally {
      await conn.close();
      await admin.close();
    }
  });
}
