// AudioBridge (janus.plugin.audiobridge) through the Janus API with werift peers sending real Opus: each hears
// the others and not itself (mix-minus), mute and suspension take a voice out, a plain-RTP participant joins the
// same mix, the mix is forwarded and recorded, an announcement plays; Janus's codes for bad requests.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RtpHeader, RtpPacket } from 'werift';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import type { Network, UdpEndpoint } from '../../../src/net/network.js';
import { OggOpusWriter } from '../../../src/audio/ogg-opus-writer.js';
import { encodeG711 } from '../../../src/audio/g711.js';
import { chromeLikeOffer } from '../../helpers/chrome-offer.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { clientOffer, createAudioOnlyClient, type AudioOnlyClient } from '../../../support/werift-client.js';
import { ToneMeter, ToneSource } from '../../../support/opus-tone.js';
import { sleep, waitFor } from '../../../support/wait.js';

const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});

/** One user: a WebSocket, a session and an AudioBridge handle. */
class User {
  private constructor(
    readonly ws: JanusWs,
    readonly session: number,
    readonly handle: number,
  ) {}

  static async open(url: string): Promise<User> {
    const ws = await JanusWs.open(url);
    const session = Number(obj((await ws.request({ janus: 'create' })).data).id);
    const handle = Number(obj((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.audiobridge' })).data).id);
    return new User(ws, session, handle);
  }

  /** A synchronous request: its plugin data. */
  async ask(body: Msg): Promise<Msg> {
    const m = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
    assert.equal(m.janus, 'success', JSON.stringify(m));
    return obj(obj(m.plugindata).data);
  }

  /** An asynchronous request: the event answering it (after its ack), with its jsep. */
  async send(body: Msg, jsep?: Msg): Promise<{ data: Msg; jsep?: Msg }> {
    const first = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body, ...(jsep ? { jsep } : {}) });
    assert.equal(first.janus, 'ack', JSON.stringify(first));
    const m = await this.ws.wait((e) => e.janus === 'event' && e.transaction === first.transaction, 10_000, `event answering ${String(body.request)}`);
    return { data: obj(obj(m.plugindata).data), jsep: m.jsep ? obj(m.jsep) : undefined };
  }

  /** An unsolicited event matching `match`. */
  async event(match: (d: Msg) => boolean, what: string): Promise<Msg> {
    const m = await this.ws.wait((e) => e.janus === 'event' && e.transaction === undefined && match(obj(obj(e.plugindata).data)), 10_000, what);
    return obj(obj(m.plugindata).data);
  }

  close(): void {
    this.ws.close();
  }
}

/** A werift peer in a room: joined, negotiated, sending a tone (frequency 0: silence), measuring what it hears. */
class Peer {
  readonly meter = new ToneMeter();
  private readonly tone: ToneSource;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The audio level (RFC 6464, 0 loudest, 127 silence) written into each packet, when the m-line has the extension. */
  level = 127;
  private levelId = 0;
  id: unknown;

  private constructor(
    readonly user: User,
    readonly client: AudioOnlyClient,
    frequency: number,
  ) {
    this.tone = new ToneSource(frequency);
    client.audio.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p) => this.meter.add(p.payload)));
  }

  static async join(url: string, network: Network, room: number, display: string, frequency: number): Promise<Peer> {
    const user = await User.open(url);
    const peer = new Peer(user, createAudioOnlyClient(network), frequency);
    const joined = await user.send({ request: 'join', room, display });
    assert.equal(joined.data.audiobridge, 'joined', JSON.stringify(joined.data));
    peer.id = joined.data.id;
    const offer = await clientOffer(peer.client);
    peer.levelId = Number(/a=extmap:(\d+) urn:ietf:params:rtp-hdrext:ssrc-audio-level/.exec(offer)?.[1] ?? 0);
    const configured = await user.send({ request: 'configure', muted: false }, { type: 'offer', sdp: offer });
    assert.deepEqual(configured.data, { audiobridge: 'event', room, result: 'ok' });
    assert.equal(configured.jsep?.type, 'answer');
    await peer.client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly(String(configured.jsep?.sdp)) });
    await waitFor(() => peer.client.pc.connectionState === 'connected', { timeout: 15_000, what: `${display} connected` });
    return peer;
  }

  set frequency(f: number) {
    this.tone.frequency = f;
  }

  /** Sends one packet every 20 ms until stopped. */
  start(): void {
    const pt = this.client.audio.sender.codec?.payloadType ?? 111;
    this.timer = setInterval(() => {
      const seq = this.seq++;
      const extensions = this.levelId > 0 ? [{ id: this.levelId, payload: Buffer.from([this.level & 0x7f]) }] : [];
      const header = new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp: seq * 960, payloadType: pt, ssrc: 4242, extension: extensions.length > 0, extensions });
      void this.client.audio.sender.sendRtp(new RtpPacket(header, this.tone.next()));
    }, 20);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.tone.close();
    this.meter.close();
    this.user.close();
    await this.client.close();
  }
}

