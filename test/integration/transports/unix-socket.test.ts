// The Unix socket transport (Janus's pfunix) with a client on our native socket: the Janus API and the Admin API
// over SOCK_SEQPACKET and SOCK_DGRAM, events to the client that owns the session, answers at a datagram client's
// own path, bad input answered with Janus's codes while the server keeps serving, the end of a client, stale and
// unusable socket paths explained, the socket file removed at stop, transport events, and no addon: one log line.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { UnixSocket } from '../../../src/net/unix-socket.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusUnix } from '../../helpers/janus-unix.js';
import { HttpReceiver } from '../../helpers/event-receivers.js';
import { janusEventProblems } from '../../helpers/janus-event-schema.js';
import type { Msg } from '../../../support/janus-messages.js';
import { sleep, waitFor } from '../../../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'portunus-unix-'));
const paths = { seq: join(dir, 'janus-seq'), dgram: join(dir, 'janus-dgram'), adminSeq: join(dir, 'admin-seq'), adminDgram: join(dir, 'admin-dgram') };
let clientNumber = 0;
const clientPath = (): string => join(dir, `client-${++clientNumber}`);
const opened: JanusUnix[] = [];

function open(server: string, type: 'SOCK_SEQPACKET' | 'SOCK_DGRAM'): JanusUnix {
  const c = JanusUnix.open(server, type, type === 'SOCK_DGRAM' ? clientPath() : undefined);
  opened.push(c);
  return c;
}

const unixArgs = (janus: string, janusType: string, admin: string, adminType: string): Array<[string, string]> => [
  ['pfunix.enabled', 'true'],
  ['pfunix.path', janus],
  ['pfunix.type', janusType],
  ['pfunix.admin_enabled', 'true'],
  ['pfunix.admin_path', admin],
  ['pfunix.admin_type', adminType],
  ['pfunix.max_message_size', '4096'],
  ['general.admin_secret', 'unixsecret'],
];

