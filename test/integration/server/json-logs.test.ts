// general.log_format = json: a real server (a child process) runs a werift EchoTest call; every line it writes is
// one JSON object with time, level and message, and the lines about the call carry session, handle and plugin
// as members rather than in the text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChildServer } from '../../helpers/child-server.js';
import { runWeriftEchoTest } from '../../helpers/echotest-scenario.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';

tolerateLeftoverTimers("werift's timers after its peers closed");

type Line = Record<string, unknown>;

test('--general.log_format=json: every line the server writes during a call is a JSON object with its context as fields', { timeout: 90_000 }, async () => {
  const srv = await startChildServer(['--general.log_format=json', '--general.log_level=5']);
  try {
    await runWeriftEchoTest(srv.wsUrl);
  } finally {
    await srv.stop();
  }
  const text = srv.log();
  assert.ok(text.endsWith('\n'), 'the last line is complete');
  const lines = text.slice(0, -1).split('\n');
  const parsed: Line[] = lines.map((l, i) => {
    let obj: unknown;
    assert.doesNotThrow(() => (obj = JSON.parse(l)), `line ${i + 1} is not JSON: ${l}`);
    assert.ok(typeof obj === 'object' && obj !== null && !Array.isArray(obj), `line ${i + 1} is not an object: ${l}`);
    return obj as Line;
  });
  for (const o of parsed) {
    assert.match(String(o.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(['fatal', 'error', 'warn', 'info', 'verb', 'huge', 'debug'].includes(String(o.level)), JSON.stringify(o));
    assert.equal(typeof o.message, 'string');
  }
  const messages = parsed.map((o) => o.message);
  assert.ok(messages.includes('Portunus is ready'));
  assert.ok(messages.includes('stopped'));
  const created = parsed.find((o) => o.message === 'session created');
  assert.ok(created, 'a session was created');
  assert.equal(typeof created.session, 'number');
  assert.equal(created.transport, 'janus.transport.websockets');
  const attached = parsed.find((o) => o.message === 'handle attached');
  assert.ok(attached, 'a handle was attached');
  assert.deepEqual([attached.component, attached.session, attached.plugin], ['core', created.session, 'janus.plugin.echotest']);
  assert.equal(typeof attached.handle, 'number');
  // The media layer's lines about the call carry the same context.
  const up = parsed.find((o) => typeof o.message === 'string' && o.message.startsWith('WebRTC up in'));
  assert.ok(up, 'WebRTC came up');
  assert.deepEqual([up.component, up.session, up.handle, up.plugin], ['webrtc', created.session, attached.handle, 'janus.plugin.echotest']);
  // No line repeats its context inside the message.
  for (const o of parsed) assert.doesNotMatch(String(o.message), /\bsession=|\bhandle=/, JSON.stringify(o));
});
