// janode (the official Node client) against Portunus over WebSocket and over its Unix socket transport: sessions,
// handles, errors, an EchoTest call with a werift peer and media, the Admin API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Janode from 'janode';
import EchoTestPlugin from 'janode/plugins/echotest';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { freePort } from '../helpers/child-server.js';
import { noIpv6Env } from '../helpers/no-ipv6.js';
import { JANODE_TRANSPORTS, JanodeSockets, janodeTransportUnavailable } from '../helpers/janode-transports.js';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { loopbackCandidatesOnly } from '../../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../support/werift-client.js';
import { sleep } from '../../support/wait.js';

interface JanodeSession {
  id: number;
  attach(o: { id?: string; Handle?: unknown }): Promise<JanodeHandle>;
  destroy(): Promise<void>;
  _sendKeepAlive(timeout: number): Promise<unknown>;
}
interface JanodeHandle {
  id: number;
  detach(): Promise<void>;
  hangup(): Promise<unknown>;
  message(body: object): Promise<Record<string, unknown>>;
  start(o: object): Promise<{ jsep?: { type: string; sdp: string } }>;
  once(event: string, listener: (data: unknown) => void): void;
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
const EVENT = (Janode as unknown as { EVENT: Record<string, string> }).EVENT;
(Janode as unknown as { Logger: { setLevel: (l: string) => void } }).Logger.setLevel('none');

for (const variant of ['normal host', 'host without IPv6'] as const) {
  let srv: ChildServer;
  let adminPort: number;
  const sockets = new JanodeSockets();
  before(async () => {
    adminPort = await freePort();
    const env = variant === 'normal host' ? process.env : await noIpv6Env();
    srv = await startChildServer(['--websockets.admin_ws=true', `--websockets.admin_ws_port=${adminPort}`, '--general.admin_secret=overlord', ...sockets.args()], env);
  });
  after(async () => {
    await srv?.stop();
    sockets.remove();
  });

  for (const transport of JANODE_TRANSPORTS) {
    test(
      `janode over ${transport} (${variant}): session, echotest handle, unknown plugin error, keepalive, detach, destroy`,
      { timeout: 30_000, skip: janodeTransportUnavailable(transport) },
      async () => {
        const conn = await connect({ address: [{ url: sockets.url(transport, srv.wsUrl) }], retry_time_secs: 1, max_retries: 0 });
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
      },
    );

    test(
      `janode EchoTest over ${transport} (${variant}) with a werift peer: offer answered, webrtcup, audio and video echoed, hangup`,
      { timeout: 30_000, skip: janodeTransportUnavailable(transport) },
      async () => {
        const client = createLoopbackClient(new HostNetwork(await discoverNetworkHost()), '127.0.0.1');
        let echoed = 0;
        client.audio.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => echoed++));
        client.video.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => echoed++));
        const conn = await connect({ address: [{ url: sockets.url(transport, srv.wsUrl) }], max_retries: 0 });
        try {
          const session = await conn.create();
          const handle = await session.attach(EchoTestPlugin);
          const up = new Promise((resolve) => handle.once(EVENT.HANDLE_WEBRTCUP, resolve));
          const hungUp = new Promise((resolve) => handle.once(EVENT.HANDLE_HANGUP, resolve));
          const result = await handle.start({ audio: true, video: true, jsep: { type: 'offer', sdp: await clientOffer(client) } });
          assert.equal(result.jsep?.type, 'answer');
          await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(result.jsep.sdp) });
          await up;
          for (let seq = 1; echoed < 20; seq++) {
            assert.ok(seq < 500, `only ${echoed} packets echoed`);
            await client.audio.sender.sendRtp(rtpWithText(seq, 1111, client.audio.sender.codec?.payloadType ?? 111, `audio-${seq}`));
            await client.video.sender.sendRtp(rtpWithText(seq, 2222, client.video.sender.codec?.payloadType ?? 96, `video-${seq}`));
            await sleep(20);
          }
          await handle.hangup();
          await hungUp;
          await handle.detach();
          await session.destroy();
        } finally {
          await conn.close();
          await client.close();
        }
        assert.equal(srv.child.exitCode, null);
      },
    );

    test(`janode admin over ${transport} (${variant}): list_sessions, list_handles, handle_info`, { timeout: 30_000, skip: janodeTransportUnavailable(transport) }, async () => {
      const conn = await connect({ address: [{ url: sockets.url(transport, srv.wsUrl) }], max_retries: 0 });
      const admin = await connect({ address: [{ url: sockets.adminUrl(transport, `ws://127.0.0.1:${adminPort}`), apisecret: 'overlord' }], is_admin: true, max_retries: 0 });
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
}
