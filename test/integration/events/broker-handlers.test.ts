// The broker event handlers wired into the server: a Portunus started from a Janus configuration folder with
// janus.eventhandler.mqttevh.jcfg, janus.eventhandler.rabbitmqevh.jcfg and janus.eventhandler.natsevh.jcfg (as a
// Janus user writes them) publishes the events of a session and a handle to mosquitto, rabbitmq-server and
// nats-server on loopback, each event in Janus's schema; get_status reports each handler connected.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as amqpConnect, type ConsumeMessage } from 'amqplib';
import { connect as mqttConnect } from 'mqtt';
import { connect as natsConnect } from 'nats';
import { freePorts } from '../../../support/free-ports.js';
import { waitFor } from '../../../support/wait.js';
import { Cleanup, missing, MOSQUITTO, NATS_SERVER, RABBITMQ_SERVER, startMosquitto, startNatsServer, startRabbitMq, type Broker } from '../../helpers/brokers.js';
import { startChildServer } from '../../helpers/child-server.js';
import { janusEventProblems } from '../../helpers/janus-event-schema.js';

type JanusEvent = Record<string, unknown> & { type: number; session_id?: number };

const skip = missing(MOSQUITTO) || missing(RABBITMQ_SERVER) || missing(NATS_SERVER);

function folder(ports: { mqtt: number; rabbit: number; nats: number }): string {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-janus-brokers-'));
  writeFileSync(join(dir, 'janus.jcfg'), 'general: { server_name = "brokers-test" }\nevents: {\n  broadcast = true\n  disable = "libjanus_sampleevh.so,libjanus_wsevh.so"\n}\n');
  writeFileSync(
    join(dir, 'janus.eventhandler.mqttevh.jcfg'),
    `general: {\n  enabled = true\n  events = "sessions, handles"\n  json = "indented"\n  url = "tcp://127.0.0.1:${ports.mqtt}"\n  client_id = "portunus-brokers-test"\n  topic = "/janus/events"\n  addevent = true\n  qos = 1\n}\n`,
  );
  writeFileSync(
    join(dir, 'janus.eventhandler.rabbitmqevh.jcfg'),
    `general: {\n  enabled = true\n  events = "sessions, handles"\n  grouping = true\n  host = "127.0.0.1"\n  port = ${ports.rabbit}\n  username = "guest"\n  password = "guest"\n  route_key = "janus-events"\n}\n`,
  );
  writeFileSync(
    join(dir, 'janus.eventhandler.natsevh.jcfg'),
    `general: {\n  enabled = true\n  events = "sessions, handles"\n  url = "nats://127.0.0.1:${ports.nats}"\n  subject = "janus.events"\n  addevent = true\n}\n`,
  );
  return dir;
}

