// cluster.local_nodes: the count asked for, which node this process is, the ids a node draws and the owner a
// session id or a WHIP resource names; the flags that make each node differ from its siblings.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { localNodeEnvValue, localNodeFromEnv, parseLocalNodes } from '../../../src/cluster/local-node-identity.js';
import { isLinkTable } from '../../../src/cluster/local-node-links.js';
import { localNodeFlags } from '../../../src/cluster/local-nodes.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { idOfNode, ownerOfId, ownerOfResource, resourcePrefix } from '../../../src/core/local-node-ids.js';
import { randomId53 } from '../../../src/core/ids.js';

test('cluster.local_nodes: a number from 1 to 64 or auto', () => {
  assert.equal(parseLocalNodes('1', 8), 1);
  assert.equal(parseLocalNodes(' 3 ', 8), 3);
  assert.equal(parseLocalNodes(4, 8), 4);
  assert.equal(parseLocalNodes('auto', 8), 8);
  assert.equal(parseLocalNodes('AUTO', 200), 64);
  for (const bad of ['0', '65', '-1', '2.5', 'two', '', '1e1']) assert.equal(parseLocalNodes(bad, 8), undefined, bad);
});

test('which local node a process is, from its environment', () => {
  assert.deepEqual(localNodeFromEnv({ PORTUNUS_LOCAL_NODE: '2/3' }), { index: 2, count: 3 });
  assert.equal(localNodeEnvValue({ index: 2, count: 3 }), '2/3');
  for (const bad of [undefined, '', '3/3', '0/1', 'a/b', '1/3/4', '-1/3']) assert.equal(localNodeFromEnv({ PORTUNUS_LOCAL_NODE: bad }), undefined, String(bad));
});

test('a node draws ids of its own, and any node finds the owner of an id', () => {
  for (const count of [2, 3, 7, 64]) {
    for (let index = 0; index < count; index++) {
      for (let i = 0; i < 50; i++) {
        const id = idOfNode(randomId53(), { index, count });
        assert.ok(Number.isSafeInteger(id) && id > 0, String(id));
        assert.equal(ownerOfId(id, count), index);
      }
      for (const edge of [1, count - 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1]) {
        const id = idOfNode(edge, { index, count });
        assert.ok(Number.isSafeInteger(id) && id > 0 && ownerOfId(id, count) === index, `${edge} → ${id}`);
      }
    }
  }
});

test('a WHIP resource id names its node by its prefix', () => {
  assert.equal(ownerOfResource(resourcePrefix(2) + 'abc', 3), 2);
  assert.equal(ownerOfResource('n3-abc', 3), undefined);
  assert.equal(ownerOfResource('abc', 3), undefined);
  assert.equal(ownerOfResource('n-abc', 3), undefined);
});

test('the link table from the supervisor is read as untrusted input', () => {
  assert.ok(isLinkTable({ type: 'portunus-links', ports: { 0: 4000, 2: 4002 } }));
  for (const bad of [
    null,
    'x',
    {},
    { type: 'portunus-links' },
    { type: 'portunus-links', ports: { 0: 0 } },
    { type: 'portunus-links', ports: { a: 1 } },
    { type: 'other', ports: {} },
    { type: 'portunus-links', ports: { 0: '1' } },
  ]) {
    assert.equal(isLinkTable(bad), false, JSON.stringify(bad));
  }
});

test('each local node its name, ports and share of the range; brokers on the first alone', () => {
  const core = structuredClone(DEFAULTS) as { -readonly [S in keyof typeof DEFAULTS]: { -readonly [K in keyof (typeof DEFAULTS)[S]]: (typeof DEFAULTS)[S][K] } };
  core.cluster.node_name = 'box';
  core.metrics.enabled = true;
  const first = localNodeFlags(core, 0, 3, 100);
  const third = localNodeFlags(core, 2, 3, 100);
  assert.ok(first.includes('--cluster.node_name=box-1'));
  assert.ok(third.includes('--cluster.node_name=box-3'));
  assert.ok(third.includes(`--media.single_port=${DEFAULTS.media.single_port + 2}`));
  assert.ok(third.includes(`--metrics.port=${DEFAULTS.metrics.port + 2}`));
  assert.ok(!first.some((f) => f.startsWith('--mqtt.')));
  assert.ok(third.includes('--mqtt.enabled=false'));
  const ranges = [0, 1, 2].map((i) =>
    localNodeFlags(core, i, 3, 100)
      .find((f) => f.startsWith('--media.rtp_port_range='))
      ?.split('=')[1]
      .split('-')
      .map(Number),
  );
  for (let i = 0; i < 3; i++) {
    const r = ranges[i];
    assert.ok(r && r[0] <= r[1], String(r));
    if (i > 0) assert.ok(r && ranges[i - 1] && r[0] === (ranges[i - 1]?.[1] ?? 0) + 1, 'slices follow each other');
  }
  core.cluster.node_name = '';
  assert.ok(localNodeFlags(core, 1, 2, 4242).some((f) => /^--cluster\.node_name=.+-4242-2$/.test(f)));
  // Without state_dir nothing is saved anywhere; with it, the first node keeps it, each other a subfolder.
  assert.ok(!third.some((f) => f.startsWith('--general.state_dir')));
  core.general.state_dir = 'saved';
  assert.ok(!localNodeFlags(core, 0, 3, 100).some((f) => f.startsWith('--general.state_dir')));
  assert.ok(localNodeFlags(core, 2, 3, 100).includes(`--general.state_dir=${join('saved', 'local-node-3')}`));
});
