// WHIP and WHEP on the REST listener with werift clients: a WHIP publisher into a VideoRoom, a WHEP viewer of it
// and of a Streaming mountpoint fed with RTP, trickle and DELETE, every status code the protocols name, bearer
// tokens, CORS. (This folder runs again under the no-IPv6 shim.)
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { RtpHeader, RtpPacket, type MediaStreamTrack, type RtpPacket as Rtp } from 'werift';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import type { Network } from '../../../src/net/network.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, createTrackClient, type LoopbackClient, type TrackClient } from '../../../support/werift-client.js';
import { rtpPacket, VP8_KEYFRAME } from '../../../support/rtp-packets.js';
import { waitFor } from '../../../support/wait.js';

tolerateLeftoverTimers("werift's timers after its peers closed");

const ROOM = 4321;
const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});

let srv: StartedServer;
let base: string;
let network: Network;
let ws: JanusWs;
let session = 0;
const clients: Array<LoopbackClient | TrackClient> = [];

/** A plugin request over the Janus API (a handle of its own); the plugin's data back. */
function pluginRequest(plugin: string, body: Msg, on: { ws: JanusWs; session: number; token?: string } = { ws, session }): Promise<Msg> {
  return on.ws.pluginRequest(on.session, plugin, body, on.token ? { token: on.token } : {});
}

before(async () => {
  srv = await startInProcess();
  base = srv.restUrl.replace(/\/janus$/, '');
  network = new HostNetwork(await discoverNetworkHost(), () => undefined);
  ws = await JanusWs.open(srv.wsUrl);
  session = Number(obj((await ws.request({ janus: 'create' })).data).id);
  const created = await pluginRequest('janus.plugin.videoroom', { request: 'create', room: ROOM, publishers: 4 });
  assert.equal(created.videoroom, 'created');
});

after(async () => {
  for (const c of clients) await c.close();
  ws?.close();
  await srv?.stop();
});

function client(): LoopbackClient {
  const c = createLoopbackClient(network);
  clients.push(c);
  return c;
}

async function post(path: string, sdp: string, headers: Record<string, string> = {}, at = base): Promise<Response> {
  return fetch(at + path, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body: sdp });
}

/** POSTs the client's offer and applies the 201's answer. */
async function connect(c: LoopbackClient | TrackClient, path: string, headers: Record<string, string> = {}, at = base): Promise<Response> {
  const res = await post(path, await clientOffer(c), headers, at);
  const text = await res.text();
  assert.equal(res.status, 201, text);
  await c.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(text) });
  return res;
}

function sendVp8(c: LoopbackClient, count: number): NodeJS.Timeout {
  let s = 0;
  const pt = c.video.sender.codec?.payloadType ?? 96;
  const timer = setInterval(() => {
    s++;
    void c.video.sender.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: s, timestamp: s * 3000, payloadType: pt, ssrc: 0x2222, marker: true }), VP8_KEYFRAME)).catch(() => undefined);
    if (s >= count) clearInterval(timer);
  }, 20);
  return timer;
}

function countVideo(c: LoopbackClient | TrackClient): { n: number } {
  const seen = { n: 0 };
  c.pc.onTrack.subscribe((track: MediaStreamTrack) => {
    if (track.kind === 'video') track.onReceiveRtp.subscribe((_p: Rtp) => seen.n++);
  });
  return seen;
}