// Two servers: one whose Janus API is SOCK_SEQPACKET (Admin SOCK_DGRAM), one the other way round.
let seqServer: StartedServer;
let dgramServer: StartedServer;
before(async () => {
  seqServer = await startInProcess(unixArgs(paths.seq, 'SOCK_SEQPACKET', paths.adminDgram, 'SOCK_DGRAM'));
  dgramServer = await startInProcess(unixArgs(paths.dgram, 'SOCK_DGRAM', paths.adminSeq, 'sock_seqpacket'));
});
after(async () => {
  for (const c of opened) c.close();
  await seqServer?.stop();
  await dgramServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** create, attach the EchoTest, a message answered by an async event, trickle, keepalive, detach, destroy. */
async function echoFlow(c: JanusUnix): Promise<number> {
  const created = await c.request({ janus: 'create' });
  assert.equal(created.janus, 'success', JSON.stringify(created));
  const session = (created.data as { id: number }).id;
  const attached = await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest' });
  const handle = (attached.data as { id: number }).id;
  const tx = c.send({ janus: 'message', session_id: session, handle_id: handle, body: { audio: true } });
  const event = await c.wait((m) => m.transaction === tx && m.janus === 'event', 5000, 'the EchoTest event');
  assert.deepEqual((event.plugindata as { data: unknown }).data, { echotest: 'event', result: 'ok' });
  assert.equal(event.sender, handle);
  assert.equal((await c.request({ janus: 'trickle', session_id: session, handle_id: handle, candidate: { completed: true } })).janus, 'ack');
  assert.equal((await c.request({ janus: 'keepalive', session_id: session })).janus, 'ack');
  assert.equal((await c.request({ janus: 'detach', session_id: session, handle_id: handle })).janus, 'success');
  return session;
}

for (const type of ['SOCK_SEQPACKET', 'SOCK_DGRAM'] as const) {
  const janusPath = (): string => (type === 'SOCK_SEQPACKET' ? paths.seq : paths.dgram);

  test(`${type}: info, then a whole EchoTest flow, events to the client that owns the session`, { timeout: 20_000 }, async () => {
    const c = open(janusPath(), type);
    const info = await c.request({ janus: 'info' });
    assert.equal(info.janus, 'server_info');
    const transports = info.transports as Record<string, Msg>;
    assert.equal(transports['janus.transport.pfunix']?.name, 'JANUS Unix Sockets transport plugin');
    const session = await echoFlow(c);
    assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
  });

  test(`${type}: two clients each get their own events and replies`, { timeout: 20_000 }, async () => {
    const a = open(janusPath(), type);
    const b = open(janusPath(), type);
    const [sa, sb] = await Promise.all([echoFlow(a), echoFlow(b)]);
    assert.notEqual(sa, sb);
    assert.ok(
      a.events.every((m) => m.session_id === undefined || m.session_id === sa),
      'a saw only its own session',
    );
    assert.ok(
      b.events.every((m) => m.session_id === undefined || m.session_id === sb),
      'b saw only its own session',
    );
    await a.request({ janus: 'destroy', session_id: sa });
    await b.request({ janus: 'destroy', session_id: sb });
  });

  test(`${type}: bad input gets Janus's error codes and the server keeps serving`, { timeout: 20_000 }, async () => {
    const c = open(janusPath(), type);
    const errors: Msg[] = [];
    const nextError = async (raw: Uint8Array | string): Promise<Msg> => {
      const before = c.events.length;
      assert.ok(c.sendRaw(raw));
      const m = await c.wait((x) => c.events.indexOf(x) >= before && x.janus === 'error', 5000, 'an error');
      errors.push(m);
      return (m.error as Msg) ?? {};
    };
    assert.equal((await nextError('this is not JSON')).code, 454);
    assert.equal((await nextError(Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0xc3]))).code, 454, 'not UTF-8');
    assert.equal((await nextError('[1, 2, 3]')).code, 455, 'JSON but not an object');
    assert.equal((await nextError('{"janus": "info"}')).code, 456, 'no transaction');
    assert.equal((await nextError('{"janus": "dance", "transaction": "t"}')).code, 457);
    assert.equal((await nextError('['.repeat(500) + ']'.repeat(500))).code, 454, 'nested too deep');
    const oversized = await nextError(JSON.stringify({ janus: 'info', transaction: 'big', pad: 'x'.repeat(6000) }));
    assert.equal(oversized.code, 450);
    assert.match(String(oversized.reason), /too large \(\d+ bytes, at most 4096\)/);
    assert.equal((await nextError(JSON.stringify({ janus: 'message', transaction: 't', session_id: 424242, handle_id: 1, body: {} }))).code, 458);
    if (type === 'SOCK_DGRAM') assert.equal((await nextError('')).code, 454, 'an empty datagram');
    // A datagram receiver queues only a few (net.unix.max_dgram_qlen): a full queue is waited out, both ways.
    for (let i = 0; i < 200; i++) while (!c.sendRaw(`garbage ${i} {{{`)) await sleep(1);
    await waitFor(() => c.events.length >= errors.length + 200, { timeout: 5000, what: 'an error for each of 200 garbage messages' });
    // Random bytes (never empty: on SOCK_SEQPACKET that is the end of the connection): one error each.
    const sent = c.events.length;
    const samples = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 700 }), { numRuns: 150, seed: 16 });
    for (const bytes of samples) while (!c.sendRaw(bytes)) await sleep(1);
    await waitFor(() => c.events.length >= sent + samples.length, { timeout: 5000, what: `an answer to each of ${samples.length} random messages` });
    assert.ok(
      c.events.slice(sent).every((m) => m.janus === 'error'),
      'each an error',
    );
    assert.equal((await c.request({ janus: 'info' })).janus, 'server_info', 'still serving');
    assert.deepEqual(c.unparsed, [], 'every answer is JSON');
  });

  test(`${type} Admin API: list_sessions with the secret, query_transport, bad input`, { timeout: 20_000 }, async () => {
    const adminPath = type === 'SOCK_SEQPACKET' ? paths.adminSeq : paths.adminDgram;
    const janusPathHere = type === 'SOCK_SEQPACKET' ? paths.dgram : paths.seq; // the same server's Janus API
    const janusType = type === 'SOCK_SEQPACKET' ? 'SOCK_DGRAM' : 'SOCK_SEQPACKET';
    const admin = open(adminPath, type);
    const user = open(janusPathHere, janusType);
    const session = ((await user.request({ janus: 'create' })).data as { id: number }).id;
    assert.equal(((await admin.request({ janus: 'list_sessions' })).error as Msg).code, 403, 'no secret');
    const list = await admin.request({ janus: 'list_sessions', admin_secret: 'unixsecret' });
    assert.ok((list.sessions as number[]).includes(session), JSON.stringify(list));
    const connections = await admin.request({ janus: 'query_transport', transport: 'janus.transport.pfunix', admin_secret: 'unixsecret', request: { request: 'connections' } });
    assert.equal((connections.response as Msg).result, 200);
    assert.ok(((connections.response as Msg).connections as number) >= 2, JSON.stringify(connections));
    const configured = await admin.request({ janus: 'query_transport', transport: 'janus.transport.pfunix', admin_secret: 'unixsecret', request: { request: 'configure', json: 'indented' } });
    assert.equal((configured.response as Msg).result, 200);
    const afterConfigure = await user.request({ janus: 'keepalive', session_id: session });
    assert.equal(afterConfigure.janus, 'ack');
    await admin.request({ janus: 'query_transport', transport: 'janus.transport.pfunix', admin_secret: 'unixsecret', request: { request: 'configure', json: 'compact' } });
    admin.sendRaw('{not json');
    const bad = await admin.wait((m) => m.janus === 'error' && m.transaction === undefined, 5000, 'an admin error');
    assert.equal((bad.error as Msg).code, 454);
    assert.equal((await user.request({ janus: 'destroy', session_id: session })).janus, 'success');
  });
}

