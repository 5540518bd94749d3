// The RabbitMQ event handler against a real rabbitmq-server (a node of its own, see test/helpers/brokers.ts):
// grouped batches on the default exchange to the queue Janus declares, single events on a named fanout
// exchange, bad credentials, the broker killed and started again on the same port, TLS with the certificate
// checked, a host without IPv6.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { fromSettings } from '../../../src/events/backends/rabbitmq-backend.js';
import { runBrokerChild } from '../../helpers/broker-child.js';
import { makeCertificate, memoryLogger, missing, RABBITMQ_SERVER, sampleBatch, startRabbitMq, type Broker, type Certificate } from '../../helpers/brokers.js';
import { waitFor } from '../../../support/wait.js';

const FAST = { initialMs: 100, maxMs: 800 };
const QUEUE = { durable: false, exclusive: false, autoDelete: false };

interface Consumer {
  model: ChannelModel;
  channel: Channel;
  got: ConsumeMessage[];
  close(): Promise<void>;
}

/** A consumer on `queue` (declared as Janus declares it), or on a fresh queue bound to `exchange`. */
async function consumer(port: number, target: { queue: string } | { exchange: string }): Promise<Consumer> {
  const model = await connect({ hostname: '127.0.0.1', port, username: 'guest', password: 'guest' });
  model.on('error', () => undefined);
  const channel = await model.createChannel();
  let queue: string;
  if ('queue' in target) {
    queue = (await channel.assertQueue(target.queue, QUEUE)).queue;
  } else {
    await channel.assertExchange(target.exchange, 'fanout', { durable: false, autoDelete: false });
    queue = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(queue, target.exchange, '');
  }
  const got: ConsumeMessage[] = [];
  await channel.consume(queue, (m) => m && got.push(m), { noAck: true });
  return { model, channel, got, close: () => model.close().catch(() => undefined) };
}