let srv: StartedServer;
let network: Network;
const recordings = mkdtempSync(join(tmpdir(), 'portunus-audiobridge-'));

before(async () => {
  srv = await startInProcess([
    ['general.recordings_dir', recordings],
    ['audiobridge.local_ip', '127.0.0.1'],
    ['http.admin_http', 'true'],
    ['http.admin_ip', '127.0.0.1'],
    ['http.admin_port', '0'],
  ]);
  network = new HostNetwork(await discoverNetworkHost());
});
after(async () => {
  await srv.stop();
  rmSync(recordings, { recursive: true, force: true });
});

test('two werift peers hear each other and not themselves; mute, suspend, listparticipants; the mix forwarded and recorded', { timeout: 90_000 }, async () => {
  const admin = await User.open(srv.wsUrl);
  const created = await admin.ask({ request: 'create', room: 4321, secret: 'pw', sampling_rate: 48000, audiolevel_event: true, audio_active_packets: 25 });
  assert.deepEqual(created, { audiobridge: 'created', room: 4321, permanent: false });
  const alice = await Peer.join(srv.wsUrl, network, 4321, 'alice', 440);
  const bob = await Peer.join(srv.wsUrl, network, 4321, 'bob', 0);
  const forwarded: Buffer[] = [];
  let sink: UdpEndpoint | undefined;
  try {
    alice.level = 10;
    alice.start();
    bob.start();
    // Bob hears Alice's 440 Hz; Alice hears silence (only herself spoke).
    // Pitch and level are read over the last few packets: on a loaded machine a late burst can blur one reading,
    // so the test waits for a clean one rather than taking the first.
    await waitFor(() => bob.meter.packets > 40 && bob.meter.level > 1000 && Math.abs(bob.meter.pitch - 440) < 60, {
      timeout: 10_000,
      what: `bob hears alice (level ${bob.meter.level.toFixed(0)}, ${bob.meter.pitch.toFixed(0)} Hz)`,
    });
    await waitFor(() => alice.meter.packets > 40, { timeout: 5000, what: 'alice gets the mix' });
    assert.ok(alice.meter.level < 200, `alice does not hear herself (level ${alice.meter.level.toFixed(0)})`);
    // The room's audiolevel_event: alice's packets say she is loud, then silent.
    await bob.user.event((d) => d.audiobridge === 'talking' && d.id === alice.id, 'alice talking');
    alice.level = 127;
    await bob.user.event((d) => d.audiobridge === 'stopped-talking' && d.id === alice.id, 'alice stopped talking');

    // Both speak: each hears the other's tone.
    bob.frequency = 1000;
    await waitFor(() => alice.meter.level > 1000 && Math.abs(alice.meter.pitch - 1000) < 120, { timeout: 5000, what: `alice hears bob (${alice.meter.pitch.toFixed(0)} Hz)` });
    await waitFor(() => Math.abs(bob.meter.pitch - 440) < 60, { timeout: 5000, what: `bob still hears 440 Hz, not 1000 (${bob.meter.pitch.toFixed(0)})` });

    const list = await admin.ask({ request: 'listparticipants', room: 4321 });
    assert.equal(list.audiobridge, 'participants');
    const people = (list.participants as Msg[]).map((p) => [p.display, p.setup, p.muted]);
    assert.deepEqual(people.sort(), [
      ['alice', true, false],
      ['bob', true, false],
    ]);

    // A moderator mutes Alice: Bob's side goes quiet, Bob is told.
    assert.deepEqual(await admin.ask({ request: 'mute', room: 4321, secret: 'pw', id: alice.id }), { audiobridge: 'success' });
    const muted = await bob.user.event((d) => Array.isArray(d.participants) && (d.participants as Msg[]).some((p) => p.id === alice.id && p.muted === true), 'alice muted');
    assert.equal(muted.audiobridge, 'event');
    await waitFor(() => bob.meter.level < 200, { timeout: 5000, what: `bob hears nothing (${bob.meter.level.toFixed(0)})` });
    await admin.ask({ request: 'unmute', room: 4321, secret: 'pw', id: alice.id });
    await waitFor(() => bob.meter.level > 1000, { timeout: 5000, what: 'alice heard again' });

    // The mix goes to a UDP port as RTP (payload type 100, the SSRC asked for).
    sink = await network.openUdp({ what: 'test forward sink', bind: '127.0.0.1' });
    sink.onMessage((d) => forwarded.push(Buffer.from(d)));
    const fwd = await admin.ask({ request: 'rtp_forward', room: 4321, secret: 'pw', host: '127.0.0.1', port: sink.port, ssrc: 777 });
    assert.equal(fwd.audiobridge, 'success');
    await waitFor(() => forwarded.length > 20, { timeout: 5000, what: 'forwarded mix' });
    assert.equal(forwarded[0][1] & 0x7f, 100);
    assert.equal(forwarded[0].readUInt32BE(8), 777);
    const meter = new ToneMeter();
    for (const p of forwarded.slice(-10)) meter.add(p.subarray(12));
    assert.ok(meter.level > 1000, `the forwarded mix carries sound (${meter.level.toFixed(0)})`);
    meter.close();
    const fwds = await admin.ask({ request: 'listforwarders', room: 4321, secret: 'pw' });
    assert.equal((fwds.rtp_forwarders as Msg[]).length, 1);
    assert.deepEqual(await admin.ask({ request: 'stop_rtp_forward', room: 4321, secret: 'pw', stream_id: fwd.stream_id }), { audiobridge: 'success', room: 4321, stream_id: fwd.stream_id });

    // Recording the mix: a .wav file with sound in it.
    assert.equal((await admin.ask({ request: 'enable_recording', room: 4321, secret: 'pw', record: true, record_file: 'mix.wav' })).audiobridge, 'success');
    await sleep(600);
    await admin.ask({ request: 'enable_recording', room: 4321, secret: 'pw', record: false });
    const wav = readFileSync(join(recordings, 'mix.wav'));
    assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
    assert.equal(wav.readUInt32LE(24), 48000);
    assert.ok(wav.readUInt32LE(40) > 48000 * 2 * 0.3, `${wav.readUInt32LE(40)} bytes of samples`);

    // Suspended: out of the mix both ways, others told.
    await admin.ask({ request: 'suspend', room: 4321, secret: 'pw', id: alice.id });
    await bob.user.event((d) => d.suspended === alice.id, 'alice suspended');
    await waitFor(() => bob.meter.level < 200, { timeout: 5000, what: 'suspended alice unheard' });
    await admin.ask({ request: 'resume', room: 4321, secret: 'pw', id: alice.id });
    await bob.user.event((d) => d.resumed === alice.id, 'alice resumed');

    // Leaving: the others are told.
    const left = await bob.user.send({ request: 'leave' });
    assert.deepEqual(left.data, { audiobridge: 'left', room: 4321, id: bob.id });
    await alice.user.event((d) => d.leaving === bob.id, 'bob leaving');
  } finally {
    await sink?.close();
    await alice.close();
    await bob.close();
    admin.close();
  }
});

