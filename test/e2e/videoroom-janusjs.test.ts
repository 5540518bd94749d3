// janus.js (npm janus-gateway) in headless Chromium uses the VideoRoom as its multistream demos do: a room made
// through the API, two publishers who see each other, a subscriber whose video decodes and whose audio arrives,
// `unpublished`/`leaving` when a publisher goes away, and a simulcast publisher whose subscriber asks for the
// lowest substream. VIDEOROOM_TEST_AGAINST_JANUS=1 runs the same against Debian's Janus (development aid);
// VIDEOROOM_TEST_TRACE=1 prints every event each handle received and the end of the server's log.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../../support/browser.js';
import { serveJanusPage, STATS_SCRIPT } from '../helpers/janusjs-page.js';
import { freePorts, startChildServer } from '../helpers/child-server.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { pollUntil, sleep } from '../../support/wait.js';

const AGAINST_JANUS = process.env.VIDEOROOM_TEST_AGAINST_JANUS === '1';
const ROOM = 4242;

// One page holds every participant: a janus.js session per user (w.sessions) and the handles attached in them
// (w.parts), as janus.js's videoroom demo keeps a publisher handle and its subscriber handles in one session.
// A publisher handle answers its offer with handleRemoteJsep; a subscriber handle answers the plugin's offers
// (attached, updated) with createAnswer and `start`.
const PAGE = `<!doctype html><meta charset="utf-8"><title>videoroom</title>
<div id="media"></div>
<script src="/adapter.js"></script>
<script type="module">
import Janus from '/janus.es.js';
const w = window;
w.sessions = {};
w.parts = {};
const ready = new Promise((resolve) => Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies(), callback: resolve }));
w.connect = async (sname, server) => {
  await ready;
  return new Promise((resolve) => {
    const janus = new Janus({ server, iceServers: [],
      success: () => { w.sessions[sname] = janus; resolve(null); },
      error: (e) => resolve('session: ' + String(e)) });
  });
};
w.attach = (name, sname, role) => new Promise((resolve) => {
  const part = { role, events: [], jseps: [], errors: [], webrtcUp: false, cleanedUp: false, tracks: [], handle: null };
  w.parts[name] = part;
  const answer = (jsep) => part.handle.createAnswer({ jsep, tracks: [{ type: 'data' }],
    success: (ans) => part.handle.send({ message: { request: 'start' }, jsep: ans, error: (e) => part.errors.push('start: ' + String(e)) }),
    error: (e) => part.errors.push('createAnswer: ' + String(e)) });
  w.sessions[sname].attach({ plugin: 'janus.plugin.videoroom', opaqueId: 'videoroom-e2e-' + name,
    success: (h) => { part.handle = h; resolve(null); },
    error: (e) => resolve('attach: ' + String(e)),
    onmessage: (msg, jsep) => {
      part.events.push(msg);
      if (!jsep) return;
      part.jseps.push({ type: jsep.type, sdp: jsep.sdp });
      if (role === 'subscriber' && jsep.type === 'offer') answer(jsep);
      else part.handle.handleRemoteJsep({ jsep, error: (e) => part.errors.push('handleRemoteJsep: ' + String(e)) });
    },
    webrtcState: (on) => { part.webrtcUp = on; },
    oncleanup: () => { part.cleanedUp = true; part.webrtcUp = false; },
    onremotetrack: (track, mid, on) => {
      part.tracks.push({ kind: track.kind, mid, on });
      const id = name + '-' + mid;
      let el = document.getElementById(id);
      if (!on) { if (el) el.remove(); return; }
      if (!el) {
        el = document.createElement(track.kind === 'video' ? 'video' : 'audio');
        el.id = id; el.autoplay = true; el.playsInline = true; el.muted = true;
        document.getElementById('media').appendChild(el);
      }
      el.srcObject = new MediaStream([track]);
    } });
});
// A request on a handle; resolves when the server acknowledged it (the answer comes as an event).
w.send = (name, message) => new Promise((resolve) => w.parts[name].handle.send({ message,
  success: () => resolve(null), error: (e) => resolve('send: ' + String(e)) }));
// Offers audio and video from the fake devices and publishes them with configure.
// With svc (a scalability mode such as 'L3T3_KEY'), VP9 in layers.
w.publish = (name, simulcast, svc) => new Promise((resolve) => {
  const part = w.parts[name];
  const big = simulcast || svc;
  part.handle.createOffer({
    tracks: [{ type: 'audio', capture: true, recv: false },
      { type: 'video', capture: big ? { width: 1280, height: 720 } : { width: 320, height: 240 }, recv: false, simulcast, svc }],
    success: (jsep) => part.handle.send({ message: svc ? { request: 'configure', audio: true, video: true, videocodec: 'vp9' } : { request: 'configure', audio: true, video: true }, jsep,
      success: () => resolve(null), error: (e) => resolve('configure: ' + String(e)) }),
    error: (e) => resolve('createOffer: ' + String(e)) });
});
w.detach = (name) => new Promise((resolve) => w.parts[name].handle.detach({ success: () => resolve(null), error: (e) => resolve(String(e)) }));
w.destroyAll = () => Promise.all(Object.values(w.sessions).map((j) => new Promise((resolve) => j.destroy({ success: resolve, error: resolve }))));
// Per m-line reception (by mid, from each transceiver's receiver) and the widest picture this handle sends.
w.midStats = async (name) => {
  const part = w.parts[name];
  const pc = part && part.handle && part.handle.webrtcStuff && part.handle.webrtcStuff.pc;
  const out = { inbound: {}, sentWidth: 0, layers: [] };
  if (!pc) return out;
  for (const t of pc.getTransceivers()) {
    if (!t.mid) continue;
    (await t.receiver.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      const prev = out.inbound[t.mid];
      const cur = { kind: s.kind, framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, packets: s.packetsReceived || 0 };
      if (!prev || cur.packets >= prev.packets) out.inbound[t.mid] = cur;
    });
  }
  (await pc.getStats()).forEach((s) => {
    if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
    out.sentWidth = Math.max(out.sentWidth, s.frameWidth || 0);
    out.layers.push({ rid: s.rid || '', width: s.frameWidth || 0, framesEncoded: s.framesEncoded || 0 });
  });
  return out;
};
// STATS_SCRIPT reads window.handle: point it at one of ours.
w.statsOf = (name) => { w.handle = w.parts[name].handle; return w.stats(); };
w.snapshot = (name) => { const p = w.parts[name]; return p ? { events: p.events, errors: p.errors, webrtcUp: p.webrtcUp, cleanedUp: p.cleanedUp, tracks: p.tracks, jseps: p.jseps.map((j) => j.type) } : null; };
w.sdps = (name) => {
  const part = w.parts[name];
  if (!part) return [];
  const pc = part.handle && part.handle.webrtcStuff && part.handle.webrtcStuff.pc;
  return [...part.jseps, ...(pc && pc.localDescription ? [{ type: 'local ' + pc.localDescription.type, sdp: pc.localDescription.sdp }] : [])];
};
${STATS_SCRIPT}
</script>`;

