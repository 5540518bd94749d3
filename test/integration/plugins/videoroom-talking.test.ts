// Talking detection in a VideoRoom (`audiolevel_event`): the detector alone, and a whole room where a remote
// publisher's audio (plain RTP over UDP, audio level in a one-byte header extension) makes every participant hear
// `talking` and then `stopped-talking`.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { readOneByteExtension } from '../../../src/rtp/header-extensions.js';
import { TalkingDetector } from '../../../src/plugins/talking-detector.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { sleep } from '../../../support/wait.js';
import { oneByteExtensions, rtpPacket } from '../../../support/rtp-packets.js';

test('the detector reports talking below the threshold and stops above it, once per change', () => {
  const d = new TalkingDetector(4, 25);
  const changes = [10, 10, 10, 10, 12, 12, 12, 12, 90, 90, 90, 90].map((l) => d.add(l)).filter((c) => c !== undefined);
  assert.deepEqual(changes, ['talking', 'stopped-talking']);
  assert.equal(d.lastAverage, 90);
});

/** An Opus-sized RTP packet whose extension element `id` carries the audio level byte. */
function levelPacket(seq: number, ssrc: number, id: number, level: number): Buffer {
  const extension = oneByteExtensions([{ id, data: Buffer.from([0x80 | level]) }]); // V=1 (voice) and the level
  return rtpPacket({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc, extension, payload: Buffer.alloc(40) });
}

test('readOneByteExtension finds an element and ignores malformed blocks', () => {
  const p = levelPacket(1, 1000, 3, 20);
  assert.equal(readOneByteExtension(p, 3), 0x80 | 20);
  assert.equal(readOneByteExtension(p, 4), -1);
  assert.equal(readOneByteExtension(p.subarray(0, 18), 3), -1);
});

let server: StartedServer;
before(async () => {
  server = await startInProcess();
});
after(async () => {
  await server.stop();
});

test('a remote publisher speaking: everyone in the room hears talking, then stopped-talking', { timeout: 20_000 }, async () => {
  const ws = await JanusWs.open(server.wsUrl);
  const session = ((await ws.request({ janus: 'create' })).data as Msg).id;
  const attach = async (): Promise<unknown> => ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).data as Msg).id;
  const data = (m: Msg): Msg => ((m.plugindata as Msg | undefined)?.data ?? {}) as Msg;
  const admin = await attach();
  const room = 5151;
  const sync = async (body: Msg): Promise<Msg> => data(await ws.request({ janus: 'message', session_id: session, handle_id: admin, body }));
  assert.equal((await sync({ request: 'create', room, audiolevel_event: true, audio_active_packets: 10, audio_level_average: 40 })).videoroom, 'created');
  // A participant who listens: a publisher that joined without publishing.
  const listener = await attach();
  const tx = ws.send({ janus: 'message', session_id: session, handle_id: listener, body: { request: 'join', room, ptype: 'publisher', display: 'listener' } });
  await ws.wait((m) => m.transaction === tx && m.janus === 'event');
  const added = await sync({
    request: 'add_remote_publisher',
    room,
    id: 77,
    display: 'speaker',
    iface: '127.0.0.1',
    streams: [{ type: 'audio', mid: '0', mindex: 0, codec: 'opus', audiolevel_ext_id: 3 }],
  });
  assert.equal(added.videoroom, 'success', JSON.stringify(added));
  const sock = dgram.createSocket('udp4');
  try {
    let seq = 0;
    const send = async (level: number, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) sock.send(levelPacket(seq++, 1000, 3, level), added.port as number, '127.0.0.1');
      await sleep(50);
    };
    await send(10, 30);
    const talking = data(await ws.wait((m) => m.sender === listener && data(m).videoroom === 'talking', 5000, 'talking'));
    assert.equal(talking.id, 77);
    assert.equal(talking.mid, '0');
    assert.ok((talking['audio-level-dBov-avg'] as number) < 40);
    const participants = await sync({ request: 'listparticipants', room });
    assert.equal((participants.participants as Msg[]).find((p) => p.id === 77)?.talking, true);
    await send(100, 30);
    const stopped = data(await ws.wait((m) => m.sender === listener && data(m).videoroom === 'stopped-talking', 5000, 'stopped-talking'));
    assert.equal(stopped.id, 77);
  } finally {
    sock.close();
    await sync({ request: 'destroy', room });
    ws.close();
  }
});