test('a plain-RTP participant joins the mix; an announcement file plays into it', { timeout: 60_000 }, async () => {
  const admin = await User.open(srv.wsUrl);
  await admin.ask({ request: 'create', room: 4322, sampling_rate: 16000, allow_rtp_participants: true });
  const listener = await Peer.join(srv.wsUrl, network, 4322, 'listener', 0);
  const plainUser = await User.open(srv.wsUrl);
  const socket = await network.openUdp({ what: 'test plain RTP peer', bind: '127.0.0.1' });
  const heard = new ToneMeter();
  socket.onMessage((d) => heard.add(d.subarray(12)));
  const tone = new ToneSource(600);
  let timer: NodeJS.Timeout | undefined;
  try {
    listener.start();
    const joined = await plainUser.send({ request: 'join', room: 4322, display: 'sip', rtp: { ip: '127.0.0.1', port: socket.port, payload_type: 111 } });
    assert.equal(joined.data.audiobridge, 'joined', JSON.stringify(joined.data));
    const rtp = obj(joined.data.rtp);
    assert.equal(rtp.payload_type, 111);
    assert.equal(rtp.ip, '127.0.0.1');
    const port = Number(rtp.port);
    let seq = 0;
    timer = setInterval(() => {
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header[1] = 111;
      header.writeUInt16BE(seq & 0xffff, 2);
      header.writeUInt32BE((seq * 960) >>> 0, 4);
      header.writeUInt32BE(99, 8);
      seq++;
      socket.send(Buffer.concat([header, tone.next()]), port, '127.0.0.1');
    }, 20);
    await waitFor(() => listener.meter.level > 1000 && Math.abs(listener.meter.pitch - 600) < 80, {
      timeout: 10_000,
      what: `the WebRTC listener hears the plain-RTP one (${listener.meter.pitch.toFixed(0)} Hz)`,
    });
    await waitFor(() => heard.packets > 20, { timeout: 5000, what: 'the plain-RTP peer gets the mix' });
    assert.ok(heard.level < 200, `the plain-RTP peer does not hear itself (${heard.level.toFixed(0)})`);

    // An announcement: an Ogg Opus file of a 300 Hz tone, heard by both, started and stopped events.
    const file = join(recordings, 'announce.opus');
    const writer = new OggOpusWriter(file);
    const source = new ToneSource(300);
    for (let i = 0; i < 100; i++) writer.write(source.next(), BigInt((i + 1) * 960));
    writer.close();
    source.close();
    const play = await admin.ask({ request: 'play_file', room: 4322, filename: 'announce.opus', file_id: 'hello' });
    assert.deepEqual(play, { audiobridge: 'success', room: 4322, file_id: 'hello' });
    await listener.user.event((d) => d.audiobridge === 'announcement-started' && d.file_id === 'hello', 'announcement started');
    assert.deepEqual(await admin.ask({ request: 'is_playing', room: 4322, file_id: 'hello' }), { audiobridge: 'success', room: 4322, file_id: 'hello', playing: true });
    await waitFor(() => heard.level > 1000, { timeout: 5000, what: `the plain-RTP peer hears the announcement (${heard.level.toFixed(0)})` });
    await listener.user.event((d) => d.audiobridge === 'announcement-stopped' && d.file_id === 'hello', 'announcement stopped');
    assert.equal((await admin.ask({ request: 'is_playing', room: 4322, file_id: 'hello' })).playing, false);
    const bad = await admin.ask({ request: 'play_file', room: 4322, filename: '../outside.opus' });
    assert.equal(bad.error_code, 484);
    assert.equal((await admin.ask({ request: 'play_file', room: 4322, filename: 'missing.opus' })).error_code, 499);
  } finally {
    clearInterval(timer);
    tone.close();
    heard.close();
    await socket.close();
    plainUser.close();
    await listener.close();
    admin.close();
  }
});