/** What a page handle recorded. */
interface Snapshot {
  events: Msg[];
  errors: string[];
  webrtcUp: boolean;
  cleanedUp: boolean;
  tracks: Array<{ kind: string; mid: string; on: boolean }>;
  jseps: string[];
}
interface MidStats {
  inbound: Record<string, { kind: string; framesDecoded: number; frameWidth: number; packets: number }>;
  sentWidth: number;
  /** Each outbound video encoding (one per simulcast rid). */
  layers: Array<{ rid: string; width: number; framesEncoded: number }>;
}
interface HandleStats {
  framesDecoded: number;
  frameWidth: number;
  audioPackets: number;
}
type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
/** A subscriber stream as `attached` / `updated` describe it. */
interface SubStream {
  type: string;
  mid: string;
  mindex: number;
  active?: boolean;
  feed_id?: number;
  feed_mid?: string;
}

/** The server under test: Portunus as a child process, or Janus for development runs. */
interface Target {
  readonly name: string;
  readonly wsUrl: string;
  alive(): boolean;
  log(): string;
  stop(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  if (AGAINST_JANUS) {
    const { startJanus } = await import('../../bench/janus-reference.js');
    const [http, ws] = await freePorts(2);
    const janus = await startJanus({ http, ws }, ['videoroom']);
    return { name: 'janus', wsUrl: janus.wsUrl, alive: () => true, log: () => '', stop: () => janus.stop() };
  }
  const srv = await startChildServer([]);
  return { name: 'portunus', wsUrl: srv.wsUrl, alive: () => srv.child.exitCode === null, log: () => srv.log(), stop: () => srv.stop() };
}

const skip = (!existsSync(CHROMIUM_PATH) && 'no /usr/bin/chromium') || (AGAINST_JANUS && !existsSync('/usr/bin/janus') && 'no /usr/bin/janus');
let target: Target;
let api: JanusWs;
let browser: Browser;
let served: { server: Server; url: string };
let context: BrowserContext;
let p: Page;

/** The page of each session and handle not on the first page (the simulcast publisher has a browser of its own). */
const pages = new Map<string, Page>();

/** Calls `window[fn](name, ...args)` in the page that holds session or handle `name`. */
async function call<T>(fn: string, name: string, ...args: Json[]): Promise<T> {
  const payload: { f: string; a: string } = { f: fn, a: JSON.stringify([name, ...args]) };
  const result: unknown = await (pages.get(name) ?? p).evaluate(({ f, a }) => (window as unknown as Record<string, (...x: unknown[]) => unknown>)[f](...(JSON.parse(a) as unknown[])), payload);
  return result as T;
}

/** Fails with what the page call said when it resolved with an error text. */
async function ok(what: string, result: Promise<string | null>): Promise<void> {
  const err = await result;
  assert.equal(err, null, `${what}: ${err}`);
}

const snapshot = async (name: string): Promise<Snapshot> => (await call<Snapshot | null>('snapshot', name)) ?? { events: [], errors: [], webrtcUp: false, cleanedUp: false, tracks: [], jseps: [] };

/** Does `event` have every key of `pattern` with the same value? */
function matches(event: Msg, pattern: Msg): boolean {
  return Object.entries(pattern).every(([k, v]) => JSON.stringify(event[k]) === JSON.stringify(v));
}

/**
 * Waits until handle `name` received an event (at index `from` or later) for which `match` holds; fails early on
 * a plugin error event or a page error, and shows what arrived instead.
 */
async function waitEvent(name: string, what: string, match: (e: Msg) => boolean, from = 0, timeoutMs = 15_000): Promise<Msg> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await snapshot(name);
    const found = s.events.slice(from).find(match);
    if (found) return found;
    const error = s.events.slice(from).find((e) => e.error_code !== undefined);
    if (error || s.errors.length > 0 || Date.now() > deadline) {
      assert.fail(
        `${name}: waiting for ${what}: ${error ? `error event ${JSON.stringify(error)}` : s.errors.length > 0 ? s.errors.join('; ') : 'timed out'}; events since #${from}: ${JSON.stringify(s.events.slice(from))}`,
      );
    }
    await sleep(100);
  }
}

