// janode's TextRoom wrapper (janode/plugins/textroom) against Portunus: every request it exposes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Janode from 'janode';
import TextRoomPlugin from 'janode/plugins/textroom';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';

type Data = Record<string, unknown>;
interface TextRoomHandle {
  setup(): Promise<Data>;
  list(o: object): Promise<Data>;
  listParticipants(o: object): Promise<Data>;
  exists(o: object): Promise<Data>;
  create(o: object): Promise<Data>;
  allow(o: object): Promise<Data>;
  announcement(o: object): Promise<Data>;
  kick(o: object): Promise<Data>;
  destroy(o: object): Promise<Data>;
  detach(): Promise<void>;
}
interface JanodeSession {
  attach(o: unknown): Promise<TextRoomHandle>;
  destroy(): Promise<void>;
}
interface JanodeConnection {
  create(): Promise<JanodeSession>;
  close(): Promise<void>;
}

const connect = (config: object): Promise<JanodeConnection> => (Janode as unknown as { connect: (c: object) => Promise<JanodeConnection> }).connect(config);
(Janode as unknown as { Logger: { setLevel: (l: string) => void } }).Logger.setLevel('none');

let srv: ChildServer;
before(async () => {
  srv = await startChildServer([]);
});
after(async () => {
  await srv?.stop();
});

test('janode TextRoom: setup, list, exists, create, listParticipants, allow, announcement, kick (error), destroy', { timeout: 30_000 }, async () => {
  const conn = await connect({ address: [{ url: srv.wsUrl }], max_retries: 0 });
  try {
    const session = await conn.create();
    const handle = await session.attach(TextRoomPlugin);
    const setup = await handle.setup();
    assert.ok(setup, 'setup answered with an offer event');
    const listed = await handle.list({});
    assert.ok((listed.list as Data[]).some((r) => r.room === 1234));
    assert.equal((await handle.exists({ room: 1234 })).exists, true);
    const created = await handle.create({ room: 77, description: 'janode room', secret: 's', history: 3 });
    assert.equal(created.room, 77);
    assert.equal(created.permanent, false);
    assert.deepEqual((await handle.listParticipants({ room: 77 })).participants, []);
    assert.deepEqual((await handle.allow({ room: 77, action: 'add', list: ['t1'], secret: 's' })).list, ['t1']);
    assert.ok(await handle.announcement({ room: 77, text: 'hi', secret: 's' }));
    await assert.rejects(handle.kick({ room: 77, username: 'nobody', secret: 's' }));
    const destroyed = await handle.destroy({ room: 77, secret: 's' });
    assert.equal(destroyed.room, 77);
    assert.equal((await handle.exists({ room: 77 })).exists, false);
    await session.destroy();
  } finally {
    await conn.close();
  }
  assert.equal(srv.child.exitCode, null);
});