test('SOCK_SEQPACKET: a client that closes its connection takes its sessions with it', { timeout: 20_000 }, async () => {
  const admin = open(paths.adminDgram, 'SOCK_DGRAM');
  const c = JanusUnix.open(paths.seq, 'SOCK_SEQPACKET');
  const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
  c.close();
  await waitFor(async () => !((await admin.request({ janus: 'list_sessions', admin_secret: 'unixsecret' })).sessions as number[]).includes(session), {
    timeout: 5000,
    what: 'the session destroyed with its connection',
  });
});

test('SOCK_DGRAM: a datagram from a socket bound to no path cannot be answered: dropped, logged, server serving', { timeout: 20_000 }, async () => {
  const anonymous = UnixSocket.open('SOCK_DGRAM');
  try {
    anonymous.connect(paths.dgram);
    assert.ok(anonymous.send(Buffer.from(JSON.stringify({ janus: 'info', transaction: 'x' }))));
    await waitFor(() => dgramServer.logs.some((l) => l.includes('bound to no path')), { timeout: 5000, what: 'the warning' });
  } finally {
    anonymous.close();
  }
  const c = open(paths.dgram, 'SOCK_DGRAM');
  assert.equal((await c.request({ janus: 'info' })).janus, 'server_info');
});

/** A server of its own with one-second session time-outs; Janus API of `type`, Admin API over SOCK_DGRAM. */
async function withTimeoutServer(type: 'SOCK_SEQPACKET' | 'SOCK_DGRAM', body: (janusPath: string, admin: JanusUnix, folder: string) => Promise<void>): Promise<void> {
  const local = mkdtempSync(join(tmpdir(), 'portunus-unix-timeout-'));
  const srv = await startInProcess([...unixArgs(join(local, 'janus'), type, join(local, 'admin'), 'SOCK_DGRAM'), ['general.session_timeout', '1']]);
  const admin = JanusUnix.open(join(local, 'admin'), 'SOCK_DGRAM', join(local, 'admin-client'));
  try {
    await body(join(local, 'janus'), admin, local);
  } finally {
    admin.close();
    await srv.stop();
    rmSync(local, { recursive: true, force: true });
  }
}

