// AMQP 0-9-1 connections for the RabbitMQ event handler and the RabbitMQ transport: the amqplib package opens the
// TCP or TLS socket itself (it cannot take one from the network layer: accepted for client libraries,
// docs/architecture.md); BrokerLink reconnects.
import { connect, type Channel, type ChannelModel, type Options } from 'amqplib';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import { withTimeout } from './broker-link.js';
import { loadTls, type BrokerTls } from './broker-settings.js';

/** Where and how an AMQP connection is made (the event handler's and the RabbitMQ transport's settings). */
export interface AmqpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly vhost: string;
  readonly heartbeatSeconds: number;
  readonly tls?: BrokerTls;
}

/**
 * One AMQP connection: closed again when `signal` aborts before `setup` finishes, or when `setup` fails. Until
 * the caller's watcher takes over, its error events are swallowed so that none goes unhandled.
 */
export async function connectAmqp<T>(s: AmqpEndpoint, signal: AbortSignal, setup: (model: ChannelModel) => Promise<T>): Promise<T> {
  const socket: Record<string, unknown> = { timeout: 10_000, noDelay: true };
  if (s.tls) {
    Object.assign(socket, await loadTls(s.tls));
    socket.rejectUnauthorized = s.tls.verifyPeer;
    if (!s.tls.verifyHostname) socket.checkServerIdentity = () => undefined;
  }
  signal.throwIfAborted();
  const url: Options.Connect = {
    protocol: s.tls ? 'amqps' : 'amqp',
    hostname: s.host,
    port: s.port,
    username: s.username,
    password: s.password,
    // amqplib unescapes the vhost of a URL; escaping it here keeps the name as written.
    vhost: encodeURIComponent(s.vhost),
    heartbeat: s.heartbeatSeconds,
    frameMax: 131072,
  };
  const model = await connect(url, socket);
  const onAbort = (): void => void model.close().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  model.on('error', () => undefined);
  try {
    const done = await setup(model);
    signal.throwIfAborted();
    return done;
  } catch (err) {
    await model.close().catch(() => undefined);
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** A connection and the one channel used on it. */
export interface AmqpConn {
  readonly model: ChannelModel;
  readonly channel: Channel;
}

/** A BrokerLink's watch hook: `lost` once the connection or its channel closes, with the best reason known. */
export function watchAmqp(conn: AmqpConn, lost: (reason: string) => void, label: string, log: Logger): void {
  let problem = 'connection closed';
  const note = (err: unknown): void => {
    if (err) problem = errorText(err);
  };
  conn.model.on('error', note);
  conn.channel.on('error', note);
  conn.model.on('close', (err?: Error) => lost(err ? errorText(err) : problem));
  // A channel error (a refused declaration, say) closes only the channel: start over on a new connection.
  // When the whole connection went, its own close (right after) names the cause better.
  conn.channel.on('close', () => setImmediate(() => lost(`channel closed: ${problem}`)));
  conn.model.on('blocked', (reason: string) => log.warn(`${label}: the broker blocks publishing: ${reason}`));
}

/** A BrokerLink's close hook; close() on a connection that is already gone rejects, which is fine here. */
export async function closeAmqp(conn: AmqpConn, graceful: boolean, label: string): Promise<void> {
  const done = graceful ? conn.channel.close().then(() => conn.model.close()) : conn.model.close();
  await withTimeout(done, 2_000, `${label}: closing`).catch(() => undefined);
}
