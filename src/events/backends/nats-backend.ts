// A NATS event handler in the style of Janus's RabbitMQ one (Janus has none): a batch is published on `subject`
// as a JSON array when grouping is on, one message per event when it is off; with addevent each event type goes
// to `subject.<type label>` (grouped per type). A send resolves once the server has answered a PING sent after
// the messages, so it has taken them. The nats package opens the TCP or TLS socket (docs/events-brokers.md).
import type { NatsConnection } from 'nats';
import type { JsonObject } from '../../core/validate.js';
import type { Backoff } from '../../brokers/broker-link.js';
import { SettingsReader, type BackendSettings } from '../../brokers/broker-settings.js';
import { checkSubject, natsHooks, parseNatsConnection, type NatsConnectionSettings } from '../../brokers/nats-client.js';
import type { Logger } from '../../logging/logger.js';
import type { EventBackend } from '../event-backend.js';
import { brokerBackend } from './broker-backend.js';
import { eventTypeLabel } from './event-labels.js';
import { formatJson, parseJsonFormat, type JsonFormat } from './json-format.js';

export const NATS_PACKAGE = 'janus.eventhandler.natsevh';
const LABEL = 'NATS event handler';

export interface NatsSettings extends NatsConnectionSettings {
  readonly subject: string;
  readonly addEvent: boolean;
  readonly grouping: boolean;
  readonly sendTimeoutMs: number;
  readonly json: JsonFormat;
}

/** Reads the natsevh settings; throws BackendSettingsError on a value that cannot work. */
export function parseNatsSettings(settings: BackendSettings, log: Logger, baseDir?: string): NatsSettings {
  const r: SettingsReader = new SettingsReader(settings, LABEL);
  return {
    ...parseNatsConnection(r, log, LABEL, baseDir),
    subject: checkSubject(r, 'subject', r.string('subject', 'janus.events')),
    addEvent: r.bool('addevent', false),
    grouping: r.bool('grouping', true),
    sendTimeoutMs: r.int('send_timeout', 10_000, 1, 600_000),
    json: parseJsonFormat(settings.json, LABEL, log),
  };
}

/** The messages for one batch: [subject, text] pairs, in the order of the batch's first event of each. */
export function natsMessages(batch: readonly JsonObject[], s: Pick<NatsSettings, 'subject' | 'addEvent' | 'grouping' | 'json'>): [string, string][] {
  const bySubject = new Map<string, JsonObject[]>();
  for (const event of batch) {
    const label = s.addEvent ? eventTypeLabel(event.type) : undefined;
    const subject = label === undefined ? s.subject : `${s.subject}.${label}`;
    let list = bySubject.get(subject);
    if (list === undefined) bySubject.set(subject, (list = []));
    list.push(event);
  }
  const out: [string, string][] = [];
  for (const [subject, events] of bySubject) {
    if (s.grouping) out.push([subject, formatJson(events, s.json)]);
    else for (const event of events) out.push([subject, formatJson(event, s.json)]);
  }
  return out;
}

/** The NATS event handler from its settings (docs/events-brokers.md); starts connecting at once. */
export function fromSettings(settings: BackendSettings, log: Logger, options: { baseDir?: string; backoff?: Backoff } = {}): EventBackend {
  const s = parseNatsSettings(settings, log, options.baseDir);
  return brokerBackend<NatsConnection>(
    {
      name: NATS_PACKAGE,
      label: LABEL,
      target: s.target,
      sendTimeoutMs: s.sendTimeoutMs,
      hooks: natsHooks(s, log, LABEL),
      publish: async (nc, batch) => {
        for (const [subject, text] of natsMessages(batch, s)) nc.publish(subject, text);
        // The server answers a PING only after it has read everything sent before it.
        await nc.flush();
      },
    },
    log,
    options.backoff,
  );
}