async function waitWebrtcUp(name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await snapshot(name);
    if (s.webrtcUp) return;
    if (s.errors.length > 0 || Date.now() > deadline) assert.fail(`${name}: PeerConnection not up: ${s.errors.join('; ') || 'timed out'}; events ${JSON.stringify(s.events)}`);
    await sleep(100);
  }
}

/** Publisher ids handle `name` was told about: `joined.publishers` and later `publishers` events. */
async function announced(name: string): Promise<number[]> {
  const s = await snapshot(name);
  return s.events.flatMap((e) => ((e.publishers as Array<{ id: number }> | undefined) ?? []).map((x) => x.id));
}

/** Joins `name` as a publisher, publishes, waits for the answer and the PeerConnection; returns the joined event. */
async function joinAndPublish(name: string, display: string, simulcast = false, svc?: string, room = ROOM): Promise<Msg> {
  await ok(`${name} session`, call('connect', name, target.wsUrl));
  await ok(`${name} attach`, call('attach', name, name, 'publisher'));
  await ok(`${name} join`, call('send', name, { request: 'join', room, ptype: 'publisher', display }));
  const joined = await waitEvent(name, 'joined', (e) => e.videoroom === 'joined');
  assert.equal(joined.room, room);
  assert.equal(typeof joined.id, 'number', `joined.id: ${JSON.stringify(joined)}`);
  assert.equal(typeof joined.private_id, 'number', `joined.private_id: ${JSON.stringify(joined)}`);
  assert.ok(Array.isArray(joined.publishers), `joined.publishers: ${JSON.stringify(joined)}`);
  const from = (await snapshot(name)).events.length;
  await ok(`${name} publish`, call('publish', name, simulcast, svc ?? null));
  const configured = await waitEvent(name, 'configured: ok', (e) => e.configured === 'ok', from);
  assert.equal(configured.room, room);
  const s = await snapshot(name);
  assert.ok(s.jseps.includes('answer'), `${name}: an SDP answer to the publisher's offer (jseps ${JSON.stringify(s.jseps)})`);
  await waitWebrtcUp(name);
  return joined;
}

