// The cluster's pure parts: membership as heard (join, silence taken as loss, a leave notice, a restart under a
// new incarnation, NATS away freezing it), announcements read as untrusted input, placement keys both ways,
// and the `cluster` settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultNodeName, parseClusterSettings } from '../../../src/cluster/cluster-settings.js';
import { ClusterMembership, type MembershipEvent } from '../../../src/cluster/membership.js';
import { encodeJson, readAnnouncement, readLeave, type NodeAnnouncement } from '../../../src/cluster/node-record.js';
import { idToken, parsePlacementKey, placementKey } from '../../../src/cluster/placement-store.js';
import { BackendSettingsError } from '../../../src/brokers/broker-settings.js';
import { memoryLogger } from '../../helpers/brokers.js';

function announcement(node: string, incarnation = `${node}-1`): NodeAnnouncement {
  return { node, incarnation, media_ip: '198.18.0.2', started: 1, version: 'test', heartbeat_ms: 100, load: { peerconnections: 2, forwarded_bps: 1000, cpu: 0.5 }, holds: 0 };
}

function fixture(): { m: ClusterMembership; events: MembershipEvent[]; clock: { now: number }; lines: string[] } {
  const clock = { now: 1000 };
  const { log, lines } = memoryLogger();
  const m = new ClusterMembership(
    () => announcement('self'),
    300,
    log,
    () => clock.now,
  );
  const events: MembershipEvent[] = [];
  m.on((e) => events.push(e));
  return { m, events, clock, lines };
}

test('membership: a node heard joins once; silence longer than lostAfter makes it lost, with a log line', () => {
  const { m, events, clock, lines } = fixture();
  m.heard(announcement('b'));
  m.heard(announcement('b'));
  assert.deepEqual(
    events.map((e) => e.type),
    ['joined'],
  );
  assert.deepEqual(
    m.nodes().map((n) => [n.name, n.self]),
    [
      ['self', true],
      ['b', false],
    ],
  );
  clock.now += 300;
  m.sweep();
  assert.equal(events.length, 1, 'not yet: exactly lostAfter');
  clock.now += 1;
  m.sweep();
  const lost = events[1];
  assert.equal(lost.type === 'left' ? `${lost.reason}:${lost.node.name}` : '', 'lost:b');
  assert.ok(!m.alive('b'));
  assert.ok(m.alive('self'));
  assert.ok(lines.some((l) => /node b \(media 198\.18\.0\.2\) lost: no heartbeat for 301 ms/.test(l)));
});

test('membership: a leave notice of the same incarnation is a leave; a new incarnation is a restart and a join', () => {
  const { m, events } = fixture();
  m.heard(announcement('b'));
  m.leaving('b', 'other');
  assert.equal(events.length, 1, 'another incarnation cannot make it leave');
  m.heard(announcement('b', 'b-2'));
  assert.deepEqual(
    events.map((e) => (e.type === 'left' ? `left:${e.reason}` : e.type)),
    ['joined', 'left:restarted', 'joined'],
  );
  m.leaving('b', 'b-2');
  const last = events.at(-1);
  assert.equal(last?.type === 'left' ? last.reason : '', 'left');
  assert.equal(m.size, 1);
});

test('membership: frozen while NATS is away (nobody lost), each peer given lostAfter again when it is back', () => {
  const { m, events, clock } = fixture();
  m.heard(announcement('b'));
  m.freeze();
  clock.now += 10_000;
  m.sweep();
  assert.equal(events.length, 1);
  assert.ok(m.frozen);
  m.thaw();
  clock.now += 200;
  m.sweep();
  assert.ok(m.alive('b'));
  clock.now += 200;
  m.sweep();
  assert.ok(!m.alive('b'));
});

test('membership: our own name from another incarnation is a warning, not a peer', () => {
  const { m, events, lines } = fixture();
  m.heard(announcement('self', 'someone-else'));
  assert.equal(events.length, 0);
  assert.ok(lines.some((l) => l.includes('another node announces itself as self')));
});

test('announcements: round trip; malformed or hostile data is dropped', () => {
  const a = announcement('node-1');
  assert.deepEqual(readAnnouncement(encodeJson(a)), a);
  for (const bad of ['', 'null', '[]', '{"node":"a b","incarnation":"x","media_ip":"1.2.3.4"}', '{"node":"a","media_ip":"1.2.3.4"}', '{"node":"a","incarnation":"x"}', 'x'.repeat(20_000)]) {
    assert.equal(readAnnouncement(new TextEncoder().encode(bad)), undefined, bad.slice(0, 40));
  }
  const odd = readAnnouncement(new TextEncoder().encode('{"node":"a","incarnation":"x","media_ip":"1.2.3.4","load":{"cpu":-1,"peerconnections":"many"}}'));
  assert.deepEqual(odd?.load, { peerconnections: 0, forwarded_bps: 0, cpu: 0 });
  assert.deepEqual(readLeave(encodeJson({ node: 'a', incarnation: 'x' })), { node: 'a', incarnation: 'x' });
  assert.equal(readLeave(new TextEncoder().encode('{"node":1}')), undefined);
});

test('placement keys: numbers and any string id both ways; foreign keys are not ours', () => {
  for (const id of [1234, 0, Number.MAX_SAFE_INTEGER, 'room one', 'ünï/cödé.*>', '']) {
    const key = placementKey('videoroom', id, 'node-1');
    assert.match(key, /^[A-Za-z0-9_.-]+$/, 'a valid KV key');
    assert.deepEqual(parsePlacementKey(key), { kind: 'videoroom', id, node: 'node-1' });
  }
  assert.equal(idToken(5), 'n5');
  for (const bad of ['videoroom.n1', 'audiobridge.n1.a', 'videoroom.x1.a', 'videoroom.n99999999999999999.a', 'streaming.n1.a.b']) assert.equal(parsePlacementKey(bad), undefined, bad);
});

test('cluster settings: none without cluster.nats; names checked; the NATS settings are the transport’s', () => {
  const { log } = memoryLogger();
  assert.equal(parseClusterSettings({ nats: '' }, '10.0.0.1', log), undefined);
  const s = parseClusterSettings({ nats: 'nats://u:p@127.0.0.1:4333,nats://[::1]', node_name: 'n1', heartbeat_ms: '250' }, '10.0.0.1', log);
  assert.equal(s?.connection.target, 'nats://127.0.0.1:4333,nats://[::1]:4222');
  assert.equal(s?.connection.user, 'u');
  assert.equal(s?.connection.name, 'portunus-node-n1');
  assert.equal(s?.mediaIp, '10.0.0.1');
  assert.equal(s?.heartbeatMs, 250);
  assert.equal(s?.lostAfter, 3);
  for (const [key, value, message] of [
    ['node_name', 'a.b', /node_name must be 1 to 64 letters/],
    ['name', 'x y', /name must be/],
    ['media_ip', 'example.org', /media_ip is not an IP address/],
    ['heartbeat_ms', '10', /heartbeat_ms must be a whole number from 50/],
    ['nats', 'http://x', /nats has an unknown scheme/],
  ] as const) {
    assert.throws(
      () => parseClusterSettings({ nats: 'nats://127.0.0.1', [key]: value }, '10.0.0.1', log),
      (e: unknown) => e instanceof BackendSettingsError && message.test(e.message),
    );
  }
  assert.match(defaultNodeName('web.example.org', 42), /^web-example-org-42$/);
  assert.match(defaultNodeName('...', 7), /^node-7$/);
});