test("bad requests get Janus's codes and change nothing", { timeout: 30_000 }, async () => {
  const u = await User.open(srv.wsUrl);
  try {
    const code = async (body: Msg): Promise<unknown> => (await u.ask(body)).error_code;
    const asyncCode = async (body: Msg): Promise<unknown> => (await u.send(body)).data.error_code;
    assert.equal(await code({ request: 'nosuch' }), 482);
    assert.equal(await code({ request: 'exists' }), 483);
    assert.equal(await code({ request: 'exists', room: 'x' }), 484);
    assert.equal(await code({ request: 'listparticipants', room: 999 }), 485);
    assert.equal(await code({ request: 'create', room: 1234 }), 486);
    assert.equal(await code({ request: 'create', sampling_rate: 44100 }), 484);
    assert.equal(await code({ request: 'destroy', room: 1234, secret: 'wrong' }), 489);
    assert.equal(await code({ request: 'kick', room: 1234, secret: 'adminpwd', id: 5 }), 492);
    assert.equal(await code({ request: 'rtp_forward', room: 1234, secret: 'adminpwd', host: '127.0.0.1', port: 5000, group: 'nope' }), 494);
    assert.equal(await code({ request: 'rtp_forward', room: 1234, secret: 'adminpwd', host: '127.0.0.1', port: 5000, codec: 'g722' }), 484);
    assert.equal(await code({ request: 'resetdecoder' }), 487);
    assert.equal(await asyncCode({ request: 'configure', muted: true }), 487);
    assert.equal(await asyncCode({ request: 'leave' }), 487);
    assert.equal(await asyncCode({ request: 'join', room: 999 }), 485);
    assert.equal(await asyncCode({ request: 'join', room: 1234, codec: 'g722' }), 484);
    assert.equal(await asyncCode({ request: 'join', room: 1234, quality: 11 }), 484);
    assert.equal(await asyncCode({ request: 'join', room: 1234, rtp: { ip: '127.0.0.1', port: 5000 } }), 489);
    assert.equal(await asyncCode({ request: 'join', room: 1234, display: 7 }), 484);
    const joined = await u.send({ request: 'join', room: 1234, display: 'x' });
    assert.equal(joined.data.audiobridge, 'joined');
    assert.equal(await asyncCode({ request: 'join', room: 1234 }), 491);
    assert.equal(await asyncCode({ request: 'changeroom', room: 1234 }), 491);
    assert.equal(await asyncCode({ request: 'configure' }), undefined);
    assert.deepEqual((await u.ask({ request: 'list' })).audiobridge, 'success');
    assert.ok(existsSync(recordings));
  } finally {
    u.close();
  }
});

