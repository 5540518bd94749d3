// NoSIP (janus.plugin.nosip) through the Janus API with two werift peers and two NoSIP handles, as Janus's
// nosiptest.html does: A `generate`s a barebone offer from its WebRTC offer, B `process`es it (getting a WebRTC
// offer) and `generate`s the barebone answer from its WebRTC answer, A `process`es that answer. The media then
// goes A → plain RTP leg → B and back, plain or SDES-SRTP. Bad input gets Janus's codes; garbage on the plain
// ports crashes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RTCPeerConnection, useAbsSendTime, useOPUS, useSdesMid, useVP8, type RTCRtpTransceiver } from 'werift';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import type { Network, UdpEndpoint } from '../../../src/net/network.js';
import { UdpIceTransport } from '../../../src/media/udp-ice-transport.js';
import { deriveSessionKeys, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../../src/rtp/srtp/srtp-keys.js';
import { SrtpRtpUnprotector } from '../../../src/rtp/srtp/srtp-unprotector.js';
import { takeOverIceGathering } from '../../../src/media/werift/ice-gathering.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { rtpWithText } from '../../../support/werift-client.js';
import { sleep, waitFor } from '../../../support/wait.js';

const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});

/** A werift "browser" with audio (opus) and video (VP8), no data channel (NoSIP refuses those), loopback only. */
interface Browser {
  readonly pc: RTCPeerConnection;
  readonly audio: RTCRtpTransceiver;
  readonly video: RTCRtpTransceiver;
  readonly got: { audio: string[]; video: string[] };
  close(): Promise<void>;
}

function browser(network: Network): Browser {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: { audio: [useOPUS()], video: [useVP8()] },
    headerExtensions: { audio: [useSdesMid(), useAbsSendTime()], video: [useSdesMid(), useAbsSendTime()] },
  });
  const audio = pc.addTransceiver('audio', { direction: 'sendrecv' });
  const video = pc.addTransceiver('video', { direction: 'sendrecv' });
  const sockets: UdpIceTransport[] = [];
  takeOverIceGathering(
    pc,
    async () => {
      const bound = await network.openUdp({ what: 'test browser ICE', bind: '127.0.0.1' });
      const t = new UdpIceTransport(bound, () => {});
      sockets.push(t);
      return [{ transport: t, advertise: '127.0.0.1' }];
    },
    () => {},
  );
  const got = { audio: [] as string[], video: [] as string[] };
  audio.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p) => got.audio.push(p.payload.toString())));
  video.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p) => got.video.push(p.payload.toString())));
  return {
    pc,
    audio,
    video,
    got,
    async close() {
      await pc.close().catch(() => {});
      await Promise.all(sockets.map((s) => s.close()));
    },
  };
}

/** One NoSIP handle on its own session. */
class NoSipUser {
  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
  ) {}

  static async open(url: string): Promise<NoSipUser> {
    const ws = await JanusWs.open(url);
    const session = Number(obj((await ws.request({ janus: 'create' })).data).id);
    const handle = Number(obj((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.nosip' })).data).id);
    return new NoSipUser(ws, session, handle);
  }

  async send(body: Msg, jsep?: Msg): Promise<{ data: Msg; result: Msg; jsep?: Msg }> {
    const first = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body, ...(jsep ? { jsep } : {}) });
    // A body with no request the kit can name is refused at once (a success carrying the error), as for every plugin.
    if (first.janus === 'success') {
      const data = obj(obj(first.plugindata).data);
      return { data, result: obj(data.result) };
    }
    assert.equal(first.janus, 'ack', JSON.stringify(first));
    const m = await this.ws.wait((e) => e.janus === 'event' && e.transaction === first.transaction, 10_000, `event answering ${String(body.request)}`);
    const data = obj(obj(m.plugindata).data);
    return { data, result: obj(data.result), jsep: m.jsep ? obj(m.jsep) : undefined };
  }

  async error(body: Msg, jsep?: Msg): Promise<[unknown, unknown]> {
    const { data } = await this.send(body, jsep);
    return [data.error_code, data.error];
  }

  close(): void {
    this.ws.close();
  }
}

