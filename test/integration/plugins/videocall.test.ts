// VideoCall (janus.plugin.videocall) through the Janus API with two werift peers: register, call, accept, each
// receives the other's RTP and data, set bitrate, bad input, hangup; a username freed when its handle detaches;
// renegotiation mid-call (ICE restarts on either side, also with the new candidates never signalled, a stream added
// and paused) with media checked after each.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import type { Network } from '../../../src/net/network.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import type { MediaStreamTrack, RTCPeerConnection, RTCRtpTransceiver } from 'werift';
import { clientOffer, createAudioOnlyClient, createLoopbackClient, iceUfrag, rtpWithText, startIceChecks, type LoopbackClient } from '../../../support/werift-client.js';
import { sleep, waitFor } from '../../../support/wait.js';

const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});

/** One user: a WebSocket, a session and a VideoCall handle. */
class User {
  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
  ) {}

  static async open(url: string): Promise<User> {
    const ws = await JanusWs.open(url);
    const session = Number(obj((await ws.request({ janus: 'create' })).data).id);
    const handle = Number(obj((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videocall' })).data).id);
    return new User(ws, session, handle);
  }

  /** The event answering the message (after its ack): its plugin data and jsep. */
  async send(body: Msg, jsep?: Msg): Promise<{ data: Msg; jsep?: Msg }> {
    const first = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body, ...(jsep ? { jsep } : {}) });
    assert.equal(first.janus, 'ack', JSON.stringify(first));
    const m = await this.ws.wait((e) => e.janus === 'event' && e.transaction === first.transaction, 10_000, `event answering ${String(body.request)}`);
    return { data: obj(obj(m.plugindata).data), jsep: m.jsep ? obj(m.jsep) : undefined };
  }

  /** The first unsolicited event whose result says `event`, among those from the `from`th message on. */
  async unsolicited(event: string, from = 0): Promise<{ data: Msg; jsep?: Msg }> {
    const m = await this.ws.wait((e) => this.isUnsolicited(e, event) && this.ws.events.indexOf(e) >= from, 10_000, event);
    return { data: obj(obj(m.plugindata).data), jsep: m.jsep ? obj(m.jsep) : undefined };
  }

  /** How many unsolicited `event` events came from the `from`th message on. */
  count(event: string, from: number): number {
    return this.ws.events.slice(from).filter((e) => this.isUnsolicited(e, event)).length;
  }

  /** Messages received so far (a mark for `unsolicited` and `count`). */
  get mark(): number {
    return this.ws.events.length;
  }

  private isUnsolicited(e: Msg, event: string): boolean {
    return e.janus === 'event' && e.transaction === undefined && obj(obj(obj(e.plugindata).data).result).event === event;
  }

  close(): void {
    this.ws.close();
  }
}

let srv: StartedServer;
let network: Network;
const recordings = mkdtempSync(join(tmpdir(), 'portunus-videocall-'));

before(async () => {
  srv = await startInProcess([['general.recordings_dir', recordings]]);
  network = new HostNetwork(await discoverNetworkHost());
});
after(async () => {
  await srv.stop();
  rmSync(recordings, { recursive: true, force: true });
});

/** Counts what a client receives: RTP payloads per kind, data channel messages. */
function counters(c: LoopbackClient): { audio: string[]; video: string[]; data: string[] } {
  const got = { audio: [] as string[], video: [] as string[], data: [] as string[] };
  c.audio.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p) => got.audio.push(p.payload.toString())));
  c.video.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p) => got.video.push(p.payload.toString())));
  c.pc.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((m) => got.data.push(m.toString())));
  c.channel.onMessage.subscribe((m) => got.data.push(m.toString()));
  return got;
}

