// formatJcfg is the inverse of parseJcfg: what we save, we read back unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJcfg, type JcfgGroup } from '../../../src/config/jcfg.js';
import { formatJcfg } from '../../../src/config/jcfg-format.js';

test('formatJcfg round-trips through parseJcfg', () => {
  const group: JcfgGroup = {
    'mountpoint-1': {
      type: 'rtp',
      id: 1,
      name: 'say "hi"\\ and\nnew line\ttab ünïcödé',
      is_private: false,
      ratio: -2.5,
      media: [
        { type: 'audio', mid: 'a', port: 5002, codec: 'opus/48000/2' },
        { type: 'data', mid: 'd', port: 0, datatype: 'text' },
      ],
      empty: [],
      nested: { deeper: { x: true } },
      control: '\x01',
    },
    general: { events: false },
  };
  assert.deepEqual(parseJcfg(formatJcfg(group)), group);
});

test('formatJcfg refuses what the syntax cannot express', () => {
  assert.throws(() => formatJcfg({ 'bad name': 1 }), /not a valid/);
  assert.throws(() => formatJcfg({ x: Number.NaN }), /finite/);
  // Random groups of scalars survive the round trip.
  for (let i = 0; i < 200; i++) {
    const g: JcfgGroup = {};
    for (let k = 0; k < 5; k++) {
      const r = Math.random();
      g[`k${k}`] =
        r < 0.3 ? Math.floor(Math.random() * 1e9) - 5e8 : r < 0.6 ? String.fromCharCode(...Array.from({ length: 8 }, () => Math.floor(Math.random() * 0x7e))) : r < 0.8 ? r < 0.7 : [1, 'a', { z: 2 }];
    }
    assert.deepEqual(parseJcfg(formatJcfg(g)), g);
  }
});
