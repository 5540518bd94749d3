// The last second's bytes as Janus counts them for bytes-received-lastsec / bytes-sent-lastsec: a window closes on
// the first packet a second or more after it began; two quiet seconds make the figure 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LastSecondBytes } from '../../../src/rtp/last-second-bytes.js';

test('the figure is the total of the last closed window, 0 before one closed', () => {
  const w = new LastSecondBytes();
  assert.equal(w.value(0), 0);
  for (let t = 0; t < 1000; t += 20) w.add(100, 5000 + t);
  assert.equal(w.value(5990), 0, 'the first window is still open');
  w.add(100, 6000);
  assert.equal(w.value(6000), 5000, '50 packets of 100 bytes in the first second');
  for (let t = 20; t < 1000; t += 20) w.add(300, 6000 + t);
  assert.equal(w.value(6990), 5000, 'the figure changes only when a window closes');
  w.add(300, 7000);
  assert.equal(w.value(7000), 100 + 49 * 300);
});

test('two quiet seconds make it 0, and the next packet starts afresh', () => {
  const w = new LastSecondBytes();
  for (let t = 0; t <= 1000; t += 100) w.add(10, t);
  assert.equal(w.value(1500), 100);
  assert.equal(w.value(2999), 100, 'less than two seconds after the window began');
  assert.equal(w.value(3000), 0);
  w.add(50, 4000);
  assert.equal(w.value(4000), 0, 'what was counted before the pause is not the figure');
  w.add(50, 5000);
  assert.equal(w.value(5000), 50);
});
