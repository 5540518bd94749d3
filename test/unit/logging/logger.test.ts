// The two log formats render the same record: JSON lines carry time, level, message and the context as members;
// text lines carry the same context as key=value. Children add context; one level change reaches them all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { renderJson, renderText, type LogRecord } from '../../../src/logging/log-format.js';
import { Logger, LogLevel } from '../../../src/logging/logger.js';

function capture(format: 'text' | 'json', timestamps = true): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: Logger.create({ level: LogLevel.INFO, format, timestamps, sink: { write: (l) => lines.push(l) } }), lines };
}

test('a JSON line is one object: time, level, message first, then the context of every child as members', () => {
  const { log, lines } = capture('json');
  const handleLog = log.child({ component: 'core' }).child({ session: 12, handle: 34, plugin: 'janus.plugin.echotest' });
  handleLog.info('handle attached', { opaque_id: 'abc def' });
  handleLog.debug('not at this level');
  assert.equal(lines.length, 1);
  const obj = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.deepEqual(Object.keys(obj).slice(0, 3), ['time', 'level', 'message']);
  assert.match(obj.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(
    { ...obj, time: undefined },
    { time: undefined, level: 'info', message: 'handle attached', component: 'core', session: 12, handle: 34, plugin: 'janus.plugin.echotest', opaque_id: 'abc def' },
  );
});

test('the text line carries the same fields: tag, message, key=value (quoted when needed)', () => {
  const { log, lines } = capture('text', false);
  log.child({ component: 'core', session: 12, handle: 34, plugin: 'janus.plugin.echotest' }).warn('answer not applied', { reason: 'bad "sdp"', empty: '' });
  assert.equal(lines[0], 'WARN  [core] answer not applied session=12 handle=34 plugin=janus.plugin.echotest reason="bad \\"sdp\\"" empty=""');
  // A plugin's own logger has no component: the plugin is the tag and is not repeated.
  log.child({ plugin: 'janus.plugin.videoroom' }).info('room 1234 created');
  assert.equal(lines[1], 'INFO  [janus.plugin.videoroom] room 1234 created');
});

test('a context field named like a reserved key does not overwrite it', () => {
  const { log, lines } = capture('json', false);
  log.info('real', { message: 'fake', level: 'fatal', time: 'never' });
  const obj = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.equal(obj.message, 'real');
  assert.equal(obj.level, 'info');
  assert.equal(obj.time, undefined);
  assert.deepEqual([obj.message_field, obj.level_field, obj.time_field], ['fake', 'fatal', 'never']);
});

test('set_log_level on the root reaches every child; timestamps can be turned off for both formats', () => {
  const { log, lines } = capture('json', false);
  const child = log.child({ component: 'x' });
  child.verbose('hidden');
  log.setLevel(LogLevel.VERB);
  child.verbose('shown');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    [{ level: 'verb', message: 'shown', component: 'x' }],
  );
});

test('any message and context renders as one line of valid JSON with the same values', () => {
  const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.double(), fc.constant(undefined));
  fc.assert(
    fc.property(fc.string(), fc.integer({ min: 1, max: 7 }), fc.dictionary(fc.string(), value), (message, level, fields) => {
      const record: LogRecord = { level, message, fields };
      const json = renderJson(record);
      assert.ok(!json.includes('\n'));
      const obj = JSON.parse(json) as Record<string, unknown>;
      assert.equal(obj.message, message);
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined) continue;
        const key = ['time', 'level', 'message'].includes(k) ? `${k}_field` : k;
        if (typeof v === 'number' && !Number.isFinite(v)) assert.equal(obj[key], String(v));
        else assert.equal(obj[key], Object.is(v, -0) ? 0 : v);
      }
      const text = renderText(record);
      assert.ok(text.includes(message));
    }),
  );
});