describe('RabbitMQ event handler with rabbitmq-server', { skip: missing(RABBITMQ_SERVER), timeout: 120_000 }, () => {
  let broker: (Broker & { tlsPort: number }) | undefined;
  let certs: Certificate | undefined;

  before(async () => {
    certs = makeCertificate();
    broker = await startRabbitMq({ tls: certs });
  });
  after(async () => {
    await broker?.stop();
    certs?.remove();
  });

  test('a grouped batch per message on the default exchange, the broker killed and back', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const backend = fromSettings({ host: '127.0.0.1', port: b.port, route_key: 'janus-events' }, log, { backoff: FAST });
    let sub: Consumer | undefined;
    try {
      await waitFor(() => lines.some((l) => l.includes('RabbitMQ event handler: connected to amqp://127.0.0.1:')), { timeout: 10_000, what: 'the backend connected' });
      // The backend declared the queue (declare_outgoing_queue); the consumer declares it alike and reads it.
      sub = await consumer(b.port, { queue: 'janus-events' });
      await backend.send(sampleBatch('first'));
      await waitFor(() => sub!.got.length === 1, { timeout: 5000, what: 'one message' });
      const [m] = sub.got;
      assert.equal(m.properties.contentType, 'application/json');
      assert.equal(m.fields.routingKey, 'janus-events');
      assert.equal(m.fields.exchange, '');
      assert.deepEqual(JSON.parse(m.content.toString()), sampleBatch('first'), 'the batch as a JSON array, as Janus groups');
      assert.doesNotMatch(m.content.toString(), /\s/);
      await sub.close();

      await b.kill();
      await waitFor(() => lines.some((l) => /RabbitMQ event handler: connection to amqp:\/\/127\.0\.0\.1:\d+\/ lost: .*; reconnecting in \d+ ms/.test(l)), { timeout: 5000, what: 'the loss logged' });
      await assert.rejects(backend.send(sampleBatch('while-down')), /RabbitMQ event handler: not connected to amqp:\/\/127\.0\.0\.1:\d+\//);

      await b.start();
      await waitFor(() => lines.some((l) => l.includes('RabbitMQ event handler: connection to amqp://127.0.0.1:') && l.includes('restored')), { timeout: 20_000, what: 'the backend reconnected' });
      sub = await consumer(b.port, { queue: 'janus-events' });
      await backend.send(sampleBatch('after'));
      await waitFor(() => sub!.got.length === 1, { timeout: 5000, what: 'the batch sent after the restart' });
      assert.deepEqual(JSON.parse(sub.got[0].content.toString()), sampleBatch('after'));
    } finally {
      await backend.close();
      await sub?.close();
    }
    await assert.rejects(backend.send(sampleBatch('closed')), /RabbitMQ event handler: closed/);
  });

  test('grouping off on a named fanout exchange, no queue declared, plain JSON', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const sub = await consumer(b.port, { exchange: 'portunus-test' });
    const backend = fromSettings(
      {
        host: '127.0.0.1',
        port: String(b.port),
        route_key: 'janus-single',
        exchange: 'portunus-test',
        exchange_type: 'fanout',
        grouping: false,
        declare_outgoing_queue: 'no',
        json: 'plain',
        heartbeat: 5,
      },
      log,
      {
        backoff: FAST,
      },
    );
    try {
      await waitFor(() => lines.some((l) => l.includes('connected to amqp://')), { timeout: 10_000, what: 'the backend connected' });
      await backend.send(sampleBatch('single'));
      await waitFor(() => sub.got.length === 2, { timeout: 5000, what: 'two messages' });
      assert.deepEqual(
        sub.got.map((m) => JSON.parse(m.content.toString()) as unknown),
        sampleBatch('single'),
      );
      assert.ok(sub.got.every((m) => m.fields.exchange === 'portunus-test' && m.fields.routingKey === 'janus-single'));
      assert.match(sub.got[0].content.toString(), /^\{"emitter": "portunus-test", "type": 1, /);
      // declare_outgoing_queue = no: the queue named route_key does not exist.
      const probe = await sub.model.createChannel();
      probe.on('error', () => undefined);
      await assert.rejects(probe.checkQueue('janus-single'), /NOT_FOUND/);
    } finally {
      await backend.close();
      await sub.close();
    }
  });

  test('refused credentials: logged, sends rejected, nothing leaks', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const backend = fromSettings({ host: '127.0.0.1', port: b.port, route_key: 'janus-events', username: 'guest', password: 'wrong' }, log, { backoff: FAST });
    try {
      await waitFor(() => lines.some((l) => l.includes('RabbitMQ event handler: cannot connect to amqp://127.0.0.1:') && /ACCESS.REFUSED|403/i.test(l)), {
        timeout: 10_000,
        what: 'the refusal logged',
      });
      await assert.rejects(backend.send(sampleBatch('refused')), /not connected .*ACCESS.REFUSED|not connected .*403/i);
    } finally {
      await backend.close();
    }
  });

  test('ssl_enable with the broker certificate verified against ssl_cacert', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const sub = await consumer(b.port, { queue: 'janus-tls' });
    const backend = fromSettings({ host: '127.0.0.1', port: b.tlsPort, route_key: 'janus-tls', ssl_enable: true, ssl_cacert: certs!.cert, ssl_verify_peer: true, ssl_verify_hostname: true }, log, {
      backoff: FAST,
    });
    try {
      await waitFor(() => lines.some((l) => l.includes('RabbitMQ event handler: connected to amqps://127.0.0.1:')), { timeout: 10_000, what: 'the TLS backend connected' });
      await backend.send(sampleBatch('tls'));
      await waitFor(() => sub.got.length === 1, { timeout: 5000, what: 'the batch over TLS' });
      assert.deepEqual(JSON.parse(sub.got[0].content.toString()), sampleBatch('tls'));
    } finally {
      await backend.close();
      await sub.close();
    }
  });

  test('a host without IPv6 (EAFNOSUPPORT on every AF_INET6 socket)', async () => {
    const b = broker!;
    const sub = await consumer(b.port, { queue: 'janus-no-ipv6' });
    try {
      const result = await runBrokerChild('rabbitmq', { host: '127.0.0.1', port: b.port, route_key: 'janus-no-ipv6' }, 'no-ipv6');
      assert.equal(result.code, 0, result.output);
      await waitFor(() => sub.got.length === 1, { timeout: 5000, what: 'the batch of the child' });
      assert.deepEqual(JSON.parse(sub.got[0].content.toString()), sampleBatch('no-ipv6'));
    } finally {
      await sub.close();
    }
  });
});
