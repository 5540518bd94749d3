// janode's AudioBridge wrapper (janode/plugins/audiobridge) against Portunus: every request it exposes, on two
// handles (one moderates the other), with the events janode turns them into, over WebSocket and the Unix socket.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Janode from 'janode';
import AudioBridgePlugin from 'janode/plugins/audiobridge';
import { OggOpusWriter } from '../../src/audio/ogg-opus-writer.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { ToneSource } from '../../support/opus-tone.js';
import { waitFor } from '../../support/wait.js';
import { JANODE_TRANSPORTS, JanodeSockets, janodeTransportUnavailable } from '../helpers/janode-transports.js';

type Data = Record<string, unknown>;
type Call = (o?: object) => Promise<Data>;
interface AudioBridgeHandle {
  readonly feed: unknown;
  join: Call;
  configure: Call;
  audioHangup: Call;
  leave: Call;
  listParticipants: Call;
  kick: Call;
  exists: Call;
  list: Call;
  create: Call;
  destroy: Call;
  enableRecording: Call;
  allow: Call;
  startForward: Call;
  stopForward: Call;
  listForward: Call;
  mute: Call;
  unmute: Call;
  muteRoom: Call;
  unmuteRoom: Call;
  suspend: Call;
  resume: Call;
  playFile: Call;
  isPlaying: Call;
  stopFile: Call;
  stopAllFiles: Call;
  listAnnouncements: Call;
  on(event: string, listener: (data: Data) => void): void;
  detach(): Promise<void>;
}
interface JanodeSession {
  attach(o: unknown): Promise<AudioBridgeHandle>;
  destroy(): Promise<void>;
}
interface JanodeConnection {
  create(): Promise<JanodeSession>;
  close(): Promise<void>;
}

const connect = (config: object): Promise<JanodeConnection> => (Janode as unknown as { connect: (c: object) => Promise<JanodeConnection> }).connect(config);
(Janode as unknown as { Logger: { setLevel: (l: string) => void } }).Logger.setLevel('none');
const EVENT = AudioBridgePlugin.EVENT;

const recordings = mkdtempSync(join(tmpdir(), 'portunus-janode-audiobridge-'));
let srv: ChildServer;
const sockets = new JanodeSockets();
before(async () => {
  const file = new OggOpusWriter(join(recordings, 'jingle.opus'));
  const tone = new ToneSource(500);
  for (let i = 0; i < 250; i++) file.write(tone.next(), BigInt((i + 1) * 960));
  file.close();
  tone.close();
  srv = await startChildServer([`--general.recordings_dir=${recordings}`, ...sockets.args()]);
});
after(async () => {
  await srv?.stop();
  rmSync(recordings, { recursive: true, force: true });
  sockets.remove();
});

