// An application driving Portunus's broker transports the way one drives Janus's: the npm mqtt, amqplib and nats
// libraries as clients, requests published on to-janus (to-janus-admin), replies and events read from
// from-janus (from-janus-admin). One scenario runs the Janus API session flow over any of them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { connect as mqttConnect } from 'mqtt';
import { connect as natsConnect } from 'nats';
import { waitFor } from '../../support/wait.js';

export type Api = 'janus' | 'admin';
type Json = Record<string, unknown>;

/** One application connection: raw sends, and every message received on the outgoing side, per API. */
export interface BrokerApiClient {
  send(api: Api, body: string): Promise<void>;
  readonly received: Record<Api, Json[]>;
  close(): Promise<void>;
}

const TOPICS = { janus: { to: 'to-janus', from: 'from-janus' }, admin: { to: 'to-janus-admin', from: 'from-janus-admin' } } as const;

function collector(): Record<Api, Json[]> {
  return { janus: [], admin: [] };
}

function push(into: Json[], payload: Uint8Array): void {
  into.push(JSON.parse(Buffer.from(payload).toString('utf8')) as Json);
}

export async function mqttClient(port: number): Promise<BrokerApiClient> {
  const received = collector();
  const client = mqttConnect({ host: '127.0.0.1', port, reconnectPeriod: 0, clientId: `app-${randomUUID()}` });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('message', (topic, payload) => push(topic === TOPICS.admin.from ? received.admin : received.janus, payload));
  await client.subscribeAsync([TOPICS.janus.from, TOPICS.admin.from], { qos: 1 });
  return {
    received,
    send: async (api, body) => void (await client.publishAsync(TOPICS[api].to, body, { qos: 1 })),
    close: () => client.endAsync(),
  };
}

export async function rabbitClient(port: number): Promise<BrokerApiClient> {
  const received = collector();
  const model = await amqpConnect({ protocol: 'amqp', hostname: '127.0.0.1', port, username: 'guest', password: 'guest' });
  model.on('error', () => undefined);
  const channel = await model.createChannel();
  channel.on('error', () => undefined);
  for (const api of ['janus', 'admin'] as const) {
    // Declared as the transport declares them, so that whichever comes first the other finds them alike.
    await channel.assertQueue(TOPICS[api].to, { durable: false, exclusive: false, autoDelete: false });
    await channel.assertQueue(TOPICS[api].from, { durable: false, exclusive: false, autoDelete: false });
    await channel.consume(
      TOPICS[api].from,
      (msg) => {
        if (msg === null) return;
        assert.equal(msg.properties.contentType, 'application/json');
        const body = JSON.parse(msg.content.toString('utf8')) as Json;
        // As Janus: the request's correlation id comes back on its reply.
        if (msg.properties.correlationId !== undefined) body['#correlation'] = msg.properties.correlationId;
        received[api].push(body);
      },
      { noAck: true },
    );
  }
  return {
    received,
    send: async (api, body) => {
      const tx = /"transaction"\s*:\s*"([^"]*)"/.exec(body)?.[1];
      channel.sendToQueue(TOPICS[api].to, Buffer.from(body), tx !== undefined ? { correlationId: `corr-${tx}` } : {});
      await Promise.resolve();
    },
    close: async () => {
      await channel.close().catch(() => undefined);
      await model.close().catch(() => undefined);
    },
  };
}

export async function natsClient(port: number): Promise<BrokerApiClient & { request(body: Json): Promise<Json> }> {
  const received = collector();
  const nc = await natsConnect({ servers: `127.0.0.1:${port}`, reconnect: false });
  for (const api of ['janus', 'admin'] as const) nc.subscribe(TOPICS[api].from, { callback: (_err, msg) => push(received[api], msg.data) });
  await nc.flush();
  return {
    received,
    send: async (api, body) => {
      nc.publish(TOPICS[api].to, body);
      await nc.flush();
    },
    // NATS request-reply: the answer comes on the request's own reply subject.
    request: async (body) => JSON.parse(Buffer.from((await nc.request(TOPICS.janus.to, JSON.stringify(body), { timeout: 5_000 })).data).toString('utf8')) as Json,
    close: async () => {
      await nc.close();
    },
  };
}

/** Sends one request and resolves with the first message that names its transaction. */
export async function call(client: BrokerApiClient, api: Api, body: Json, what = String(body.janus)): Promise<Json> {
  const transaction = randomUUID();
  await client.send(api, JSON.stringify({ ...body, transaction }));
  let found: Json | undefined;
  await waitFor(() => (found = client.received[api].find((m) => m.transaction === transaction)) !== undefined, { timeout: 10_000, what: `a reply to ${what}` });
  return found as Json;
}

