// WHIP into a Streaming mountpoint with werift clients: POST makes a `webrtc` mountpoint that list/info show, a
// WHEP viewer gets the publisher's video and its joining sends the publisher a keyframe request, a second
// publisher is 409, DELETE takes the mountpoint away; a mountpoint made with `create` (type webrtc, a secret) wants
// the secret as the bearer token and stays, silent, for the next publisher. (This folder runs again under the
// no-IPv6 shim.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RtpHeader, RtpPacket, type MediaStreamTrack } from 'werift';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import type { Network } from '../../../src/net/network.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { clientOffer, createTrackClient, type TrackClient } from '../../../support/werift-client.js';
import { VP8_KEYFRAME } from '../../../support/rtp-packets.js';
import { waitFor } from '../../../support/wait.js';

tolerateLeftoverTimers("werift's timers after its peers closed");

const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});

let srv: StartedServer;
let base: string;
let network: Network;
let ws: JanusWs;
let session = 0;
const clients: TrackClient[] = [];

function streaming(body: Msg): Promise<Msg> {
  return ws.pluginRequest(session, 'janus.plugin.streaming', body);
}

before(async () => {
  srv = await startInProcess();
  base = srv.restUrl.replace(/\/janus$/, '');
  network = new HostNetwork(await discoverNetworkHost(), () => undefined);
  ws = await JanusWs.open(srv.wsUrl);
  session = Number(obj((await ws.request({ janus: 'create' })).data).id);
});

after(async () => {
  for (const c of clients) await c.close();
  ws?.close();
  await srv?.stop();
});

/** Audio and video, no data channel (the mountpoint takes none: the m-line is refused, which werift cannot take). */
function publisher(): TrackClient {
  const c = createTrackClient(network, ['audio', 'video'], 'sendonly');
  clients.push(c);
  return c;
}

function viewer(): TrackClient {
  const c = createTrackClient(network, ['audio', 'video'], 'recvonly');
  clients.push(c);
  return c;
}

async function post(path: string, sdp: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body: sdp });
}

async function connect(c: TrackClient, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await post(path, await clientOffer(c), headers);
  const text = await res.text();
  assert.equal(res.status, 201, text);
  await c.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(text) });
  await waitFor(() => c.pc.connectionState === 'connected', { timeout: 10_000, what: `${path} connected` });
  return res;
}

/** VP8 keyframes from the publisher every 20 ms until stopped. */
function sendVp8(c: TrackClient): () => void {
  let s = 0;
  const sender = c.transceivers.video!.sender;
  const pt = sender.codec?.payloadType ?? 96;
  const timer = setInterval(() => {
    s++;
    void sender.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: s, timestamp: s * 3000, payloadType: pt, ssrc: 0x3333, marker: true }), VP8_KEYFRAME)).catch(() => undefined);
  }, 20);
  return () => clearInterval(timer);
}

function countVideo(c: TrackClient): { n: number } {
  const seen = { n: 0 };
  c.pc.onTrack.subscribe((track: MediaStreamTrack) => {
    if (track.kind === 'video') track.onReceiveRtp.subscribe(() => seen.n++);
  });
  return seen;
}