/** Attaches subscriber handle `name` in session `sname` and joins it to `streams`; returns the attached event. */
async function subscribe(name: string, sname: string, streams: Json[], privateId?: number, room = ROOM): Promise<Msg> {
  await ok(`${name} attach`, call('attach', name, sname, 'subscriber'));
  const join: Json = { request: 'join', room, ptype: 'subscriber', streams };
  if (privateId !== undefined) join.private_id = privateId;
  await ok(`${name} join`, call('send', name, join));
  const attached = await waitEvent(name, 'attached', (e) => e.videoroom === 'attached');
  assert.equal(attached.room, room);
  assert.ok((await snapshot(name)).jseps.includes('offer'), `${name}: the attached event carries the plugin's offer`);
  await waitEvent(name, 'started: ok', (e) => e.started === 'ok');
  await waitWebrtcUp(name);
  return attached;
}

before(async () => {
  if (skip) return;
  target = await startTarget();
  api = await JanusWs.open(target.wsUrl);
  served = await serveJanusPage(PAGE);
  browser = await launchBrowser();
  context = await browser.newContext();
  p = await context.newPage();
  await p.goto(served.url);
  await p.waitForFunction(() => typeof (window as unknown as { publish?: unknown }).publish === 'function', undefined, { timeout: 10_000 });
});

after(async () => {
  if (process.env.VIDEOROOM_TEST_TRACE && p) {
    for (const n of ['alice', 'bob', 'bobSubAlice', 'aliceSubBoth', 'bobSubCarol']) {
      console.log(n, JSON.stringify(await snapshot(n).catch(() => null)));
      for (const j of await call<Array<{ type: string; sdp: string }>>('sdps', n).catch(() => [])) console.log(`${n} ${j.type}:\n${j.sdp}`);
    }
    console.log(`${target.name} log:\n${target.log().slice(-4000)}`);
  }
  if (p) await p.evaluate(() => (window as unknown as { destroyAll: () => Promise<unknown> }).destroyAll()).catch(() => {});
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  api?.close();
  served?.server.close();
  await target?.stop();
});

// Ids the tests after the first rely on.
let aliceId = 0;
let bobId = 0;
let bobPrivateId = 0;
/** The mid of Alice's video stream, as her announcement gave it. */
let aliceVideoMid = '';

test('VideoRoom via janus.js: a room created through the API; two publishers see each other', { timeout: 60_000, skip }, async () => {
  const session = ((await api.request({ janus: 'create' })).data as { id: number }).id;
  const handle = ((await api.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).data as { id: number }).id;
  const room = async (body: Msg): Promise<Msg> => {
    const r = await api.request({ janus: 'message', session_id: session, handle_id: handle, body });
    assert.equal(r.janus, 'success', `${String(body.request)}: ${JSON.stringify(r)}`);
    return (r.plugindata as Msg).data as Msg;
  };
  assert.deepEqual(await room({ request: 'exists', room: ROOM }), { videoroom: 'success', room: ROOM, exists: false });
  const created = await room({ request: 'create', room: ROOM, description: 'janus.js e2e', publishers: 6 });
  assert.deepEqual(created, { videoroom: 'created', room: ROOM, permanent: false });
  assert.deepEqual(await room({ request: 'exists', room: ROOM }), { videoroom: 'success', room: ROOM, exists: true });
  await api.request({ janus: 'destroy', session_id: session });

  const alice = await joinAndPublish('alice', 'Alice');
  aliceId = alice.id as number;
  assert.deepEqual(alice.publishers, [], 'the first publisher finds nobody publishing');
  assert.equal(alice.description, 'janus.js e2e');

  const bob = await joinAndPublish('bob', 'Bob');
  bobId = bob.id as number;
  bobPrivateId = bob.private_id as number;
  assert.notEqual(bobId, aliceId);
  // Alice is publishing: Bob finds her in joined.publishers (or, at the latest, in a publishers event).
  const aliceSeen = await pollUntil(
    () => announced('bob'),
    (ids) => ids.includes(aliceId),
    { timeout: 10_000, interval: 250 },
  );
  assert.ok(aliceSeen.includes(aliceId), `Bob was told about Alice (${aliceId}): ${JSON.stringify((await snapshot('bob')).events)}`);
  const entry = ((bob.publishers as Msg[]).find((x) => x.id === aliceId) ?? (await snapshot('bob')).events.flatMap((e) => (e.publishers as Msg[] | undefined) ?? []).find((x) => x.id === aliceId))!;
  assert.equal(entry.display, 'Alice');
  const streams = entry.streams as Array<{ type: string; mid: string; codec?: string }>;
  assert.deepEqual(streams.map((x) => x.type).sort(), ['audio', 'video'], `Alice's streams: ${JSON.stringify(streams)}`);
  assert.equal(streams.find((x) => x.type === 'audio')?.codec, 'opus');
  assert.equal(streams.find((x) => x.type === 'video')?.codec, 'vp8');
  aliceVideoMid = streams.find((x) => x.type === 'video')!.mid;
  // Alice hears of Bob once he publishes.
  const ev = await waitEvent('alice', `publishers event with Bob (${bobId})`, (e) => e.videoroom === 'event' && Array.isArray(e.publishers) && (e.publishers as Msg[]).some((x) => x.id === bobId));
  assert.equal(ev.room, ROOM);
  assert.equal((ev.publishers as Msg[]).find((x) => x.id === bobId)!.display, 'Bob');
});

