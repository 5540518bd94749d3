// Janus's RabbitMQ transport over Debian's rabbitmq-server: the to-janus/from-janus queues on the default
// exchange and the admin queues, correlation ids carried back, amqplib as the application; the no-IPv6 run
// takes its settings from PORTUNUS_RABBITMQ_* environment variables.
import assert from 'node:assert/strict';
import { call, rabbitClient } from '../../helpers/broker-api-client.js';
import { brokerTransportSuite } from '../../helpers/broker-transport-suite.js';
import { missing, RABBITMQ_SERVER, startRabbitMq } from '../../helpers/brokers.js';

brokerTransportSuite({
  name: 'RabbitMQ',
  transport: 'janus.transport.rabbitmq',
  skip: missing(RABBITMQ_SERVER),
  startBroker: () => startRabbitMq(),
  overrides: (port) => [
    ['rabbitmq.enabled', 'true'],
    ['rabbitmq.admin_enabled', 'true'],
    ['rabbitmq.host', '127.0.0.1'],
    ['rabbitmq.port', String(port)],
  ],
  client: (port) => rabbitClient(port),
  childConfig: (port) => ({
    args: [],
    env: { PORTUNUS_RABBITMQ_ENABLED: 'true', PORTUNUS_RABBITMQ_ADMIN_ENABLED: 'true', PORTUNUS_RABBITMQ_HOST: '127.0.0.1', PORTUNUS_RABBITMQ_PORT: String(port) },
  }),
  extra: async (client) => {
    // As Janus: each reply carries its request's correlation id.
    const reply = await call(client, 'janus', { janus: 'info' });
    assert.equal(reply['#correlation'], `corr-${String(reply.transaction)}`);
  },
});