describe('broker event handlers in the server', { skip, timeout: 180_000 }, () => {
  const cleanup = new Cleanup();
  let mqtt: Broker;
  let rabbit: Broker;
  let nats: Broker;

  before(async () => {
    [mqtt, rabbit, nats] = await Promise.all([startMosquitto(), startRabbitMq(), startNatsServer()]);
    cleanup.add(mqtt, (b) => b.stop());
    cleanup.add(rabbit, (b) => b.stop());
    cleanup.add(nats, (b) => b.stop());
  });
  after(() => cleanup.run());

  test("a session and a handle reach mosquitto, RabbitMQ and NATS in Janus's format", async () => {
    const steps = new Cleanup();
    try {
      const fromMqtt: { topic: string; event: JanusEvent }[] = [];
      const mc = steps.add(mqttConnect({ host: '127.0.0.1', port: mqtt.port, reconnectPeriod: 0, clientId: 'brokers-test-sub' }), (c) => c.endAsync());
      await new Promise<void>((resolve, reject) => {
        mc.once('connect', () => resolve());
        mc.once('error', reject);
      });
      mc.on('message', (topic, payload) => {
        if (!topic.endsWith('/status')) fromMqtt.push({ topic, event: JSON.parse(payload.toString()) as JanusEvent });
      });
      await mc.subscribeAsync('/janus/events/#', { qos: 1 });

      const fromRabbit: JanusEvent[][] = [];
      const model = steps.add(await amqpConnect({ hostname: '127.0.0.1', port: rabbit.port, username: 'guest', password: 'guest' }), (m) => m.close().catch(() => undefined));
      model.on('error', () => undefined);
      const channel = await model.createChannel();
      await channel.assertQueue('janus-events', { durable: false, exclusive: false, autoDelete: false });
      await channel.consume('janus-events', (m: ConsumeMessage | null) => m && fromRabbit.push(JSON.parse(m.content.toString()) as JanusEvent[]), { noAck: true });

      const fromNats: { subject: string; events: JanusEvent[] }[] = [];
      const nc = steps.add(await natsConnect({ servers: `127.0.0.1:${nats.port}`, reconnect: false }), (c) => c.close());
      const sub = nc.subscribe('janus.events.>');
      void (async () => {
        for await (const m of sub) fromNats.push({ subject: m.subject, events: [m.json()].flat() as JanusEvent[] });
      })();
      await nc.flush();

      const dir = steps.add(folder({ mqtt: mqtt.port, rabbit: rabbit.port, nats: nats.port }), (d) => rmSync(d, { recursive: true, force: true }));
      const [adminPort] = await freePorts(1);
      const srv = steps.add(await startChildServer(['--janus-config', dir, '--http.admin_http=true', `--http.admin_port=${adminPort}`, '--general.admin_secret=s3cret']), (s) => s.stop());
      await waitFor(() => /MQTT event handler: connected/.test(srv.log()) && /RabbitMQ event handler: connected/.test(srv.log()) && /NATS event handler: connected/.test(srv.log()), {
        timeout: 20_000,
        what: 'the three handlers connected',
      });

      const call = async (url: string, body: object): Promise<Record<string, unknown>> =>
        (await (await fetch(url, { method: 'POST', body: JSON.stringify({ transaction: 't', ...body }) })).json()) as Record<string, unknown>;
      const created = (await call(srv.restUrl, { janus: 'create' })) as { data: { id: number } };
      const session = created.data.id;
      const attached = (await call(`${srv.restUrl}/${session}`, { janus: 'attach', plugin: 'janus.plugin.echotest' })) as { data: { id: number } };
      await call(`${srv.restUrl}/${session}/${attached.data.id}`, { janus: 'detach' });
      await call(`${srv.restUrl}/${session}`, { janus: 'destroy' });

      const ours = (e: JanusEvent): boolean => e.session_id === session;
      // Session created and destroyed (type 1), handle attached and detached (type 2), in each broker.
      const complete = (events: JanusEvent[]): boolean => events.filter(ours).length >= 4;
      await waitFor(() => complete(fromMqtt.map((m) => m.event)) && complete(fromRabbit.flat()) && complete(fromNats.flatMap((m) => m.events)), {
        timeout: 15_000,
        what: "the session's events in all three brokers",
      });
      const all = [...fromMqtt.map((m) => m.event), ...fromRabbit.flat(), ...fromNats.flatMap((m) => m.events)].filter(ours);
      // mqttevh adds Janus's `eventtype` name to each event; the rest is the event as every handler sends it.
      for (const e of all) {
        const { eventtype: _eventtype, ...event } = e;
        assert.deepEqual(janusEventProblems(event), [], JSON.stringify(e));
      }
      assert.ok(all.every((e) => e.emitter === 'brokers-test'));
      const names = (events: JanusEvent[]): string[] => events.filter(ours).map((e) => `${e.type}:${String((e.event as { name: string }).name)}`);
      for (const list of [fromMqtt.map((m) => m.event), fromRabbit.flat(), fromNats.flatMap((m) => m.events)]) assert.deepEqual(names(list), ['1:created', '2:attached', '2:detached', '1:destroyed']);

      // MQTT: one message per event on topic/<type>, with Janus's eventtype; NATS: subject.<type>.
      assert.deepEqual([...new Set(fromMqtt.filter((m) => ours(m.event)).map((m) => m.topic))].sort(), ['/janus/events/handles', '/janus/events/sessions']);
      assert.ok(fromMqtt.filter((m) => ours(m.event)).every((m) => typeof m.event.eventtype === 'string'));
      assert.deepEqual([...new Set(fromNats.filter((m) => m.events.some(ours)).map((m) => m.subject))].sort(), ['janus.events.handles', 'janus.events.sessions']);

      const status = (await call(`http://127.0.0.1:${adminPort}/admin`, { janus: 'get_status', admin_secret: 's3cret' })) as { status: { event_handlers?: Record<string, Record<string, unknown>> } };
      const handlers = status.status.event_handlers ?? {};
      for (const pkg of ['janus.eventhandler.mqttevh', 'janus.eventhandler.rabbitmqevh', 'janus.eventhandler.natsevh'])
        assert.equal(handlers[pkg]?.connected, true, `${pkg}: ${JSON.stringify(handlers)}`);
    } finally {
      await steps.run();
    }
  });
});
