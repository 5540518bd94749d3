// What Streaming guards with a secret, a pin or the admin key, request by request, each without it, with a wrong
// one, a non-string one and the right one; the values a mountpoint may not be made of; and that every file a
// client names stays inside general.recordings_dir.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { sleep } from '../../../support/wait.js';

class Client {
  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
  ) {}
  static async open(url: string): Promise<Client> {
    const ws = await JanusWs.open(url);
    const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    return new Client(ws, session, handle);
  }
  /** A synchronous request: the plugin's answer. */
  async send(body: Msg): Promise<Msg> {
    const r = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
    return (r.plugindata as Msg).data as Msg;
  }
  /** An asynchronous request (watch, switch…): the event that answers it. */
  async ask(body: Msg): Promise<Msg> {
    const ack = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
    assert.equal(ack.janus, 'ack', JSON.stringify(ack));
    const ev = await this.ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 5000, `answer to ${String(body.request)}`);
    return (ev.plugindata as Msg).data as Msg;
  }
  async close(): Promise<void> {
    await this.ws.request({ janus: 'destroy', session_id: this.session }).catch(() => undefined);
    this.ws.close();
  }
}

const ADMIN_KEY = 'the-admin-key';
const audio = (extra: Msg = {}): Msg => ({ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus', ...extra });

let srv: StartedServer;
let c: Client;
let recordings: string;
let outside: string;
let nextId = 5000;

before(async () => {
  const root = mkdtempSync(join(tmpdir(), 'portunus-guards-'));
  recordings = join(root, 'recordings');
  outside = join(root, 'outside');
  mkdirSync(recordings);
  mkdirSync(outside);
  srv = await startInProcess([
    ['general.recordings_dir', recordings],
    ['streaming.admin_key', ADMIN_KEY],
  ]);
  c = await Client.open(srv.wsUrl);
});
after(async () => {
  await c?.close();
  await srv?.stop();
});

/** A live RTP mountpoint, protected as asked. */
async function mountpoint(protect: Msg = {}): Promise<number> {
  const id = nextId++;
  const r = await c.send({ request: 'create', type: 'rtp', id, admin_key: ADMIN_KEY, media: [audio()], ...protect });
  assert.equal(r.streaming, 'created', JSON.stringify(r));
  return id;
}

type Variant = 'none' | 'wrong' | 'not a string' | 'right';
const VARIANTS: readonly Variant[] = ['none', 'wrong', 'not a string', 'right'];
const valueFor = (v: Variant, right: string): unknown => (v === 'none' ? undefined : v === 'wrong' ? `${right}-not` : v === 'not a string' ? 1234 : right);
const EXPECTED_ERROR: Record<Exclude<Variant, 'right'>, number> = { none: 453, wrong: 457, 'not a string': 454 };

function withMember(body: Msg, member: string, v: Variant, right: string): Msg {
  const value = valueFor(v, right);
  return value === undefined ? body : { ...body, [member]: value };
}

/** The requests a mountpoint's secret guards, each with what the right secret gets. */
const SECRET_GUARDED: ReadonlyArray<{ name: string; body: (id: number) => Msg; ok: (r: Msg) => boolean }> = [
  { name: 'edit', body: (id) => ({ request: 'edit', id, new_description: 'changed' }), ok: (r) => r.streaming === 'edited' },
  { name: 'enable', body: (id) => ({ request: 'enable', id }), ok: (r) => r.streaming === 'ok' },
  { name: 'disable', body: (id) => ({ request: 'disable', id }), ok: (r) => r.streaming === 'ok' },
  { name: 'kick_all', body: (id) => ({ request: 'kick_all', id }), ok: (r) => r.streaming === 'kicked_all' },
  { name: 'recording start', body: (id) => ({ request: 'recording', id, action: 'start', media: [{ mid: 'a', filename: `guarded-${id}` }] }), ok: (r) => r.streaming === 'ok' },
  { name: 'recording stop', body: (id) => ({ request: 'recording', id, action: 'stop', media: [{ mid: 'a' }] }), ok: (r) => r.streaming === 'ok' },
  { name: 'destroy', body: (id) => ({ request: 'destroy', id }), ok: (r) => r.streaming === 'destroyed' },
];

test('secret: every request Janus guards with it, without it (453), wrong (457), not a string (454), right; info', async () => {
  await checkInfo();
  for (const req of SECRET_GUARDED) {
    const id = await mountpoint({ secret: 'S3', pin: 'P1' });
    // recording stop needs a recording to stop; destroy is checked on a mountpoint of its own.
    if (req.name === 'recording stop') assert.equal((await c.send({ request: 'recording', id, secret: 'S3', action: 'start', media: [{ mid: 'a', filename: `stop-${id}` }] })).streaming, 'ok');
    for (const v of VARIANTS) {
      const r = await c.send(withMember(req.body(id), 'secret', v, 'S3'));
      if (v === 'right') assert.ok(req.ok(r), `${req.name} with the right secret: ${JSON.stringify(r)}`);
      else assert.equal(r.error_code, EXPECTED_ERROR[v], `${req.name} with ${v} secret: ${JSON.stringify(r)}`);
    }
  }
});

/** info shows name, secret, pin, viewers and ports only with the right secret (no error otherwise, as in Janus). */
async function checkInfo(): Promise<void> {
  const id = await mountpoint({ secret: 'S3', pin: 'P1', is_private: true });
  for (const v of VARIANTS) {
    const r = await c.send(withMember({ request: 'info', id }, 'secret', v, 'S3'));
    const info = r.info as Msg;
    assert.ok(info, JSON.stringify(r));
    const hidden = ['name', 'secret', 'pin', 'is_private', 'viewers'];
    if (v === 'right') {
      assert.deepEqual([info.secret, info.pin, info.is_private], ['S3', 'P1', true]);
      assert.equal(typeof (info.media as Msg[])[0].port, 'number');
    } else {
      for (const k of hidden) assert.equal(info[k], undefined, `${k} shown with ${v} secret`);
      assert.equal((info.media as Msg[])[0].port, undefined, `port shown with ${v} secret`);
    }
  }
}

test('pin: watch, and a switch from a public mountpoint to a pin-protected one, need the pin', async () => {
  const open = await mountpoint();
  const closed = await mountpoint({ pin: 'P1' });
  for (const v of VARIANTS) {
    const viewer = await Client.open(srv.wsUrl);
    try {
      const r = await viewer.ask(withMember({ request: 'watch', id: closed }, 'pin', v, 'P1'));
      if (v === 'right') assert.deepEqual(r.result, { status: 'preparing' }, JSON.stringify(r));
      else assert.equal(r.error_code, EXPECTED_ERROR[v], `watch with ${v} pin: ${JSON.stringify(r)}`);
    } finally {
      await viewer.close();
    }
  }
  for (const v of VARIANTS) {
    const viewer = await Client.open(srv.wsUrl);
    try {
      assert.deepEqual((await viewer.ask({ request: 'watch', id: open })).result, { status: 'preparing' });
      const r = await viewer.ask(withMember({ request: 'switch', id: closed }, 'pin', v, 'P1'));
      if (v === 'right') assert.deepEqual(r.result, { switched: 'ok', id: closed });
      else {
        assert.equal(r.error_code, EXPECTED_ERROR[v], `switch with ${v} pin: ${JSON.stringify(r)}`);
        // Still on the public mountpoint, not on the protected one.
        const info = (await c.send({ request: 'info', id: closed })).info as Msg;
        assert.equal(info.viewers, 0, `a viewer got onto the protected mountpoint with ${v} pin`);
      }
    } finally {
      await viewer.close();
    }
  }
});

test('admin_key: create needs it (453/457/454); list shows private mountpoints only with the right one, refuses a wrong one', async () => {
  for (const v of VARIANTS) {
    const id = nextId++;
    const r = await c.send(withMember({ request: 'create', type: 'rtp', id, media: [audio()] }, 'admin_key', v, ADMIN_KEY));
    if (v === 'right') assert.equal(r.streaming, 'created', JSON.stringify(r));
    else {
      assert.equal(r.error_code, EXPECTED_ERROR[v], `create with ${v} admin_key: ${JSON.stringify(r)}`);
      assert.equal((await c.send({ request: 'info', id })).error_code, 455, 'nothing created');
    }
  }
  // File and RTSP mountpoints too: the key comes before anything else is looked at.
  assert.equal((await c.send({ request: 'create', type: 'live', audio: true, filename: 'x.alaw' })).error_code, 453);
  assert.equal((await c.send({ request: 'create', type: 'rtsp', url: 'rtsp://127.0.0.1:1/x' })).error_code, 453);
  const hidden = await mountpoint({ is_private: true });
  const listed = async (body: Msg): Promise<Msg> => c.send({ request: 'list', ...body });
  const ids = (r: Msg): unknown[] => (r.list as Msg[]).map((m) => m.id);
  assert.ok(!ids(await listed({})).includes(hidden));
  assert.equal((await listed({ admin_key: 'wrong' })).error_code, 457);
  assert.ok(ids(await listed({ admin_key: ADMIN_KEY })).includes(hidden));
});

test('values a mountpoint may not hold are refused with 454 and nothing is created', async () => {
  const create = (extra: Msg): Promise<Msg> => c.send({ request: 'create', type: 'rtp', admin_key: ADMIN_KEY, media: [audio()], ...extra });
  const refused = async (what: string, extra: Msg, code = 454): Promise<void> => {
    const r = await create(extra);
    assert.equal(r.error_code, code, `${what}: ${JSON.stringify(r).slice(0, 300)}`);
  };
  await refused('pt 300', { media: [audio({ pt: 300 })] });
  await refused('pt 128', { media: [audio({ pt: 128 })] });
  await refused('legacy audiopt 300', { media: undefined, audio: true, audioport: 0, audiopt: 300, audiocodec: 'opus' });
  await refused('id 2^60', { id: 2 ** 60 });
  assert.equal((await c.send({ request: 'info', id: 2 ** 60 })).error_code, 454);
  await refused('5,000 media entries (10,000 are refused by the transport, 455)', { media: Array.from({ length: 5_000 }, (_, i) => audio({ mid: `m${i}` })) });
  await refused('65 media entries', { media: Array.from({ length: 65 }, (_, i) => audio({ mid: `m${i}` })) });
  await refused('rtcpport 65536', { media: [audio({ rtcpport: 65536 })] });
  await refused('port -1', { media: [audio({ port: -1 })] });
  await refused('a mid with a line break', { media: [audio({ mid: 'a\r\na=sendrecv' })] });
  await refused('a mid of 17 characters', { media: [audio({ mid: 'x'.repeat(17) })] });
  await refused('an fmtp with a line break', { media: [audio({ fmtp: 'minptime=10\r\na=sendrecv' })] });
  await refused('a description of 70,000 characters', { description: 'd'.repeat(70_000) });
  await refused('metadata of 70,000 characters', { metadata: 'm'.repeat(70_000) });
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  await refused('an entry nested 40 deep', { media: [audio({ extra: deep })] });
  await refused('bufferkf_bytes 2^40', { bufferkf_bytes: 2 ** 40 });
  await refused('bufferkf_ms 100000', { bufferkf_ms: 100_000 });
  const rtsp = await c.send({ request: 'create', type: 'rtsp', admin_key: ADMIN_KEY, url: 'rtsp://127.0.0.1:1/x', rtsp_session_timeout: 1e9 });
  assert.equal(rtsp.error_code, 454, JSON.stringify(rtsp));
  // Nothing of these exists, and a good mountpoint can still be made and edited within bounds only.
  const list = (await c.send({ request: 'list', admin_key: ADMIN_KEY })).list as Msg[];
  assert.ok(!list.some((m) => m.id === 2 ** 60));
  const id = await mountpoint({ secret: 'S3' });
  assert.equal((await c.send({ request: 'edit', id, secret: 'S3', new_description: 'x'.repeat(70_000) })).error_code, 454);
  assert.equal((await c.send({ request: 'edit', id, secret: 'S3', new_metadata: 'y'.repeat(70_000) })).error_code, 454);
  assert.equal(((await c.send({ request: 'info', id, secret: 'S3' })).info as Msg).description, `mp-${id}`);
});

test('recording: file names stay inside general.recordings_dir (.., absolute paths, links out are 454)', async () => {
  const id = await mountpoint({ secret: 'S3' });
  symlinkSync(outside, join(recordings, 'link-out'));
  const start = (filename: string): Promise<Msg> => c.send({ request: 'recording', id, secret: 'S3', action: 'start', media: [{ mid: 'a', filename }] });
  for (const bad of ['../escaped', join(outside, 'absolute'), 'sub/../../escaped', 'link-out/through-link']) {
    const r = await start(bad);
    assert.equal(r.error_code, 454, `${bad}: ${JSON.stringify(r)}`);
  }
  assert.deepEqual(readdirSync(outside), [], 'nothing written outside the recordings folder');
  assert.ok(!existsSync(join(recordings, '..', 'escaped.mjr')));
  // The legacy form (a file name per kind) is checked the same way.
  assert.equal((await c.send({ request: 'recording', id, secret: 'S3', action: 'start', audio: '../legacy' })).error_code, 454);
  // A good name: written inside the folder (sub-folders made), shown to the secret's holder by that name.
  assert.equal((await start('sub/dir/good')).streaming, 'ok');
  // The recorder creates the file a moment later.
  for (let i = 0; i < 100 && !existsSync(join(recordings, 'sub', 'dir', 'good.mjr')); i++) await sleep(20);
  assert.ok(existsSync(join(recordings, 'sub', 'dir', 'good.mjr')));
  // Another mountpoint may not record to a name in use.
  const other = await mountpoint({ secret: 'S3' });
  assert.equal((await c.send({ request: 'recording', id: other, secret: 'S3', action: 'start', media: [{ mid: 'a', filename: 'sub/dir/good' }] })).error_code, 459);
  const info = (await c.send({ request: 'info', id, secret: 'S3' })).info as { media: Msg[] };
  assert.equal(info.media[0].recording, join('sub', 'dir', 'good.mjr'));
  assert.equal((await c.send({ request: 'recording', id, secret: 'S3', action: 'stop', media: [{ mid: 'a' }] })).streaming, 'ok');
  // The same name again: the file exists; a clear error without exception text.
  const again = await start('sub/dir/good');
  assert.equal(again.error_code, 459);
  assert.doesNotMatch(String(again.error), /EEXIST|open '|\/tmp/);
});

test('file mountpoints created over the API read inside general.recordings_dir only; errors carry no exception text', async () => {
  const frames = Buffer.alloc(1600, 0xd5);
  writeFileSync(join(outside, 'secret.alaw'), frames);
  writeFileSync(join(recordings, 'tone.alaw'), frames);
  symlinkSync(join(outside, 'secret.alaw'), join(recordings, 'linked.alaw'));
  mkdirSync(join(recordings, 'folder.alaw'));
  const create = (filename: string): Promise<Msg> => c.send({ request: 'create', type: 'ondemand', admin_key: ADMIN_KEY, audio: true, filename });
  for (const bad of [join(outside, 'secret.alaw'), 'linked.alaw', 'sub/../../outside/secret.alaw']) {
    const r = await create(bad);
    assert.equal(r.error_code, 454, `${bad}: ${JSON.stringify(r)}`);
  }
  const folder = await create('folder.alaw');
  assert.equal(folder.error_code, 456);
  assert.doesNotMatch(String(folder.error), /EISDIR|illegal operation/, 'no exception text');
  const missing = await create('missing.alaw');
  assert.equal(missing.error_code, 456);
  assert.match(String(missing.error), /no such file/);
  const ok = await create('tone.alaw');
  assert.equal(ok.streaming, 'created', JSON.stringify(ok));
});

test('string_ids: ids of 1-256 characters without control characters; others are refused with 454', async () => {
  const strSrv = await startInProcess([
    ['general.recordings_dir', recordings],
    ['streaming.string_ids', 'true'],
  ]);
  const s = await Client.open(strSrv.wsUrl);
  try {
    const create = (id: string): Promise<Msg> => s.send({ request: 'create', type: 'rtp', id, media: [audio()] });
    assert.equal((await create('cam\r\nX')).error_code, 454);
    assert.equal((await create('c'.repeat(257))).error_code, 454);
    assert.equal((await create('c'.repeat(256))).streaming, 'created');
    assert.equal((await s.send({ request: 'info', id: 'x\u0000' })).error_code, 454);
  } finally {
    await s.close();
    await strSrv.stop();
  }
});

test('secretProblem (pure): no problem exactly when the right string is given; otherwise the Janus code for what is wrong', async () => {
  const { secretProblem } = await import('../../../src/plugins/streaming/guards.js');
  const fc = (await import('fast-check')).default;
  const codes = { missing: 453, invalid: 454, unauthorized: 457 };
  fc.assert(
    fc.property(fc.string(), fc.option(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { nil: undefined }), (expected, given) => {
      const problem = secretProblem(given === undefined ? {} : { secret: given }, 'secret', expected, codes);
      if (given === expected) assert.equal(problem, undefined);
      else if (given === undefined || given === null) assert.equal(problem?.code, 453);
      else if (typeof given !== 'string') assert.equal(problem?.code, 454);
      else assert.equal(problem?.code, 457);
    }),
    { numRuns: 2000 },
  );
  assert.equal(secretProblem({}, 'pin', undefined, codes), undefined, 'nothing to check without a pin');
});