test('two werift peers: register, call, accept, media and data both ways, set, bad input, hangup', { timeout: 60_000 }, async () => {
  const alice = await User.open(srv.wsUrl);
  const bob = await User.open(srv.wsUrl);
  const ca = createLoopbackClient(network);
  const cb = createLoopbackClient(network);
  try {
    assert.deepEqual((await alice.send({ request: 'register', username: 'alice' })).data, { videocall: 'event', result: { event: 'registered', username: 'alice' } });
    assert.deepEqual((await bob.send({ request: 'register', username: 'alice' })).data, { videocall: 'event', error_code: 476, error: "Username 'alice' already taken" });
    await bob.send({ request: 'register', username: 'bob' });
    assert.deepEqual((await bob.send({ request: 'list' })).data, { videocall: 'event', result: { list: ['alice', 'bob'] } });
    assert.equal((await bob.send({ request: 'accept' })).data.error_code, 481);
    assert.equal((await bob.send({ request: 'set', bitrate: 'x' })).data.error_code, 474);
    assert.equal((await bob.send({ request: 'call', username: 'nobody' })).data.error_code, 478);

    const gotA = counters(ca);
    const gotB = counters(cb);
    const calling = await alice.send({ request: 'call', username: 'bob' }, { type: 'offer', sdp: await clientOffer(ca) });
    assert.deepEqual(calling.data, { videocall: 'event', result: { event: 'calling' } });
    const incoming = await bob.unsolicited('incomingcall');
    assert.equal(obj(incoming.data.result).username, 'alice');
    assert.equal(incoming.jsep?.type, 'offer');
    await cb.pc.setRemoteDescription({ type: 'offer', sdp: loopbackCandidatesOnly(String(incoming.jsep?.sdp)) });
    await cb.pc.setLocalDescription(await cb.pc.createAnswer());
    const accepted = await bob.send({ request: 'accept' }, { type: 'answer', sdp: cb.pc.localDescription!.sdp });
    assert.deepEqual(accepted.data, { videocall: 'event', result: { event: 'accepted' } });
    const toAlice = await alice.unsolicited('accepted');
    assert.equal(obj(toAlice.data.result).username, 'bob');
    assert.equal(toAlice.jsep?.type, 'answer');
    await ca.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(String(toAlice.jsep?.sdp)) });
    await waitFor(() => ca.pc.connectionState === 'connected' && cb.pc.connectionState === 'connected', { timeout: 15_000, what: 'both connected' });

    const send = async (c: LoopbackClient, tag: string, n: number): Promise<void> => {
      const apt = c.audio.sender.codec?.payloadType ?? 111;
      const vpt = c.video.sender.codec?.payloadType ?? 96;
      for (let i = 0; i < n; i++) {
        await c.audio.sender.sendRtp(rtpWithText(i, 1000, apt, `${tag}a${i}`));
        await c.video.sender.sendRtp(rtpWithText(i, 2000, vpt, `${tag}v${i}`));
        await sleep(10);
      }
    };
    await Promise.all([send(ca, 'A', 40), send(cb, 'B', 40)]);
    await waitFor(() => gotB.audio.length >= 20 && gotB.video.length >= 20 && gotA.audio.length >= 20 && gotA.video.length >= 20, {
      timeout: 8000,
      what: `RTP both ways (bob ${gotB.audio.length}/${gotB.video.length}, alice ${gotA.audio.length}/${gotA.video.length})`,
    });
    assert.ok(gotB.audio.every((p) => p.startsWith('Aa')) && gotB.video.every((p) => p.startsWith('Av')), 'bob gets what alice sends');
    assert.ok(gotA.audio.every((p) => p.startsWith('Ba')) && gotA.video.every((p) => p.startsWith('Bv')), 'alice gets what bob sends');

    await waitFor(() => ca.channel.readyState === 'open', { timeout: 8000, what: 'data channel open' });
    ca.channel.send('hello bob');
    await waitFor(() => gotB.data.includes('hello bob'), { timeout: 8000, what: 'data relayed' });

    assert.deepEqual((await alice.send({ request: 'set', bitrate: 256000, audio: true })).data, { videocall: 'event', result: { event: 'set' } });
    // What alice sends is recorded to .mjr files inside the recordings folder.
    assert.deepEqual((await alice.send({ request: 'set', record: true, filename: 'alice-call' })).data, { videocall: 'event', result: { event: 'set' } });
    await send(ca, 'R', 15);
    await alice.send({ request: 'set', record: false });
    for (const kind of ['audio', 'video']) {
      const file = join(recordings, `alice-call-${kind}.mjr`);
      assert.ok(existsSync(file) && statSync(file).size > 100, `${kind} recorded`);
    }
    assert.equal((await alice.send({ request: 'set', substream: 9 })).data.error_code, 474);
    assert.equal((await alice.send({ request: 'call', username: 'bob' })).data.error_code, 480);

    const hangup = await alice.send({ request: 'hangup' });
    assert.deepEqual(hangup.data, { videocall: 'event', result: { event: 'hangup', username: 'alice', reason: 'Explicit hangup' } });
    const remote = await bob.unsolicited('hangup');
    assert.equal(obj(remote.data.result).reason, 'Remote hangup');

    // A detached handle frees its name.
    await alice.ws.request({ janus: 'detach', session_id: alice.session, handle_id: alice.handle });
    assert.deepEqual((await bob.send({ request: 'list' })).data, { videocall: 'event', result: { list: ['bob'] } });
  } finally {
    await ca.close();
    await cb.close();
    alice.close();
    bob.close();
  }
});