test('WHIP into a VideoRoom publisher, WHEP out of it: 201 with answer, Location, ETag, Accept-Patch; video reaches the viewer; DELETE ends both', async () => {
  const pub = client();
  const res = await connect(pub, `/whip/videoroom/${ROOM}?display=whip-pub&id=77`);
  const location = res.headers.get('location') ?? '';
  assert.match(location, /^\/whip\/resource\/[A-Za-z0-9]{24}$/);
  assert.match(res.headers.get('etag') ?? '', /^"[A-Za-z0-9]{16}"$/);
  assert.equal(res.headers.get('content-type'), 'application/sdp');
  assert.equal(res.headers.get('accept-patch'), 'application/trickle-ice-sdpfrag');
  assert.equal(res.headers.get('link'), null, 'no STUN/TURN configured: no Link');
  assert.match(res.headers.get('access-control-expose-headers') ?? '', /Location/);
  await waitFor(() => pub.pc.connectionState === 'connected', { timeout: 10_000, what: 'WHIP publisher connected' }).catch((e) => {
    console.error(srv.logs.slice(-60).join('\n'));
    throw e;
  });
  const listed = await pluginRequest('janus.plugin.videoroom', { request: 'listparticipants', room: ROOM });
  const parts = (listed.participants as Msg[]) ?? [];
  assert.ok(
    parts.some((p) => p.id === 77 && p.display === 'whip-pub'),
    JSON.stringify(listed),
  );

  const viewer = client();
  const got = countVideo(viewer);
  const wres = await connect(viewer, `/whep/videoroom/${ROOM}/77`);
  assert.match(wres.headers.get('location') ?? '', /^\/whep\/resource\//);
  await waitFor(() => viewer.pc.connectionState === 'connected', { timeout: 10_000, what: 'WHEP viewer connected' });
  const timer = sendVp8(pub, 150);
  await waitFor(() => got.n >= 20, { timeout: 10_000, what: 'video relayed from the WHIP publisher to the WHEP viewer' });
  clearInterval(timer);

  // Trickle: a candidate for the first m-line, then the end of them: 204.
  const frag =
    'a=ice-ufrag:' +
    /a=ice-ufrag:(\S+)/.exec(pub.pc.localDescription!.sdp)![1] +
    '\r\na=ice-pwd:' +
    /a=ice-pwd:(\S+)/.exec(pub.pc.localDescription!.sdp)![1] +
    '\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\na=end-of-candidates\r\n';
  const patched = await fetch(base + location, { method: 'PATCH', headers: { 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': res.headers.get('etag')! }, body: frag });
  assert.equal(patched.status, 204, await patched.text());

  const del = await fetch(base + (wres.headers.get('location') ?? ''), { method: 'DELETE' });
  assert.equal(del.status, 200);
  const again = await fetch(base + (wres.headers.get('location') ?? ''), { method: 'DELETE' });
  assert.equal(again.status, 404);
  assert.equal((await fetch(base + location, { method: 'DELETE' })).status, 200);
  await waitFor(async () => ((await pluginRequest('janus.plugin.videoroom', { request: 'listparticipants', room: ROOM })).participants as Msg[]).length === 0, {
    timeout: 5000,
    what: 'the publisher left the room',
  });
});

test('WHEP out of a Streaming mountpoint fed with RTP', async () => {
  const created = await pluginRequest('janus.plugin.streaming', {
    request: 'create',
    type: 'rtp',
    id: 9911,
    media: [
      { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' },
      { type: 'video', mid: 'v', port: 0, pt: 100, codec: 'vp8' },
    ],
  });
  assert.equal(created.streaming, 'created', JSON.stringify(created));
  const port = (obj(created.stream).ports as Array<{ port: number }>)[1].port;
  const viewer = createTrackClient(network, ['audio', 'video'], 'recvonly');
  clients.push(viewer);
  const got = countVideo(viewer);
  const res = await connect(viewer, '/whep/streaming/9911');
  await waitFor(() => viewer.pc.connectionState === 'connected', { timeout: 10_000, what: 'WHEP viewer connected' });
  const sock = dgram.createSocket('udp4');
  let seq = 0;
  const timer = setInterval(() => sock.send(rtpPacket({ payloadType: 100, sequenceNumber: ++seq, timestamp: seq * 3000, ssrc: 0x5555, marker: true, payload: VP8_KEYFRAME }), port, '127.0.0.1'), 20);
  try {
    await waitFor(() => got.n >= 20, { timeout: 10_000, what: 'mountpoint video at the WHEP viewer' });
  } finally {
    clearInterval(timer);
    sock.close();
  }
  assert.equal((await fetch(base + res.headers.get('location')!, { method: 'DELETE' })).status, 200);
  await pluginRequest('janus.plugin.streaming', { request: 'destroy', id: 9911 });
});

test('status codes: 415, 404, 405, 412, 422, 400, OPTIONS', async () => {
  const offer = await clientOffer(client());
  assert.equal((await post(`/whip/videoroom/${ROOM}`, offer, { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post('/whip/videoroom/999999', offer)).status, 404, 'unknown room');
  assert.equal((await post('/whip/nothing/here', offer)).status, 404, 'unknown endpoint');
  assert.equal((await post('/whep/streaming/424242', offer)).status, 404, 'unknown mountpoint');
  assert.equal((await post(`/whep/videoroom/${ROOM}/1234`, offer)).status, 404, 'unknown feed');
  assert.equal((await post(`/whip/videoroom/${ROOM}`, 'not sdp')).status, 400);
  const get = await fetch(`${base}/whip/videoroom/${ROOM}`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
  const opts = await fetch(`${base}/whip/videoroom/${ROOM}`, {
    method: 'OPTIONS',
    headers: { origin: 'http://127.0.0.1:1', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  assert.equal(opts.status, 204);
  assert.equal(opts.headers.get('accept-post'), 'application/sdp');
  assert.equal(opts.headers.get('access-control-allow-methods'), 'POST');
  assert.equal(opts.headers.get('access-control-allow-headers'), 'authorization, content-type');
  const patch = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(base + path, { method: 'PATCH', headers: { 'content-type': 'application/trickle-ice-sdpfrag', ...headers }, body });
  assert.equal((await patch('/whip/resource/nosuchresource00', 'a=end-of-candidates\r\n')).status, 404);

  const pub = client();
  const res = await connect(pub, `/whip/videoroom/${ROOM}`);
  const at = res.headers.get('location')!;
  assert.equal((await fetch(base + at)).status, 405);
  assert.equal((await fetch(base + at, { method: 'POST' })).status, 405);
  assert.equal((await fetch(base + at, { method: 'OPTIONS' })).headers.get('accept-patch'), 'application/trickle-ice-sdpfrag');
  assert.equal((await patch(at, 'a=end-of-candidates\r\n', { 'content-type': 'application/sdp' })).status, 415);
  assert.equal((await patch(at, 'a=end-of-candidates\r\n', { 'if-match': '"not-the-etag"' })).status, 412);
  assert.equal((await patch(at, 'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:nosuchmid\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n')).status, 422);
  assert.equal((await patch(at, 'garbage\r\n')).status, 400);
  assert.equal((await patch(at, 'a=end-of-candidates\r\n', { 'if-match': '*' })).status, 204);
  assert.equal((await fetch(base + at, { method: 'DELETE' })).status, 200);
  assert.equal((await patch(at, 'a=end-of-candidates\r\n')).status, 404);
  assert.equal(srv.server.gateway.sessions.size, 1, 'only the own Janus session of the test is left');
});

/** A second server with token authentication, a room made with a token, and its REST base. */
async function tokenServer(settings: Array<[string, string]>, token: string): Promise<{ srv: StartedServer; base: string; ws: JanusWs }> {
  const s2 = await startInProcess(settings);
  if (s2.server.gateway.tokens.stored) {
    s2.server.gateway.tokens.add(token, ['janus.plugin.videoroom']);
    s2.server.gateway.tokens.add('streaming-only', ['janus.plugin.streaming']);
  }
  const w = await JanusWs.open(s2.wsUrl);
  const sid = Number(obj((await w.request({ janus: 'create', token })).data).id);
  const created = await pluginRequest('janus.plugin.videoroom', { request: 'create', room: ROOM }, { ws: w, session: sid, token });
  assert.equal(created.videoroom, 'created', JSON.stringify(created));
  return { srv: s2, base: s2.restUrl.replace(/\/janus$/, ''), ws: w };
}

test('bearer tokens: 401 without one or with a bad one, 403 for a token the plugin refuses; PATCH and DELETE need the same token', async () => {
  const t = await tokenServer([['general.token_auth', 'true']], 'good-token');
  try {
    const offer = await clientOffer(client());
    const path = `/whip/videoroom/${ROOM}`;
    const none = await post(path, offer, {}, t.base);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await post(path, offer, { authorization: 'Bearer wrong' }, t.base)).status, 401);
    assert.equal((await post(path, offer, { authorization: 'Basic Z29vZA==' }, t.base)).status, 401);
    assert.equal((await post(path, offer, { authorization: 'Bearer streaming-only' }, t.base)).status, 403);
    const res = await connect(client(), path, { authorization: 'Bearer good-token' }, t.base);
    const at = t.base + res.headers.get('location')!;
    const frag = { 'content-type': 'application/trickle-ice-sdpfrag' };
    assert.equal((await fetch(at, { method: 'PATCH', headers: frag, body: 'a=end-of-candidates\r\n' })).status, 401);
    assert.equal((await fetch(at, { method: 'PATCH', headers: { ...frag, authorization: 'Bearer streaming-only' }, body: 'a=end-of-candidates\r\n' })).status, 403);
    assert.equal((await fetch(at, { method: 'DELETE' })).status, 401);
    assert.equal((await fetch(at, { method: 'PATCH', headers: { ...frag, authorization: 'Bearer good-token' }, body: 'a=end-of-candidates\r\n' })).status, 204);
    assert.equal((await fetch(at, { method: 'DELETE', headers: { authorization: 'Bearer good-token' } })).status, 200);
  } finally {
    t.ws.close();
    await t.srv.stop();
  }
});

test("a signed token that names the room and the display: another room is 403, the publisher is shown by the token's name", async () => {
  const secret = 'whip-test-secret';
  const sign = (payload: string): string => `${payload}:${createHmac('sha1', secret).update(payload).digest('base64')}`;
  const expiry = Math.floor(Date.now() / 1000) + 600;
  const token = sign(`${expiry},janus,janus.plugin.videoroom,room=${ROOM},display=Bound%20Name`);
  const t = await tokenServer(
    [
      ['general.token_auth', 'true'],
      ['general.token_auth_secret', secret],
    ],
    token,
  );
  try {
    const offer = await clientOffer(client());
    assert.equal((await post(`/whip/videoroom/${ROOM + 1}`, offer, { authorization: `Bearer ${token}` }, t.base)).status, 403);
    const res = await connect(client(), `/whip/videoroom/${ROOM}?display=Someone%20Else&id=5`, { authorization: `Bearer ${token}` }, t.base);
    const w = t.ws;
    const sid = Number(obj((await w.request({ janus: 'create', token })).data).id);
    await waitFor(
      async () => {
        const listed = await pluginRequest('janus.plugin.videoroom', { request: 'listparticipants', room: ROOM }, { ws: w, session: sid, token });
        return ((listed.participants as Msg[]) ?? []).some((p) => p.id === 5 && p.display === 'Bound Name');
      },
      { timeout: 5000, what: "the publisher under the token's display" },
    );
    assert.equal((await fetch(t.base + res.headers.get('location')!, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status, 200);
  } finally {
    t.ws.close();
    await t.srv.stop();
  }
});