test("VideoRoom via janus.js: a subscriber gets the plugin's offer, answers with start; video decodes, audio arrives", { timeout: 60_000, skip }, async () => {
  assert.ok(aliceId && bobId, 'the publishers of the first test');
  // As in the demo: Bob's session subscribes to Alice's feed, with Bob's private_id.
  const attached = await subscribe('bobSubAlice', 'bob', [{ feed: aliceId }], bobPrivateId);
  const streams = attached.streams as SubStream[];
  assert.deepEqual(streams.map((x) => x.type).sort(), ['audio', 'video'], `attached streams: ${JSON.stringify(attached)}`);
  for (const x of streams) {
    assert.equal(x.feed_id, aliceId, `stream ${x.mid} comes from Alice: ${JSON.stringify(x)}`);
    assert.equal(x.mid, String(x.mindex), `subscriber mids are m-line indexes: ${JSON.stringify(x)}`);
  }
  const read = (): Promise<HandleStats> => call<HandleStats>('statsOf', 'bobSubAlice');
  const s1 = await pollUntil(read, (s) => s.framesDecoded > 10 && s.audioPackets > 20, { timeout: 20_000, interval: 250 });
  assert.ok(s1.framesDecoded > 10, `Alice's video decodes at the subscriber: ${JSON.stringify(s1)}`);
  assert.ok(s1.audioPackets > 20, `Alice's audio arrives at the subscriber: ${JSON.stringify(s1)}`);
  await p.waitForTimeout(1500);
  const s2 = await read();
  assert.ok(s2.framesDecoded > s1.framesDecoded, `frames decoded rising ${s1.framesDecoded} → ${s2.framesDecoded}`);
  assert.ok(s2.audioPackets > s1.audioPackets, `audio packets rising ${s1.audioPackets} → ${s2.audioPackets}`);
  const tracks = (await snapshot('bobSubAlice')).tracks
    .filter((t) => t.on)
    .map((t) => t.kind)
    .sort();
  assert.deepEqual([...new Set(tracks)], ['audio', 'video'], 'janus.js reported both remote tracks');

  // One subscription may take streams of several publishers: Alice's session takes Bob's and Alice's own video.
  const multi = await subscribe('aliceSubBoth', 'alice', [{ feed: bobId }, { feed: aliceId, mid: aliceVideoMid }]);
  const mstreams = multi.streams as SubStream[];
  assert.deepEqual(mstreams.map((x) => `${x.feed_id}:${x.type}`).sort(), [`${bobId}:audio`, `${bobId}:video`, `${aliceId}:video`].sort(), `attached streams: ${JSON.stringify(multi)}`);
  assert.deepEqual(
    mstreams.map((x) => x.mid),
    mstreams.map((_, i) => String(i)),
    `one m-line per stream, mids 0..n-1: ${JSON.stringify(multi)}`,
  );
  assert.equal(mstreams.find((x) => x.feed_id === aliceId)?.feed_mid, aliceVideoMid);
  const videoMids = mstreams.filter((x) => x.type === 'video').map((x) => x.mid);
  const m1 = await pollUntil(
    () => call<MidStats>('midStats', 'aliceSubBoth'),
    (m) => videoMids.every((mid) => (m.inbound[mid]?.framesDecoded ?? 0) > 5),
    { timeout: 20_000, interval: 250 },
  );
  for (const mid of videoMids) assert.ok((m1.inbound[mid]?.framesDecoded ?? 0) > 5, `video mid ${mid} decodes: ${JSON.stringify(m1.inbound)}`);
  await p.waitForTimeout(1000);
  const m2 = await call<MidStats>('midStats', 'aliceSubBoth');
  for (const mid of videoMids) assert.ok(m2.inbound[mid].framesDecoded > m1.inbound[mid].framesDecoded, `video mid ${mid} still decoding: ${JSON.stringify(m2.inbound)}`);
  assert.equal(target.alive(), true);
});

