// Nothing leaks after sessions end: file descriptors (sockets) and sessions return to where they were.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { runWeriftEchoTest } from '../helpers/echotest-scenario.js';
import { startInProcess } from '../helpers/in-process-server.js';
import { JanusWs } from '../helpers/janus-ws.js';
import { clientOffer, createLoopbackClient } from '../helpers/werift-client.js';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;

test('repeated echo calls and abandoned sessions leave no sockets or sessions behind', { timeout: 90_000 }, async () => {
  const srv = await startInProcess();
  try {
    await runWeriftEchoTest(srv.wsUrl); // warm-up: lazily created things exist from here on
    await new Promise((r) => setTimeout(r, 300));
    const before = openFds();
    for (let i = 0; i < 4; i++) await runWeriftEchoTest(srv.wsUrl);
    // Sessions whose client just goes away, with a PeerConnection half set up.
    const network = new HostNetwork(await discoverNetworkHost());
    for (let i = 0; i < 3; i++) {
      const c = await JanusWs.open(srv.wsUrl);
      const s = ((await c.request({ janus: 'create' })).data as { id: number }).id;
      const h = ((await c.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
      if (i > 0) {
        // The server answers, opens its ICE sockets, and the client never connects.
        const client = createLoopbackClient(network);
        const ack = await c.request({ janus: 'message', session_id: s, handle_id: h, body: { audio: true }, jsep: { type: 'offer', sdp: await clientOffer(client) } });
        await c.wait((m) => m.janus === 'event' && m.transaction === ack.transaction && m.jsep !== undefined);
        await client.close();
      }
      c.close();
    }
    const deadline = Date.now() + 5000;
    while ((srv.server.gateway.sessions.size > 0 || openFds() > before) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(srv.server.gateway.sessions.size, 0);
    assert.ok(openFds() <= before, `open descriptors ${before} → ${openFds()}`);
  } finally {
    await srv.stop();
  }
});