/** Two registered users; `call` makes the first call the second with `ca`'s offer, answered by `cb`. */
async function callBetween(names: [string, string], ca: { pc: RTCPeerConnection }, cb: { pc: RTCPeerConnection }): Promise<{ alice: User; bob: User }> {
  const alice = await User.open(srv.wsUrl);
  const bob = await User.open(srv.wsUrl);
  await alice.send({ request: 'register', username: names[0] });
  await bob.send({ request: 'register', username: names[1] });
  await alice.send({ request: 'call', username: names[1] }, { type: 'offer', sdp: await clientOffer(ca) });
  const incoming = await bob.unsolicited('incomingcall');
  await cb.pc.setRemoteDescription({ type: 'offer', sdp: loopbackCandidatesOnly(String(incoming.jsep?.sdp)) });
  await cb.pc.setLocalDescription(await cb.pc.createAnswer());
  await bob.send({ request: 'accept' }, { type: 'answer', sdp: cb.pc.localDescription!.sdp });
  const accepted = await alice.unsolicited('accepted');
  await ca.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(String(accepted.jsep?.sdp)) });
  await waitFor(() => ca.pc.connectionState === 'connected' && cb.pc.connectionState === 'connected', { timeout: 15_000, what: 'both connected' });
  return { alice, bob };
}

/** What arrives on a transceiver from now on (payload texts): its receiver's track, or one it announces later. */
function received(t: RTCRtpTransceiver): string[] {
  const got: string[] = [];
  const seen = new Set<MediaStreamTrack>();
  const listen = (track: MediaStreamTrack): void => {
    if (seen.has(track)) return;
    seen.add(track);
    track.onReceiveRtp.subscribe((p) => got.push(p.payload.toString()));
  };
  listen(t.receiver.track);
  t.onTrack.subscribe(listen);
  return got;
}

/** The next sequence number of each sender: SRTP refuses a number it has seen. */
const nextSeq = new WeakMap<RTCRtpTransceiver, number>();

/** Sends `n` packets tagged `tag` on each transceiver, 10 ms apart. */
async function sendOn(transceivers: readonly RTCRtpTransceiver[], tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    for (const [k, t] of transceivers.entries()) {
      const pt = t.sender.codec?.payloadType ?? (t.kind === 'audio' ? 111 : 96);
      const seq = nextSeq.get(t) ?? 0;
      nextSeq.set(t, seq + 1);
      await t.sender.sendRtp(rtpWithText(seq, 3000 + k, pt, `${tag}${k}:${seq}`));
    }
    await sleep(10);
  }
}

/** The client's new offer (an ICE restart with `restart`), with candidates. */
async function offerAgain(pc: RTCPeerConnection, restart: boolean): Promise<Msg> {
  await pc.setLocalDescription(await pc.createOffer(restart ? { iceRestart: true } : {}));
  return { type: 'offer', sdp: pc.localDescription!.sdp };
}

/**
 * `user` renegotiates with `offer` (`set` with a jsep, as janus.js does): the `set` comes back without a jsep,
 * then an `update` with the answer, which the client applies.
 */
async function renegotiate(user: User, pc: RTCPeerConnection, body: Msg, offer: Msg): Promise<Msg> {
  const from = user.mark;
  const set = await user.send({ request: 'set', ...body }, offer);
  assert.deepEqual(set.data, { videocall: 'event', result: { event: 'set' } });
  assert.equal(set.jsep, undefined, 'the set event carries no jsep');
  const update = await user.unsolicited('update', from);
  assert.deepEqual(update.data, { videocall: 'event', result: { event: 'update' } });
  assert.equal(update.jsep?.type, 'answer');
  await pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(String(update.jsep?.sdp)) });
  return update.jsep;
}

/**
 * The peer's `update` with our new offer, answered by its client and sent back with `set` (as the demo page does);
 * `untrickled`: the answer without its candidates, as from a browser that trickles them later.
 */