test('VideoRoom via janus.js: unpublish is announced; subscriptions to the feed are renegotiated (autoupdate)', { timeout: 60_000, skip }, async () => {
  assert.ok(aliceId && bobId, 'the publishers of the first test');
  const bobFrom = (await snapshot('bob')).events.length;
  const subFrom = (await snapshot('bobSubAlice')).events.length;
  const bothFrom = (await snapshot('aliceSubBoth')).events.length;
  const aliceFrom = (await snapshot('alice')).events.length;
  await ok('alice unpublish', call('send', 'alice', { request: 'unpublish' }));
  await waitEvent('alice', 'unpublished: ok', (e) => e.unpublished === 'ok', aliceFrom);
  await waitEvent('bob', `unpublished: ${aliceId}`, (e) => matches(e, { videoroom: 'event', room: ROOM, unpublished: aliceId }), bobFrom);
  // Subscriptions to Alice get a new offer (`updated`): her streams inactive, the rest active; janus.js answers
  // it and the plugin starts again.
  const updated = await waitEvent('bobSubAlice', 'updated (autoupdate)', (e) => e.videoroom === 'updated', subFrom, 8_000);
  assert.equal(updated.room, ROOM);
  assert.ok((updated.streams as SubStream[]).length === 2 && (updated.streams as SubStream[]).every((x) => x.active === false), `Alice's streams inactive: ${JSON.stringify(updated)}`);
  await waitEvent('bobSubAlice', 'started: ok after the update', (e) => e.started === 'ok', subFrom);
  const both = await waitEvent('aliceSubBoth', 'updated (autoupdate)', (e) => e.videoroom === 'updated', bothFrom);
  const bstreams = both.streams as SubStream[];
  assert.deepEqual(
    bstreams.map((x) => [x.mid, x.active]),
    [
      ['0', true],
      ['1', true],
      ['2', false],
    ],
    `only Alice's stream inactive: ${JSON.stringify(both)}`,
  );
  assert.deepEqual(
    bstreams.filter((x) => x.active).map((x) => x.feed_id),
    [bobId, bobId],
  );
  await waitEvent('aliceSubBoth', 'started: ok after the update', (e) => e.started === 'ok', bothFrom);
  const bobVideo = bstreams.find((x) => x.active && x.type === 'video')!.mid;
  const b1 = await call<MidStats>('midStats', 'aliceSubBoth');
  const b2 = await pollUntil(
    () => call<MidStats>('midStats', 'aliceSubBoth'),
    (m) => (m.inbound[bobVideo]?.framesDecoded ?? 0) > (b1.inbound[bobVideo]?.framesDecoded ?? 0) + 5,
    { timeout: 10_000, interval: 250 },
  );
  assert.ok(
    (b2.inbound[bobVideo]?.framesDecoded ?? 0) > (b1.inbound[bobVideo]?.framesDecoded ?? 0) + 5,
    `Bob's video still decodes after the renegotiation: ${JSON.stringify(b1.inbound)} → ${JSON.stringify(b2.inbound)}`,
  );
  assert.equal(target.alive(), true);
});

test('VideoRoom via janus.js: leave is announced to the others', { timeout: 30_000, skip }, async () => {
  assert.ok(aliceId && bobId, 'the publishers of the first test');
  const bobFrom = (await snapshot('bob')).events.length;
  const aliceFrom = (await snapshot('alice')).events.length;
  // Alice no longer publishes (the test before unpublished her; make sure, whatever it got to).
  if (!(await snapshot('alice')).events.some((e) => e.unpublished === 'ok')) await ok('alice unpublish', call('send', 'alice', { request: 'unpublish' }));
  await ok('alice leave', call('send', 'alice', { request: 'leave' }));
  await waitEvent('alice', 'leaving: ok', (e) => e.leaving === 'ok', aliceFrom);
  const leaving = await waitEvent('bob', `leaving: ${aliceId}`, (e) => matches(e, { videoroom: 'event', room: ROOM, leaving: aliceId }), bobFrom);
  assert.equal(leaving.room, ROOM);
  assert.equal(target.alive(), true);
});

