// The Janus API over NATS, in the shape of Janus's RabbitMQ transport (Janus has no NATS one): requests arrive on
// the subject to_janus (Admin API: to_janus_admin), in queue_group when one is set; a request that carries a
// reply subject (NATS request-reply, as nc.request sends) is answered there, any other on from_janus
// (from_janus_admin); every session's events go to from_janus. The connection is the NATS event handler's
// (natsHooks), kept up by BrokerLink.
import type { NatsConnection } from 'nats';
import { SettingsReader, type BackendSettings } from '../brokers/broker-settings.js';
import { checkSubject, natsHooks, parseNatsConnection } from '../brokers/nats-client.js';
import type { Logger } from '../logging/logger.js';
import type { BrokerApi, BrokerWire } from './broker-transport.js';

export const NATS_TRANSPORT_PACKAGE = 'janus.transport.nats';
const LABEL = 'NATS transport';

/** The NATS transport's wire from the `nats` section. */
export function natsWire(section: BackendSettings, log: Logger, baseDir?: string): BrokerWire<NatsConnection, string> {
  const r = new SettingsReader(section, LABEL);
  const connection = parseNatsConnection(r, log, LABEL, baseDir);
  const subject = (key: string, fallback: string): string => checkSubject(r, key, r.string(key, fallback));
  const routes: Record<BrokerApi, { to: string; from: string }> = {
    janus: { to: subject('to_janus', 'to-janus'), from: subject('from_janus', 'from-janus') },
    admin: { to: subject('to_janus_admin', 'to-janus-admin'), from: subject('from_janus_admin', 'from-janus-admin') },
  };
  const queueGroup = r.string('queue_group');
  if (queueGroup !== undefined && /[\s*>]/.test(queueGroup)) r.fail('queue_group', `is not a queue group name: ${JSON.stringify(queueGroup)}`);
  const apis: BrokerApi[] = [];
  if (r.bool('enabled', false)) apis.push('janus');
  if (r.bool('admin_enabled', false)) apis.push('admin');
  if (apis.length === 2 && routes.janus.to === routes.admin.to) r.fail('to_janus_admin', 'must differ from to_janus: the Janus API and the Admin API cannot share a subject');
  return {
    package: NATS_TRANSPORT_PACKAGE,
    label: LABEL,
    name: 'Portunus NATS transport plugin',
    description: 'The Janus API (and Admin API) over a NATS server',
    target: connection.target,
    apis,
    routes: apis.map((api) => `${api === 'admin' ? 'Admin API' : 'Janus API'}: ${routes[api].to} → ${routes[api].from} or the reply subject`).join(', '),
    hooks: natsHooks(connection, log, LABEL),
    listen: async (nc, incoming) => {
      for (const api of apis) {
        nc.subscribe(routes[api].to, {
          ...(queueGroup !== undefined ? { queue: queueGroup } : {}),
          callback: (err, msg) => {
            if (err) return; // a subscription error ends the connection: its close follows
            incoming(api, msg.data, msg.reply === '' ? undefined : msg.reply);
          },
        });
      }
      // The server has the subscriptions once it answers a PING sent after them.
      await nc.flush();
    },
    publish: async (nc, api, text, reply) => {
      nc.publish(reply ?? routes[api].from, text);
      await Promise.resolve();
    },
  };
}