async function answerUpdate(user: User, pc: RTCPeerConnection, from: number, untrickled = false): Promise<string> {
  const update = await user.unsolicited('update', from);
  assert.equal(update.jsep?.type, 'offer');
  await pc.setRemoteDescription({ type: 'offer', sdp: loopbackCandidatesOnly(String(update.jsep?.sdp)) });
  await pc.setLocalDescription(await pc.createAnswer());
  const answer = { type: 'answer', sdp: pc.localDescription!.sdp };
  assert.deepEqual((await user.send({ request: 'set' }, untrickled ? withoutCandidates(answer) : answer)).data, { videocall: 'event', result: { event: 'set' } });
  return String(update.jsep?.sdp);
}

/** A description without its ICE candidates (nor their end). */
function withoutCandidates(jsep: Msg): Msg {
  const sdp = String(jsep.sdp)
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates')
    .join('\r\n');
  return { ...jsep, sdp };
}

/** Fresh media: packets tagged `tag`, sent until each listed receiver has 10 of them (ICE may still be checking). */
async function flows(tag: string, ways: Array<{ from: readonly RTCRtpTransceiver[]; to: readonly string[][] }>): Promise<void> {
  const arrived = (): boolean => ways.every((w) => w.to.every((got) => got.filter((p) => p.startsWith(tag)).length >= 10));
  const deadline = Date.now() + 10_000;
  while (!arrived() && Date.now() < deadline) await Promise.all(ways.map((w) => sendOn(w.from, tag, 10)));
  await waitFor(arrived, {
    timeout: 1000,
    what: `${tag} packets arriving (${ways.map((w) => w.to.map((got) => got.filter((p) => p.startsWith(tag)).length).join('/')).join(', ')})`,
  });
}

/** The m-line section of `sdp` with that mid. */
function section(sdp: string, mid: string): string {
  return sdp.split(/^(?=m=)/m).find((m) => m.includes(`\r\na=mid:${mid}\r\n`)) ?? '';
}

test('ICE restarts on either side mid-call: set + offer is answered in an update, restart alone gets an offer; media and data flow after each, the peer undisturbed', { timeout: 90_000 }, async () => {
  const ca = createLoopbackClient(network);
  const cb = createLoopbackClient(network);
  const { alice, bob } = await callBetween(['carol', 'dave'], ca, cb);
  try {
    const atBob = [received(cb.audio), received(cb.video)];
    const atAlice = [received(ca.audio), received(ca.video)];
    const dataAtAlice = counters(ca).data;
    const dataAtBob = counters(cb).data;
    // RTP both ways, then data both ways: the data channel goes through the stack's own sends, which need the pair
    // the stack selected (our RTP path would also go on over the pair of the previous ICE generation).
    const both = async (tag: string): Promise<void> => {
      await flows(tag, [
        { from: [ca.audio, ca.video], to: atBob },
        { from: [cb.audio, cb.video], to: atAlice },
      ]);
      ca.channel.send(`${tag}from-alice`);
      cb.channel.send(`${tag}from-bob`);
      await waitFor(() => dataAtBob.includes(`${tag}from-alice`) && dataAtAlice.includes(`${tag}from-bob`), { timeout: 8000, what: `${tag} data both ways` });
    };
    await both('before:');
    const quiet = { alice: alice.mark, bob: bob.mark };

    // The caller restarts ICE with its own offer (janus.js: createOffer with iceRestart, then set restart + jsep).
    const ufrag = iceUfrag(ca.pc.remoteDescription!.sdp);
    const answer = await renegotiate(alice, ca.pc, { restart: true }, await offerAgain(ca.pc, true));
    assert.notEqual(iceUfrag(String(answer.sdp)), ufrag, 'new ICE credentials in the answer');
    startIceChecks(ca.pc);
    await both('caller-restart:');

    // The callee (whose PeerConnection the server offered) restarts ICE with its own offer as well.
    await renegotiate(bob, cb.pc, { restart: true }, await offerAgain(cb.pc, true));
    startIceChecks(cb.pc);
    await both('callee-restart:');

    // Restarts whose new candidates the server learns only from the checks (a browser trickles them after its offer,
    // and its checks may come before them): the checks alone select the new pair, on the PeerConnection the server
    // offered as on the one it answered.
    for (const [user, c, who] of [
      [bob, cb, 'callee'],
      [alice, ca, 'caller'],
    ] as const) {
      await renegotiate(user, c.pc, { restart: true }, withoutCandidates(await offerAgain(c.pc, true)));
      startIceChecks(c.pc);
      await both(`${who}-restart-untrickled:`);
    }

    // A renegotiation that changes nothing (janus.js offering again): answered, and nothing for the peer.
    await renegotiate(alice, ca.pc, {}, await offerAgain(ca.pc, false));
    await both('same-again:');
    assert.equal(bob.count('update', quiet.bob) + alice.count('update', quiet.alice), 5, 'only the answers to the five offers');

    // `restart: true` alone: the server offers each side an ICE restart of its own PeerConnection (the second time
    // answered without candidates: the checks alone select the new pair).
    for (const [user, c, untrickled] of [
      [alice, ca, false],
      [bob, cb, false],
      [alice, ca, true],
      [bob, cb, true],
    ] as const) {
      const from = user.mark;
      assert.deepEqual((await user.send({ request: 'set', restart: true })).data, { videocall: 'event', result: { event: 'set' } });
      const before = iceUfrag(c.pc.remoteDescription!.sdp);
      const offered = await answerUpdate(user, c.pc, from, untrickled);
      assert.notEqual(iceUfrag(offered), before, 'the server offers new ICE credentials');
      startIceChecks(c.pc);
      await both(`server-restart-${user === alice ? 'a' : 'b'}${untrickled ? '-untrickled' : ''}:`);
    }

    // An offer outside a call: 481; the server goes on.
    await alice.send({ request: 'hangup' });
    await bob.unsolicited('hangup');
    assert.deepEqual((await alice.send({ request: 'set' }, await offerAgain(ca.pc, false))).data, { videocall: 'event', error_code: 481, error: 'No call to renegotiate' });
    assert.deepEqual((await bob.send({ request: 'list' })).data.result !== undefined, true);
  } finally {
    await ca.close();
    await cb.close();
    alice.close();
    bob.close();
  }
});

