// The name cache: literals answer at once, answers live for their TTL, failures expire so a name is asked again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Family } from '../../../src/net/address.js';
import { NameCache } from '../../../src/net/name-cache.js';

function scripted(answers: Record<string, string | Error>): { asked: string[]; lookup: (host: string, family: Family | undefined) => Promise<string> } {
  const asked: string[] = [];
  return {
    asked,
    lookup: async (host, family) => {
      asked.push(`${host}/${family ?? 0}`);
      const a = answers[host];
      if (a === undefined) throw new Error('ENOTFOUND');
      if (a instanceof Error) throw a;
      return a;
    },
  };
}

test('an IP literal is its own answer without a look-up; one of the other family is refused', async () => {
  const s = scripted({});
  const cache = new NameCache(s.lookup);
  assert.equal(await cache.resolveName('192.0.2.1'), '192.0.2.1');
  assert.equal(await cache.resolveName('2001:db8::1', 6), '2001:db8::1');
  await assert.rejects(cache.resolveName('192.0.2.1', 6), /IPv4 address, not IPv6/);
  assert.deepEqual(s.asked, []);
});

test('an answer is reused until its TTL runs out, then asked again', async () => {
  let now = 1000;
  const s = scripted({ 'turn.example': '192.0.2.7' });
  const cache = new NameCache(s.lookup, { successTtlMs: 60_000, now: () => now });
  assert.equal(await cache.resolveName('turn.example', 4), '192.0.2.7');
  now += 59_000;
  assert.equal(await cache.resolveName('TURN.example', 4), '192.0.2.7');
  assert.equal(s.asked.length, 1);
  now += 2_000;
  assert.equal(await cache.resolveName('turn.example', 4), '192.0.2.7');
  assert.equal(s.asked.length, 2);
});

test('a failure is remembered for a short while only: the name resolves once DNS answers again', async () => {
  let now = 0;
  const answers: Record<string, string | Error> = { 'stun.example': new Error('EAI_AGAIN') };
  const s = scripted(answers);
  const cache = new NameCache(s.lookup, { failureTtlMs: 10_000, now: () => now });
  await assert.rejects(cache.resolveName('stun.example', 4), /cannot resolve 'stun.example' \(IPv4\): EAI_AGAIN/);
  answers['stun.example'] = '198.51.100.3';
  now += 5_000;
  await assert.rejects(cache.resolveName('stun.example', 4), /EAI_AGAIN/);
  assert.equal(s.asked.length, 1);
  now += 6_000;
  assert.equal(await cache.resolveName('stun.example', 4), '198.51.100.3');
  assert.equal(s.asked.length, 2);
});

test('concurrent callers share one look-up; families are cached apart; wrong-family answers are refused', async () => {
  const s = scripted({ dual: '192.0.2.9', odd: '2001:db8::9', junk: 'not-an-address' });
  const cache = new NameCache(s.lookup);
  const [a, b] = await Promise.all([cache.resolveName('dual', 4), cache.resolveName('dual', 4)]);
  assert.equal(a, '192.0.2.9');
  assert.equal(b, '192.0.2.9');
  assert.deepEqual(s.asked, ['dual/4']);
  await cache.resolveName('dual');
  assert.deepEqual(s.asked, ['dual/4', 'dual/0']);
  await assert.rejects(cache.resolveName('odd', 4), /resolved to '2001:db8::9', not an IPv4 address/);
  await assert.rejects(cache.resolveName('junk'), /not an IPv4\/6 address/);
});

test('the cache holds at most maxEntries names, dropping the oldest', async () => {
  const s = scripted({ a: '192.0.2.1', b: '192.0.2.2', c: '192.0.2.3' });
  const cache = new NameCache(s.lookup, { maxEntries: 2 });
  await cache.resolveName('a');
  await cache.resolveName('b');
  await cache.resolveName('c');
  await cache.resolveName('c');
  await cache.resolveName('a');
  assert.deepEqual(s.asked, ['a/0', 'b/0', 'c/0', 'a/0']);
});