/** Resolves with the first message `pick` accepts (waiting up to 10 s). */
export async function nextMessage(client: BrokerApiClient, api: Api, pick: (m: Json) => boolean, what: string): Promise<Json> {
  let found: Json | undefined;
  await waitFor(() => (found = client.received[api].find(pick)) !== undefined, { timeout: 10_000, what });
  return found as Json;
}

/**
 * The Janus API flow: create, attach the EchoTest, a message (its event arrives asynchronously), trickle,
 * keep-alive; returns the session and handle, left open for the caller to go on with.
 */
export async function openEchoSession(client: BrokerApiClient): Promise<{ session: number; handle: number }> {
  const created = await call(client, 'janus', { janus: 'create' });
  assert.equal(created.janus, 'success', JSON.stringify(created));
  const session = (created.data as { id: number }).id;
  const attached = await call(client, 'janus', { janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest' });
  assert.equal(attached.janus, 'success', JSON.stringify(attached));
  const handle = (attached.data as { id: number }).id;
  const tx = randomUUID();
  await client.send('janus', JSON.stringify({ janus: 'message', session_id: session, handle_id: handle, transaction: tx, body: { audio: true, video: true } }));
  const ack = await nextMessage(client, 'janus', (m) => m.transaction === tx, 'the ack of a message');
  assert.equal(ack.janus, 'ack');
  const event = await nextMessage(client, 'janus', (m) => m.transaction === tx && m.janus === 'event', "the EchoTest's event");
  assert.equal(event.sender, handle);
  assert.equal((event.plugindata as { plugin: string }).plugin, 'janus.plugin.echotest');
  const trickled = await call(client, 'janus', { janus: 'trickle', session_id: session, handle_id: handle, candidate: { completed: true } });
  assert.equal(trickled.janus, 'ack', JSON.stringify(trickled));
  const kept = await call(client, 'janus', { janus: 'keepalive', session_id: session });
  assert.equal(kept.janus, 'ack', JSON.stringify(kept));
  return { session, handle };
}

/** Detach (its `detached` event arrives as an event of the session) and destroy. */
export async function closeEchoSession(client: BrokerApiClient, ids: { session: number; handle: number }): Promise<void> {
  const detached = await call(client, 'janus', { janus: 'detach', session_id: ids.session, handle_id: ids.handle });
  assert.equal(detached.janus, 'success', JSON.stringify(detached));
  await nextMessage(client, 'janus', (m) => m.janus === 'detached' && m.sender === ids.handle, 'the detached event');
  const destroyed = await call(client, 'janus', { janus: 'destroy', session_id: ids.session });
  assert.equal(destroyed.janus, 'success', JSON.stringify(destroyed));
}

/** Bad input over the broker: Janus-style errors, and the transport keeps serving. */
export async function badRequests(client: BrokerApiClient): Promise<void> {
  const before = client.received.janus.length;
  await client.send('janus', '{"janus": "create", oops');
  const bad = await nextMessage(client, 'janus', (m) => client.received.janus.indexOf(m) >= before && m.janus === 'error' && (m.error as { code: number }).code === 454, 'error 454 for bad JSON');
  assert.match((bad.error as { reason: string }).reason, /JSON error/);
  await client.send('janus', Buffer.from([0xff, 0xfe, 0x00]).toString('latin1'));
  const unknown = await call(client, 'janus', { janus: 'no-such-request' });
  assert.equal((unknown.error as { code: number }).code, 457, 'unhandled at this path');
  const noSession = await call(client, 'janus', { janus: 'keepalive', session_id: 1 });
  assert.equal((noSession.error as { code: number }).code, 458);
  const notObject = client.received.janus.length;
  await client.send('janus', '[1, 2, 3]');
  await nextMessage(client, 'janus', (m) => client.received.janus.indexOf(m) >= notObject && m.janus === 'error', 'an error for a JSON array');
  const info = await call(client, 'janus', { janus: 'info' });
  assert.equal(info.janus, 'server_info');
}

/** The Admin API: list_sessions names `session`; a bad admin request gets an error. */
export async function adminRequests(client: BrokerApiClient, session: number, transport: string): Promise<void> {
  const listed = await call(client, 'admin', { janus: 'list_sessions' });
  assert.equal(listed.janus, 'success', JSON.stringify(listed));
  assert.ok((listed.sessions as number[]).includes(session), JSON.stringify(listed));
  const queried = await call(client, 'admin', { janus: 'query_transport', transport, request: { request: 'connections' } });
  assert.equal(queried.janus, 'success', JSON.stringify(queried));
  assert.equal((queried.response as { connections: number }).connections, 1);
  const bad = await call(client, 'admin', { janus: 'no-such-admin-request' });
  assert.equal(bad.janus, 'error');
  const before = client.received.admin.length;
  await client.send('admin', 'not json');
  await nextMessage(client, 'admin', (m) => client.received.admin.indexOf(m) >= before && m.janus === 'error' && (m.error as { code: number }).code === 454, 'Admin API error 454');
}
