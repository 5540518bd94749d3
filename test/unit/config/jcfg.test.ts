import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JcfgSyntaxError, parseJcfg } from '../../../src/config/jcfg.js';

test('parses the shapes Janus config files use', () => {
  const text = `
# comment
general: {
  session_timeout = 60 // trailing comment
  server_name = "My" "Janus";
  debug = true, ratio = 1.5, hex = 0x10
  /* block
     comment */
  list = ["a", "b"]
  groups = ( { id = 1 }, { id = 2 } )
}
media: { rtp_port_range = "20000-40000" }
mp-1: { type = "rtp", media = ( { type = "audio", mid = "a", port = 5002 } ) }
`;
  const c = parseJcfg(text);
  assert.deepEqual(c.general, { session_timeout: 60, server_name: 'MyJanus', debug: true, ratio: 1.5, hex: 16, list: ['a', 'b'], groups: [{ id: 1 }, { id: 2 }] });
  assert.deepEqual(c.media, { rtp_port_range: '20000-40000' });
  assert.deepEqual(c['mp-1'], { type: 'rtp', media: [{ type: 'audio', mid: 'a', port: 5002 }] });
});

test('string escapes', () => {
  assert.deepEqual(parseJcfg('a = "x\\"y\\\\z\\n\\x41"'), { a: 'x"y\\z\nA' });
});

test('errors say where', () => {
  assert.throws(() => parseJcfg('a = '), JcfgSyntaxError);
  assert.throws(() => parseJcfg('general: {\n  a = 1\n'), /line 3/);
  assert.throws(() => parseJcfg('a = "open'), /unterminated string/);
  assert.throws(() => parseJcfg('a = 1\na = 2'), /duplicate/);
  assert.throws(() => parseJcfg('= 1'), /expected a setting name/);
  assert.throws(() => parseJcfg('a = [1, 2'), JcfgSyntaxError);
  assert.throws(() => parseJcfg('a = ' + '['.repeat(100) + ']'.repeat(100)), /nesting too deep/);
});

test('setting names start with a letter, so __proto__ cannot pollute anything', () => {
  assert.throws(() => parseJcfg('__proto__ = 1'), JcfgSyntaxError);
  const c = parseJcfg('constructor = 1');
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.equal(c.constructor, 1);
});

test('fuzz: random and mutated input either parses or throws JcfgSyntaxError', () => {
  const base = 'general: { a = 1; b = "x"; c = [1,2]; d = ( { e = true } ) }\n';
  const alphabet = '{}[]()=:;,"\\#/*\n azAZ09.-+x';
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 4000; i++) {
    let s: string;
    if (i % 2 === 0) {
      s = '';
      const len = Math.floor(rand() * 60);
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
    } else {
      const arr = base.split('');
      const edits = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < edits; k++) arr[Math.floor(rand() * arr.length)] = alphabet[Math.floor(rand() * alphabet.length)];
      s = arr.join('');
    }
    try {
      const r = parseJcfg(s);
      assert.equal(typeof r, 'object');
    } catch (err) {
      assert.ok(err instanceof JcfgSyntaxError, `unexpected ${String(err)} for ${JSON.stringify(s)}`);
    }
  }
});

test('a number out of range is a syntax error (an edge of the fuzzed round trip: 1e999 read as Infinity, which no state file can hold)', async () => {
  const { formatJcfg } = await import('../../../src/config/jcfg-format.js');
  for (const text of ['a = 1e999', 'a = -1e999;', 'g: { n = 1.5e400 }', 'a = ( 1, 2e308 )']) {
    assert.throws(
      () => parseJcfg(text),
      (err: unknown) => err instanceof JcfgSyntaxError && /number out of range/.test(err.message),
      text,
    );
  }
  // What parses, the state writer writes back to the same settings: -0 reads as 0.
  for (const text of ['a = -0', 'a = 1.7976931348623157e308', 'a = 0x7fffffffffffffff', 'a = -0.0e5', 'a = 1e-400']) {
    const parsed = parseJcfg(text);
    assert.deepStrictEqual(parseJcfg(formatJcfg(parsed)), parsed, text);
  }
});

test('a setting name of any length reads back (found by fuzzing the writer: names over 256 characters were cut)', async () => {
  const { formatJcfg } = await import('../../../src/config/jcfg-format.js');
  // A plugin's saved state names a room or mountpoint after its (client-chosen) id.
  const group = { [`room-${'x'.repeat(300)}`]: { description: 'long' }, [`m${'1'.repeat(5000)}`]: 1 };
  assert.deepStrictEqual(parseJcfg(formatJcfg(group)), group);
  assert.deepStrictEqual(parseJcfg(`${'a'.repeat(100_000)} = true`), { ['a'.repeat(100_000)]: true });
});
