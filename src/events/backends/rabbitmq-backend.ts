// Janus's RabbitMQ event handler (janus.eventhandler.rabbitmqevh): each batch is one AMQP 0-9-1 message, a JSON
// array of events when grouping is on, a single event when it is off, published with content type
// application/json on `exchange` (the default exchange when none is set) with routing key `route_key`. As Janus,
// the exchange is declared when named and a queue named route_key is declared unless declare_outgoing_queue is
// off (neither durable, and the queue is not bound). Portunus waits for the broker's confirm before a send
// resolves. The amqplib package opens the TCP or TLS socket (docs/events-brokers.md).
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { closeAmqp, connectAmqp, watchAmqp } from '../../brokers/amqp-client.js';
import type { JsonObject } from '../../core/validate.js';
import type { Logger } from '../../logging/logger.js';
import type { EventBackend } from '../event-backend.js';
import type { Backoff, LinkHooks } from '../../brokers/broker-link.js';
import { brokerBackend } from './broker-backend.js';
import { checkHost, hostPort, readTls, SettingsReader, type BackendSettings, type BrokerTls } from '../../brokers/broker-settings.js';
import { formatJson, parseJsonFormat, type JsonFormat } from './json-format.js';

export const RABBITMQ_PACKAGE = 'janus.eventhandler.rabbitmqevh';
const LABEL = 'RabbitMQ event handler';

export interface RabbitSettings {
  /** amqp://host:port/vhost, for log lines. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly vhost: string;
  /** '' is the default exchange (routing key = queue name), which Janus uses when `exchange` is not set. */
  readonly exchange: string;
  readonly exchangeType: string;
  readonly routeKey: string;
  readonly heartbeatSeconds: number;
  readonly declareOutgoingQueue: boolean;
  readonly tls?: BrokerTls;
  readonly grouping: boolean;
  readonly sendTimeoutMs: number;
  readonly json: JsonFormat;
}

const EXCHANGE_TYPES = ['fanout', 'direct', 'topic', 'headers'];

/** AMQP short strings: at most 255 bytes. */
function shortString(r: SettingsReader, key: string, value: string): string {
  if (Buffer.byteLength(value) > 255) r.fail(key, 'is longer than 255 bytes (an AMQP short string)');
  return value;
}

/** Reads Janus's rabbitmqevh settings; throws BackendSettingsError on a value that cannot work. */
export function parseRabbitSettings(settings: BackendSettings, log: Logger, baseDir?: string): RabbitSettings {
  const r: SettingsReader = new SettingsReader(settings, LABEL);
  const host = checkHost(r, 'host', r.string('host', 'localhost').trim());
  const port = r.int('port', 5672, 1, 65535);
  const vhost = shortString(r, 'vhost', r.string('vhost', '/'));
  // Janus refuses to start without it; its sample sets "janus-events".
  const routeKey = r.string('route_key');
  if (routeKey === undefined) r.fail('route_key', 'is missing: the routing key to publish with (Janus\'s sample uses "janus-events")');
  shortString(r, 'route_key', routeKey);
  const exchange = shortString(r, 'exchange', r.string('exchange', ''));
  const exchangeType = r.string('exchange_type', 'fanout').trim();
  if (!EXCHANGE_TYPES.includes(exchangeType) && !/^x-[\w.-]+$/.test(exchangeType))
    r.fail('exchange_type', `must be fanout, direct, topic, headers or a plugin's x-… type, not ${JSON.stringify(exchangeType)}`);
  let tls: BrokerTls | undefined;
  if (r.bool('ssl_enable', false)) {
    const keys = { ca: ['ssl_cacert'], cert: ['ssl_cert'], key: ['ssl_key'], verifyPeer: ['ssl_verify_peer'], verifyHostname: ['ssl_verify_hostname'] };
    tls = readTls(r, keys, false, baseDir, (m) => log.warn(`${LABEL}: ${m}`));
  }
  return {
    target: `${tls ? 'amqps' : 'amqp'}://${hostPort(host, port)}${vhost.startsWith('/') ? '' : '/'}${vhost}`,
    host,
    port,
    username: r.string('username', 'guest'),
    password: r.string('password', 'guest'),
    vhost,
    exchange,
    exchangeType,
    routeKey,
    heartbeatSeconds: r.int('heartbeat', 0, 0, 65535),
    declareOutgoingQueue: r.bool('declare_outgoing_queue', true),
    tls,
    grouping: r.bool('grouping', true),
    sendTimeoutMs: r.int('send_timeout', 10_000, 1, 600_000),
    json: parseJsonFormat(settings.json, LABEL, log),
  };
}

/** The message body for one batch: an array when grouping (as Janus, even of one), else the one event. */
export function rabbitBody(batch: readonly JsonObject[], s: Pick<RabbitSettings, 'grouping' | 'json'>): string[] {
  return s.grouping ? [formatJson(batch, s.json)] : batch.map((event) => formatJson(event, s.json));
}

interface Conn {
  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
}

/** One connection attempt: connect, a confirm channel, Janus's declarations; anything failing closes it again. */
function open(s: RabbitSettings, signal: AbortSignal): Promise<Conn> {
  return connectAmqp(s, signal, async (model) => {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => undefined);
    if (s.exchange !== '') await channel.assertExchange(s.exchange, s.exchangeType, { durable: false, autoDelete: false, internal: false });
    if (s.declareOutgoingQueue) await channel.assertQueue(s.routeKey, { durable: false, exclusive: false, autoDelete: false });
    return { model, channel };
  });
}

function hooks(s: RabbitSettings, log: Logger): LinkHooks<Conn> {
  return {
    open: (signal) => open(s, signal),
    watch: (conn, lost) => watchAmqp(conn, lost, LABEL, log),
    close: (conn, graceful) => closeAmqp(conn, graceful, LABEL),
  };
}

function publish(channel: ConfirmChannel, s: RabbitSettings, body: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // The callback runs when the broker confirms (or nacks) the message, or with an error when the channel closes first.
    channel.publish(s.exchange, s.routeKey, Buffer.from(body), { contentType: 'application/json' }, (err) => {
      if (err) reject(err instanceof Error ? err : new Error(`${LABEL}: the broker refused the message`));
      else resolve();
    });
  });
}

/** The RabbitMQ event handler from its settings (Janus's names, docs/events-brokers.md); starts connecting at once. */
export function fromSettings(settings: BackendSettings, log: Logger, options: { baseDir?: string; backoff?: Backoff } = {}): EventBackend {
  const s = parseRabbitSettings(settings, log, options.baseDir);
  return brokerBackend<Conn>(
    {
      name: RABBITMQ_PACKAGE,
      label: LABEL,
      target: s.target,
      sendTimeoutMs: s.sendTimeoutMs,
      hooks: hooks(s, log),
      publish: async (conn, batch) => {
        await Promise.all(rabbitBody(batch, s).map((body) => publish(conn.channel, s, body)));
      },
    },
    log,
    options.backoff,
  );
}
