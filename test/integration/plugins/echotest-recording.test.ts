// EchoTest `record`: every file name a client gives is resolved inside general.recordings_dir (.., absolute paths
// and links out are refused with 413), the default name too; destroy() closes every recording so a stop leaves
// whole .mjr files. Driven through the plugin door with a stand-in handle (no PeerConnection needed).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { Logger } from '../../../src/logging/logger.js';
import { EchoTestPlugin } from '../../../src/plugins/echotest/echotest.js';
import type { JsonObject, PluginHandle } from '../../../src/plugins/plugin.js';
import { waitFor } from '../../../support/wait.js';
import { rtpPacket } from '../../../support/rtp-packets.js';
import { PlainRelayGroup } from '../../../src/core/plain-relay-group.js';

interface Pushed {
  readonly transaction: string | undefined;
  readonly data: JsonObject;
}

const quiet = Logger.create({ level: 0, sink: { write: () => undefined } });

function standInHandle(id: number, pushed: Pushed[]): PluginHandle {
  const nothing = (): void => undefined;
  return {
    id,
    sessionId: 1,
    log: quiet,
    pushEvent: (transaction, data) => pushed.push({ transaction, data }),
    notifyEvent: nothing,
    answerOffer: () => Promise.reject(new Error('no media here')),
    createOffer: () => Promise.reject(new Error('no media here')),
    restartIce: () => Promise.reject(new Error('no media here')),
    negotiatedMedia: () => [],
    relayRtp: nothing,
    relayRtcp: nothing,
    restartRtp: nothing,
    skipRtp: nothing,
    relayData: nothing,
    requestKeyframe: nothing,
    sendRemb: nothing,
    closePc: nothing,
    end: nothing,
  };
}

/** An Opus RTP packet. */
function rtp(seq: number): Buffer {
  return rtpPacket({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc: 0xabcd, payload: Buffer.alloc(40, 0x11) });
}

/** Frames of a .mjr file (header, then "MEET" + time + length + data); throws when the file is torn. */
function mjrFrames(file: string): number {
  const b = readFileSync(file);
  assert.equal(b.toString('latin1', 0, 8), 'MJR00002', `${file}: header`);
  let at = 8;
  const infoLength = b.readUInt16BE(at);
  at += 2 + infoLength;
  let frames = 0;
  while (at < b.length) {
    assert.equal(b.toString('latin1', at, at + 4), 'MEET', `${file}: frame ${frames} at ${at}`);
    const length = b.readUInt16BE(at + 8);
    assert.ok(at + 10 + length <= b.length, `${file}: frame ${frames} torn`);
    at += 10 + length;
    frames++;
  }
  return frames;
}

async function setUp(): Promise<{ plugin: EchoTestPlugin; recordings: string; outside: string }> {
  const root = mkdtempSync(join(tmpdir(), 'portunus-echo-rec-'));
  const recordings = join(root, 'recordings');
  const outside = join(root, 'outside');
  mkdirSync(recordings);
  mkdirSync(outside);
  const plugin = new EchoTestPlugin();
  plugin.init({ log: quiet, network: new HostNetwork(await discoverNetworkHost()), config: {}, recordingsDir: recordings, relayGroup: () => new PlainRelayGroup() });
  return { plugin, recordings, outside };
}

/** Sends a message and waits for the event that answers it. */
async function message(plugin: EchoTestPlugin, handle: PluginHandle, pushed: Pushed[], body: JsonObject): Promise<JsonObject> {
  const transaction = `t${pushed.length}-${Math.random()}`;
  assert.equal(plugin.handleMessage(handle, { transaction, body }).kind, 'ack');
  for (let i = 0; i < 100; i++) {
    const answer = pushed.find((p) => p.transaction === transaction);
    if (answer) return answer.data;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`no answer to ${JSON.stringify(body)}`);
}

test('record: file names outside the recordings folder are refused (413), nothing is written outside', async () => {
  const { plugin, recordings, outside } = await setUp();
  symlinkSync(outside, join(recordings, 'link-out'));
  const pushed: Pushed[] = [];
  const h = standInHandle(7, pushed);
  plugin.createSession(h);
  for (const bad of ['../escaped', join(outside, 'absolute'), 'a/../../escaped', 'link-out/through']) {
    const r = await message(plugin, h, pushed, { record: true, filename: bad });
    assert.equal(r.error_code, 413, `${bad}: ${JSON.stringify(r)}`);
    plugin.incomingRtp(h, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(1));
  }
  assert.deepEqual(readdirSync(outside), [], 'nothing written outside');
  assert.ok(!existsSync(join(recordings, '..', 'escaped-audio.mjr')));
  // A good name is written inside the folder, with its sub-folders.
  assert.equal((await message(plugin, h, pushed, { record: true, filename: 'calls/first' })).result, 'ok');
  plugin.incomingRtp(h, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(2));
  await waitFor(() => existsSync(join(recordings, 'calls', 'first-audio.mjr')), { timeout: 2000, what: 'calls/first-audio.mjr written' });
  plugin.destroy();
});

test('record without a file name: the default name is inside the recordings folder', async () => {
  const { plugin, recordings } = await setUp();
  const pushed: Pushed[] = [];
  const h = standInHandle(8, pushed);
  plugin.createSession(h);
  assert.equal((await message(plugin, h, pushed, { record: true })).result, 'ok');
  plugin.incomingRtp(h, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(1));
  await waitFor(() => readdirSync(recordings).some((f) => f.startsWith('echotest-8-') && f.endsWith('-audio.mjr')), { timeout: 2000, what: 'the default recording written' });
  plugin.destroy();
});

test('destroy() closes every recording: once it returns, each file holds every frame, whole', async () => {
  const { plugin, recordings } = await setUp();
  const handles = [21, 22, 23].map((id) => {
    const pushed: Pushed[] = [];
    const h = standInHandle(id, pushed);
    plugin.createSession(h);
    return { h, pushed, id };
  });
  for (const { h, pushed, id } of handles) assert.equal((await message(plugin, h, pushed, { record: true, filename: `call-${id}` })).result, 'ok');
  const count = 300;
  for (let seq = 0; seq < count; seq++) for (const { h } of handles) plugin.incomingRtp(h, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(seq));
  assert.equal(typeof plugin.destroy, 'function', 'the EchoTest has a destroy()');
  // The EchoTest's destroy() is synchronous: every file is closed when it returns.
  plugin.destroy();
  for (const { id } of handles) assert.equal(mjrFrames(join(recordings, `call-${id}-audio.mjr`)), count, `call-${id}`);
  // Packets after destroy write nothing more.
  plugin.incomingRtp(handles[0].h, { mid: '0', kind: 'audio', codec: 'opus' }, rtp(999));
  assert.equal(mjrFrames(join(recordings, 'call-21-audio.mjr')), count);
});
