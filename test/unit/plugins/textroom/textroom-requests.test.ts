// The TextRoom's requests on fake handles: data channel requests and replies, events to the room, the Janus API.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { Logger } from '../../../../src/logging/logger.js';
import { TextRoomPlugin } from '../../../../src/plugins/textroom/textroom.js';
import { formatJson, messageDate } from '../../../../src/plugins/textroom/json-format.js';
import { parseDataMessage } from '../../../../src/plugins/textroom/data-message.js';
import { parsePostUrl } from '../../../../src/plugins/textroom/http-post.js';

type Msg = Record<string, unknown>;

function start(config: Msg = {}): TextRoomPlugin {
  const plugin = new TextRoomPlugin();
  plugin.init({ log: Logger.create({ level: 0 }), network: new FakeNetwork(), config, recordingsDir: '/tmp', relayGroup: () => ({ setMembers() {}, relay() {}, close() {} }) });
  return plugin;
}

function peer(plugin: TextRoomPlugin, id: number): FakePluginHandle {
  const h = new FakePluginHandle({ id });
  plugin.createSession(h);
  return h;
}

/** Sends a request on the handle's data channel; the messages it got back, parsed. */
function say(plugin: TextRoomPlugin, h: FakePluginHandle, body: Msg | string): Msg[] {
  const before = h.data.length;
  plugin.incomingData(h, 'JanusDataChannel', typeof body === 'string' ? body : JSON.stringify(body));
  return h.data.slice(before).map((d) => JSON.parse(String(d.data)) as Msg);
}

test('join, public and private messages, history, leave', () => {
  const plugin = start({ 'room-7': { description: 'Seven', history: 2 } });
  const a = peer(plugin, 1);
  const b = peer(plugin, 2);
  const joinedA = say(plugin, a, { textroom: 'join', transaction: 't1', room: 7, username: 'alice', display: 'Alice' });
  assert.deepEqual(joinedA.at(-1), { textroom: 'success', participants: [], transaction: 't1' });
  assert.deepEqual(joinedA[0], { textroom: 'join', room: 7, username: 'alice', display: 'Alice' });
  say(plugin, a, { textroom: 'message', transaction: 't2', room: 7, text: 'first' });
  const joinedB = say(plugin, b, { textroom: 'join', transaction: 't3', room: 7, username: 'bob' });
  assert.equal(joinedB[0].text, 'first', 'history replayed');
  assert.equal(joinedB[0].display, 'Alice');
  assert.deepEqual(joinedB.at(-1), { textroom: 'success', participants: [{ username: 'alice', display: 'Alice' }], transaction: 't3' });
  const aBefore = a.data.length;
  const reply = say(plugin, b, { textroom: 'message', transaction: 't4', room: 7, to: 'alice', text: 'psst' });
  assert.deepEqual(reply, [{ textroom: 'success', sent: { alice: true }, transaction: 't4' }]);
  const whisper = JSON.parse(String(a.data[aBefore].data)) as Msg;
  assert.equal(whisper.whisper, true);
  assert.equal(whisper.from, 'bob');
  assert.match(String(whisper.date), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/);
  assert.deepEqual(say(plugin, b, { textroom: 'message', transaction: 't5', room: 7, text: 'x', ack: false }).length, 1, 'only the room message, no ack');
  const left = say(plugin, b, { textroom: 'leave', transaction: 't6', room: 7 });
  assert.deepEqual(left.at(-1), { textroom: 'success', transaction: 't6' });
  assert.equal((JSON.parse(String(a.data.at(-1)?.data)) as Msg).textroom, 'leave');
});

