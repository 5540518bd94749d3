// The Janus API and the Admin API over a message broker (MQTT, RabbitMQ, NATS), as Janus's MQTT and RabbitMQ
// transports: one broker connection, kept up by the event handlers' BrokerLink (reconnecting with back-off),
// is one transport instance in Janus's sense. Every session created through it sends its events to the one
// outgoing topic/queue/subject, and sessions outlive a lost broker connection (they time out as usual when the
// application stops sending keep-alives). Each broker's file (mqtt-, rabbitmq-, nats-transport.ts) says how a
// connection is opened, how requests arrive and how a message is published; the broker client libraries open
// the sockets, as the broker event handlers' do.
import type { AdminApi } from '../core/admin.js';
import { ErrorCode, JanusError } from '../core/errors.js';
import { EventSubtype, EventType, transportInstanceId } from '../core/event-notifier.js';
import type { EventSink } from '../core/event-sink.js';
import type { Gateway } from '../core/gateway.js';
import { LogThrottle } from '../core/log-throttle.js';
import type { JsonObject } from '../core/validate.js';
import { BrokerLink, type Backoff, type LinkHooks } from '../brokers/broker-link.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import { parseJsonRequest, serializeForClient, unparsableReply } from './json-body.js';
import type { TweakableTransport } from './transport-tweaks.js';

/** Which API a message belongs to: each has its own incoming and outgoing topic, queue or subject. */
export type BrokerApi = 'janus' | 'admin';

/** What one broker's file provides; `R` is what a request carries for its reply (a response topic, a correlation id). */
export interface BrokerWire<C, R> {
  /** janus.transport.mqtt … */
  readonly package: string;
  /** Who speaks in log lines ("MQTT transport"). */
  readonly label: string;
  /** Where it connects, for log lines (no credentials). */
  readonly target: string;
  /** Whether requests for each API are taken (Janus's `enabled` and `admin_enabled`). */
  readonly apis: readonly BrokerApi[];
  readonly hooks: LinkHooks<C>;
  /** Starts taking requests on a new connection (subscribe, consume); each one goes to `incoming`. */
  listen(conn: C, incoming: (api: BrokerApi, body: Uint8Array, reply: R | undefined) => void): Promise<void>;
  /** Publishes one reply (with what its request carried) or event (`reply` undefined). */
  publish(conn: C, api: BrokerApi, text: string, reply: R | undefined): Promise<void>;
  /** For the log line once up: where requests are read and answers written. */
  readonly routes: string;
  /** What info's `transports` says of it. */
  readonly name: string;
  readonly description: string;
}

