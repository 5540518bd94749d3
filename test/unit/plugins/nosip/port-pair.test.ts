// The plain legs' port pairs: RTP on an even port, RTCP on the next; a pair with either port busy is skipped; a
// range with no free pair is refused (the plugin answers 448).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BindError } from '../../../../src/net/bind-error.js';
import { Logger } from '../../../../src/logging/logger.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import { openPortPair } from '../../../../src/plugins/nosip/plain-leg.js';
import { NoSipPlugin } from '../../../../src/plugins/nosip/nosip.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';

test('an even RTP port and the next one for RTCP; busy pairs are skipped; an odd range start is rounded up', async () => {
  const network = new FakeNetwork();
  // Of 40000-40007 (pairs 40000, 40002, 40004, 40006): 40001 (an RTCP port) and 40004 (an RTP port) are taken.
  const busy = [await network.openUdp({ what: 'busy', bind: '127.0.0.1', port: 40001 }), await network.openUdp({ what: 'busy', bind: '127.0.0.1', port: 40004 })];
  const got: number[] = [];
  for (let i = 0; i < 2; i++) {
    const [rtp, rtcp] = await openPortPair(network, 'leg', '127.0.0.1', { min: 39999, max: 40007 });
    assert.equal(rtcp.port, rtp.port + 1);
    got.push(rtp.port);
  }
  assert.deepEqual([...got].sort(), [40002, 40006]);
  await assert.rejects(openPortPair(network, 'leg', '127.0.0.1', { min: 39999, max: 40007 }), (err: unknown) => err instanceof BindError);
  assert.equal(network.open.length, 2 + 4, 'a half-opened pair is closed again');
  for (const e of [...busy]) await e.close();
});

test('no free pair in rtp_port_range: generate answers 448 and leaves nothing open', async () => {
  const network = new FakeNetwork();
  const plugin = new NoSipPlugin();
  plugin.init({
    log: Logger.create({ level: 0, timestamps: false }),
    network,
    config: { general: { local_ip: '127.0.0.1', rtp_port_range: '41000-41001' } },
    recordingsDir: 'recordings',
    relayGroup: () => new PlainRelayGroup(),
  });
  const blocker = await network.openUdp({ what: 'busy', bind: '127.0.0.1', port: 41001 });
  const a = new FakePluginHandle({ id: 1 });
  plugin.createSession(a);
  const offer = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n' };
  assert.deepEqual((await sendMessage(plugin, a, { request: 'generate' }, offer)).data, { nosip: 'event', error_code: 448, error: 'Could not allocate RTP/RTCP ports' });
  assert.deepEqual(
    network.open.map((e) => e.port),
    [41001],
  );
  await blocker.close();
  plugin.destroy();
});
