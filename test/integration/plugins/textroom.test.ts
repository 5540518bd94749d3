// The TextRoom over real data channels (werift clients, loopback): two participants, private messages, history,
// bad input, and the Janus API beside the channel.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { TextRoomClient } from '../../../support/textroom-client.js';
import type { Msg } from '../../../support/janus-ws.js';
import { waitFor } from '../../../support/wait.js';

let srv: StartedServer;
before(async () => {
  srv = await startInProcess();
});
after(async () => {
  await srv?.stop();
});

test('two participants in room 1234 over data channels: messages, whispers, history, bad input', { timeout: 60_000 }, async () => {
  const a = await TextRoomClient.open(srv.wsUrl, srv.server.network);
  const b = await TextRoomClient.open(srv.wsUrl, srv.server.network);
  try {
    const created = await a.request({ textroom: 'create', room: 42, history: 5, secret: 's' });
    assert.deepEqual(created, { textroom: 'success', room: 42, permanent: false, transaction: created.transaction });
    assert.deepEqual((await a.request({ textroom: 'join', room: 42, username: 'alice', display: 'Alice' })).participants, []);
    await a.request({ textroom: 'message', room: 42, text: 'before bob' });
    assert.deepEqual((await b.request({ textroom: 'join', room: 42, username: 'bob' })).participants, [{ username: 'alice', display: 'Alice' }]);
    assert.equal((await b.waitFor((m) => m.textroom === 'message' && m.text === 'before bob', 'history')).from, 'alice');
    await a.waitFor((m) => m.textroom === 'join' && m.username === 'bob');
    await b.request({ textroom: 'message', room: 42, text: 'hi alice' });
    await a.waitFor((m) => m.textroom === 'message' && m.from === 'bob' && m.text === 'hi alice');
    assert.deepEqual((await a.request({ textroom: 'message', room: 42, to: 'bob', text: 'secret' })).sent, { bob: true });
    assert.equal((await b.waitFor((m) => m.text === 'secret')).whisper, true);
    // Bad input: nothing, or Janus's codes; the server goes on.
    a.sendRaw('not json at all');
    a.sendRaw(JSON.stringify({ textroom: 'list', transaction: 'big', pad: 'x'.repeat(65_470) }).padEnd(65_536, ' ')); // more than the plugin reads
    a.sendRaw('[]');
    await a.waitFor((m) => m.textroom === 'error' && m.error_code === 413 && m.transaction === undefined);
    assert.equal((await a.request({ textroom: 'join', room: 'x', username: 'u' })).error_code, 414);
    assert.ok(!a.received.some((m) => m.transaction === 'big'), 'the oversized message was not answered');
    assert.equal((await a.request({ textroom: 'message', room: 43, text: 'x' })).error_code, 417);
    assert.equal((await a.request({ textroom: 'nope' })).error_code, 415);
    assert.deepEqual(await a.api({ request: 'listparticipants', room: 42 }), { textroom: 'success', room: 42, participants: [{ username: 'alice', display: 'Alice' }, { username: 'bob' }] });
    assert.deepEqual(await a.api({ request: 'announcement', room: 42, secret: 's', text: 'notice' }), { textroom: 'success' });
    await b.waitFor((m) => m.textroom === 'announcement' && m.text === 'notice');
    assert.deepEqual(await a.api({ request: 'kick', room: 42, secret: 's', username: 'bob' }), { textroom: 'success' });
    await b.waitFor((m) => m.textroom === 'kicked' && m.username === 'bob');
    assert.deepEqual(await a.api({ request: 'destroy', room: 42, secret: 's' }), { textroom: 'destroyed', room: 42, permanent: false });
    await a.waitFor((m) => m.textroom === 'destroyed' && m.room === 42);
    assert.equal((await b.request({ textroom: 'join', room: 1234, username: 'bob' })).textroom, 'success', 'still serving');
  } finally {
    await a.close();
    await b.close();
  }
});

test("a room's post backend gets every public message and announcement as JSON; an absent backend stops nothing", { timeout: 60_000 }, async () => {
  const posts: Array<{ path: string; type: string; body: unknown }> = [];
  const backend = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: JSON.parse(body) as unknown });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as AddressInfo).port;
  // A port nobody listens on: the server logs the failure and carries on.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const a = await TextRoomClient.open(srv.wsUrl, srv.server.network);
  try {
    await a.request({ textroom: 'create', room: 44, post: `http://127.0.0.1:${port}/chat?room=44`, secret: 's' });
    await a.request({ textroom: 'create', room: 45, post: `http://127.0.0.1:${closedPort}/nobody` });
    await a.request({ textroom: 'join', room: 44, username: 'alice' });
    await a.request({ textroom: 'join', room: 45, username: 'alice' });
    await a.request({ textroom: 'message', room: 45, text: 'to nobody' });
    await a.request({ textroom: 'message', room: 44, text: 'hello backend' });
    await a.request({ textroom: 'announcement', room: 44, secret: 's', text: 'hear ye' });
    await waitFor(() => posts.length >= 2, { timeout: 10_000, what: 'two posts' });
    assert.equal(posts[0].path, '/chat?room=44');
    assert.match(posts[0].type, /json/);
    assert.equal((posts[0].body as Msg).text, 'hello backend');
    assert.equal((posts[0].body as Msg).from, 'alice');
    assert.equal((posts[1].body as Msg).text, 'hear ye');
    // The room with the absent backend still works.
    assert.equal((await a.request({ textroom: 'message', room: 45, text: 'still here' })).textroom, 'success');
  } finally {
    await a.close();
    await new Promise((resolve) => backend.close(resolve));
  }
});
