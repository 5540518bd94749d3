// The tests every broker transport passes, against a real broker started for the file: the session flow with
// its events, the Admin API, bad input, the broker killed and started again mid-session (transport events to an
// event handler as the connection goes and comes back, an event for the client dropped while it is away), and
// the real server on a host without IPv6 configured the way the broker's file says (a Janus folder, the
// environment or flags).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../support/wait.js';
import { ADMIN_REST, adminRequest } from './admin-rest.js';
import { adminRequests, badRequests, call, closeEchoSession, openEchoSession, type BrokerApiClient } from './broker-api-client.js';
import { HttpReceiver } from './event-receivers.js';
import type { Broker } from './brokers.js';
import { startChildServer } from './child-server.js';
import { startInProcess, type StartedServer } from './in-process-server.js';
import { noIpv6Env } from './no-ipv6.js';

export interface BrokerTransportSpec {
  /** "MQTT", as in the transport's log label "MQTT transport". */
  readonly name: string;
  readonly transport: string;
  readonly skip: string | false;
  startBroker(): Promise<Broker>;
  /** Settings turning the transport (and its Admin API) on towards the broker. */
  overrides(port: number): Array<[string, string]>;
  client(port: number): Promise<BrokerApiClient>;
  /** How the child server on a host without IPv6 is configured: its arguments and environment additions. */
  childConfig(port: number): { args: string[]; env: NodeJS.ProcessEnv };
  /** Extra checks on a client after the flow (request-reply and such). */
  extra?(client: BrokerApiClient, server: StartedServer, port: number): Promise<void>;
}

const count = (lines: readonly string[], text: string): number => lines.filter((l) => l.includes(text)).length;

export function brokerTransportSuite(spec: BrokerTransportSpec): void {
  const label = `${spec.name} transport`;
  describe(`${label} against a real broker`, { skip: spec.skip, timeout: 180_000 }, () => {
    let broker: Broker | undefined;
    let server: StartedServer | undefined;
    let receiver: HttpReceiver | undefined;
    /** The transport events (type 128) of this transport the event handler delivered, in order: `connected` … */
    const transportEvents = (): string[] =>
      (receiver?.events() ?? [])
        .filter((e) => e.type === 128 && (e.event as { transport?: string }).transport === spec.transport)
        .map((e) => String((e.event as { data: { event: string } }).data.event));

    before(async () => {
      broker = await spec.startBroker();
      receiver = await HttpReceiver.start();
      server = await startInProcess([
        ['general.session_timeout', '120'],
        ['events.broadcast', 'true'],
        ['sampleevh.enabled', 'true'],
        ['sampleevh.backend', receiver.url],
        ['sampleevh.events', 'transports'],
        ...ADMIN_REST,
        ...spec.overrides(broker.port),
      ]);
      const s = server;
      await waitFor(() => count(s.logs, `${label}: taking requests`) >= 1, { timeout: 20_000, what: `the ${label} taking requests` });
    });

    after(async () => {
      await server?.stop();
      await broker?.stop();
      await receiver?.down();
    });

    test('create, attach the EchoTest, message with its event, trickle, keep-alive, Admin API, detach, destroy; bad input gets errors', async () => {
      const client = await spec.client(broker!.port);
      try {
        const ids = await openEchoSession(client);
        await adminRequests(client, ids.session, spec.transport);
        await badRequests(client);
        await spec.extra?.(client, server!, broker!.port);
        await closeEchoSession(client, ids);
        const info = await call(client, 'janus', { janus: 'info' });
        assert.ok((info.transports as Record<string, unknown>)[spec.transport], `info lists ${spec.transport}`);
      } finally {
        await client.close();
      }
    });

    test('the broker killed and started again mid-session: transport events, an event dropped while it is away, the transport reconnects and the session goes on', async () => {
      const s = server!;
      const b = broker!;
      let client = await spec.client(b.port);
      let session: number;
      let handle: number;
      try {
        ({ session, handle } = await openEchoSession(client));
      } finally {
        await client.close();
      }
      await waitFor(() => transportEvents().length >= 1, { timeout: 10_000, what: 'the connected transport event' });
      assert.deepEqual(transportEvents(), ['connected']);
      const listening = count(s.logs, `${label}: taking requests`);
      await b.kill();
      await waitFor(() => s.logs.some((l) => l.includes(`${label}: connection to`) && l.includes('lost')), { timeout: 20_000, what: 'the lost connection logged' });
      await waitFor(() => transportEvents().includes('reconnecting'), { timeout: 10_000, what: 'the reconnecting transport event' });
      // The handle detached over the Admin API: its `detached` event for the client has nowhere to go and is dropped.
      const drops = count(s.logs, 'a message was dropped');
      const detached = await adminRequest(s, { janus: 'detach_handle', session_id: session, handle_id: handle });
      assert.equal(detached.janus, 'success', JSON.stringify(detached));
      await waitFor(() => count(s.logs, 'a message was dropped') > drops, { timeout: 10_000, what: 'the dropped message warned about' });
      await b.start();
      await waitFor(() => count(s.logs, `${label}: taking requests`) > listening, { timeout: 60_000, what: `the ${label} taking requests again` });
      assert.ok(
        s.logs.some((l) => l.includes(`${label}: connection to`) && l.includes('restored')),
        'the restored connection is logged',
      );
      await waitFor(() => transportEvents().length >= 3, { timeout: 10_000, what: 'the connected transport event after the restart' });
      assert.deepEqual(transportEvents(), ['connected', 'reconnecting', 'connected']);
      client = await spec.client(b.port);
      try {
        const kept = await call(client, 'janus', { janus: 'keepalive', session_id: session });
        assert.equal(kept.janus, 'ack', `the session outlived the broker restart: ${JSON.stringify(kept)}`);
        const listed = await call(client, 'admin', { janus: 'list_sessions' });
        assert.ok((listed.sessions as number[]).includes(session));
        const destroyed = await call(client, 'janus', { janus: 'destroy', session_id: session });
        assert.equal(destroyed.janus, 'success');
      } finally {
        await client.close();
      }
    });

    test('without IPv6: the real server, configured as a deployment would, serves the flow over the broker', async () => {
      // One server on the broker at a time: both would take the same requests.
      await server?.stop();
      server = undefined;
      const b = broker!;
      const { args, env } = spec.childConfig(b.port);
      const srv = await startChildServer(args, await noIpv6Env({ ...process.env, ...env }));
      try {
        assert.match(srv.log(), /IPv6 is unavailable on this host/);
        await waitFor(() => srv.log().includes(`${label}: taking requests`), { timeout: 20_000, what: `the ${label} of the child taking requests` });
        const client = await spec.client(b.port);
        try {
          await closeEchoSession(client, await openEchoSession(client));
        } finally {
          await client.close();
        }
      } finally {
        await srv.stop();
      }
    });
  });
}