async function connections(admin: JanusUnix): Promise<number> {
  const r = await admin.request({ janus: 'query_transport', transport: 'janus.transport.pfunix', admin_secret: 'unixsecret', request: { request: 'connections' } });
  return (r.response as Msg).connections as number;
}

test('SOCK_SEQPACKET: a session time-out ends its connection after the timeout event, as in Janus', { timeout: 30_000 }, async () => {
  await withTimeoutServer('SOCK_SEQPACKET', async (janusPath, admin) => {
    const c = JanusUnix.open(janusPath, 'SOCK_SEQPACKET');
    try {
      const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
      const timeout = await c.wait((m) => m.janus === 'timeout', 10_000, 'the timeout event');
      assert.equal(timeout.session_id, session);
      await c.hangUp();
      await waitFor(async () => (await connections(admin)) === 1, { timeout: 5000, what: 'only the Admin client left' });
    } finally {
      c.close();
    }
  });
});

test('SOCK_DGRAM: a client whose socket is gone is forgotten when an event to it cannot be delivered', { timeout: 30_000 }, async () => {
  await withTimeoutServer('SOCK_DGRAM', async (janusPath, admin, folder) => {
    const c = JanusUnix.open(janusPath, 'SOCK_DGRAM', join(folder, 'leaving'));
    await c.request({ janus: 'create' });
    assert.equal(await connections(admin), 2);
    c.close(); // closes the socket and removes its path, as janode does
    // The session's timeout event finds no socket at the path: the client is forgotten.
    await waitFor(async () => (await connections(admin)) === 1, { timeout: 10_000, what: 'the gone client forgotten' });
  });
});