test('an audio-only caller adds video mid-call: the callee gets an update offering it and answers with set; video flows both ways, then the caller stops sending it', { timeout: 90_000 }, async () => {
  const ca = createAudioOnlyClient(network);
  const cb = createLoopbackClient(network);
  const { alice, bob } = await callBetween(['erin', 'frank'], ca, cb);
  try {
    const bobFirst = await bob.ws.wait((e) => e.janus === 'event' && obj(obj(obj(e.plugindata).data).result).event === 'incomingcall');
    assert.equal((String(obj(bobFirst.jsep).sdp).match(/^m=/gm) ?? []).length, 1, 'an audio-only call is offered to the callee with audio alone');
    const bobAudio = received(cb.audio);
    const aliceAudio = received(ca.audio);
    await flows('audio:', [
      { from: [ca.audio], to: [bobAudio] },
      { from: [cb.audio], to: [aliceAudio] },
    ]);

    // Alice adds a camera: a new m-line in her offer.
    const aliceVideo = ca.pc.addTransceiver('video', { direction: 'sendrecv' });
    const aliceGotVideo = received(aliceVideo);
    const bobGotVideo = received(cb.video);
    const fromBob = bob.mark;
    const answer = await renegotiate(alice, ca.pc, {}, await offerAgain(ca.pc, false));
    assert.match(String(answer.sdp), /^m=video [1-9]/m, 'the new video m-line is accepted');
    const offered = await answerUpdate(bob, cb.pc, fromBob);
    assert.match(section(offered, String(aliceVideo.mid)), /^m=video [1-9][\s\S]*a=sendrecv/, "Bob is offered Alice's video on her mid, sendrecv");
    await flows('video:', [
      { from: [ca.audio, aliceVideo], to: [bobAudio, bobGotVideo] },
      { from: [cb.audio, cb.video], to: [aliceAudio, aliceGotVideo] },
    ]);

    // Alice stops sending video (the m-line stays, recvonly): Bob is offered it recvonly, his video still reaches her.
    aliceVideo.setDirection('recvonly');
    const fromBob2 = bob.mark;
    await renegotiate(alice, ca.pc, {}, await offerAgain(ca.pc, false));
    const second = await answerUpdate(bob, cb.pc, fromBob2);
    assert.match(section(second, String(aliceVideo.mid)), /^m=video [1-9][\s\S]*a=recvonly/, 'the server now only takes video from Bob');
    await flows('after:', [
      { from: [ca.audio], to: [bobAudio] },
      { from: [cb.audio, cb.video], to: [aliceAudio, aliceGotVideo] },
    ]);
  } finally {
    await ca.close();
    await cb.close();
    alice.close();
    bob.close();
  }
});
