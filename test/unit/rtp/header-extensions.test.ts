// Renumbering a relayed packet's header extensions: values that survive relaying keep their meaning under our
// ids, every other element (the sender's mid, transport-cc, ...) goes to an id no receiver negotiated; garbage
// never throws and never reads outside the packet.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RtpPacket } from 'werift';
import { EXT_AUDIO_LEVEL, EXT_MID, EXT_TWCC, relayExtensionTable, renumberExtensions } from '../../../src/rtp/header-extensions.js';
import { oneByteExtensions, rtpPacket, twoByteExtensions } from '../../../support/rtp-packets.js';

/** An RTP packet with one-byte header extensions [id, value][] and a payload. */
function withExtensions(elements: readonly [number, Buffer][], twoByte = false): Buffer {
  const list = elements.map(([id, data]) => ({ id, data }));
  const extension = twoByte ? twoByteExtensions(list) : oneByteExtensions(list);
  return rtpPacket({ payloadType: 111, sequenceNumber: 7, ssrc: 0x01020304, extension, payload: 'payload' });
}

test('audio level keeps its meaning under our id; the sender mid and transport-cc are hidden', () => {
  // Chromium numbers audio level 1, transport-cc 3 and mid 4; our offers use 4 for audio level and 1 for mid.
  const table = relayExtensionTable(
    [
      { id: 1, uri: EXT_AUDIO_LEVEL },
      { id: 3, uri: EXT_TWCC },
      { id: 4, uri: EXT_MID },
    ],
    'audio',
  );
  const packet = withExtensions([
    [1, Buffer.from([0x85])],
    [3, Buffer.from([0, 9])],
    [4, Buffer.from('1')],
  ]);
  assert.equal(renumberExtensions(packet, table), true);
  const parsed = RtpPacket.deSerialize(packet);
  const byId = new Map(parsed.header.extensions.map((e) => [e.id, e.payload]));
  assert.deepEqual(byId.get(4), Buffer.from([0x85]), 'audio level now under our id 4');
  assert.equal(byId.has(1), false, 'nothing poses as our mid');
  assert.equal(byId.has(3), false);
  assert.equal(parsed.payload.toString(), 'payload');
});

test('two-byte header extensions are renumbered too', () => {
  const table = relayExtensionTable([{ id: 20, uri: EXT_MID }], 'video');
  const packet = withExtensions([[20, Buffer.from('0')]], true);
  assert.equal(renumberExtensions(packet, table), true);
  assert.equal(packet[16], 255);
});

test('malformed extension blocks are refused without throwing; packets without one pass', () => {
  const table = relayExtensionTable([], 'video');
  const plain = Buffer.alloc(20);
  plain[0] = 0x80;
  assert.equal(renumberExtensions(plain, table), true);
  const truncated = withExtensions([[1, Buffer.from([1, 2, 3, 4])]]).subarray(0, 18);
  assert.equal(renumberExtensions(truncated, table), false);
  for (let i = 0; i < 5000; i++) {
    const junk = randomBytes(1 + (i % 64));
    junk[0] |= 0x10;
    assert.doesNotThrow(() => renumberExtensions(junk, table));
  }
});