/** Admin handle_info's plugin_specific part for a user's handle. */
async function pluginInfo(u: User): Promise<Msg> {
  const adminApi = srv.server.listeners.find((l) => l.name.startsWith('Admin API'));
  const info = await fetch(`http://127.0.0.1:${adminApi?.port ?? 0}/admin/${u.session}/${u.handle}`, { method: 'POST', body: JSON.stringify({ janus: 'handle_info', transaction: 'i' }) }).then(
    (r) => r.json() as Promise<Msg>,
  );
  return obj(obj(info.info).plugin_specific);
}

test('an offer with useinbandfec=1 (as browsers make it) gets its mix with in-band FEC, as in Janus; one without does not', { timeout: 30_000 }, async () => {
  const browser = await User.open(srv.wsUrl);
  const plain = await User.open(srv.wsUrl);
  const client = createAudioOnlyClient(network);
  try {
    assert.equal((await browser.send({ request: 'join', room: 1234, display: 'browser', expected_loss: 5 })).data.audiobridge, 'joined');
    const answered = await browser.send({ request: 'configure' }, { type: 'offer', sdp: chromeLikeOffer() });
    assert.equal(answered.jsep?.type, 'answer');
    const withFec = await pluginInfo(browser);
    assert.equal(withFec.fec, true, JSON.stringify(withFec));
    assert.equal(withFec.expected_loss, 5);
    const offer = await clientOffer(client);
    assert.ok(!offer.includes('useinbandfec=1'));
    assert.equal((await plain.send({ request: 'join', room: 1234, display: 'werift' }, { type: 'offer', sdp: offer })).data.audiobridge, 'joined');
    const withoutFec = await pluginInfo(plain);
    assert.equal(withoutFec.fec, false, JSON.stringify(withoutFec));
    assert.equal(withoutFec.expected_loss, undefined);
  } finally {
    browser.close();
    plain.close();
    await client.close();
  }
});

