// The NATS transport over Debian's nats-server: to-janus/from-janus subjects and the admin ones, NATS
// request-reply answered on the reply subject, the nats library as the application; the no-IPv6 run takes its
// settings from --nats.* flags.
import assert from 'node:assert/strict';
import { natsClient } from '../../helpers/broker-api-client.js';
import { brokerTransportSuite } from '../../helpers/broker-transport-suite.js';
import { missing, NATS_SERVER, startNatsServer } from '../../helpers/brokers.js';

brokerTransportSuite({
  name: 'NATS',
  transport: 'janus.transport.nats',
  skip: missing(NATS_SERVER),
  startBroker: () => startNatsServer(),
  overrides: (port) => [
    ['nats.enabled', 'true'],
    ['nats.admin_enabled', 'true'],
    ['nats.url', `nats://127.0.0.1:${port}`],
  ],
  client: (port) => natsClient(port),
  childConfig: (port) => ({ args: ['--nats.enabled=true', '--nats.admin_enabled=true', `--nats.url=nats://127.0.0.1:${port}`], env: {} }),
  extra: async (client) => {
    // Request-reply: the answer comes on the request's own reply subject, not on from-janus.
    const c = client as Awaited<ReturnType<typeof natsClient>>;
    const before = c.received.janus.length;
    const reply = await c.request({ janus: 'info', transaction: 'nats-request-reply' });
    assert.equal(reply.janus, 'server_info');
    assert.equal(reply.transaction, 'nats-request-reply');
    assert.ok(!c.received.janus.slice(before).some((m) => m.transaction === 'nats-request-reply'), 'not also published on from-janus');
  },
});