test('socket paths: a stale socket file is removed (and said), anything else is explained; the file goes at stop', { timeout: 30_000 }, async () => {
  const local = mkdtempSync(join(tmpdir(), 'portunus-unix-paths-'));
  try {
    // Stale: bound by a socket that is gone, file left behind.
    const stale = join(local, 'stale');
    const leftover = UnixSocket.open('SOCK_SEQPACKET');
    leftover.bind(stale);
    leftover.close();
    assert.ok(existsSync(stale));
    const srv = await startInProcess([
      ['pfunix.enabled', 'true'],
      ['pfunix.path', stale],
    ]);
    try {
      assert.ok(
        srv.logs.some((l) => l.includes(`removed the stale socket file ${stale}`)),
        srv.logs.join('\n'),
      );
      const c = JanusUnix.open(stale, 'SOCK_SEQPACKET');
      assert.equal((await c.request({ janus: 'info' })).janus, 'server_info');
      c.close();
      // Served: a second server on the same path is refused, and the first keeps its file.
      await assert.rejects(
        startInProcess([
          ['pfunix.enabled', 'true'],
          ['pfunix.path', stale],
        ]),
        /cannot bind Unix socket .*another process serves on this path.*\[EADDRINUSE\]/,
      );
      assert.ok(existsSync(stale));
    } finally {
      await srv.stop();
    }
    assert.equal(existsSync(stale), false, 'the socket file is removed at stop');

    const regular = join(local, 'regular');
    writeFileSync(regular, 'keep me');
    await assert.rejects(
      startInProcess([
        ['pfunix.enabled', 'true'],
        ['pfunix.path', regular],
      ]),
      /exists and is not a socket/,
    );
    assert.ok(existsSync(regular), 'a file that is not a socket is never removed');
    await assert.rejects(
      startInProcess([
        ['pfunix.enabled', 'true'],
        ['pfunix.path', join(local, 'no-such-folder', 'sock')],
      ]),
      /the folder .*no-such-folder does not exist \[ENOENT\]/,
    );
    await assert.rejects(
      startInProcess([
        ['pfunix.enabled', 'true'],
        ['pfunix.path', join(local, 'x'.repeat(120))],
      ]),
      /a Unix socket address holds at most 107 \[ENAMETOOLONG\]/,
    );
    const locked = join(local, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    if (process.getuid?.() !== 0)
      await assert.rejects(
        startInProcess([
          ['pfunix.enabled', 'true'],
          ['pfunix.path', join(locked, 'sock')],
        ]),
        /no permission/,
      );
    // Enabled without a path: skipped with a warning, as Janus does.
    const pathless = await startInProcess([['pfunix.enabled', 'true']]);
    try {
      assert.ok(pathless.logs.some((l) => l.includes('no path configured')));
    } finally {
      await pathless.stop();
    }
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
});

test("transport events: a client's coming and going, with Janus's fields (fd, admin_api; SOCK_DGRAM: type and path)", { timeout: 30_000 }, async () => {
  const receiver = await HttpReceiver.start();
  const local = mkdtempSync(join(tmpdir(), 'portunus-unix-events-'));
  const srv = await startInProcess([
    ...unixArgs(join(local, 'janus'), 'SOCK_SEQPACKET', join(local, 'admin'), 'SOCK_DGRAM'),
    ['events.broadcast', 'true'],
    ['sampleevh.enabled', 'true'],
    ['sampleevh.backend', receiver.url],
    ['sampleevh.events', 'transports'],
  ]);
  try {
    const c = JanusUnix.open(join(local, 'janus'), 'SOCK_SEQPACKET');
    await c.request({ janus: 'info' });
    c.close();
    const admin = JanusUnix.open(join(local, 'admin'), 'SOCK_DGRAM', join(local, 'admin-client'));
    await admin.request({ janus: 'ping' });
    admin.close();
    const data = (): Msg[] =>
      receiver
        .events()
        .filter((e) => e.type === 128)
        .map((e) => (e.event as Msg).data as Msg);
    await waitFor(() => data().length >= 3, { timeout: 10_000, what: `three transport events (${JSON.stringify(receiver.events())})` });
    for (const e of receiver.events().filter((x) => x.type === 128)) assert.deepEqual(janusEventProblems(e), [], JSON.stringify(e));
    const [connected, disconnected, adminConnected] = data();
    assert.equal(connected.event, 'connected');
    assert.equal(connected.admin_api, false);
    assert.equal(connected.type, 'SOCK_SEQPACKET');
    assert.ok((connected.fd as number) >= 0);
    assert.deepEqual(disconnected, { event: 'disconnected' });
    assert.deepEqual(adminConnected, { event: 'connected', admin_api: true, fd: -1, type: 'SOCK_DGRAM', path: join(local, 'admin-client') });
  } finally {
    await srv.stop();
    await receiver.down();
    rmSync(local, { recursive: true, force: true });
  }
});

test('without the native addon the Unix socket transport is not started, and one log line says why; the rest serves', { timeout: 20_000 }, async () => {
  const local = mkdtempSync(join(tmpdir(), 'portunus-unix-native-'));
  const before = process.env.PORTUNUS_NATIVE;
  process.env.PORTUNUS_NATIVE = '0';
  let srv: StartedServer | undefined;
  try {
    srv = await startInProcess([...unixArgs(join(local, 'janus'), 'SOCK_DGRAM', join(local, 'admin'), 'SOCK_SEQPACKET')]);
    const line = srv.logs.find((l) => l.includes('Unix socket transport not started'));
    assert.ok(line, srv.logs.join('\n'));
    assert.match(line, /Node has no SOCK_SEQPACKET or SOCK_DGRAM sockets and the native addon is not in use \(disabled by PORTUNUS_NATIVE=0\)/);
    assert.equal(existsSync(join(local, 'janus')), false);
    const info = (await (await fetch(`${srv.restUrl}/info`)).json()) as Msg;
    assert.equal((info.transports as Msg)['janus.transport.pfunix'], undefined);
  } finally {
    if (before === undefined) delete process.env.PORTUNUS_NATIVE;
    else process.env.PORTUNUS_NATIVE = before;
    await srv?.stop();
    rmSync(local, { recursive: true, force: true });
  }
});

/** Sends `request` from `slow` (to `to`, unless it is connected) until the server has dropped a slow reader; never reads. */
async function floodUntilDropped(srv: StartedServer, slow: UnixSocket, request: Msg, to?: string): Promise<void> {
  const before = srv.server.gateway.stats.slowConnectionsClosed;
  const bytes = Buffer.from(JSON.stringify(request));
  const send = (): boolean => {
    try {
      return slow.send(bytes, to);
    } catch {
      return true; // the server has ended the connection: nothing more to send
    }
  };
  for (let i = 0; i < 5000 && srv.server.gateway.stats.slowConnectionsClosed === before; i++) while (!send()) await sleep(1);
  await waitFor(() => srv.server.gateway.stats.slowConnectionsClosed > before, { timeout: 5000, what: 'the slow reader dropped' });
  assert.ok(srv.logs.some((l) => /closing connection of unix(-dgram)?:.*bytes unread \(limit 20000\)/.test(l)));
}

test('a client that does not read is dropped past pfunix.max_unsent_bytes; the others are served (after a connected datagram client that does not read has closed)', { timeout: 30_000 }, async () => {
  const local = mkdtempSync(join(tmpdir(), 'portunus-unix-slow-'));
  const srv = await startInProcess([...unixArgs(join(local, 'seq'), 'SOCK_SEQPACKET', join(local, 'dgram'), 'SOCK_DGRAM'), ['pfunix.max_unsent_bytes', '20000']]);
  const clients: Array<{ close(): void }> = [];
  try {
    // SOCK_SEQPACKET: each connection has its own socket buffer, then our queue.
    const slowConnection = UnixSocket.open('SOCK_SEQPACKET');
    clients.push(slowConnection);
    slowConnection.connect(join(local, 'seq'));
    await floodUntilDropped(srv, slowConnection, { janus: 'info', transaction: 'i' });
    const other = JanusUnix.open(join(local, 'seq'), 'SOCK_SEQPACKET');
    clients.push(other);
    assert.equal((await other.request({ janus: 'info' })).janus, 'server_info');

    // SOCK_DGRAM, a sender that does not connect its socket: the kernel holds a few of its datagrams, we the rest.
    const slowSender = UnixSocket.open('SOCK_DGRAM');
    clients.push(slowSender);
    slowSender.bind(join(local, 'slow-sender'));
    const dgramOther = JanusUnix.open(join(local, 'dgram'), 'SOCK_DGRAM', join(local, 'other-sender'));
    clients.push(dgramOther);
    await floodUntilDropped(srv, slowSender, { janus: 'list_sessions', transaction: 'l' }, join(local, 'dgram'));
    assert.equal((await dgramOther.request({ janus: 'ping' })).janus, 'pong');

    // A sender that connects its socket to ours (as janode does): Linux then charges what it leaves unread to our
    // socket, whose buffer, once full, takes no datagram for anyone; they wait in our queues until that client
    // reads or closes (docs/transports.md).
    const stuck = UnixSocket.open('SOCK_DGRAM');
    clients.push(stuck);
    stuck.bind(join(local, 'stuck'));
    stuck.connect(join(local, 'dgram'));
    await floodUntilDropped(srv, stuck, { janus: 'list_sessions', transaction: 'l' });
    const waiting = dgramOther.request({ janus: 'ping' });
    await sleep(200);
    stuck.close();
    assert.equal((await waiting).janus, 'pong', 'answered once the stuck client is gone');
  } finally {
    for (const c of clients) c.close();
    await srv.stop();
    rmSync(local, { recursive: true, force: true });
  }
});
