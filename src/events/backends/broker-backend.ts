// An event handler backend over a BrokerLink (src/brokers): connecting from the start, a send refused while the
// broker is away or past its time-out, the dispatcher waiting for the link before it sends.
import type { JsonObject } from '../../core/validate.js';
import { BrokerLink, withTimeout, type Backoff, type LinkHooks } from '../../brokers/broker-link.js';
import type { Logger } from '../../logging/logger.js';
import type { EventBackend } from '../event-backend.js';

export interface BrokerBackendSpec<C> {
  /** The handler's package name (janus.eventhandler.mqttevh …). */
  readonly name: string;
  /** Who speaks in log lines and errors ("MQTT event handler"). */
  readonly label: string;
  /** Where it connects, for log lines (a URL without credentials). */
  readonly target: string;
  readonly sendTimeoutMs: number;
  readonly hooks: LinkHooks<C>;
  /** Publishes one batch on a live connection; resolves when the broker took all of it. */
  publish(conn: C, batch: readonly JsonObject[]): Promise<void>;
}

/** An EventBackend over a BrokerLink: connecting from now on, sends refused while down or past the timeout. */
export function brokerBackend<C>(spec: BrokerBackendSpec<C>, log: Logger, backoff?: Backoff): EventBackend {
  const link = new BrokerLink(spec.label, spec.target, spec.hooks, log, backoff);
  link.start();
  return {
    name: spec.target,
    send: async (batch) => {
      const conn = link.connection();
      await withTimeout(spec.publish(conn, batch), spec.sendTimeoutMs, `${spec.label}: publishing to ${spec.target}`);
    },
    close: () => link.close(),
    // While the broker is away, events wait in the dispatcher's queue (bounded) rather than spending retries.
    whenReady: () => link.whenUp(),
    status: () => link.status(),
  };
}
