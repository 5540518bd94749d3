// The tests every broker transport passes, against a real broker started for the file: the session flow with
// its events, the Admin API, bad input, the broker killed and started again mid-session, and the real server
// on a host without IPv6 configured the way the broker's file says (a Janus folder, the environment or flags).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../support/wait.js';
import { adminRequests, badRequests, call, closeEchoSession, openEchoSession, type BrokerApiClient } from './broker-api-client.js';
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

    before(async () => {
      broker = await spec.startBroker();
      server = await startInProcess([['general.session_timeout', '120'], ...spec.overrides(broker.port)]);
      const s = server;
      await waitFor(() => count(s.logs, `${label}: taking requests`) >= 1, { timeout: 20_000, what: `the ${label} taking requests` });
    });

    after(async () => {
      await server?.stop();
      await broker?.stop();
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

    test('the broker killed and started again mid-session: the transport reconnects and the session goes on', async () => {
      const s = server!;
      const b = broker!;
      let client = await spec.client(b.port);
      let session: number;
      try {
        ({ session } = await openEchoSession(client));
      } finally {
        await client.close();
      }
      const listening = count(s.logs, `${label}: taking requests`);
      await b.kill();
      await waitFor(() => s.logs.some((l) => l.includes(`${label}: connection to`) && l.includes('lost')), { timeout: 20_000, what: 'the lost connection logged' });
      await b.start();
      await waitFor(() => count(s.logs, `${label}: taking requests`) > listening, { timeout: 60_000, what: `the ${label} taking requests again` });
      assert.ok(
        s.logs.some((l) => l.includes(`${label}: connection to`) && l.includes('restored')),
        'the restored connection is logged',
      );
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
