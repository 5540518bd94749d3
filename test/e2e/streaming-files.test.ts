// live and ondemand mountpoints play audio files (G.711 and Ogg Opus made by ffmpeg) to werift viewers: in real
// time, looping, one shared playback for live, a playback from the start for every ondemand viewer, paused with
// the viewer; plus the errors a bad file request gets.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { startInProcess } from '../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { watch } from '../../support/streaming-viewer.js';
import { sleep } from '../../support/wait.js';

test('live (.opus) and ondemand (.alaw) mountpoints play in real time to werift viewers', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-files-'));
  const opus = join(dir, 'tone.opus');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', '-b:a', '24k', opus]);
  assert.equal(made.status, 0, String(made.stderr));
  // 1 s of A-law where every 20 ms frame is filled with its own index: a viewer can tell where playback starts.
  const alaw = join(dir, 'counter.alaw');
  writeFileSync(alaw, Buffer.concat(Array.from({ length: 50 }, (_, i) => Buffer.alloc(160, i))));

  // Files a client names are read inside general.recordings_dir: the test's folder, named relative to it.
  const srv = await startInProcess([['general.recordings_dir', dir]]);
  const network = new HostNetwork(await discoverNetworkHost());
  const admin = await JanusWs.open(srv.wsUrl);
  try {
    const session = ((await admin.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await admin.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    const ask = async (body: Msg): Promise<Msg> => ((await admin.request({ janus: 'message', session_id: session, handle_id: handle, body })).plugindata as Msg).data as Msg;

    // Bad requests first: clear errors, nothing created.
    assert.equal((await ask({ request: 'create', type: 'live', audio: true })).error_code, 453);
    assert.equal((await ask({ request: 'create', type: 'live', audio: true, filename: 'missing.opus' })).error_code, 456);
    assert.equal((await ask({ request: 'create', type: 'live', audio: true, filename: '../x.opus' })).error_code, 454);
    assert.equal((await ask({ request: 'create', type: 'ondemand', audio: true, video: true, filename: 'counter.alaw' })).error_code, 456);
    assert.equal((await ask({ request: 'create', type: 'live', audio: true, filename: 'counter.alaw', audiocodec: 'opus' })).error_code, 456);
    writeFileSync(join(dir, 'junk.opus'), 'not ogg at all');
    assert.match(String((await ask({ request: 'create', type: 'live', audio: true, filename: 'junk.opus' })).error), /not an Ogg page/);

    const live = await ask({ request: 'create', type: 'live', id: 601, audio: true, filename: 'tone.opus', description: 'tone' });
    assert.equal(live.streaming, 'created', JSON.stringify(live));
    const ondemand = await ask({ request: 'create', type: 'ondemand', id: 602, audio: true, filename: 'counter.alaw' });
    assert.equal((ondemand.stream as Msg).type, 'on demand');
    const list = (await ask({ request: 'list' })).list as Array<{ id: number; type: string }>;
    assert.deepEqual(
      list.filter((m) => m.id > 600).map((m) => [m.id, m.type]),
      [
        [601, 'live'],
        [602, 'on demand'],
      ],
    );
    assert.equal((await ask({ request: 'info', id: 601 })).info && ((await ask({ request: 'info', id: 601 })).info as Msg).filename, 'tone.opus');

    // live: ~50 packets/s of Opus, continuous, looping past the 1 s file.
    const l = await watch(srv.wsUrl, network, 601);
    await sleep(1500);
    assert.ok(l.seqs.length > 55 && l.seqs.length < 95, `${l.seqs.length} packets in ~1.5 s`);
    for (let k = 1; k < l.seqs.length; k++) assert.equal((l.seqs[k] - l.seqs[k - 1]) & 0xffff, 1, `live sequence step at ${k}`);
    assert.ok(
      l.raw.every((p) => p.length > 0 && p.length < 400),
      'Opus-sized payloads',
    );

    // ondemand: each viewer starts at frame 0; the second one, joining later, too.
    const a = await watch(srv.wsUrl, network, 602);
    await sleep(600);
    const b = await watch(srv.wsUrl, network, 602);
    await sleep(600);
    for (const [name, v] of [
      ['first', a],
      ['second', b],
    ] as const) {
      assert.ok(v.raw.length > 20, `${name} viewer got ${v.raw.length} packets`);
      const firstByte = v.raw[0][0];
      assert.ok(firstByte <= 2, `${name} viewer starts near the beginning of the file (frame ${firstByte})`);
      for (let k = 1; k < Math.min(40, v.raw.length); k++) assert.equal(v.raw[k][0], (v.raw[k - 1][0] + 1) % 50, `${name}: frames in order`);
    }
    // Pause holds an on-demand playback where it is; start resumes from there.
    await b.pause();
    await sleep(100);
    const atPause = b.raw[b.raw.length - 1][0];
    await sleep(400);
    await b.resume();
    await sleep(300);
    const idx = b.raw.findIndex((p, i) => i > 0 && p[0] !== (b.raw[i - 1][0] + 1) % 50);
    assert.equal(idx, -1, `playback continues after the pause (frame ${atPause})`);
    await Promise.all([l.leave(), a.leave(), b.leave()]);
    assert.equal((await ask({ request: 'destroy', id: 601 })).streaming, 'destroyed');
    assert.equal((await ask({ request: 'destroy', id: 602 })).streaming, 'destroyed');
  } finally {
    admin.close();
    await srv.stop();
  }
});