test('errors keep their Janus codes; bad data is dropped and the plugin keeps serving', () => {
  const plugin = start();
  const a = peer(plugin, 1);
  assert.deepEqual(say(plugin, a, 'not json'), []);
  assert.deepEqual(say(plugin, a, 'x'.repeat(70_000)), []);
  assert.deepEqual(say(plugin, a, '[1]'), [{ textroom: 'error', error_code: 413, error: 'Missing mandatory element (textroom)' }]);
  assert.deepEqual(say(plugin, a, { textroom: 'join', transaction: 't', room: 1 }), [{ textroom: 'error', error_code: 413, error: 'Missing mandatory element (username)', transaction: 't' }]);
  assert.equal(say(plugin, a, { textroom: 'join', transaction: 't', room: 99, username: 'u' })[0].error_code, 417);
  assert.equal(say(plugin, a, { textroom: 'join', transaction: 't', room: '1234', username: 'u' })[0].error_code, 414);
  assert.equal(say(plugin, a, { textroom: 'message', transaction: 't', room: 1234, text: 'x' })[0].error_code, 422);
  assert.equal(say(plugin, a, { textroom: 'dance', transaction: 't' })[0].error_code, 415);
  assert.equal(say(plugin, a, { textroom: 'destroy', transaction: 't', room: 1234 })[0].error_code, 413, 'the secret is missing');
  assert.equal(say(plugin, a, { textroom: 'destroy', transaction: 't', room: 1234, secret: 'no' })[0].error_code, 419);
  say(plugin, a, { textroom: 'join', transaction: 't', room: 1234, username: 'u' });
  assert.equal(say(plugin, a, { textroom: 'join', transaction: 't', room: 1234, username: 'v' })[0].error_code, 421);
  const b = peer(plugin, 2);
  assert.equal(say(plugin, b, { textroom: 'join', transaction: 't', room: 1234, username: 'u' })[0].error_code, 420);
  assert.equal(say(plugin, a, { textroom: 'message', transaction: 't', room: 1234, text: 'x', to: 'a', tos: ['b'] })[0].error_code, 414);
});

test('create, edit, allowed, kick, announcement, destroy over the data channel; list and exists', () => {
  const plugin = start({ general: { admin_key: 'k' } });
  const a = peer(plugin, 1);
  assert.equal(say(plugin, a, { textroom: 'create', transaction: 't', room: 5 })[0].error_code, 413);
  assert.deepEqual(say(plugin, a, { textroom: 'create', transaction: 't', room: 5, admin_key: 'k', secret: 's', is_private: true }), [
    { textroom: 'success', room: 5, permanent: false, transaction: 't' },
  ]);
  assert.equal(say(plugin, a, { textroom: 'create', transaction: 't', room: 5, admin_key: 'k' })[0].error_code, 418);
  assert.equal(say(plugin, a, { textroom: 'create', transaction: 't', admin_key: 'k', permanent: true })[0].error_code, 499);
  const listed = say(plugin, a, { textroom: 'list', transaction: 't' })[0].list as Msg[];
  assert.deepEqual(
    listed.map((r) => r.room),
    [1234],
  );
  assert.equal((say(plugin, a, { textroom: 'list', transaction: 't', admin_key: 'k' })[0].list as Msg[]).length, 2);
  assert.deepEqual(say(plugin, a, { textroom: 'edit', transaction: 't', room: 5, secret: 's', new_description: 'Five' })[0], { textroom: 'success', room: 5, permanent: false, transaction: 't' });
  assert.deepEqual(say(plugin, a, { textroom: 'allowed', transaction: 't', room: 5, secret: 's', action: 'add', allowed: ['tok'] })[0], {
    textroom: 'success',
    room: 5,
    allowed: ['tok'],
    transaction: 't',
  });
  say(plugin, a, { textroom: 'allowed', transaction: 't', room: 5, secret: 's', action: 'enable' });
  assert.equal(say(plugin, a, { textroom: 'join', transaction: 't', room: 5, username: 'u' })[0].error_code, 419);
  say(plugin, a, { textroom: 'join', transaction: 't', room: 5, username: 'u', token: 'tok' });
  const ann = say(plugin, a, { textroom: 'announcement', transaction: 't', room: 5, secret: 's', text: 'hello' });
  assert.equal(ann[0].textroom, 'announcement');
  const kicked = say(plugin, a, { textroom: 'kick', transaction: 't', room: 5, secret: 's', username: 'u' });
  assert.deepEqual(kicked[0], { textroom: 'kicked', room: 5, username: 'u' });
  assert.equal(say(plugin, a, { textroom: 'kick', transaction: 't', room: 5, secret: 's', username: 'u' })[0].error_code, 423);
  assert.deepEqual(say(plugin, a, { textroom: 'exists', transaction: 't', room: 5 })[0], { textroom: 'success', room: 5, exists: true, transaction: 't' });
  const destroyed = say(plugin, a, { textroom: 'destroy', transaction: 't', room: 5, secret: 's' });
  assert.deepEqual(destroyed.at(-1), { textroom: 'success', room: 5, permanent: false, transaction: 't' });
});

