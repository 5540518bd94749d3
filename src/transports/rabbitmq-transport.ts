// Janus's janus.transport.rabbitmq: requests are consumed (auto-acknowledged, as Janus) from the to_janus queue,
// or from queue_name bound to janus_exchange with routing key to_janus when that exchange is a topic or direct
// one; replies and every session's events are published on janus_exchange (the default exchange when none is
// named) with routing key from_janus, content type application/json, reply-to "Janus" and the request's
// correlation id, as Janus does. The Admin API has its own queues (the *_admin settings). The connection is the
// RabbitMQ event handler's (connectAmqp), kept up by BrokerLink.
import { checkHost, hostPort, readTls, SettingsReader, type BackendSettings, type BrokerTls } from '../brokers/broker-settings.js';
import { closeAmqp, connectAmqp, watchAmqp, type AmqpConn, type AmqpEndpoint } from '../brokers/amqp-client.js';
import type { Logger } from '../logging/logger.js';
import type { BrokerApi, BrokerWire } from './broker-transport.js';

export const RABBITMQ_TRANSPORT_PACKAGE = 'janus.transport.rabbitmq';
const LABEL = 'RabbitMQ transport';
const EXCHANGE_TYPES = ['fanout', 'direct', 'topic', 'headers'];

interface Queues {
  /** The queue consumed; with `bindKey`, bound to the exchange with it. */
  readonly queue: string;
  readonly bindKey?: string;
  readonly replyKey: string;
  readonly declareOutgoing: boolean;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly exclusive: boolean;
}

function shortString(r: SettingsReader, key: string, value: string): string {
  if (Buffer.byteLength(value) > 255) r.fail(key, 'is longer than 255 bytes (an AMQP short string)');
  return value;
}

/** The RabbitMQ transport's wire from the `rabbitmq` section (Janus's janus.transport.rabbitmq.jcfg names). */
export function rabbitWire(section: BackendSettings, log: Logger, baseDir?: string): BrokerWire<AmqpConn, string> {
  const r = new SettingsReader(section, LABEL);
  let tls: BrokerTls | undefined;
  if (r.bool('ssl_enabled', false)) {
    const keys = { ca: ['ssl_cacert'], cert: ['ssl_cert'], key: ['ssl_key'], verifyPeer: ['ssl_verify_peer'], verifyHostname: ['ssl_verify_hostname'] };
    tls = readTls(r, keys, false, baseDir, (m) => log.warn(`${LABEL}: ${m}`));
  }
  const endpoint: AmqpEndpoint = {
    host: checkHost(r, 'host', r.string('host', 'localhost').trim()),
    port: r.int('port', 5672, 1, 65535),
    username: r.string('username', 'guest'),
    password: r.string('password', 'guest'),
    vhost: shortString(r, 'vhost', r.string('vhost', '/')),
    heartbeatSeconds: r.int('heartbeat', 0, 0, 65535),
    tls,
  };
  const exchange = shortString(r, 'janus_exchange', r.string('janus_exchange', ''));
  const exchangeType = r.string('janus_exchange_type', 'fanout').trim();
  if (!EXCHANGE_TYPES.includes(exchangeType)) r.fail('janus_exchange_type', `must be fanout, direct, topic or headers, not ${JSON.stringify(exchangeType)}`);
  const binds = exchange !== '' && (exchangeType === 'topic' || exchangeType === 'direct');
  // Janus's names for each API's queue settings (the Admin API's end in _admin).
  const queues = (k: { name: string; to: string; from: string; declare: string; durable: string; autoDelete: string; exclusive: string }, to: string, from: string): Queues => {
    const named = r.string(k.name);
    const toKey = shortString(r, k.to, r.string(k.to, to));
    return {
      queue: shortString(r, k.name, named ?? toKey),
      bindKey: named !== undefined && binds ? toKey : undefined,
      replyKey: shortString(r, k.from, r.string(k.from, from)),
      declareOutgoing: r.bool(k.declare, true),
      durable: r.bool(k.durable, false),
      autoDelete: r.bool(k.autoDelete, false),
      exclusive: r.bool(k.exclusive, false),
    };
  };
  const routes: Record<BrokerApi, Queues> = {
    janus: queues(
      { name: 'queue_name', to: 'to_janus', from: 'from_janus', declare: 'declare_outgoing_queue', durable: 'queue_durable', autoDelete: 'queue_autodelete', exclusive: 'queue_exclusive' },
      'to-janus',
      'from-janus',
    ),
    admin: queues(
      {
        name: 'queue_name_admin',
        to: 'to_janus_admin',
        from: 'from_janus_admin',
        declare: 'declare_outgoing_queue_admin',
        durable: 'queue_durable_admin',
        autoDelete: 'queue_autodelete_admin',
        exclusive: 'queue_exclusive_admin',
      },
      'to-janus-admin',
      'from-janus-admin',
    ),
  };
  const apis: BrokerApi[] = [];
  if (r.bool('enabled', false)) apis.push('janus');
  if (r.bool('admin_enabled', false)) apis.push('admin');
  if (apis.length === 2 && routes.janus.queue === routes.admin.queue) r.fail('to_janus_admin', 'must differ from to_janus: the Janus API and the Admin API cannot share a queue');
  const target = `${tls ? 'amqps' : 'amqp'}://${hostPort(endpoint.host, endpoint.port)}${endpoint.vhost.startsWith('/') ? '' : '/'}${endpoint.vhost}`;
  return {
    package: RABBITMQ_TRANSPORT_PACKAGE,
    label: LABEL,
    name: 'JANUS RabbitMQ transport plugin',
    description: 'The Janus API (and Admin API) over a RabbitMQ broker',
    target,
    apis,
    routes: apis
      .map((api) => `${api === 'admin' ? 'Admin API' : 'Janus API'}: queue ${routes[api].queue} → ${exchange === '' ? 'default exchange' : `exchange ${exchange}`}, key ${routes[api].replyKey}`)
      .join(', '),
    hooks: {
      open: (signal) =>
        connectAmqp(endpoint, signal, async (model) => {
          const channel = await model.createChannel();
          channel.on('error', () => undefined);
          if (exchange !== '') await channel.assertExchange(exchange, exchangeType, { durable: false, autoDelete: false, internal: false });
          return { model, channel };
        }),
      watch: (conn, lost) => watchAmqp(conn, lost, LABEL, log),
      close: (conn, graceful) => closeAmqp(conn, graceful, LABEL),
    },
    listen: async ({ channel }, incoming) => {
      for (const api of apis) {
        const q = routes[api];
        await channel.assertQueue(q.queue, { durable: q.durable, exclusive: q.exclusive, autoDelete: q.autoDelete });
        if (q.bindKey !== undefined) await channel.bindQueue(q.queue, exchange, q.bindKey);
        if (q.declareOutgoing) await channel.assertQueue(q.replyKey, { durable: false, exclusive: false, autoDelete: false });
        await channel.consume(
          q.queue,
          (msg) => {
            if (msg === null) return; // the broker cancelled the consumer: the channel's close follows
            const id = msg.properties.correlationId as unknown;
            incoming(api, msg.content, typeof id === 'string' ? id : undefined);
          },
          { noAck: true },
        );
      }
    },
    publish: async ({ channel }, api, text, correlationId) => {
      // Without confirms, publish only queues the frame; a closed channel throws at once.
      channel.publish(exchange, routes[api].replyKey, Buffer.from(text), { contentType: 'application/json', replyTo: 'Janus', ...(correlationId !== undefined ? { correlationId } : {}) });
      await Promise.resolve();
    },
  };
}