test('WHIP makes a webrtc mountpoint: list and info show it, a WHEP viewer gets video and a keyframe is asked of the publisher, a second publisher is 409, DELETE removes it', async () => {
  const pub = publisher();
  let plis = 0;
  pub.transceivers.video!.sender.onPictureLossIndication.subscribe(() => plis++);
  const res = await connect(pub, '/whip/streaming/6100');
  const location = res.headers.get('location')!;
  assert.match(location, /^\/whip\/resource\//);
  const stop = sendVp8(pub);
  try {
    await waitFor(async () => (obj((await streaming({ request: 'info', id: 6100 })).info).publishing as boolean) === true, { timeout: 5000, what: 'info says publishing' });
    const info = obj((await streaming({ request: 'info', id: 6100 })).info);
    assert.equal(info.webrtc, true);
    const media = info.media as Msg[];
    assert.deepEqual(
      media.map((m) => [m.mid, m.type, m.codec]),
      [
        ['a', 'audio', 'opus'],
        ['v', 'video', 'vp8'],
      ],
    );
    const listed = (await streaming({ request: 'list' })).list as Msg[];
    assert.ok(
      listed.some((m) => m.id === 6100 && m.type === 'live'),
      JSON.stringify(listed),
    );

    const before = plis;
    const v = viewer();
    const got = countVideo(v);
    const w = await connect(v, '/whep/streaming/6100');
    await waitFor(() => got.n >= 20, { timeout: 10_000, what: 'the publisher’s video at the WHEP viewer' });
    await waitFor(() => plis > before, { timeout: 5000, what: 'a keyframe request to the publisher for the new viewer' });

    const second = await post('/whip/streaming/6100', await clientOffer(publisher()));
    assert.equal(second.status, 409, await second.text());
    const byApi = await streaming({ request: 'publish', id: 6100 });
    assert.equal(byApi.error_code, 461, 'publish without an offer');

    assert.equal((await fetch(base + w.headers.get('location')!, { method: 'DELETE' })).status, 200);
  } finally {
    stop();
  }
  assert.equal((await fetch(base + location, { method: 'DELETE' })).status, 200);
  await waitFor(async () => (await streaming({ request: 'info', id: 6100 })).error_code === 455, { timeout: 5000, what: 'the mountpoint went with its publisher' });
  assert.equal((await post('/whep/streaming/6100', await clientOffer(viewer()))).status, 404);
});

test('a webrtc mountpoint made with create: its secret is the bearer token (403 without), it stays after DELETE and takes the next publisher', async () => {
  const created = await streaming({ request: 'create', type: 'webrtc', id: 6200, secret: 's3cret', description: 'studio' });
  assert.equal(created.streaming, 'created', JSON.stringify(created));
  assert.equal((await streaming({ request: 'watch', id: 6200 })).error_code, 460, 'nothing to watch before a publisher');
  assert.equal((await post('/whip/streaming/6200', await clientOffer(publisher()))).status, 403);
  assert.equal((await post('/whip/streaming/6200', await clientOffer(publisher()), { authorization: 'Bearer wrong' })).status, 403);

  const first = publisher();
  const r1 = await connect(first, '/whip/streaming/6200', { authorization: 'Bearer s3cret' });
  const v = viewer();
  const got = countVideo(v);
  await connect(v, '/whep/streaming/6200');
  let stop = sendVp8(first);
  await waitFor(() => got.n >= 10, { timeout: 10_000, what: 'video from the first publisher' });
  stop();
  assert.equal((await fetch(base + r1.headers.get('location')!, { method: 'DELETE', headers: { authorization: 'Bearer s3cret' } })).status, 200);
  await waitFor(async () => obj((await streaming({ request: 'info', id: 6200, secret: 's3cret' })).info).publishing === false, { timeout: 5000, what: 'not publishing' });
  assert.equal(obj((await streaming({ request: 'info', id: 6200, secret: 's3cret' })).info).viewers, 1, 'the viewer stays');

  // The next publisher: the viewer that stayed gets its video.
  const second = publisher();
  const r2 = await connect(second, '/whip/streaming/6200', { authorization: 'Bearer s3cret' });
  const seen = got.n;
  stop = sendVp8(second);
  try {
    await waitFor(() => got.n >= seen + 10, { timeout: 10_000, what: 'video from the second publisher at the viewer that stayed' });
  } finally {
    stop();
  }
  // destroy while it publishes: the publisher's session ends (404 afterwards).
  assert.equal((await streaming({ request: 'destroy', id: 6200, secret: 's3cret' })).streaming, 'destroyed');
  await waitFor(async () => (await fetch(base + r2.headers.get('location')!, { method: 'DELETE', headers: { authorization: 'Bearer s3cret' } })).status === 404, {
    timeout: 5000,
    what: 'the WHIP session ended with its mountpoint',
  });
});

test('WHIP into a mountpoint fed over RTP is 409; a bad id is 404; the server goes on', async () => {
  const created = await streaming({ request: 'create', type: 'rtp', id: 6300, media: [{ type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' }] });
  assert.equal(created.streaming, 'created', JSON.stringify(created));
  assert.equal((await post('/whip/streaming/6300', await clientOffer(publisher()))).status, 409);
  assert.equal((await post('/whip/streaming/not-a-number', await clientOffer(publisher()))).status, 404);
  await streaming({ request: 'destroy', id: 6300 });
  assert.equal(srv.server.gateway.sessions.size, 1, 'only the own Janus session of the test is left');
});

test('a permanent webrtc mountpoint is saved as one and comes back after a restart, waiting for its publisher', async () => {
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'portunus-state-'));
  const once = async (run: (send: (body: Msg) => Promise<Msg>) => Promise<void>): Promise<void> => {
    const s2 = await startInProcess([['general.state_dir', dir]]);
    const w = await JanusWs.open(s2.wsUrl);
    try {
      const sid = Number(obj((await w.request({ janus: 'create' })).data).id);
      const handle = Number(obj((await w.request({ janus: 'attach', session_id: sid, plugin: 'janus.plugin.streaming' })).data).id);
      await run(async (body) => obj(obj((await w.request({ janus: 'message', session_id: sid, handle_id: handle, body })).plugindata).data));
    } finally {
      w.close();
      await s2.stop();
    }
  };
  await once(async (send) => {
    assert.equal((await send({ request: 'create', type: 'webrtc', id: 6400, description: 'kept', permanent: true })).permanent, true);
  });
  assert.match(readFileSync(join(dir, 'janus.plugin.streaming.jcfg'), 'utf8'), /type = "webrtc"/);
  await once(async (send) => {
    const info = obj((await send({ request: 'info', id: 6400 })).info);
    assert.equal(info.webrtc, true, JSON.stringify(info));
    assert.equal(info.publishing, false);
    assert.equal(info.description, 'kept');
  });
});
