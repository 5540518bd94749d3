// An event handler configured in a Janus configuration folder (janus.jcfg's events section and
// janus.eventhandler.sampleevh.jcfg) works as it is: the server started with --janus-config posts its events.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importJanusConfig } from '../../../src/config/janus-import.js';
import { loadConfig } from '../../../src/config/load.js';
import { waitFor } from '../../../support/wait.js';
import { startChildServer } from '../../helpers/child-server.js';
import { HttpReceiver } from '../../helpers/event-receivers.js';
import { janusEventProblems } from '../../helpers/janus-event-schema.js';

function folder(backend: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-janus-evh-'));
  writeFileSync(join(dir, 'janus.jcfg'), 'general: { server_name = "janus-from-folder" }\nevents: {\n  broadcast = true\n  disable = "libjanus_wsevh.so"\n  stats_period = 5\n}\n');
  writeFileSync(
    join(dir, 'janus.eventhandler.sampleevh.jcfg'),
    `general: {\n  enabled = true\n  events = "sessions, core"\n  grouping = false\n  json = "plain"\n  backend = "${backend}"\n  backend_user = "myuser"\n  backend_pwd = "mypwd"\n  max_retransmissions = 3\n  retransmissions_backoff = 50\n  no_such_thing = 1\n}\n`,
  );
  writeFileSync(join(dir, 'janus.eventhandler.wsevh.jcfg'), 'general: {\n  enabled = true\n  backend = "ws://127.0.0.1:9"\n  ws_logging = "err,warn"\n}\n');
  return dir;
}

test('a Janus folder maps onto [events], [sampleevh] and [wsevh]; unknown keys are listed', () => {
  const dir = folder('http://127.0.0.1:1/x');
  try {
    const imported = importJanusConfig(dir);
    const config = loadConfig({ file: { path: dir, content: imported.content } });
    assert.equal(config.core.events.broadcast, true);
    assert.equal(config.core.events.disable, 'janus.eventhandler.wsevh');
    assert.equal(config.core.events.stats_period, 5);
    const sample = config.eventHandlers['janus.eventhandler.sampleevh'];
    assert.equal(sample.enabled, true);
    assert.equal(sample.grouping, false);
    assert.equal(sample.max_retransmissions, 3);
    assert.equal(sample.compress, false, 'what the file leaves out keeps its default');
    assert.equal(config.eventHandlers['janus.eventhandler.wsevh'].ws_logging, 'err,warn');
    assert.ok(imported.ignored.includes('janus.eventhandler.sampleevh.jcfg: general.no_such_thing'), imported.ignored.join('; '));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('the server started from that folder posts its events there, plain JSON one object a POST', { timeout: 30_000 }, async () => {
  const receiver = await HttpReceiver.start({ auth: 'myuser:mypwd' });
  const dir = folder(receiver.url);
  try {
    const srv = await startChildServer(['--janus-config', dir]);
    try {
      const created = (await (await fetch(srv.restUrl, { method: 'POST', body: JSON.stringify({ janus: 'create', transaction: 'x' }) })).json()) as { data: { id: number } };
      await waitFor(() => receiver.events().some((e) => e.type === 1 && e.session_id === created.data.id), { timeout: 5000, what: 'the session event' });
      assert.match(srv.log(), /event handler janus\.eventhandler\.wsevh disabled by events\.disable/);
    } finally {
      await srv.stop();
    }
    const events = receiver.events();
    for (const e of events) assert.deepEqual(janusEventProblems(e), []);
    assert.ok(events.every((e) => e.emitter === 'janus-from-folder'));
    assert.deepEqual(
      events.map((e) => [e.type, e.subtype ?? 0]),
      [
        [256, 1],
        [1, 0],
        [256, 2],
        [1, 0],
      ],
      'started, the session, shutting down, the session destroyed by the shutdown',
    );
    assert.ok(receiver.posts.every((p) => !Array.isArray(p.body)));
    assert.equal(receiver.unauthorized, 0);
  } finally {
    await receiver.down();
    rmSync(dir, { recursive: true });
  }
});