for (const transport of JANODE_TRANSPORTS) {
  test(
    `janode AudioBridge over ${transport}: rooms, join/configure/leave, moderation, forwarders, recording, announcements`,
    { timeout: 60_000, skip: janodeTransportUnavailable(transport) },
    async () => {
      const conn = await connect({ address: [{ url: sockets.url(transport, srv.wsUrl) }], max_retries: 0 });
      try {
        const session = await conn.create();
        const mod = await session.attach(AudioBridgePlugin);
        const user = await session.attach(AudioBridgePlugin);
        const seen: string[] = [];
        for (const name of [
          'PEER_JOINED',
          'PEER_LEAVING',
          'PEER_KICKED',
          'ROOM_MUTED',
          'PEER_SUSPENDED',
          'PEER_RESUMED',
          'ANNOUNCEMENT_STARTED',
          'ANNOUNCEMENT_STOPPED',
          'PEER_CONFIGURED',
          'PEER_TALKING',
        ]) {
          const event = EVENT[`AUDIOBRIDGE_${name}`];
          assert.ok(event, name);
          mod.on(event, () => seen.push(name));
        }

        assert.ok(
          ((await mod.list()).list as Data[]).some((r) => r.room === 1234),
          'the demo room is listed',
        );
        assert.equal((await mod.exists({ room: 1234 })).exists, true);
        const created = await mod.create({ room: 88, description: 'janode room', secret: 's', sampling_rate: 16000, talking_events: true, allow_rtp: true });
        assert.equal(created.room, 88);
        assert.equal(created.permanent, false);
        assert.deepEqual((await mod.allow({ room: 88, action: 'add', list: ['t1'], secret: 's' })).list, ['t1']);
        await mod.allow({ room: 88, action: 'disable', secret: 's' });

        const joinedMod = await mod.join({ room: 88, display: 'moderator', muted: true });
        assert.equal(joinedMod.room, 88);
        assert.deepEqual(joinedMod.participants, []);
        const joined = await user.join({ room: 88, display: 'user', quality: 5, volume: 120 });
        assert.equal(joined.feed, user.feed);
        assert.equal((joined.participants as Data[])[0].display, 'moderator');
        await waitFor(() => seen.includes('PEER_JOINED'), { timeout: 5000, what: 'peer joined event' });
        const configured = await user.configure({ display: 'user 2', muted: false, bitrate: 24000, expected_loss: 5 });
        assert.equal(configured.display, 'user 2');
        const people = (await mod.listParticipants({ room: 88 })).participants as Data[];
        assert.deepEqual(people.map((p) => p.display).sort(), ['moderator', 'user 2']);

        await mod.mute({ room: 88, feed: user.feed, secret: 's' });
        await mod.unmute({ room: 88, feed: user.feed, secret: 's' });
        await mod.muteRoom({ room: 88, secret: 's' });
        await mod.unmuteRoom({ room: 88, secret: 's' });
        await mod.suspend({ room: 88, feed: user.feed, secret: 's' });
        await mod.resume({ room: 88, feed: user.feed, secret: 's' });
        await waitFor(() => seen.includes('PEER_SUSPENDED') && seen.includes('PEER_RESUMED'), { timeout: 5000, what: `suspended/resumed events (${seen.join()})` });

        assert.equal((await mod.enableRecording({ room: 88, record: true, filename: 'janode.wav', secret: 's' })).record, true);
        assert.equal((await mod.enableRecording({ room: 88, record: false, secret: 's' })).record, false);

        const fwd = await mod.startForward({ room: 88, host: '127.0.0.1', audio_port: 5555, secret: 's' });
        const forwarder = fwd.forwarder as Data;
        assert.equal(forwarder.audio_port, 5555);
        const listed = (await mod.listForward({ room: 88, secret: 's' })).forwarders as Data[];
        assert.equal(listed.length, 1);
        await mod.stopForward({ room: 88, stream: forwarder.audio_stream, secret: 's' });
        assert.equal(((await mod.listForward({ room: 88, secret: 's' })).forwarders as Data[]).length, 0);

        const played = await mod.playFile({ room: 88, secret: 's', file_id: 'jingle', filename: 'jingle.opus' });
        assert.equal(played.file_id, 'jingle');
        assert.equal((await mod.isPlaying({ room: 88, secret: 's', file_id: 'jingle' })).playing, true);
        const announcements = (await mod.listAnnouncements({ room: 88, secret: 's' })).announcements as Data[];
        assert.equal(announcements[0].file_id, 'jingle');
        await mod.stopFile({ room: 88, secret: 's', file_id: 'jingle' });
        await mod.playFile({ room: 88, secret: 's', file_id: 'again', filename: 'jingle.opus', loop: true });
        assert.deepEqual((await mod.stopAllFiles({ room: 88, secret: 's' })).file_id_list, ['again']);
        await waitFor(() => seen.includes('ANNOUNCEMENT_STARTED') && seen.includes('ANNOUNCEMENT_STOPPED'), { timeout: 5000, what: `announcement events (${seen.join()})` });

        await mod.kick({ room: 88, feed: user.feed, secret: 's' });
        await waitFor(() => seen.includes('PEER_KICKED'), { timeout: 5000, what: 'kicked event' });
        await user.join({ room: 88, display: 'back' });
        // No PeerConnection was set up, so hanging up closes nothing and the user is still in the room.
        assert.ok(await user.audioHangup());
        await assert.rejects(user.join({ room: 1234, display: 'elsewhere' }), /491/);
        const left = await user.leave();
        assert.equal(left.room, 88);
        assert.ok(await mod.leave());
        await assert.rejects(mod.kick({ room: 88, feed: 12345, secret: 's' }), /492/);
        await assert.rejects(mod.create({ room: 88 }), /486/);
        const destroyed = await mod.destroy({ room: 88, secret: 's' });
        assert.equal(destroyed.room, 88);
        assert.equal((await mod.exists({ room: 88 })).exists, false);
        await session.destroy();
      } finally {
        await conn.close();
      }
      assert.equal(srv.child.exitCode, null);
    },
  );
}