let srv: StartedServer;
let network: Network;
const recordings = mkdtempSync(join(tmpdir(), 'portunus-nosip-'));

before(async () => {
  // No local_ip: the legs bind every address (dual-stack where IPv6 exists, IPv4 where it does not); the SDP says loopback.
  srv = await startInProcess([
    ['general.recordings_dir', recordings],
    ['nosip.sdp_ip', '127.0.0.1'],
    ['nosip.rtp_port_range', '20000-40000'],
  ]);
  network = new HostNetwork(await discoverNetworkHost());
});
after(async () => {
  await srv.stop();
  rmSync(recordings, { recursive: true, force: true });
});

/** The nosiptest.html dance; returns both barebone SDPs. */
async function call(a: NoSipUser, b: NoSipUser, pa: Browser, pb: Browser, srtp?: string): Promise<{ offer: string; answer: string; processed: Msg }> {
  await pa.pc.setLocalDescription(await pa.pc.createOffer());
  const generated = await a.send({ request: 'generate', ...(srtp ? { srtp } : {}) }, { type: 'offer', sdp: pa.pc.localDescription!.sdp });
  assert.equal(generated.result.event, 'generated', JSON.stringify(generated.data));
  assert.equal(generated.result.type, 'offer');
  const offer = String(generated.result.sdp);
  const processed = await b.send({ request: 'process', type: 'offer', sdp: offer });
  assert.equal(processed.result.event, 'processed', JSON.stringify(processed.data));
  assert.equal(processed.jsep?.type, 'offer');
  await pb.pc.setRemoteDescription({ type: 'offer', sdp: loopbackCandidatesOnly(String(processed.jsep?.sdp)) });
  await pb.pc.setLocalDescription(await pb.pc.createAnswer());
  const answered = await b.send({ request: 'generate', ...(srtp ? { srtp } : {}) }, { type: 'answer', sdp: pb.pc.localDescription!.sdp });
  assert.equal(answered.result.type, 'answer', JSON.stringify(answered.data));
  const answer = String(answered.result.sdp);
  const done = await a.send({ request: 'process', type: 'answer', sdp: answer });
  assert.equal(done.result.event, 'processed', JSON.stringify(done.data));
  assert.equal(done.jsep?.type, 'answer');
  await pa.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(String(done.jsep?.sdp)) });
  await waitFor(() => pa.pc.connectionState === 'connected' && pb.pc.connectionState === 'connected', { timeout: 15_000, what: 'both PeerConnections up' });
  return { offer, answer, processed: processed.result };
}

/** Sequence numbers go on from one burst to the next: a receiver drops numbers it has seen. */
const nextSeq = new WeakMap<Browser, number>();

async function sendFrom(p: Browser, tag: string, n: number): Promise<void> {
  const apt = p.audio.sender.codec?.payloadType ?? 111;
  const vpt = p.video.sender.codec?.payloadType ?? 96;
  const first = nextSeq.get(p) ?? 0;
  nextSeq.set(p, first + n);
  for (let i = 0; i < n; i++) {
    await p.audio.sender.sendRtp(rtpWithText(first + i, 1000, apt, `${tag}a${i}`));
    await p.video.sender.sendRtp(rtpWithText(first + i, 2000, vpt, `${tag}v${i}`));
    await sleep(10);
  }
}