test('the Janus API: setup offers a data channel only, management requests answer at once, message via textroom', async () => {
  const plugin = start();
  const a = peer(plugin, 1);
  assert.deepEqual((await sendMessage(plugin, a, { request: 'restart' })).data, { textroom: 'error', error_code: 416, error: 'PeerConnection not setup' });
  const setup = await sendMessage(plugin, a, { request: 'setup' });
  assert.deepEqual(setup.data, { textroom: 'event', result: 'ok' });
  assert.deepEqual(a.offered[0], [{ kind: 'data', mid: '0' }]);
  assert.deepEqual((await sendMessage(plugin, a, { request: 'setup' })).data, { textroom: 'error', error_code: 416, error: 'PeerConnection already setup' });
  const restarted = await sendMessage(plugin, a, { request: 'restart' });
  assert.deepEqual(restarted.data, { textroom: 'event', result: 'ok' });
  assert.equal(restarted.jsep?.type, 'offer', 'an ICE-restart offer');
  assert.deepEqual((await sendMessage(plugin, a, { request: 'ack' })).data, { textroom: 'event', result: 'ok' });
  assert.deepEqual((await sendMessage(plugin, a, { request: 'create', room: 9 })).data, { textroom: 'created', room: 9, permanent: false });
  assert.deepEqual((await sendMessage(plugin, a, { request: 'exists', room: 9 })).data, { textroom: 'success', room: 9, exists: true });
  assert.deepEqual((await sendMessage(plugin, a, { request: 'listparticipants', room: 9 })).data, { textroom: 'success', room: 9, participants: [] });
  assert.deepEqual((await sendMessage(plugin, a, { request: 'destroy', room: 77 })).data, { textroom: 'error', error_code: 417, error: 'No such room (77)' });
  assert.deepEqual((await sendMessage(plugin, a, { request: 'join', room: 9 })).data, { textroom: 'event', error_code: 415, error: "Unknown request 'join'" });
  say(plugin, a, { textroom: 'join', transaction: 't', room: 9, username: 'me' });
  const before = a.data.length;
  assert.deepEqual((await sendMessage(plugin, a, { request: 'list', textroom: 'message', room: 9, text: 'via api' })).data, { textroom: 'success' });
  assert.equal((JSON.parse(String(a.data[before].data)) as Msg).text, 'via api');
  assert.deepEqual((await sendMessage(plugin, a, { request: 'destroy', room: 9 })).data, { textroom: 'destroyed', room: 9, permanent: false });
  assert.deepEqual(await plugin.handleAdminMessage({ request: 'exists', room: 1234 }), { textroom: 'success', room: 1234, exists: true });
  plugin.destroySession(a);
});

test('pure helpers: JSON styles, dates, data messages, post URLs', () => {
  assert.equal(formatJson({ a: 1, b: [1, 2] }, 'plain'), '{"a": 1, "b": [1, 2]}');
  assert.equal(formatJson({ a: 1 }, 'compact'), '{"a":1}');
  assert.equal(formatJson({ a: 1 }, 'indented'), '{\n   "a": 1\n}');
  assert.match(messageDate(new Date(0)), /^19(69|70)-/);
  assert.equal(parseDataMessage(Buffer.from('{}')).kind, 'dropped');
  assert.deepEqual(parseDataMessage('{"a":1}'), { kind: 'json', value: { a: 1 } });
  assert.deepEqual(parsePostUrl('http://127.0.0.1:8080/x?y=1'), { secure: false, host: '127.0.0.1', port: 8080, path: '/x?y=1', authority: '127.0.0.1:8080' });
  assert.equal(typeof parsePostUrl('ftp://h/'), 'string');
});
