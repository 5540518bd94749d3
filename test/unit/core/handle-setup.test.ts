// WebRTC may come up while the request whose answer brought it up is still on its way to the plugin (a `start`
// with a jsep): the plugin's setup_media must not overtake that request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Handle, type HandleOwner } from '../../../src/core/handle.js';
import { Session } from '../../../src/core/session.js';
import type { Plugin } from '../../../src/plugin-api/plugin.js';
import { quietLogger, RecordingSink } from './fixtures.js';

function handleWith(calls: string[]): Handle {
  const plugin: Plugin = {
    descriptor: { package: 'janus.plugin.order', name: 'order', author: 'test', description: 'records calls', version: 1, versionString: '0.0.1' },
    createSession: () => undefined,
    destroySession: () => undefined,
    handleMessage: () => ({ kind: 'ack' }),
    setupMedia: () => calls.push('setup_media'),
  };
  const owner: HandleOwner = { opaqueIdInApi: false, now: () => 0, endHandle: () => undefined };
  return new Handle(7, new Session(1, new RecordingSink(), 0, 0), plugin, 0, quietLogger(), owner);
}

test('setup_media waits while a request on the handle is being answered, and runs once it has been', () => {
  const calls: string[] = [];
  const h = handleWith(calls);
  h.webrtcUp = true;
  h.hold();
  h.setupMediaWhenAnswered();
  assert.equal(calls.length, 0, 'held while the request is answered');
  calls.push('request reached the plugin');
  h.release();
  assert.deepEqual(calls, ['request reached the plugin', 'setup_media']);
});

test('setup_media runs at once when no request is being answered, and not at all for a handle detached meanwhile', () => {
  const calls: string[] = [];
  const h = handleWith(calls);
  h.webrtcUp = true;
  h.setupMediaWhenAnswered();
  assert.deepEqual(calls, ['setup_media']);
  const other: string[] = [];
  const d = handleWith(other);
  d.webrtcUp = true;
  d.hold();
  d.setupMediaWhenAnswered();
  d.detached = true;
  d.release();
  assert.deepEqual(other, []);
});