async function mediaBothWays(pa: Browser, pb: Browser, tag: string): Promise<void> {
  const before = { a: pa.got.audio.length + pa.got.video.length, b: pb.got.audio.length + pb.got.video.length };
  await Promise.all([sendFrom(pa, `${tag}A`, 40), sendFrom(pb, `${tag}B`, 40)]);
  const mine = (list: string[], prefix: string): string[] => list.filter((p) => p.startsWith(prefix));
  await waitFor(
    () => mine(pb.got.audio, `${tag}Aa`).length >= 20 && mine(pb.got.video, `${tag}Av`).length >= 20 && mine(pa.got.audio, `${tag}Ba`).length >= 20 && mine(pa.got.video, `${tag}Bv`).length >= 20,
    { timeout: 8000, what: `RTP both ways through the plain legs (B ${pb.got.audio.length}/${pb.got.video.length}, A ${pa.got.audio.length}/${pa.got.video.length})` },
  );
  // Every packet is one that was sent, on the kind it was sent on, and nothing else arrived.
  assert.ok(pb.got.audio.every((p) => /A?a\d+$/.test(p)) && pb.got.video.every((p) => /Av\d+$/.test(p)), 'B gets A audio as audio, video as video');
  assert.ok(pa.got.audio.every((p) => /Ba\d+$/.test(p)) && pa.got.video.every((p) => /Bv\d+$/.test(p)), 'A gets B audio as audio, video as video');
  assert.ok(pa.got.audio.length + pa.got.video.length > before.a && pb.got.audio.length + pb.got.video.length > before.b);
}

test('two werift peers through two NoSIP handles: plain RTP both ways, recording, keyframe, hangup', { timeout: 60_000 }, async () => {
  const a = await NoSipUser.open(srv.wsUrl);
  const b = await NoSipUser.open(srv.wsUrl);
  const pa = browser(network);
  const pb = browser(network);
  try {
    const { offer, answer } = await call(a, b, pa, pb);
    // werift numbers opus 96 and VP8 97: the barebone offer keeps the browser's numbers.
    assert.match(offer, /^m=audio [1-9]\d* RTP\/AVP 96\r$/m);
    assert.match(offer, /^m=video [1-9]\d* RTP\/AVP 97\r$/m);
    assert.match(offer, /^c=IN IP4 127\.0\.0\.1$/m);
    assert.doesNotMatch(offer, /a=(ice-|fingerprint|setup|candidate|group|mid|ssrc)/);
    assert.match(answer, /^m=audio [1-9]\d* RTP\/AVP 96\r$/m);
    assert.match(answer, /^m=video [1-9]\d* RTP\/AVP 97\r$/m);
    for (const port of [...offer.matchAll(/^m=\w+ (\d+)/gm), ...answer.matchAll(/^m=\w+ (\d+)/gm)].map((m) => Number(m[1]))) {
      assert.ok(port >= 20000 && port <= 40000 && port % 2 === 0, `RTP port ${port} even, in rtp_port_range`);
    }
    await mediaBothWays(pa, pb, 'P');

    // A renegotiation during the call (nosiptest.html's video toggle): A offers again, the update goes round.
    await pa.pc.setLocalDescription(await pa.pc.createOffer());
    const again = await a.send({ request: 'generate' }, { type: 'offer', sdp: pa.pc.localDescription!.sdp });
    assert.equal(again.result.update, true, JSON.stringify(again.data));
    assert.equal(String(again.result.sdp).match(/^m=audio (\d+)/m)?.[1], offer.match(/^m=audio (\d+)/m)?.[1], 'the same plain ports');
    const reprocessed = await b.send({ request: 'process', type: 'offer', sdp: String(again.result.sdp), update: true });
    assert.equal(reprocessed.result.update, true, JSON.stringify(reprocessed.data));
    await pb.pc.setRemoteDescription({ type: 'offer', sdp: loopbackCandidatesOnly(String(reprocessed.jsep?.sdp)) });
    await pb.pc.setLocalDescription(await pb.pc.createAnswer());
    const reanswered = await b.send({ request: 'generate', update: true }, { type: 'answer', sdp: pb.pc.localDescription!.sdp });
    assert.equal(reanswered.result.type, 'answer', JSON.stringify(reanswered.data));
    const redone = await a.send({ request: 'process', type: 'answer', sdp: String(reanswered.result.sdp), update: true });
    assert.equal(redone.jsep?.type, 'answer', JSON.stringify(redone.data));
    await pa.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(String(redone.jsep?.sdp)) });
    await mediaBothWays(pa, pb, 'U');

    assert.deepEqual((await a.send({ request: 'keyframe', user: true, peer: true })).result, { event: 'keyframesent' });
    assert.deepEqual((await a.send({ request: 'recording', action: 'start', audio: true, video: true, peer_audio: true, peer_video: true, filename: 'nosip-a' })).result, {
      event: 'recordingupdated',
    });
    await mediaBothWays(pa, pb, 'R');
    assert.deepEqual((await a.send({ request: 'recording', action: 'stop', audio: true, video: true, peer_audio: true, peer_video: true })).result, { event: 'recordingupdated' });
    for (const name of ['user-audio', 'user-video', 'peer-audio', 'peer-video']) {
      const file = join(recordings, `nosip-a-${name}.mjr`);
      assert.ok(existsSync(file) && statSync(file).size > 100, `${name} recorded`);
    }

    const hung = await a.send({ request: 'hangup' });
    assert.deepEqual(hung.result, { event: 'hangingup' });
    await a.ws.wait((e) => e.janus === 'hangup' && e.sender === a.handle, 10_000, 'hangup of A');
    assert.deepEqual((await b.send({ request: 'hangup' })).result, { event: 'hangingup' });
    await b.ws.wait((e) => e.janus === 'hangup' && e.sender === b.handle, 10_000, 'hangup of B');

    // The same handles call again, with new PeerConnections and new plain legs.
    const pa2 = browser(network);
    const pb2 = browser(network);
    try {
      const second = await call(a, b, pa2, pb2);
      assert.notEqual(second.offer, offer);
      await mediaBothWays(pa2, pb2, 'N');
    } finally {
      await pa2.close();
      await pb2.close();
    }
  } finally {
    await pa.close();
    await pb.close();
    a.close();
    b.close();
  }
});