test('the plugin offers (generate_offer) and the client answers; a G.711 plain-RTP participant is heard; garbage at its port changes nothing; changeroom', { timeout: 60_000 }, async () => {
  const admin = await User.open(srv.wsUrl);
  await admin.ask({ request: 'create', room: 4323, sampling_rate: 16000, allow_rtp_participants: true });
  await admin.ask({ request: 'create', room: 4324, sampling_rate: 8000 });
  const user = await User.open(srv.wsUrl);
  const client = createAudioOnlyClient(network);
  const meter = new ToneMeter();
  client.audio.onTrack.subscribe((t) => t.onReceiveRtp.subscribe((p) => meter.add(p.payload)));
  const sip = await User.open(srv.wsUrl);
  const socket = await network.openUdp({ what: 'test G.711 peer', bind: '127.0.0.1' });
  const stranger = await network.openUdp({ what: 'test stranger', bind: '127.0.0.1' });
  const mixIn: Buffer[] = [];
  socket.onMessage((d) => mixIn.push(Buffer.from(d)));
  let timer: NodeJS.Timeout | undefined;
  try {
    const joined = await user.send({ request: 'join', room: 4323, display: 'answerer', generate_offer: true });
    assert.equal(joined.data.audiobridge, 'joined');
    assert.equal(joined.jsep?.type, 'offer');
    await client.pc.setRemoteDescription({ type: 'offer', sdp: loopbackCandidatesOnly(String(joined.jsep?.sdp)) });
    await client.pc.setLocalDescription(await client.pc.createAnswer());
    const answered = await user.send({ request: 'configure' }, { type: 'answer', sdp: client.pc.localDescription!.sdp });
    assert.deepEqual(answered.data, { audiobridge: 'event', room: 4323, result: 'ok' });
    await waitFor(() => client.pc.connectionState === 'connected', { timeout: 15_000, what: 'connected on the plugin offer' });
    // An offer now, on a PeerConnection the plugin offered: Janus refuses it.
    assert.equal((await user.send({ request: 'configure' }, { type: 'offer', sdp: String(joined.jsep?.sdp) })).data.error_code, 493);

    // A G.711 (μ-law) participant over plain RTP sends a 700 Hz tone.
    const sipJoin = await sip.send({ request: 'join', room: 4323, display: 'phone', codec: 'pcmu', rtp: { ip: '127.0.0.1', port: socket.port } });
    const rtp = obj(sipJoin.data.rtp);
    assert.equal(rtp.payload_type, 0);
    const port = Number(rtp.port);
    let seq = 0;
    timer = setInterval(() => {
      const pcm = new Int16Array(160);
      for (let i = 0; i < 160; i++) pcm[i] = Math.round(7000 * Math.sin((2 * Math.PI * 700 * (seq * 160 + i)) / 8000));
      const p = Buffer.alloc(172);
      p[0] = 0x80;
      p[1] = 0;
      p.writeUInt16BE(seq & 0xffff, 2);
      p.writeUInt32BE((seq * 160) >>> 0, 4);
      p.writeUInt32BE(77, 8);
      encodeG711('pcmu', pcm, 160, p, 12);
      seq++;
      socket.send(p, port, '127.0.0.1');
      // Garbage and a well-formed μ-law packet from another address, and RTP of the wrong type from the right one.
      stranger.send(Buffer.from('not rtp at all'), port, '127.0.0.1');
      stranger.send(Buffer.concat([p.subarray(0, 12), Buffer.alloc(160, 0x80)]), port, '127.0.0.1');
      socket.send(Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3]), port, '127.0.0.1');
    }, 20);
    await waitFor(() => meter.level > 1000 && Math.abs(meter.pitch - 700) < 90, {
      timeout: 10_000,
      what: `the WebRTC side hears the phone (${meter.pitch.toFixed(0)} Hz, level ${meter.level.toFixed(0)})`,
    });
    await waitFor(() => mixIn.length > 20, { timeout: 5000, what: 'the phone gets the mix' });
    assert.equal(mixIn.at(-1)![1] & 0x7f, 0, 'as PCMU');
    assert.equal(mixIn.at(-1)!.length, 172, '20 ms of μ-law');
    const specific = await pluginInfo(sip);
    assert.ok(Number(specific.plain_rtp_dropped) >= 20, `dropped and counted: ${JSON.stringify(specific)}`);

    // changeroom: the answerer moves to the 8 kHz room; the phone's room is told it left.
    const moved = await user.send({ request: 'changeroom', room: 4324, display: 'moved' });
    assert.equal(moved.data.audiobridge, 'roomchanged');
    assert.equal(moved.data.room, 4324);
    await sip.event((d) => d.leaving !== undefined, 'answerer leaving');
    const inNew = await admin.ask({ request: 'listparticipants', room: 4324 });
    assert.deepEqual(
      (inNew.participants as Msg[]).map((p) => p.display),
      ['moved'],
    );
  } finally {
    clearInterval(timer);
    meter.close();
    await socket.close();
    await stranger.close();
    await client.close();
    sip.close();
    user.close();
    admin.close();
  }
});
