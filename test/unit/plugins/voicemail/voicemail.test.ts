// The VoiceMail plugin on a fake handle and a fake clock: record → starting, media up → started, audio written as
// Ogg Opus pages with their granule positions, ten seconds → done with the URL and the handle ended; the codes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Logger } from '../../../../src/logging/logger.js';
import { HostNetwork } from '../../../../src/net/host-network.js';
import { discoverNetworkHost } from '../../../../src/net/network-host.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import { oggCrc, oggPage, opusHead } from '../../../../src/audio/ogg-opus-writer.js';
import { MAX_MESSAGE_MS, VoiceMailPlugin } from '../../../../src/plugins/voicemail/voicemail.js';
import { oggPackets } from '../../../../src/audio/audio-file.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { rtpPacket } from '../../../../support/rtp-packets.js';
import { waitFor } from '../../../../support/wait.js';

const OFFER = { type: 'offer', sdp: 'v=0\r\n' } as const;
const quiet = Logger.create({ level: 0, sink: { write: () => undefined } });

async function setUp(): Promise<{ plugin: VoiceMailPlugin; handle: FakePluginHandle; folder: string; clock: { now: number } }> {
  const folder = mkdtempSync(join(tmpdir(), 'portunus-voicemail-'));
  const clock = { now: 1000 };
  const plugin = new VoiceMailPlugin(() => clock.now);
  plugin.init({ log: quiet, network: new HostNetwork(await discoverNetworkHost()), config: { base: '/vm' }, recordingsDir: folder, relayGroup: () => new PlainRelayGroup() });
  const handle = new FakePluginHandle();
  plugin.createSession(handle);
  return { plugin, handle, folder, clock };
}

test('Ogg pages: the CRC of a known page, one packet per page, the OpusHead layout', () => {
  // The CRC field is computed with itself zeroed: recomputing over the page with it zeroed gives it back.
  const page = oggPage(Buffer.from('hello'), 960n, 1, 1, 0);
  const zeroed = Buffer.from(page);
  zeroed.writeUInt32LE(0, 22);
  assert.equal(page.readUInt32LE(22), oggCrc(zeroed));
  assert.deepEqual(
    oggPackets(Buffer.concat([oggPage(opusHead(2), 0n, 1, 0, 2), page])).map((p) => p.toString('latin1').slice(0, 8)),
    ['OpusHead', 'hello'],
  );
  assert.equal(oggPage(Buffer.alloc(600), 0n, 1, 0, 0)[26], 3, '600 bytes take three lacing values');
  assert.throws(() => oggPage(Buffer.alloc(70_000), 0n, 1, 0, 0), RangeError);
});

test('record → starting (answer recvonly, Opus only), media → started, packets → pages, 10 s → done with the URL, the handle ends', async () => {
  const { plugin, handle, folder, clock } = await setUp();
  try {
    const r = await sendMessage(plugin, handle, { request: 'record' }, OFFER);
    assert.deepEqual(r.data, { voicemail: 'event', status: 'starting' });
    assert.equal(r.jsep?.type, 'answer');
    assert.deepEqual(handle.answered[0].options, { audio: true, video: false, data: false, direction: 'recvonly', audioCodec: 'opus' });
    assert.equal((await sendMessage(plugin, handle, { request: 'record' }, OFFER)).data.error_code, 465, 'already recording');
    plugin.setupMedia(handle);
    assert.deepEqual(handle.events.at(-1)?.data, { voicemail: 'event', status: 'started' });
    for (let i = 0; i < 50; i++) {
      clock.now += 20;
      plugin.incomingRtp(handle, { mid: '0', kind: 'audio', codec: 'opus' }, rtpPacket({ sequenceNumber: 65530 + i, payload: Buffer.from([0xfc, i]) }));
    }
    clock.now += MAX_MESSAGE_MS;
    plugin.incomingRtp(handle, { mid: '0', kind: 'audio', codec: 'opus' }, rtpPacket({ sequenceNumber: 99, payload: Buffer.from([0xfc, 0]) }));
    await waitFor(() => handle.events.some((e) => e.data.status === 'done'), { timeout: 2000, what: 'done after ten seconds' });
    const done = handle.events.find((e) => e.data.status === 'done');
    const url = done?.data.recording as string;
    assert.match(url, /^\/vm\/janus-voicemail-\d+\.opus$/);
    await waitFor(() => handle.ended, { timeout: 2000, what: 'the handle ended' });
    const file = readFileSync(join(folder, url.slice('/vm/'.length)));
    const packets = oggPackets(file);
    assert.equal(packets.length, 52, 'OpusHead, OpusTags and the 50 packets');
    // The last page's granule: 50 packets of 960 samples, across the sequence wrap.
    let at = 0;
    let last = 0n;
    while (at < file.length) {
      last = file.readBigInt64LE(at + 6);
      const segments = file[at + 26];
      let size = 0;
      for (let i = 0; i < segments; i++) size += file[at + 27 + i];
      at += 27 + segments + size;
    }
    assert.equal(last, 48000n);
  } finally {
    plugin.destroy();
    rmSync(folder, { recursive: true, force: true });
  }
});

test('codes: unknown request 462, no request 463, update while not recording 468, e2ee 464; stop without recording is done', async () => {
  const { plugin, handle, folder } = await setUp();
  try {
    assert.equal((await sendMessage(plugin, handle, { request: 'sing' })).data.error_code, 462);
    assert.equal((await sendMessage(plugin, handle, {})).data.error_code, 463);
    assert.equal((await sendMessage(plugin, handle, { request: 7 })).data.error_code, 464);
    assert.equal((await sendMessage(plugin, handle, { request: 'update' })).data.error_code, 468);
    assert.equal((await sendMessage(plugin, handle, { request: 'record' }, { ...OFFER, e2ee: true })).data.error_code, 464);
    assert.equal((await sendMessage(plugin, handle, { request: 'stop' })).data.status, 'done');
  } finally {
    plugin.destroy();
    rmSync(folder, { recursive: true, force: true });
  }
});