test('VideoRoom via janus.js: simulcast publisher; substream 0 brings the subscriber down to the lowest layer; a publisher that hangs up is announced', { timeout: 90_000, skip }, async () => {
  assert.ok(bobId, 'Bob of the first test');
  // Carol gets a browser of her own: in Bob's browser the fake camera is already open at 320x240, and Chromium
  // would hand Carol that source, too small for three layers.
  const browser2 = await launchBrowser();
  try {
    const p2 = await (await browser2.newContext()).newPage();
    await p2.goto(served.url);
    await p2.waitForFunction(() => typeof (window as unknown as { publish?: unknown }).publish === 'function', undefined, { timeout: 10_000 });
    pages.set('carol', p2);
    const carol = await joinAndPublish('carol', 'Carol', true);
    const carolId = carol.id as number;
    const ev = await waitEvent('bob', `publishers event with Carol (${carolId})`, (e) => Array.isArray(e.publishers) && (e.publishers as Msg[]).some((x) => x.id === carolId));
    const video = ((ev.publishers as Msg[]).find((x) => x.id === carolId)!.streams as Array<{ type: string; simulcast?: boolean }>).find((x) => x.type === 'video');
    assert.equal(video?.simulcast, true, `Carol's video is announced as simulcast: ${JSON.stringify(ev)}`);
    const attached = await subscribe('bobSubCarol', 'bob', [{ feed: carolId }], bobPrivateId);
    const vmid = (attached.streams as SubStream[]).find((x) => x.type === 'video')!.mid;

    // What is decoded against what Carol sends as her top layer (a busy browser scales its whole picture down,
    // the ratio between layers stays), and how many layers she is encoding.
    type Widths = { decoded: number; frames: number; sent: number; layers: number };
    const widths = async (): Promise<Widths> => {
      const [sub, pub] = await Promise.all([call<MidStats>('midStats', 'bobSubCarol'), call<MidStats>('midStats', 'carol')]);
      const v = sub.inbound[vmid];
      return { decoded: v?.frameWidth ?? 0, frames: v?.framesDecoded ?? 0, sent: pub.sentWidth, layers: pub.layers.filter((l) => l.framesEncoded > 0).length };
    };
    // A quarter of the top layer with three spatial layers; a busy browser also drops spatial layers (Chromium's
    // quality scaler sends two when its encoder falls behind), so half of it counts as the lowest too.
    const lowest = (w: Widths): boolean => w.decoded > 0 && w.sent > 0 && w.decoded <= w.sent / 2 + 8;
    // The default target is the highest substream: once the browser sends more than its lowest layer (its
    // estimate grows with the server's feedback), so does the plugin.
    const up = await pollUntil(widths, (w) => w.frames > 10 && w.layers >= 2 && w.decoded > w.sent / 4 + 8, { timeout: 30_000, interval: 250 });
    assert.ok(up.frames > 10 && up.layers >= 2 && up.decoded > up.sent / 4 + 8, `a layer above the lowest is forwarded: ${JSON.stringify(up)}`);

    const from = (await snapshot('bobSubCarol')).events.length;
    await ok('configure substream 0', call('send', 'bobSubCarol', { request: 'configure', streams: [{ mid: vmid, substream: 0 }] }));
    await waitEvent('bobSubCarol', 'configured: ok', (e) => e.configured === 'ok', from);
    const down = await pollUntil(widths, lowest, { timeout: 20_000, interval: 250 });
    assert.ok(lowest(down), `the lowest layer after substream 0: ${JSON.stringify(down)}`);
    const still = await pollUntil(widths, (w) => w.frames > down.frames + 5, { timeout: 10_000, interval: 250 });
    assert.ok(still.frames > down.frames + 5 && lowest(still), `still decoding the lowest layer: ${JSON.stringify(down)} → ${JSON.stringify(still)}`);
    // The switch is reported (events for layers passed on the way may come first).
    const switched = await waitEvent('bobSubCarol', 'a substream: 0 event', (e) => e.substream === 0, from, 5_000);
    assert.deepEqual(switched, { videoroom: 'event', room: ROOM, mid: vmid, substream: 0 }, 'the layer change is reported');

    // Carol closes her handle while publishing (as a page that goes away): Bob hears unpublished and leaving.
    const bobFrom = (await snapshot('bob')).events.length;
    await ok('carol detach', call('detach', 'carol'));
    await waitEvent('bob', `unpublished: ${carolId}`, (e) => matches(e, { videoroom: 'event', room: ROOM, unpublished: carolId }), bobFrom);
    await waitEvent('bob', `leaving: ${carolId}`, (e) => matches(e, { videoroom: 'event', room: ROOM, leaving: carolId }), bobFrom);
    assert.equal(target.alive(), true);
  } finally {
    pages.delete('carol');
    await browser2.close().catch(() => {});
  }
});