export interface BrokerTransportSettings {
  json: string;
  notifyEvents: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class BrokerTransport<C, R> {
  private readonly log: Logger;
  private readonly link: BrokerLink<C>;
  private readonly dropLog = new LogThrottle(10_000);
  private readonly sink: EventSink;
  private listening = false;

  constructor(
    private readonly gateway: Gateway,
    private readonly admin: AdminApi | undefined,
    private readonly wire: BrokerWire<C, R>,
    readonly settings: BrokerTransportSettings,
    log: Logger,
    backoff?: Backoff,
  ) {
    this.log = log.child({ component: 'transport' });
    // The one instance every session created over this broker belongs to.
    this.sink = {
      transport: wire.package,
      peer: `${wire.label} ${wire.target}`,
      deliver: (_sessionId, message) => this.send('janus', message, undefined),
    };
    const hooks: LinkHooks<C> = {
      open: (signal) => wire.hooks.open(signal),
      watch: (conn, lost) => {
        let gone = false;
        wire.hooks.watch(conn, (reason) => {
          if (gone) return;
          gone = true;
          this.listening = false;
          // As Janus: the handlers hear that the transport is reconnecting.
          this.transportEvent({ event: 'reconnecting' });
          lost(reason);
        });
      },
      ready: (conn) => {
        wire.hooks.ready?.(conn);
        void this.startListening(conn);
      },
      close: (conn, graceful) => wire.hooks.close(conn, graceful),
    };
    this.link = new BrokerLink(wire.label, wire.target, hooks, this.log, backoff);
  }

  get package(): string {
    return this.wire.package;
  }
  get name(): string {
    return this.wire.name;
  }
  get description(): string {
    return this.wire.description;
  }

  start(): void {
    this.log.info(`${this.wire.label}: connecting to ${this.wire.target} (${this.wire.routes})`);
    this.link.start();
  }

  /** What query_transport and `connections` say: 1 while the broker connection carries requests. */
  tweakable(): TweakableTransport {
    const settings = this.settings;
    return {
      get notifyEvents() {
        return settings.notifyEvents;
      },
      set notifyEvents(on: boolean) {
        settings.notifyEvents = on;
      },
      setJsonStyle: (style) => (settings.json = style),
      connections: () => ({ connections: this.listening ? 1 : 0, broker: this.link.status() }),
    };
  }

  /** Closes the broker connection after what is being published; the sessions it created lose their transport. */
  async close(): Promise<void> {
    this.gateway.transportGone(this.sink);
    await this.link.close();
    this.listening = false;
  }

  private async startListening(conn: C): Promise<void> {
    try {
      await this.wire.listen(conn, (api, body, reply) => this.incoming(api, body, reply));
      this.listening = true;
      this.log.info(`${this.wire.label}: taking requests (${this.wire.routes})`);
      this.transportEvent({ event: 'connected' });
    } catch (err) {
      // A refused subscription or queue: start over on a new connection rather than stay deaf.
      this.log.error(`${this.wire.label}: cannot take requests on ${this.wire.target}: ${errorText(err)}; reconnecting`);
      await this.wire.hooks.close(conn, false).catch(() => undefined);
    }
  }

  private incoming(api: BrokerApi, body: Uint8Array, reply: R | undefined): void {
    let request: unknown;
    try {
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        throw new JanusError(ErrorCode.INVALID_JSON, 'JSON error: the message is not UTF-8 text');
      }
      if (text.trim() === '') throw new JanusError(ErrorCode.INVALID_JSON, 'JSON error: empty message');
      request = parseJsonRequest(text);
    } catch (err) {
      this.send(api, unparsableReply(err), reply);
      return;
    }
    if (api === 'admin') {
      if (this.admin) void this.admin.handle(request).then((answer) => this.send('admin', answer, reply));
    } else void this.gateway.handle(this.sink, request, (answer) => this.send('janus', answer, reply));
  }

  private send(api: BrokerApi, message: JsonObject, reply: R | undefined): void {
    const text = serializeForClient(message, this.settings.json, (err) => this.gateway.internalFault('message not serializable', err, { transport: this.wire.package }));
    if (text === undefined) return;
    let conn: C;
    try {
      conn = this.link.connection();
    } catch (err) {
      // Nothing is kept for later, as Janus: the application asks again (keep-alives, its own time-outs).
      this.dropped(`${errorText(err)}: a message was dropped`);
      return;
    }
    this.wire.publish(conn, api, text, reply).catch((err: unknown) => this.dropped(`${this.wire.label}: publishing failed: ${errorText(err)}`));
  }

  private dropped(line: string): void {
    this.dropLog.run((held) => this.log.warn(`${line}${held > 0 ? ` (and ${held} more since the last warning)` : ''}`));
  }

  /** Janus's transport event (type 128): this transport, its instance id, what happened. */
  private transportEvent(data: JsonObject): void {
    const events = this.gateway.events;
    if (!this.settings.notifyEvents || !events.wants(EventType.TRANSPORT)) return;
    events.notify(EventType.TRANSPORT, EventSubtype.NONE, { transport: this.wire.package, id: transportInstanceId(this.sink), data });
  }
}
