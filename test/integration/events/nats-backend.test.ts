// The NATS event handler against a real nats-server: grouped batches on one subject, per-type subjects, user and
// password, a refused login, the server killed and started again on the same port, TLS with the certificate
// checked, a host without IPv6.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection, type TlsOptions } from 'nats';
import { fromSettings } from '../../../src/events/backends/nats-backend.js';
import { runBrokerChild } from '../../helpers/broker-child.js';
import { Cleanup, makeCertificate, memoryLogger, missing, NATS_SERVER, sampleBatch, startNatsServer, type Broker } from '../../helpers/brokers.js';
import { waitFor } from '../../../support/wait.js';

const FAST = { initialMs: 100, maxMs: 800 };
const USER = { user: 'portunus', password: 's3cret' };

async function subscriber(port: number, subject: string): Promise<{ nc: NatsConnection; got: { subject: string; text: string }[] }> {
  const nc = await connect({ servers: `127.0.0.1:${port}`, user: USER.user, pass: USER.password, reconnect: false });
  const got: { subject: string; text: string }[] = [];
  const sub = nc.subscribe(subject);
  void (async () => {
    for await (const m of sub) got.push({ subject: m.subject, text: m.string() });
  })();
  await nc.flush();
  return { nc, got };
}

describe('NATS event handler with nats-server', { skip: missing(NATS_SERVER), timeout: 60_000 }, () => {
  let broker: Broker | undefined;

  before(async () => {
    broker = await startNatsServer(USER);
  });
  after(async () => {
    await broker?.stop();
  });

  test('a grouped batch on janus.events, the server killed and back', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const sub = await subscriber(b.port, 'janus.>');
    const backend = fromSettings({ url: `nats://127.0.0.1:${b.port}`, user: USER.user, password: USER.password }, log, { backoff: FAST });
    let sub2: Awaited<ReturnType<typeof subscriber>> | undefined;
    try {
      await waitFor(() => lines.some((l) => l.includes('NATS event handler: connected to nats://127.0.0.1:')), { timeout: 10_000, what: 'the backend connected' });
      await backend.send(sampleBatch('first'));
      await waitFor(() => sub.got.length === 1, { timeout: 5000, what: 'one message' });
      assert.equal(sub.got[0].subject, 'janus.events');
      assert.deepEqual(JSON.parse(sub.got[0].text), sampleBatch('first'));

      await b.kill();
      await waitFor(() => lines.some((l) => /NATS event handler: connection to nats:\/\/127\.0\.0\.1:\d+ lost: .*; reconnecting in \d+ ms/.test(l)), { timeout: 5000, what: 'the loss logged' });
      await assert.rejects(backend.send(sampleBatch('while-down')), /NATS event handler: not connected to nats:\/\/127\.0\.0\.1:\d+/);
      await sub.nc.close();

      await b.start();
      sub2 = await subscriber(b.port, 'janus.>');
      await waitFor(() => lines.some((l) => l.includes('NATS event handler: connection to nats://127.0.0.1:') && l.includes('restored')), { timeout: 10_000, what: 'the backend reconnected' });
      await backend.send(sampleBatch('after'));
      await waitFor(() => sub2!.got.length === 1, { timeout: 5000, what: 'the batch sent after the restart' });
      assert.deepEqual(JSON.parse(sub2.got[0].text), sampleBatch('after'));
    } finally {
      await backend.close();
      await sub.nc.close();
      await sub2?.nc.close();
    }
    await assert.rejects(backend.send(sampleBatch('closed')), /NATS event handler: closed/);
  });

  test('addevent: one subject per event type; grouping off: one message per event', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const sub = await subscriber(b.port, 'portunus.>');
    const backend = fromSettings({ url: `nats://${USER.user}:${USER.password}@127.0.0.1:${b.port}`, subject: 'portunus.ev', addevent: true, grouping: 'off' }, log, { backoff: FAST });
    try {
      await waitFor(() => lines.some((l) => l.includes('connected to nats://')), { timeout: 10_000, what: 'the backend connected' });
      assert.ok(!lines.some((l) => l.includes(USER.password)), 'the password from the URL is not logged');
      await backend.send([...sampleBatch('typed'), sampleBatch('typed2')[0]]);
      await waitFor(() => sub.got.length === 3, { timeout: 5000, what: 'three messages' });
      assert.deepEqual(
        sub.got.map((m) => m.subject),
        ['portunus.ev.sessions', 'portunus.ev.sessions', 'portunus.ev.media'],
      );
      assert.deepEqual(JSON.parse(sub.got[2].text), sampleBatch('typed')[1]);
    } finally {
      await backend.close();
      await sub.nc.close();
    }
  });

  test('a refused login is logged and sends fail', async () => {
    const b = broker!;
    const { log, lines } = memoryLogger();
    const backend = fromSettings({ url: `nats://127.0.0.1:${b.port}`, user: USER.user, password: 'wrong' }, log, { backoff: FAST });
    try {
      await waitFor(() => lines.some((l) => l.includes('NATS event handler: cannot connect to nats://127.0.0.1:') && /AUTHORIZATION_VIOLATION|Authorization/i.test(l)), {
        timeout: 10_000,
        what: 'the refusal logged',
      });
      await assert.rejects(backend.send(sampleBatch('refused')), /not connected/);
    } finally {
      await backend.close();
    }
  });

  test('tls:// with the server certificate verified against tls_cacert', async () => {
    const cleanup = new Cleanup();
    try {
      const certs = cleanup.add(makeCertificate(), (c) => c.remove());
      const tlsBroker = cleanup.add(await startNatsServer({ tls: certs }), (b) => b.stop());
      // The subscriber skips the name check: the nats package would check an address against "localhost".
      const tlsOptions = { caFile: certs.cert, checkServerIdentity: () => undefined } as TlsOptions;
      const sub = cleanup.add(await connect({ servers: `tls://127.0.0.1:${tlsBroker.port}`, tls: tlsOptions, reconnect: false }), (nc) => nc.close());
      const got: string[] = [];
      const s = sub.subscribe('janus.events');
      void (async () => {
        for await (const m of s) got.push(m.string());
      })();
      await sub.flush();
      const { log, lines } = memoryLogger();
      const backend = cleanup.add(fromSettings({ url: `tls://127.0.0.1:${tlsBroker.port}`, tls_cacert: certs.cert }, log, { backoff: FAST }), (b) => b.close());
      const { log: plainLog, lines: plainLines } = memoryLogger();
      cleanup.add(fromSettings({ url: `nats://127.0.0.1:${tlsBroker.port}` }, plainLog, { backoff: FAST }), (b) => b.close());
      await waitFor(() => lines.some((l) => l.includes('connected to tls://127.0.0.1:')), { timeout: 10_000, what: 'the TLS backend connected' });
      await backend.send(sampleBatch('tls'));
      await waitFor(() => got.length === 1, { timeout: 5000, what: 'the batch over TLS' });
      assert.deepEqual(JSON.parse(got[0]), sampleBatch('tls'));
      // Without tls_cacert the server's self-signed certificate is not trusted, and the connection is refused.
      await waitFor(() => plainLines.some((l) => l.includes('cannot connect to nats://127.0.0.1:') && l.includes('self-signed certificate')), { timeout: 10_000, what: 'the refusal logged' });
    } finally {
      await cleanup.run();
    }
  });

  test('a host without IPv6 (EAFNOSUPPORT on every AF_INET6 socket)', async () => {
    const b = broker!;
    const sub = await subscriber(b.port, 'janus.events');
    try {
      const result = await runBrokerChild('nats', { url: `nats://127.0.0.1:${b.port}`, user: USER.user, password: USER.password }, 'no-ipv6');
      assert.equal(result.code, 0, result.output);
      await waitFor(() => sub.got.length === 1, { timeout: 5000, what: 'the batch of the child' });
      assert.deepEqual(JSON.parse(sub.got[0].text), sampleBatch('no-ipv6'));
    } finally {
      await sub.nc.close();
    }
  });
});