test('VideoRoom via janus.js: a VP9 SVC publisher (L3T3_KEY); spatial_layer 0 brings a subscriber to the lowest resolution, 2 back to the full one', { timeout: 90_000, skip }, async () => {
  const SVC_ROOM = ROOM + 1;
  const session = ((await api.request({ janus: 'create' })).data as { id: number }).id;
  const handle = ((await api.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' })).data as { id: number }).id;
  const created = await api.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'create', room: SVC_ROOM, videocodec: 'vp9', publishers: 2 } });
  assert.equal(((created.plugindata as Msg).data as Msg).videoroom, 'created', JSON.stringify(created));
  // Dave gets a browser of his own, for a camera opened at 1280x720 (three spatial layers).
  const browser3 = await launchBrowser();
  try {
    const p3 = await (await browser3.newContext()).newPage();
    await p3.goto(served.url);
    await p3.waitForFunction(() => typeof (window as unknown as { publish?: unknown }).publish === 'function', undefined, { timeout: 10_000 });
    pages.set('dave', p3);
    pages.set('erinSubDave', p3); // a subscriber handle in Dave's session, on his page
    const dave = await joinAndPublish('dave', 'Dave', false, 'L3T3_KEY', SVC_ROOM);
    const daveId = dave.id as number;
    const attached = await subscribe('erinSubDave', 'dave', [{ feed: daveId }], undefined, SVC_ROOM);
    const vstream = (attached.streams as SubStream[]).find((x) => x.type === 'video')!;
    assert.equal((vstream as unknown as Msg).codec, 'vp9');
    const vmid = vstream.mid;
    // What is decoded against what Dave sends as his top layer (a busy browser scales the whole picture down).
    type Widths = { decoded: number; frames: number; sent: number };
    const widths = async (): Promise<Widths> => {
      const [sub, pub] = await Promise.all([call<MidStats>('midStats', 'erinSubDave'), call<MidStats>('midStats', 'dave')]);
      const v = sub.inbound[vmid];
      return { decoded: v?.frameWidth ?? 0, frames: v?.framesDecoded ?? 0, sent: pub.sentWidth };
    };
    // A quarter of the top layer with three spatial layers; a busy browser also drops spatial layers (Chromium's
    // quality scaler sends two when its encoder falls behind), so half of it counts as the lowest too.
    const lowest = (w: Widths): boolean => w.decoded > 0 && w.sent > 0 && w.decoded <= w.sent / 2 + 8;
    const top = (w: Widths): boolean => w.decoded > 0 && w.sent > 0 && w.decoded >= w.sent * 0.9;
    const full = await pollUntil(widths, (w) => w.frames > 10 && top(w), { timeout: 30_000, interval: 250 });
    assert.ok(top(full), `all spatial layers at first: ${JSON.stringify(full)}`);
    let from = (await snapshot('erinSubDave')).events.length;
    await ok('configure spatial_layer 0', call('send', 'erinSubDave', { request: 'configure', streams: [{ mid: vmid, spatial_layer: 0 }] }));
    await waitEvent('erinSubDave', 'configured: ok', (e) => e.configured === 'ok', from);
    const down = await pollUntil(widths, (w) => lowest(w), { timeout: 20_000, interval: 250 });
    assert.ok(lowest(down), `the lowest spatial layer after spatial_layer 0: ${JSON.stringify(down)}`);
    const still = await pollUntil(widths, (w) => w.frames > down.frames + 5, { timeout: 10_000, interval: 250 });
    assert.ok(still.frames > down.frames + 5, `still decoding at the lowest layer: ${JSON.stringify(down)} → ${JSON.stringify(still)}`);
    await waitEvent('erinSubDave', 'a spatial_layer: 0 event', (e) => e.spatial_layer === 0, from, 5_000);
    from = (await snapshot('erinSubDave')).events.length;
    await ok('configure spatial_layer 2', call('send', 'erinSubDave', { request: 'configure', streams: [{ mid: vmid, spatial_layer: 2 }] }));
    const back = await pollUntil(widths, (w) => top(w) && w.frames > still.frames + 5, { timeout: 20_000, interval: 250 });
    assert.ok(top(back), `the full resolution again after spatial_layer 2: ${JSON.stringify(back)}`);
    assert.equal(target.alive(), true);
  } finally {
    pages.delete('dave');
    pages.delete('erinSubDave');
    await browser3.close().catch(() => {});
  }
});