test('SDES-SRTP on the plain legs: crypto lines both ways, RTP/SAVP, media both ways', { timeout: 60_000 }, async () => {
  const a = await NoSipUser.open(srv.wsUrl);
  const b = await NoSipUser.open(srv.wsUrl);
  const pa = browser(network);
  const pb = browser(network);
  try {
    const { offer, answer, processed } = await call(a, b, pa, pb, 'sdes_mandatory');
    assert.equal(processed.srtp, 'sdes_mandatory');
    for (const sdp of [offer, answer]) {
      assert.match(sdp, /^m=audio \d+ RTP\/SAVP /m);
      assert.equal([...sdp.matchAll(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}\r$/gm)].length, 2, sdp);
    }
    await mediaBothWays(pa, pb, 'S');
  } finally {
    await pa.close();
    await pb.close();
    a.close();
    b.close();
  }
});

test('bad input gets Janus codes; garbage on the plain RTP ports crashes nothing', { timeout: 60_000 }, async () => {
  const a = await NoSipUser.open(srv.wsUrl);
  const b = await NoSipUser.open(srv.wsUrl);
  const pa = browser(network);
  const pb = browser(network);
  let junk: UdpEndpoint | undefined;
  try {
    assert.deepEqual(await a.error({}), [443, 'Missing mandatory element (request)']);
    assert.deepEqual(await a.error({ request: 5 }), [444, 'Invalid element type (request should be a string)']);
    assert.deepEqual(await a.error({ request: 'dance' }), [442, "Unknown request 'dance'"]);
    assert.deepEqual(await a.error({ request: 'generate' }), [446, 'Missing SDP']);
    assert.deepEqual(await a.error({ request: 'generate', srtp: 7 }), [444, 'Invalid element type (srtp should be a string)']);
    assert.deepEqual(await a.error({ request: 'generate', update: 'yes' }), [444, 'Invalid element type (update should be a boolean)']);
    assert.deepEqual(await a.error({ request: 'process' }), [443, 'Missing mandatory element (type)']);
    assert.deepEqual(await a.error({ request: 'process', type: 'offer' }), [443, 'Missing mandatory element (sdp)']);
    assert.deepEqual(await a.error({ request: 'process', type: 'offer', sdp: 3 }), [444, 'Invalid element type (sdp should be a string)']);
    assert.deepEqual(await a.error({ request: 'process', type: 'pranswer', sdp: 'v=0' }), [446, 'Missing or invalid SDP type']);
    assert.equal((await a.error({ request: 'process', type: 'offer', sdp: 'garbage' }))[0], 446);
    assert.deepEqual(await a.error({ request: 'process', type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n' }), [
      446,
      'The NoSIP plugin does not support DataChannels',
    ]);
    assert.deepEqual(await a.error({ request: 'process', type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' }), [446, 'Error parsing SDP: missing o=, s= or m= line']);
    assert.deepEqual(await a.error({ request: 'process', type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 5000 RTP/AVP 0\r\n' }), [447, 'No remote IP addresses']);
    assert.deepEqual(await a.error({ request: 'process', type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nm=audio 5000 RTP/AVP 0\r\n', srtp: 'sdes_sometimes' }), [
      444,
      'Invalid element (srtp can only be sdes_optional or sdes_mandatory)',
    ]);
    assert.deepEqual(await a.error({ request: 'process', type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nm=audio 5000 RTP/SAVP 0\r\n' }), [
      450,
      "Can't process request: SDES-SRTP required, but caller didn't offer it",
    ]);
    assert.deepEqual(await a.error({ request: 'process', type: 'answer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nm=audio 5000 RTP/AVP 0\r\n' }), [
      445,
      'No barebone offer of ours to match this answer (generate one first)',
    ]);
    assert.deepEqual(await a.error({ request: 'recording' }), [443, 'Missing mandatory element (action)']);
    assert.deepEqual(await a.error({ request: 'recording', action: 'pause', audio: true }), [444, 'Invalid action (should be start|stop)']);
    assert.deepEqual(await a.error({ request: 'recording', action: 'start' }), [449, 'Invalid request (at least one of audio, video, peer_audio and peer_video should be true)']);
    assert.equal((await a.error({ request: 'recording', action: 'start', audio: true, filename: '../../etc/x' }))[0], 449);
    assert.deepEqual(await a.error({ request: 'recording', action: 'start', audio: 'yes' }), [444, 'Invalid element type (audio should be a boolean)']);
    assert.deepEqual(await a.error({ request: 'keyframe', peer: 1 }), [444, 'Invalid element type (peer should be a boolean)']);
    await pa.pc.setLocalDescription(await pa.pc.createOffer());
    const offerSdp = pa.pc.localDescription!.sdp;
    assert.deepEqual(await a.error({ request: 'generate', srtp: 'sdes_optional', srtp_profile: 'ROT13' }, { type: 'offer', sdp: offerSdp }), [444, 'Invalid element (unsupported SRTP profile)']);

    // A good call, then garbage at every plain port of both sides: media keeps flowing, the server keeps serving.
    const { offer, answer } = await call(a, b, pa, pb);
    const ports = [...offer.matchAll(/^m=\w+ (\d+)/gm), ...answer.matchAll(/^m=\w+ (\d+)/gm)].map((m) => Number(m[1]));
    junk = await network.openUdp({ what: 'garbage sender', bind: '127.0.0.1' });
    const shapes = [Buffer.alloc(0), Buffer.from([0x80]), Buffer.alloc(12, 0x80), Buffer.alloc(1400, 0xff), Buffer.from('not rtp at all'), Buffer.from([0x80, 0xc8, 0, 1, 0, 0, 0, 0])];
    for (let i = 0; i < 200; i++) {
      const port = ports[i % ports.length] + (i % 2);
      const shape = shapes[i % shapes.length];
      junk.send(i % 7 === 0 ? shape : Buffer.concat([shape, Buffer.from(String(i))]), port, '127.0.0.1');
    }
    await mediaBothWays(pa, pb, 'G');
    assert.equal(
      pb.got.audio.concat(pb.got.video).every((p) => /^[PRSGU]?[AB][av]\d+$/.test(p)),
      true,
      'nothing but what A sent reached B',
    );
    const ping = await a.ws.request({ janus: 'ping' });
    assert.equal(ping.janus, 'pong');
  } finally {
    await junk?.close();
    await pa.close();
    await pb.close();
    a.close();
    b.close();
  }
});

test('a plain RTP peer of our own (no second handle): its barebone answer, RTP both ways, RTCP on a=rtcp ports, RTP forwarders, keyframe requests', { timeout: 60_000 }, async () => {
  const a = await NoSipUser.open(srv.wsUrl);
  const pa = browser(network);
  const sockets: UdpEndpoint[] = [];
  const open = async (): Promise<UdpEndpoint> => {
    const e = await network.openUdp({ what: 'plain peer', bind: '127.0.0.1' });
    sockets.push(e);
    return e;
  };
  try {
    const [audio, audioRtcp, video, videoRtcp] = [await open(), await open(), await open(), await open()];
    const got = { audio: [] as Buffer[], video: [] as Buffer[], rtcp: [] as Buffer[] };
    audio.onMessage((m) => got.audio.push(Buffer.from(m)));
    video.onMessage((m) => got.video.push(Buffer.from(m)));
    videoRtcp.onMessage((m) => got.rtcp.push(Buffer.from(m)));
    await pa.pc.setLocalDescription(await pa.pc.createOffer());
    const offer = String((await a.send({ request: 'generate' }, { type: 'offer', sdp: pa.pc.localDescription!.sdp })).result.sdp);
    const ours = [...offer.matchAll(/^m=(\w+) (\d+)/gm)].map((m) => Number(m[2]));
    // A legacy peer answering with one codec per line, its RTCP where a=rtcp says (not the next port).
    const answer = [
      'v=0',
      'o=peer 5 5 IN IP4 127.0.0.1',
      's=peer',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${audio.port} RTP/AVP 96`,
      'a=rtpmap:96 opus/48000/2',
      `a=rtcp:${audioRtcp.port}`,
      `m=video ${video.port} RTP/AVP 97`,
      'a=rtpmap:97 VP8/90000',
      'a=rtcp-fb:97 nack pli',
      `a=rtcp:${videoRtcp.port}`,
      '',
    ].join('\r\n');
    const done = await a.send({ request: 'process', type: 'answer', sdp: answer });
    assert.equal(done.jsep?.type, 'answer', JSON.stringify(done.data));
    await pa.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(String(done.jsep?.sdp)) });
    await waitFor(() => pa.pc.connectionState === 'connected', { timeout: 15_000, what: 'A connected' });

    // The peer sends from its RTP sockets (symmetric RTP): A's browser gets it, on the kind it was sent on.
    for (let i = 0; i < 30; i++) {
      audio.send(rtpWithText(i, 7000, 96, `La${i}`).serialize(), ours[0], '127.0.0.1');
      video.send(rtpWithText(i, 7001, 97, `Lv${i}`).serialize(), ours[1], '127.0.0.1');
      await sleep(5);
    }
    await sendFrom(pa, 'W', 30);
    await waitFor(() => pa.got.audio.length >= 15 && pa.got.video.length >= 15 && got.audio.length >= 15 && got.video.length >= 15, {
      timeout: 8000,
      what: `plain peer both ways (browser ${pa.got.audio.length}/${pa.got.video.length}, peer ${got.audio.length}/${got.video.length})`,
    });
    assert.ok(pa.got.audio.every((p) => /^La\d+$/.test(p)) && pa.got.video.every((p) => /^Lv\d+$/.test(p)));
    // What the peer gets carries the payload types it answered with and the browser's payloads, without extensions.
    assert.ok(got.audio.every((b) => (b[1] & 0x7f) === 96 && (b[0] & 0x10) === 0 && /^Wa\d+$/.test(b.subarray(12).toString())));
    assert.ok(got.video.every((b) => (b[1] & 0x7f) === 97 && (b[0] & 0x10) === 0 && /^Wv\d+$/.test(b.subarray(12).toString())));

    // RTP forwarders: the user's audio as plain RTP with our payload type and SSRC (the packet otherwise as the
    // browser sent it), the peer's video as SRTP.
    const fwdPlain = await open();
    const fwdSrtp = await open();
    const plainGot: Buffer[] = [];
    const srtpGot: Buffer[] = [];
    fwdPlain.onMessage((m) => plainGot.push(Buffer.from(m)));
    fwdSrtp.onMessage((m) => srtpGot.push(Buffer.from(m)));
    const master = randomBytes(30);
    const fwd = await a.send({
      request: 'rtp_forward',
      streams: [
        { type: 'audio', host: '127.0.0.1', port: fwdPlain.port, pt: 100, ssrc: 4242 },
        { type: 'peer_video', host: '127.0.0.1', port: fwdSrtp.port, srtp_suite: 80, srtp_crypto: master.toString('base64') },
      ],
    });
    const made = fwd.result.forwarders as Msg[];
    assert.deepEqual(
      made.map((f) => [f.type, f.media, f.port, f.pt, f.ssrc, f.srtp]),
      [
        ['audio', 'audio', fwdPlain.port, 100, 4242, false],
        ['peer_video', 'video', fwdSrtp.port, undefined, undefined, true],
      ],
    );
    const listed = await a.send({ request: 'listforwarders' });
    assert.deepEqual(
      (listed.result.rtp_forwarders as Msg[]).map((f) => f.stream_id),
      made.map((f) => f.stream_id),
    );
    await sendFrom(pa, 'F', 10);
    for (let i = 0; i < 10; i++) video.send(rtpWithText(100 + i, 7001, 97, `Fv${i}`).serialize(), ours[1], '127.0.0.1');
    await waitFor(() => plainGot.length >= 5 && srtpGot.length >= 5, { timeout: 5000, what: `forwarded (plain ${plainGot.length}, SRTP ${srtpGot.length})` });
    assert.ok(plainGot.every((b) => (b[1] & 0x7f) === 100 && b.readUInt32BE(8) === 4242 && /Fa\d+$/.test(b.toString('latin1'))));
    const opener = new SrtpRtpUnprotector(deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, master.subarray(0, 16), master.subarray(16)));
    for (const b of srtpGot) {
      const plain = opener.unprotect(b);
      assert.ok(Buffer.isBuffer(plain), `SRTP forwarder packet opens (${String(plain)})`);
      assert.match(plain.subarray(12).toString(), /^Fv\d+$/);
    }
    assert.deepEqual((await a.send({ request: 'stop_rtp_forward', stream_id: made[0].stream_id })).result, { event: 'stop_rtp_forward', stream_id: made[0].stream_id });
    assert.deepEqual((await a.send({ request: 'stop_rtp_forward', stream_id: made[0].stream_id })).data.error_code, 451);

    // `keyframe peer` sends a PLI to the peer's video RTCP port (it negotiated nack pli).
    await a.send({ request: 'keyframe', peer: true });
    await waitFor(() => got.rtcp.some((b) => b[1] === 206 && (b[0] & 0x1f) === 1), { timeout: 5000, what: 'a PLI at the peer' });
  } finally {
    for (const e of sockets) await e.close();
    await pa.close();
    a.close();
  }
});

test(
  'IPv6 plain legs: local_ip ::1, the barebone SDPs say IN IP6 ::1, media both ways',
  { timeout: 60_000, skip: !process.env.PORTUNUS_EXPECT_NO_IPV6 && new HostNetwork(await discoverNetworkHost()).ipv6Available ? false : 'no IPv6 on this host' },
  async () => {
    const v6 = await startInProcess([['nosip.local_ip', '::1']]);
    const a = await NoSipUser.open(v6.wsUrl);
    const b = await NoSipUser.open(v6.wsUrl);
    const pa = browser(network);
    const pb = browser(network);
    try {
      const { offer, answer } = await call(a, b, pa, pb);
      assert.match(offer, /^c=IN IP6 ::1\r$/m);
      assert.match(answer, /^c=IN IP6 ::1\r$/m);
      await mediaBothWays(pa, pb, 'V');
    } finally {
      await pa.close();
      await pb.close();
      a.close();
      b.close();
      await v6.stop();
    }
  },
);
