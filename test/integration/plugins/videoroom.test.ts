// VideoRoom (janus.plugin.videoroom) through the Janus API: room management and its error codes, publishers and
// subscribers with werift peers (VP8 + Opus), RTP forwarders, remote publishers, and the host without IPv6.
// janode's VideoRoom wrapper drives one whole flow (over WebSocket and the Unix socket); raw Janus API messages over
// WebSocket drive the rest.
//
// Development aid: VIDEOROOM_TEST_AGAINST_JANUS=1 runs the same file against Debian's Janus (/usr/bin/janus, started
// loopback-only by bench/janus-reference.ts) to check the expectations; the tests that need a Portunus child
// process are skipped then.
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, test } from 'node:test';
import { ReceiverEstimatedMaxBitrate, RtcpPayloadSpecificFeedback, RtpHeader, RtpPacket, type MediaStreamTrack, type RTCRtpTransceiver } from 'werift';
import type { UdpIceTransport } from '../../../src/media/udp-ice-transport.js';
import { nativeAddon } from '../../../src/native/native-addon.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import type { Network } from '../../../src/net/network.js';
import { freePorts, startChildServer } from '../../helpers/child-server.js';
import { startInProcess } from '../../helpers/in-process-server.js';
import { JANODE_TRANSPORTS, JanodeSockets, janodeTransportUnavailable } from '../../helpers/janode-transports.js';
import { loadJanodeVideoRoom } from '../../helpers/janode-videoroom.js';
import type { Msg } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { gatherOn, videoRoomPeer } from '../../../support/werift-client.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { arr, toJsep, udpSink, VideoRoomHandle, type Jsep } from '../../helpers/videoroom-peers.js';
import { sleep, waitFor } from '../../../support/wait.js';
import { feedRemote, remoteRtp, VP8_KEYFRAME, type RemoteFeed } from '../../helpers/remote-feed.js';

const AGAINST_JANUS = process.env.VIDEOROOM_TEST_AGAINST_JANUS === '1';

// Everything runs on loopback. Janus (libnice) never gathers on loopback, so in the development runs against it
// the clients gather on the host's own first IPv4 address and use its candidates there (packets stay on this host).
const CLIENT_BIND = AGAINST_JANUS
  ? (Object.values(networkInterfaces())
      .flatMap((l) => l ?? [])
      .find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1')
  : '127.0.0.1';

/** The server's candidates a client may use. */
function usableCandidates(sdp: string): string {
  if (!AGAINST_JANUS) return loopbackCandidatesOnly(sdp);
  const own = new Set(Object.values(networkInterfaces()).flatMap((l) => (l ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address)));
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || own.has(line.split(' ')[4] ?? ''))
    .join('\r\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Small JSON helpers (the API speaks unknown JSON; tests look inside it).

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const show = (v: unknown): string => JSON.stringify(v).slice(0, 600);

/** Starts watching for `check` now; the outcome is asserted later (so one missing detail does not hide the rest). */
function expectSoon(what: string, check: () => boolean, ms: number): () => Promise<void> {
  const outcome = waitFor(check, { timeout: ms, what }).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  return async () => {
    const err = await outcome;
    if (err !== undefined) throw err;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// werift peers: a publisher sending Opus + VP8 RTP it makes up, and a subscriber counting what arrives.

class Publisher {
  readonly pc = videoRoomPeer();
  readonly audio: RTCRtpTransceiver;
  readonly video: RTCRtpTransceiver;
  private readonly sockets: UdpIceTransport[] = [];
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  plis = 0;

  constructor(network: Network) {
    this.audio = this.pc.addTransceiver('audio', { direction: 'sendonly' });
    this.video = this.pc.addTransceiver('video', { direction: 'sendonly' });
    this.video.sender.onPictureLossIndication.subscribe(() => this.plis++);
    gatherOn(this.pc, network, CLIENT_BIND, this.sockets, 'videoroom test ICE');
  }

  async offer(): Promise<Jsep> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const sdp = this.pc.localDescription?.sdp;
    assert.ok(sdp, 'werift made an offer');
    return { type: 'offer', sdp };
  }

  async accept(answer: Jsep | undefined): Promise<void> {
    assert.equal(answer?.type, 'answer', 'the publisher gets an SDP answer');
    await this.pc.setRemoteDescription({ type: 'answer', sdp: usableCandidates(answer.sdp) });
  }

  get audioMid(): string {
    return this.audio.mid ?? '0';
  }

  get videoMid(): string {
    return this.video.mid ?? '1';
  }

  /** Sends one Opus-ish and one VP8-ish packet every 20 ms until stopped. */
  startSending(): void {
    const apt = this.audio.sender.codec?.payloadType ?? 111;
    const vpt = this.video.sender.codec?.payloadType ?? 96;
    this.timer = setInterval(() => {
      const s = ++this.seq;
      void this.audio.sender
        .sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: s & 0xffff, timestamp: s * 960, payloadType: apt, ssrc: 11, marker: false }), Buffer.from([0xf8, 0xff, 0xfe, s & 0xff])))
        .catch(() => undefined);
      void this.video.sender.sendRtp(new RtpPacket(new RtpHeader({ sequenceNumber: s & 0xffff, timestamp: s * 3000, payloadType: vpt, ssrc: 22, marker: true }), VP8_KEYFRAME)).catch(() => undefined);
    }, 20);
  }

  stopSending(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async close(): Promise<void> {
    this.stopSending();
    await this.pc.close().catch(() => undefined);
    await Promise.all(this.sockets.map((s) => s.close()));
  }
}

class Subscriber {
  readonly pc = videoRoomPeer();
  /** RTP packets received, by track kind. */
  readonly received = { audio: 0, video: 0 };
  readonly ssrcs = new Set<number>();
  /** The last RTP payload received, by track kind. */
  readonly lastPayload: { audio?: Buffer; video?: Buffer } = {};
  private readonly sockets: UdpIceTransport[] = [];
  private gathering = false;

  constructor(private readonly network: Network) {
    this.pc.onTrack.subscribe((track: MediaStreamTrack) =>
      track.onReceiveRtp.subscribe((p: RtpPacket) => {
        if (track.kind === 'audio' || track.kind === 'video') {
          this.received[track.kind]++;
          this.lastPayload[track.kind] = Buffer.from(p.payload);
        }
        this.ssrcs.add(p.header.ssrc);
      }),
    );
  }

  /** Answers the server's offer (first negotiation or a renegotiation). */
  async answer(offer: Jsep | undefined): Promise<Jsep> {
    assert.equal(offer?.type, 'offer', 'the subscriber gets an SDP offer');
    await this.pc.setRemoteDescription({ type: 'offer', sdp: usableCandidates(offer.sdp) });
    if (!this.gathering) {
      // The ICE transports exist once the offer is applied: gather on a loopback socket of our own.
      gatherOn(this.pc, this.network, CLIENT_BIND, this.sockets, 'videoroom test ICE');
      this.gathering = true;
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const sdp = this.pc.localDescription?.sdp;
    assert.ok(sdp);
    return { type: 'answer', sdp };
  }

  async close(): Promise<void> {
    await this.pc.close().catch(() => undefined);
    await Promise.all(this.sockets.map((s) => s.close()));
  }
}

/** A UDP socket on 127.0.0.1 that keeps what it receives. */
/** A plain RTP packet as a cascading Janus would send to a remote publisher (SSRC = 1000 + 10·mindex). */
// ---------------------------------------------------------------------------------------------------------------
// The server under test: Portunus in this process, or Janus for development runs.

interface Target {
  readonly wsUrl: string;
  /** janode's Unix socket transport reaches Portunus there (not a Janus run). */
  readonly sockets?: JanodeSockets;
  stop(): Promise<void>;
  /** Portunus's Admin get_status relay_groups (the fan-out groups). */
  relayGroups?(): { native_members: number; sent: number; failed: number };
}

let target: Target;
let network: Network;
let admin: VideoRoomHandle;

before(async () => {
  network = new HostNetwork(await discoverNetworkHost());
  if (AGAINST_JANUS) {
    const { startJanus } = await import('../../../bench/janus-reference.js');
    const [http, ws] = await freePorts(2);
    const janus = await startJanus({ http, ws }, ['videoroom']);
    target = { wsUrl: janus.wsUrl, stop: () => janus.stop() };
  } else {
    const sockets = new JanodeSockets();
    const srv = await startInProcess(sockets.overrides());
    target = {
      wsUrl: srv.wsUrl,
      sockets,
      stop: () => srv.stop().finally(() => sockets.remove()),
      relayGroups: () => srv.server.gateway.media?.status?.().relay_groups as { native_members: number; sent: number; failed: number },
    };
  }
  admin = await VideoRoomHandle.open(target.wsUrl);
});

after(async () => {
  await admin?.close();
  await target?.stop();
});

let nextRoom = 7100 + Math.floor(Math.random() * 800) * 10;
const roomId = (): number => nextRoom++;

async function createRoom(extra: Msg = {}): Promise<number> {
  const room = roomId();
  const r = await admin.req({ request: 'create', room, ...extra });
  assert.equal(r.videoroom, 'created', show(r));
  assert.equal(r.room, room);
  return room;
}

/** Joins as a publisher on a new handle; returns the handle and the `joined` event. */
async function joinPublisher(room: number, extra: Msg = {}): Promise<{ vr: VideoRoomHandle; joined: Msg }> {
  const vr = await VideoRoomHandle.open(target.wsUrl);
  const joined = await vr.req({ request: 'join', ptype: 'publisher', room, ...extra });
  assert.equal(joined.videoroom, 'joined', show(joined));
  return { vr, joined };
}

/** Publishes a new werift publisher on `vr` (joined already) and waits for ICE+DTLS. */
async function publish(vr: VideoRoomHandle, body: Msg = { request: 'publish' }): Promise<Publisher> {
  const pub = new Publisher(network);
  const r = await vr.send(body, await pub.offer());
  assert.equal(r.data.configured, 'ok', show(r.data));
  await pub.accept(r.jsep);
  await vr.webrtcup();
  return pub;
}

/** Joins as a subscriber on a new handle with `streams`, answers, sends start; waits for webrtcup. */
async function subscribe(room: number, streams: Msg[], extra: Msg = {}): Promise<{ vr: VideoRoomHandle; sub: Subscriber; attached: Msg }> {
  const vr = await VideoRoomHandle.open(target.wsUrl);
  const r = await vr.send({ request: 'join', ptype: 'subscriber', room, streams, ...extra });
  assert.equal(r.data.videoroom, 'attached', show(r.data));
  const sub = new Subscriber(network);
  const started = await vr.req({ request: 'start' }, await sub.answer(r.jsep));
  assert.equal(started.started, 'ok', show(started));
  await vr.webrtcup();
  return { vr, sub, attached: r.data };
}

const codeOf = (d: Msg): number | undefined => (typeof d.error_code === 'number' ? d.error_code : undefined);

// ---------------------------------------------------------------------------------------------------------------
// 1. Room management.

test('rooms: create (explicit id, random id, existing → 427), exists, list hides private rooms, edit, destroy; 423, 426, 429/433', async () => {
  const room = roomId();
  const created = await admin.req({ request: 'create', room, description: 'Alpha', secret: 'sesame', publishers: 6 });
  assert.deepEqual(created, { videoroom: 'created', room, permanent: false });
  assert.equal(codeOf(await admin.req({ request: 'create', room })), 427, 'an existing id');

  const random = await admin.req({ request: 'create', description: 'Random' });
  assert.equal(random.videoroom, 'created');
  assert.ok(typeof random.room === 'number' && random.room > 0, show(random));

  const hidden = await createRoom({ description: 'Hidden', is_private: true });

  assert.deepEqual(await admin.req({ request: 'exists', room }), { videoroom: 'success', room, exists: true });
  assert.deepEqual(await admin.req({ request: 'exists', room: 999_999_991 }), { videoroom: 'success', room: 999_999_991, exists: false });
  assert.equal((await admin.req({ request: 'exists', room: hidden })).exists, true, 'private rooms exist');

  const list = await admin.req({ request: 'list' });
  assert.equal(list.videoroom, 'success');
  const rooms = arr(list.list);
  const alpha = rooms.find((r) => r.room === room);
  assert.ok(alpha, show(list));
  assert.equal(alpha.description, 'Alpha');
  assert.equal(alpha.max_publishers, 6);
  assert.equal(alpha.pin_required, false);
  assert.equal(alpha.num_participants, 0);
  assert.equal(alpha.audiocodec, 'opus');
  assert.equal(alpha.videocodec, 'vp8');
  assert.ok(rooms.some((r) => r.room === random.room));
  assert.ok(!rooms.some((r) => r.room === hidden), 'private rooms are not listed');

  // Secrets: missing → 429, wrong → 433; the room is untouched.
  assert.equal(codeOf(await admin.req({ request: 'edit', room, new_description: 'x' })), 429);
  assert.equal(codeOf(await admin.req({ request: 'edit', room, secret: 'nope', new_description: 'x' })), 433);
  assert.equal(codeOf(await admin.req({ request: 'destroy', room })), 429);
  assert.equal(codeOf(await admin.req({ request: 'destroy', room, secret: 'nope' })), 433);

  const edited = await admin.req({ request: 'edit', room, secret: 'sesame', new_description: 'Beta', new_secret: 'sesame2', new_publishers: 2 });
  assert.deepEqual(edited, { videoroom: 'edited', room, permanent: false });
  const after = arr((await admin.req({ request: 'list' })).list).find((r) => r.room === room);
  assert.equal(after?.description, 'Beta');
  assert.equal(after?.max_publishers, 2);
  assert.equal(codeOf(await admin.req({ request: 'destroy', room, secret: 'sesame' })), 433, 'the old secret no longer works');

  // Unknown room → 426 (sync and async requests), unknown request → 423.
  assert.equal(codeOf(await admin.req({ request: 'edit', room: 999_999_992, new_description: 'x' })), 426);
  assert.equal(codeOf(await admin.req({ request: 'destroy', room: 999_999_992 })), 426);
  assert.equal(codeOf(await admin.req({ request: 'listparticipants', room: 999_999_992 })), 426);
  assert.equal(codeOf(await admin.req({ request: 'nonsense' })), 423);
  const j = await VideoRoomHandle.open(target.wsUrl);
  try {
    assert.equal(codeOf(await j.req({ request: 'join', ptype: 'publisher', room: 999_999_992 })), 426);
  } finally {
    await j.close();
  }

  assert.deepEqual(await admin.req({ request: 'destroy', room, secret: 'sesame2' }), { videoroom: 'destroyed', room, permanent: false });
  assert.equal((await admin.req({ request: 'exists', room })).exists, false);
  assert.equal(codeOf(await admin.req({ request: 'destroy', room, secret: 'sesame2' })), 426, 'already destroyed');
  await admin.req({ request: 'destroy', room: random.room });
  await admin.req({ request: 'destroy', room: hidden });
});

test('access: pin on join (missing → 429, wrong → 433), allowed tokens (add/enable/remove/disable; no or unlisted token → 433)', async () => {
  const room = await createRoom({ secret: 's', pin: '1234' });
  const vrs: VideoRoomHandle[] = [];
  const open = async (): Promise<VideoRoomHandle> => {
    const vr = await VideoRoomHandle.open(target.wsUrl);
    vrs.push(vr);
    return vr;
  };
  try {
    // Pin: missing → 429, wrong → 433, right → joined.
    assert.equal(codeOf(await (await open()).req({ request: 'join', ptype: 'publisher', room })), 429);
    assert.equal(codeOf(await (await open()).req({ request: 'join', ptype: 'publisher', room, pin: '9999' })), 433);
    assert.equal((await (await open()).req({ request: 'join', ptype: 'publisher', room, pin: '1234' })).videoroom, 'joined');

    // The ACL needs the room secret.
    assert.equal(codeOf(await admin.req({ request: 'allowed', room, action: 'add', allowed: ['alice'] })), 429);
    assert.equal(codeOf(await admin.req({ request: 'allowed', room, secret: 'x', action: 'add', allowed: ['alice'] })), 433);
    assert.equal(codeOf(await admin.req({ request: 'allowed', room, secret: 's', action: 'sideways' })), 430);
    // "add" fills the list, "enable" turns the check on (and answers with the list).
    assert.deepEqual(await admin.req({ request: 'allowed', room, secret: 's', action: 'add', allowed: ['alice'] }), { videoroom: 'success', room, allowed: ['alice'] });
    assert.deepEqual(await admin.req({ request: 'allowed', room, secret: 's', action: 'enable' }), { videoroom: 'success', room, allowed: ['alice'] });
    assert.equal(codeOf(await (await open()).req({ request: 'join', ptype: 'publisher', room, pin: '1234' })), 433, 'no token');
    assert.equal(codeOf(await (await open()).req({ request: 'join', ptype: 'publisher', room, pin: '1234', token: 'mallory' })), 433, 'token not allowed');
    assert.equal((await (await open()).req({ request: 'join', ptype: 'publisher', room, pin: '1234', token: 'alice' })).videoroom, 'joined');

    const added = await admin.req({ request: 'allowed', room, secret: 's', action: 'add', allowed: ['bob'] });
    assert.deepEqual(strings(added.allowed).sort(), ['alice', 'bob'], show(added));
    assert.equal((await (await open()).req({ request: 'join', ptype: 'publisher', room, pin: '1234', token: 'bob' })).videoroom, 'joined');
    const removed = await admin.req({ request: 'allowed', room, secret: 's', action: 'remove', allowed: ['alice'] });
    assert.deepEqual(removed.allowed, ['bob']);
    assert.equal(codeOf(await (await open()).req({ request: 'join', ptype: 'publisher', room, pin: '1234', token: 'alice' })), 433, 'removed');
    // Subscribers need the pin too.
    assert.equal(codeOf(await (await open()).req({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: 1 }] })), 429);
    assert.equal(codeOf(await (await open()).req({ request: 'join', ptype: 'subscriber', room, pin: '0000', streams: [{ feed: 1 }] })), 433);

    const disabled = await admin.req({ request: 'allowed', room, secret: 's', action: 'disable' });
    assert.equal(disabled.videoroom, 'success', show(disabled));
    assert.equal((await (await open()).req({ request: 'join', ptype: 'publisher', room, pin: '1234' })).videoroom, 'joined', 'ACL off');
  } finally {
    await Promise.all(vrs.map((v) => v.close()));
    await admin.req({ request: 'destroy', room, secret: 's' });
  }
});

test('participants: 424 before join, 425 second join, 436 duplicate id, listparticipants, kick, destroy notifies everyone', async () => {
  const room = await createRoom({ secret: 's' });
  const vrs: VideoRoomHandle[] = [];
  try {
    const fresh = await VideoRoomHandle.open(target.wsUrl);
    vrs.push(fresh);
    assert.equal(codeOf(await fresh.req({ request: 'configure', bitrate: 1000 })), 424, 'configure before join');
    assert.equal(codeOf(await fresh.req({ request: 'unpublish' })), 424, 'unpublish before join');

    const a = await joinPublisher(room, { id: 501, display: 'Ann' });
    vrs.push(a.vr);
    assert.equal(a.joined.room, room);
    assert.equal(a.joined.id, 501);
    assert.equal(typeof a.joined.private_id, 'number');
    assert.deepEqual(a.joined.publishers, []);
    const again = await a.vr.req({ request: 'join', ptype: 'publisher', room });
    assert.equal(codeOf(again), 425, show(again));
    assert.equal(codeOf(await a.vr.req({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: 501 }] })), 425);

    const dup = await VideoRoomHandle.open(target.wsUrl);
    vrs.push(dup);
    assert.equal(codeOf(await dup.req({ request: 'join', ptype: 'publisher', room, id: 501 })), 436);

    const b = await joinPublisher(room, { id: 502, display: 'Ben' });
    vrs.push(b.vr);
    const c = await joinPublisher(room, { display: 'Cid' });
    vrs.push(c.vr);
    const cid = Number(c.joined.id);
    assert.ok(cid > 0);

    const parts = await admin.req({ request: 'listparticipants', room });
    assert.equal(parts.videoroom, 'participants');
    assert.equal(parts.room, room);
    const byId = new Map(arr(parts.participants).map((p) => [p.id, p]));
    assert.deepEqual([...byId.keys()].sort(), [501, 502, cid].sort());
    assert.equal(byId.get(501)?.display, 'Ann');
    assert.equal(byId.get(501)?.publisher, false, 'joined but not publishing');

    // Kick: secret needed; the kicked handle is told so, the others see it go.
    assert.equal(codeOf(await admin.req({ request: 'kick', room, id: 502 })), 429);
    assert.equal(codeOf(await admin.req({ request: 'kick', room, secret: 'x', id: 502 })), 433);
    assert.equal(codeOf(await admin.req({ request: 'kick', room, secret: 's', id: 999 })), 428);
    const markB = b.vr.mark();
    const markA = a.vr.mark();
    assert.deepEqual(await admin.req({ request: 'kick', room, secret: 's', id: 502 }), { videoroom: 'success' });
    const kicked = await b.vr.next('leaving (kicked)', (d) => d.leaving !== undefined, markB);
    assert.equal(kicked.data.leaving, 'ok', show(kicked.data));
    assert.equal(kicked.data.reason, 'kicked');
    assert.equal(kicked.data.room, room);
    await a.vr.next('kicked notice', (d) => d.kicked === 502 || d.leaving === 502, markA);
    const left = arr((await admin.req({ request: 'listparticipants', room })).participants).map((p) => p.id);
    assert.deepEqual(left.sort(), [501, cid].sort());
    // The kicked handle is out: whatever it asks now is refused.
    const afterKick = await b.vr.req({ request: 'configure', bitrate: 1000 });
    assert.ok(codeOf(afterKick) !== undefined, show(afterKick));

    // Closing a participant's session (a browser tab going away) is a leave: the others hear "leaving".
    const d = await joinPublisher(room, { id: 503, display: 'Dee' });
    const dMark = a.vr.mark();
    await d.vr.close();
    assert.equal((await a.vr.next('leaving (session destroyed)', (x) => x.leaving === 503, dMark)).data.room, room);

    // Destroy: every participant is told.
    const marks = [a.vr.mark(), c.vr.mark()];
    assert.equal((await admin.req({ request: 'destroy', room, secret: 's' })).videoroom, 'destroyed');
    for (const [i, p] of [a.vr, c.vr].entries()) {
      const ev = await p.next('destroyed', (d) => d.videoroom === 'destroyed', marks[i]);
      assert.equal(ev.data.room, room);
    }
    // Out of the room: Janus answers 426 (its participant still points at the destroyed room), 424 is as good.
    const out = await a.vr.req({ request: 'configure', bitrate: 1000 });
    assert.ok(codeOf(out) === 426 || codeOf(out) === 424, `a participant of a destroyed room is out: ${show(out)}`);
  } finally {
    await Promise.all(vrs.map((v) => v.close()));
    await admin.req({ request: 'destroy', room, secret: 's' });
  }
});

test('a handle joins once: after a kick or a leave, join on the same handle → 425 (a new handle is needed)', async () => {
  const room = await createRoom({ secret: 's' });
  const vrs: VideoRoomHandle[] = [];
  try {
    const k = await joinPublisher(room, { id: 511 });
    vrs.push(k.vr);
    assert.deepEqual(await admin.req({ request: 'kick', room, secret: 's', id: 511 }), { videoroom: 'success' });
    await k.vr.next('leaving (kicked)', (d) => d.reason === 'kicked');
    // Janus: 425 "Not in a room (create a new handle)"; 433 "Unauthorized, you have been kicked" would do as well.
    const rejoin = await k.vr.req({ request: 'join', ptype: 'publisher', room, id: 511 });
    assert.ok(codeOf(rejoin) === 425 || codeOf(rejoin) === 433, `the kicked handle joined again: ${show(rejoin)}`);
    const l = await joinPublisher(room, { id: 512 });
    vrs.push(l.vr);
    assert.equal((await l.vr.req({ request: 'leave' })).leaving, 'ok');
    const again = await l.vr.req({ request: 'join', ptype: 'publisher', room, id: 512 });
    assert.equal(codeOf(again), 425, `the handle joined again after leave: ${show(again)}`);
  } finally {
    await Promise.all(vrs.map((v) => v.close()));
    await admin.req({ request: 'destroy', room, secret: 's' });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// 2. janode: one whole flow through its VideoRoom wrapper.

for (const transport of JANODE_TRANSPORTS) {
  test(
    `janode VideoRoom over ${transport}: create, exists, list, publisher + subscriber with media, participants, forwarder, unpublish, leave, destroy`,
    { timeout: 40_000, skip: janodeTransportUnavailable(transport) },
    async (t) => {
      const sockets = target.sockets;
      if (transport !== 'WebSocket' && !sockets) return t.skip('Janus here is run with WebSocket only');
      const janode = await loadJanodeVideoRoom();
      const plugin = janode.plugin;
      const conn = await janode.connect({ address: [{ url: sockets ? sockets.url(transport, target.wsUrl) : target.wsUrl }], max_retries: 0 });
      const pub = new Publisher(network);
      const sub = new Subscriber(network);
      const sink = await udpSink();
      try {
        const session = await conn.create();
        const ph = await session.attach(plugin);
        const sh = await session.attach(plugin);
        const room = roomId();
        const created = await ph.create({ room, description: 'janode room', secret: 'js' });
        assert.equal(created.room, room);
        assert.equal(created.permanent, false);
        assert.equal((await ph.exists({ room })).exists, true);
        assert.ok(arr((await ph.list()).list).some((r) => r.room === room));

        const joined = await ph.joinPublisher({ room, feed: 777, display: 'janode pub' });
        assert.equal(joined.feed, 777);
        assert.equal(joined.room, room);
        assert.ok(typeof joined.private_id === 'number');
        const configured = await ph.publish({ jsep: await pub.offer() });
        assert.equal(configured.configured, 'ok');
        await pub.accept(toJsep(configured.jsep));
        pub.startSending();
        // The feed can be subscribed to once its PeerConnection is up: listParticipants says "publisher".
        const publishing = async (): Promise<boolean> => arr((await ph.listParticipants({ room })).participants).some((p) => p.feed === 777 && p.publisher === true);
        for (let deadline = Date.now() + 15_000; !(await publishing()); await sleep(50)) assert.ok(Date.now() < deadline, 'the janode publisher never became active');

        const attached = await sh.joinSubscriber({ room, streams: [{ feed: 777 }] });
        assert.equal(attached.room, room);
        assert.equal(arr(attached.streams).length, 2, show(attached.streams));
        const started = await sh.start({ jsep: await sub.answer(toJsep(attached.jsep)) });
        assert.equal(started.started, 'ok');
        await waitFor(() => sub.received.audio >= 5 && sub.received.video >= 5, { timeout: 15_000, what: 'RTP on both subscribed tracks' });

        const parts = arr((await ph.listParticipants({ room })).participants);
        assert.deepEqual(
          parts.map((p) => [p.feed, p.display, p.publisher]),
          [[777, 'janode pub', true]],
        );

        const fwd = await ph.startForward({ room, feed: 777, secret: 'js', host: '127.0.0.1', streams: [{ mid: pub.videoMid, port: sink.port }] });
        const forwarders = arr(fwd.forwarders);
        assert.equal(forwarders.length, 1, show(fwd));
        assert.equal(forwarders[0].video_port, sink.port);
        await waitFor(() => sink.packets.length >= 3, { timeout: 8000, what: 'forwarded RTP at the test socket' });
        const listed = arr((await ph.listForward({ room, secret: 'js' })).forwarders);
        assert.equal(listed[0]?.feed, 777, show(listed));
        const stopped = await ph.stopForward({ room, feed: 777, stream: forwarders[0].video_stream, secret: 'js' });
        assert.equal(stopped.stream, forwarders[0].video_stream);

        const unpublished = await ph.unpublish();
        assert.equal(unpublished.feed, 777);
        pub.stopSending();
        assert.equal((await ph.leave()).feed, 777);
        await sh.leave();
        assert.equal((await ph.destroy({ room, secret: 'js' })).room, room);
        assert.equal((await ph.exists({ room })).exists, false);
        await session.destroy();
      } finally {
        sink.socket.close();
        await pub.close();
        await sub.close();
        await conn.close();
      }
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Media with raw messages: publisher, 432, subscriber, moderate, rtp_forward, unpublish and leave.

test('media: a werift publisher (Opus + VP8) reaches a subscriber; 432; moderate; rtp_forward; unpublish → updated; leave → leaving', { timeout: 50_000 }, async () => {
  const room = await createRoom({ secret: 's', publishers: 1 });
  const vrs: VideoRoomHandle[] = [];
  const peers: Array<{ close(): Promise<void> }> = [];
  const sink = await udpSink();
  try {
    const watcher = await joinPublisher(room, { display: 'watcher' });
    vrs.push(watcher.vr);
    const p = await joinPublisher(room, { id: 601, display: 'Pia' });
    vrs.push(p.vr);
    const wMark = watcher.vr.mark();
    const pub = await publish(p.vr);
    peers.push(pub);
    pub.startSending();

    // Everyone else in the room hears of the new publisher and its streams.
    const announced = await watcher.vr.next('publishers event', (d) => Array.isArray(d.publishers) && arr(d.publishers).some((x) => x.id === 601), wMark);
    const entry = arr(announced.data.publishers).find((x) => x.id === 601);
    assert.equal(entry?.display, 'Pia');
    assert.equal(entry?.audio_codec, 'opus');
    assert.equal(entry?.video_codec, 'vp8');
    const streams = arr(entry?.streams);
    assert.deepEqual(
      streams.map((s) => [s.type, s.mid, s.codec]),
      [
        ['audio', pub.audioMid, 'opus'],
        ['video', pub.videoMid, 'vp8'],
      ],
      show(streams),
    );
    assert.equal(arr((await admin.req({ request: 'listparticipants', room })).participants).find((x) => x.id === 601)?.publisher, true);
    // A later joiner gets the publisher in its joined event.
    const late = await joinPublisher(room, { display: 'late' });
    vrs.push(late.vr);
    assert.deepEqual(
      arr(late.joined.publishers).map((x) => x.id),
      [601],
    );

    // Room for one publisher only: a second one is refused with 432.
    const extra = new Publisher(network);
    peers.push(extra);
    const full = await watcher.vr.send({ request: 'publish' }, await extra.offer());
    assert.equal(codeOf(full.data), 432, show(full.data));
    assert.equal(full.jsep, undefined);

    // A subscriber to both streams of the feed.
    const s = await subscribe(room, [{ feed: 601 }]);
    vrs.push(s.vr);
    peers.push(s.sub);
    const subStreams = arr(s.attached.streams);
    assert.deepEqual(
      subStreams.map((x) => [x.mid, x.type, x.feed_id, x.feed_mid, x.codec]),
      [
        ['0', 'audio', 601, pub.audioMid, 'opus'],
        ['1', 'video', 601, pub.videoMid, 'vp8'],
      ],
      show(subStreams),
    );
    assert.ok(
      subStreams.every((x) => x.active === true && x.ready !== undefined),
      show(subStreams),
    );
    await waitFor(() => s.sub.received.audio >= 10 && s.sub.received.video >= 10, { timeout: 15_000, what: 'RTP on both subscribed tracks' });
    assert.deepEqual(s.sub.lastPayload.video, VP8_KEYFRAME, 'the video payload as published');
    assert.equal(s.sub.lastPayload.audio?.subarray(0, 3).toString('hex'), 'f8fffe', 'the audio payload as published');
    // With the addon, each of the feed's streams reached the subscriber through a native fan-out group.
    const groups = target.relayGroups?.();
    if (groups && nativeAddon()) assert.ok(groups.native_members >= 2 && groups.sent >= 20 && groups.failed === 0, JSON.stringify(groups));
    // A new subscriber needs a keyframe: the server asks the publisher (PLI) — checked at the end.
    const pliAtPublisher = expectSoon('a PLI at the publisher after the subscriber joined', () => pub.plis > 0, 3000);
    assert.equal(codeOf(await s.vr.req({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: 601 }] })), 425);
    assert.equal(codeOf(await s.vr.req({ request: 'join', ptype: 'publisher', room })), 425);
    const stranger = await VideoRoomHandle.open(target.wsUrl);
    vrs.push(stranger);
    assert.equal(codeOf(await stranger.req({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: 424242 }] })), 428, 'unknown feed');

    // Moderation: the target and the others are told; the subscriber gets no more audio.
    assert.equal(codeOf(await admin.req({ request: 'moderate', room, id: 601, mid: pub.audioMid, mute: true })), 429);
    const pMark = p.vr.mark();
    const mMark = watcher.vr.mark();
    assert.deepEqual(await admin.req({ request: 'moderate', room, secret: 's', id: 601, mid: pub.audioMid, mute: true }), { videoroom: 'success' });
    for (const [vr, mark] of [
      [p.vr, pMark],
      [watcher.vr, mMark],
    ] as const) {
      const ev = await vr.next('moderation muted', (d) => d.moderation !== undefined, mark);
      assert.deepEqual([ev.data.id, ev.data.mid, ev.data.moderation], [601, pub.audioMid, 'muted'], show(ev.data));
    }
    await sleep(200);
    const audioMuted = s.sub.received.audio;
    const videoMuted = s.sub.received.video;
    await sleep(400);
    assert.ok(s.sub.received.audio - audioMuted <= 1, `muted audio is not relayed (${s.sub.received.audio - audioMuted} more)`);
    assert.ok(s.sub.received.video - videoMuted >= 5, 'video goes on');
    assert.deepEqual(await admin.req({ request: 'moderate', room, secret: 's', id: 601, mid: pub.audioMid, mute: false }), { videoroom: 'success' });
    const unmuted = s.sub.received.audio;
    await waitFor(() => s.sub.received.audio >= unmuted + 5, { timeout: 8000, what: 'audio again after unmute' });

    // RTP forwarder of the video to a UDP socket of ours.
    const noSecret = await admin.req({ request: 'rtp_forward', room, publisher_id: 601, host: '127.0.0.1', streams: [{ mid: pub.videoMid, port: sink.port }] });
    assert.equal(codeOf(noSecret), 429, show(noSecret));
    const fw = await admin.req({ request: 'rtp_forward', room, secret: 's', publisher_id: 601, host: '127.0.0.1', streams: [{ mid: pub.videoMid, port: sink.port, ssrc: 4321, pt: 100 }] });
    assert.equal(fw.videoroom, 'rtp_forward', show(fw));
    assert.equal(fw.room, room);
    assert.equal(fw.publisher_id, 601);
    const fwds = arr(fw.forwarders);
    assert.equal(fwds.length, 1, show(fw));
    assert.equal(fwds[0].type, 'video');
    assert.equal(fwds[0].host, '127.0.0.1');
    assert.equal(fwds[0].port, sink.port);
    const streamId = fwds[0].stream_id;
    assert.equal(typeof streamId, 'number');
    await waitFor(() => sink.packets.length >= 10, { timeout: 8000, what: 'forwarded RTP' });
    const first = sink.packets[0];
    assert.equal(first[0] >> 6, 2, 'RTP version 2');
    assert.equal(first.readUInt32BE(8), 4321, 'the SSRC asked for');
    assert.equal(first[1] & 0x7f, 100, 'the payload type asked for');
    assert.deepEqual(first.subarray(first.length - VP8_KEYFRAME.length), VP8_KEYFRAME, 'the payload as published');
    const lf = await admin.req({ request: 'listforwarders', room, secret: 's' });
    assert.equal(lf.videoroom, 'forwarders', show(lf));
    const pubs = arr(lf.publishers);
    assert.equal(pubs.length, 1, show(lf));
    assert.equal(pubs[0].publisher_id, 601);
    assert.deepEqual(
      arr(pubs[0].forwarders).map((f) => [f.stream_id, f.port]),
      [[streamId, sink.port]],
    );
    assert.equal(codeOf(await admin.req({ request: 'stop_rtp_forward', room, secret: 's', publisher_id: 601, stream_id: 12345 })), 428);
    const stop = await admin.req({ request: 'stop_rtp_forward', room, secret: 's', publisher_id: 601, stream_id: streamId });
    assert.deepEqual(stop, { videoroom: 'stop_rtp_forward', room, publisher_id: 601, stream_id: streamId });
    await sleep(150);
    const forwarded = sink.packets.length;
    await sleep(400);
    assert.equal(sink.packets.length, forwarded, 'nothing forwarded after stop_rtp_forward');
    assert.deepEqual(
      arr((await admin.req({ request: 'listforwarders', room, secret: 's' })).publishers).flatMap((x) => arr(x.forwarders)),
      [],
    );

    // Unpublish: the publisher is told, the room hears "unpublished", the subscriber's streams go inactive.
    const sMark = s.vr.mark();
    const wMark2 = watcher.vr.mark();
    const un = await p.vr.req({ request: 'unpublish' });
    assert.equal(un.unpublished, 'ok', show(un));
    assert.equal(un.room, room);
    pub.stopSending();
    assert.equal((await watcher.vr.next('unpublished', (d) => d.unpublished !== undefined, wMark2)).data.unpublished, 601);
    const updated = await s.vr.next('updated (autoupdate)', (d) => d.videoroom === 'updated', sMark);
    assert.equal(updated.data.room, room);
    assert.ok(
      arr(updated.data.streams).every((x) => x.active === false),
      show(updated.data),
    );
    assert.equal(updated.jsep?.type, 'offer', 'the renegotiation offer comes with "updated"');
    assert.doesNotMatch(updated.jsep.sdp, /a=sendonly/, 'nothing is sent any more (m-lines inactive or closed)');
    const restarted = await s.vr.req({ request: 'start' }, await s.sub.answer(updated.jsep));
    assert.equal(restarted.started, 'ok', show(restarted));
    assert.equal(codeOf(await p.vr.req({ request: 'unpublish' })), 435, 'not published any more');
    assert.equal(arr((await admin.req({ request: 'listparticipants', room })).participants).find((x) => x.id === 601)?.publisher, false);

    // Leave: the room hears "leaving".
    const wMark3 = watcher.vr.mark();
    const lv = await p.vr.req({ request: 'leave' });
    assert.equal(lv.leaving, 'ok', show(lv));
    const leaving = await watcher.vr.next('leaving', (d) => d.leaving !== undefined, wMark3);
    assert.equal(leaving.data.leaving, 601);
    assert.ok(!arr((await admin.req({ request: 'listparticipants', room })).participants).some((x) => x.id === 601));
    const sl = await s.vr.req({ request: 'leave' });
    assert.equal(sl.left, 'ok', show(sl));
    await pliAtPublisher();
  } finally {
    sink.socket.close();
    await Promise.all(peers.map((x) => x.close()));
    await Promise.all(vrs.map((v) => v.close()));
    await admin.req({ request: 'destroy', room, secret: 's' });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// 4. Remote publishers (cascading): plain RTP on one port, demultiplexed by SSRC = 1000 + 10·mindex.

const REMOTE_STREAMS: Msg[] = [
  { mid: '0', mindex: 0, type: 'audio', codec: 'opus' },
  { mid: '1', mindex: 1, type: 'video', codec: 'vp8' },
];

/**
 * add_remote_publisher → subscriber receives → remove_remote_publisher announces unpublished. Answers with the check
 * of the keyframe request to the remote side, for the caller to run last.
 */
async function remotePublisherScenario(wsUrl: string, adminVr: VideoRoomHandle, room: number, secret: string): Promise<() => Promise<void>> {
  const vrs: VideoRoomHandle[] = [];
  const peers: Array<{ close(): Promise<void> }> = [];
  let feed: RemoteFeed | undefined;
  try {
    const watcherVr = await VideoRoomHandle.open(wsUrl);
    vrs.push(watcherVr);
    assert.equal((await watcherVr.req({ request: 'join', ptype: 'publisher', room, display: 'watcher' })).videoroom, 'joined');
    const wMark = watcherVr.mark();

    assert.equal(codeOf(await adminVr.req({ request: 'add_remote_publisher', room, iface: '127.0.0.1', streams: REMOTE_STREAMS })), 429, 'secret needed');
    assert.equal(codeOf(await adminVr.req({ request: 'add_remote_publisher', room, secret, iface: '127.0.0.1' })), 429, 'streams needed');
    const added = await adminVr.req({ request: 'add_remote_publisher', room, secret, id: 8800, display: 'Remote', iface: '127.0.0.1', streams: REMOTE_STREAMS });
    assert.equal(added.videoroom, 'success', show(added));
    assert.equal(added.room, room);
    assert.equal(added.id, 8800);
    assert.equal(added.ip, '127.0.0.1');
    const port = Number(added.port);
    assert.ok(port > 0 && Number(added.rtcp_port) > 0 && port !== added.rtcp_port, show(added));

    // Announced at once, before any media.
    const announced = await watcherVr.next('remote publisher announced', (d) => arr(d.publishers).some((x) => x.id === 8800), wMark);
    const entry = arr(announced.data.publishers).find((x) => x.id === 8800);
    assert.equal(entry?.display, 'Remote');
    assert.deepEqual(
      arr(entry?.streams).map((x) => [x.type, x.mid, x.codec]),
      [
        ['audio', '0', 'opus'],
        ['video', '1', 'vp8'],
      ],
      show(entry),
    );
    const listed = arr((await adminVr.req({ request: 'listparticipants', room })).participants).find((x) => x.id === 8800);
    assert.ok(listed, 'listed as a participant');
    // (Janus puts the remote publisher in the room from its receive thread: ask for the same id only now.)
    assert.equal(codeOf(await adminVr.req({ request: 'add_remote_publisher', room, secret, id: 8800, iface: '127.0.0.1', streams: REMOTE_STREAMS })), 436, 'id taken');

    feed = feedRemote(port, Number(added.rtcp_port));
    const sVr = await VideoRoomHandle.open(wsUrl);
    vrs.push(sVr);
    const r = await sVr.send({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: 8800 }] });
    assert.equal(r.data.videoroom, 'attached', show(r.data));
    assert.deepEqual(
      arr(r.data.streams).map((x) => [x.type, x.feed_id]),
      [
        ['audio', 8800],
        ['video', 8800],
      ],
    );
    const sub = new Subscriber(network);
    peers.push(sub);
    assert.equal((await sVr.req({ request: 'start' }, await sub.answer(r.jsep))).started, 'ok');
    await sVr.webrtcup();
    await waitFor(() => sub.received.audio >= 5 && sub.received.video >= 5, { timeout: 15_000, what: 'remote publisher RTP at the subscriber' });
    assert.deepEqual(sub.lastPayload.video, VP8_KEYFRAME, 'the video payload as sent');
    // A new subscriber makes the server ask the remote side for a keyframe: a PLI for SSRC 1010 to the address its
    // RTCP port latched (checked at the end).
    const f = feed;
    const pliToRemote = expectSoon('a PLI for the remote video (SSRC 1010) from the RTCP port', () => f.plis.includes(1010), 4000);

    const wMark2 = watcherVr.mark();
    const sMark = sVr.mark();
    assert.equal(codeOf(await adminVr.req({ request: 'remove_remote_publisher', room, secret, id: 4711 })), 428);
    assert.deepEqual(await adminVr.req({ request: 'remove_remote_publisher', room, secret, id: 8800 }), { videoroom: 'success' });
    await watcherVr.next('unpublished (remote)', (d) => d.unpublished === 8800 || d.leaving === 8800, wMark2);
    const upd = await sVr.next('updated (remote gone)', (d) => d.videoroom === 'updated', sMark);
    assert.ok(
      arr(upd.data.streams).every((x) => x.active === false),
      show(upd.data),
    );
    assert.ok(!arr((await adminVr.req({ request: 'listparticipants', room })).participants).some((x) => x.id === 8800));
    return pliToRemote;
  } finally {
    feed?.stop();
    await Promise.all(peers.map((x) => x.close()));
    await Promise.all(vrs.map((v) => v.close()));
  }
}

test("room bitrate: the publisher gets the room's cap as REMB once its media flows, and again each second", { timeout: 30_000 }, async () => {
  const room = await createRoom({ bitrate: 128000 });
  const { vr } = await joinPublisher(room);
  const pub = await publish(vr);
  try {
    // The cap used to be sent once, when the connection came up and before any of the publisher's SSRCs was known.
    const rembs: number[] = [];
    pub.pc.dtlsTransports[0].onRtcp.subscribe((p) => {
      if (p instanceof RtcpPayloadSpecificFeedback && p.feedback instanceof ReceiverEstimatedMaxBitrate) rembs.push(Number(p.feedback.bitrate));
    });
    pub.startSending();
    await waitFor(() => rembs.length >= 3, { timeout: 8000, what: 'three REMBs' });
    assert.ok(
      rembs.every((b) => b > 0 && b <= 128000),
      `REMBs within the room's cap: ${rembs.join(', ')}`,
    );
    assert.equal(rembs[rembs.length - 1], 128000, 'the cap itself');
  } finally {
    await pub.close();
    await vr.close();
  }
});

test('remote publisher: add_remote_publisher on 127.0.0.1, plain RTP with SSRC 1000/1010 reaches a subscriber, remove_remote_publisher', { timeout: 40_000 }, async () => {
  const room = await createRoom({ secret: 's' });
  try {
    const pliToRemote = await remotePublisherScenario(target.wsUrl, admin, room, 's');
    await pliToRemote();
  } finally {
    await admin.req({ request: 'destroy', room, secret: 's' });
  }
});

test('remote publisher: bad interfaces are refused with 499, and nothing is left half-created', async () => {
  const room = await createRoom({ secret: 's' });
  try {
    const bad = await admin.req({ request: 'add_remote_publisher', room, secret: 's', id: 8801, iface: 'nosuchif0', streams: REMOTE_STREAMS });
    assert.equal(codeOf(bad), 499, show(bad));
    assert.ok(!arr((await admin.req({ request: 'listparticipants', room })).participants).some((x) => x.id === 8801));
    assert.equal(codeOf(await admin.req({ request: 'add_remote_publisher', room: 999_999_993, secret: 's', streams: REMOTE_STREAMS })), 426);
  } finally {
    await admin.req({ request: 'destroy', room, secret: 's' });
  }
});

// Janus ≥ 1.3.1 takes "0.0.0.0" as IPv4-any (ipv6.md §3); Debian's Janus 1.1.2 predates that and answers 499.
test('remote publisher: iface "0.0.0.0" binds IPv4-any and is reported as ip "0.0.0.0"', { skip: AGAINST_JANUS ? 'Janus 1.1.2 predates the 0.0.0.0 fix' : false }, async () => {
  const room = await createRoom({ secret: 's' });
  const feed = await udpSink();
  try {
    const any4 = await admin.req({ request: 'add_remote_publisher', room, secret: 's', id: 8802, iface: '0.0.0.0', streams: REMOTE_STREAMS });
    assert.equal(any4.videoroom, 'success', show(any4));
    assert.equal(any4.ip, '0.0.0.0');
    // The port takes IPv4 datagrams (a sender to 127.0.0.1 reaches a socket on 0.0.0.0).
    feed.socket.send(remoteRtp(1, 1000, 111, Buffer.from('x')), Number(any4.port), '127.0.0.1');
    assert.deepEqual(await admin.req({ request: 'remove_remote_publisher', room, secret: 's', id: 8802 }), { videoroom: 'success' });
  } finally {
    feed.socket.close();
    await admin.req({ request: 'destroy', room, secret: 's' });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// 5. The host that cannot create IPv6 sockets (errno 97, EAFNOSUPPORT): Janus's remote publishers failed there.

test(
  'no IPv6 on the host: add_remote_publisher and rtp_forward work in a server that cannot create IPv6 sockets',
  { timeout: 60_000, skip: AGAINST_JANUS ? 'needs a Portunus child process' : false },
  async () => {
    const child = await startChildServer([], await noIpv6Env());
    const cAdmin = await VideoRoomHandle.open(child.wsUrl);
    const vrs: VideoRoomHandle[] = [];
    const peers: Array<{ close(): Promise<void> }> = [];
    const sink = await udpSink();
    try {
      assert.match(child.log(), /videoroom: IPv6 unavailable/, 'the plugin noticed the missing IPv6');
      const room = roomId();
      assert.equal((await cAdmin.req({ request: 'create', room, secret: 'n' })).videoroom, 'created');

      // Remote publisher without an interface (the default family must be IPv4 here), then on 127.0.0.1 with media.
      const plain = await cAdmin.req({ request: 'add_remote_publisher', room, secret: 'n', id: 9100, streams: REMOTE_STREAMS });
      assert.equal(plain.videoroom, 'success', show(plain));
      assert.ok(Number(plain.port) > 0 && Number(plain.rtcp_port) > 0, show(plain));
      assert.equal(plain.ip, undefined);
      const v6 = await cAdmin.req({ request: 'add_remote_publisher', room, secret: 'n', id: 9101, iface: '::', streams: REMOTE_STREAMS });
      assert.equal(codeOf(v6), 499, show(v6));
      assert.deepEqual(await cAdmin.req({ request: 'remove_remote_publisher', room, secret: 'n', id: 9100 }), { videoroom: 'success' });
      const pliToRemote = await remotePublisherScenario(child.wsUrl, cAdmin, room, 'n');

      // A WebRTC publisher in the child, forwarded to our IPv4 socket.
      const p = await VideoRoomHandle.open(child.wsUrl);
      vrs.push(p);
      assert.equal((await p.req({ request: 'join', ptype: 'publisher', room, id: 9200 })).videoroom, 'joined');
      const pub = await publish(p);
      peers.push(pub);
      pub.startSending();
      const fw = await cAdmin.req({
        request: 'rtp_forward',
        room,
        secret: 'n',
        publisher_id: 9200,
        host: '127.0.0.1',
        streams: [
          { mid: pub.videoMid, port: sink.port },
          { mid: pub.audioMid, port: sink.port },
        ],
      });
      assert.equal(fw.videoroom, 'rtp_forward', show(fw));
      assert.equal(arr(fw.forwarders).length, 2, show(fw));
      await waitFor(() => sink.packets.length >= 20, { timeout: 10_000, what: 'forwarded RTP from the server without IPv6' });
      // An IPv6 target cannot be reached from here: refused up front (Janus would fail silently at sendto).
      const v6target = await cAdmin.req({ request: 'rtp_forward', room, secret: 'n', publisher_id: 9200, host: '::1', streams: [{ mid: pub.videoMid, port: sink.port }] });
      assert.equal(codeOf(v6target), 430, show(v6target));
      for (const f of arr(fw.forwarders)) {
        const stop = await cAdmin.req({ request: 'stop_rtp_forward', room, secret: 'n', publisher_id: 9200, stream_id: f.stream_id });
        assert.equal(stop.videoroom, 'stop_rtp_forward', show(stop));
      }
      assert.equal(child.child.exitCode, null, 'the server is still running');
      assert.equal((await cAdmin.req({ request: 'destroy', room, secret: 'n' })).videoroom, 'destroyed');
      await pliToRemote();
    } finally {
      sink.socket.close();
      await Promise.all(peers.map((x) => x.close()));
      await Promise.all(vrs.map((v) => v.close()));
      await cAdmin.close();
      await child.stop();
    }
  },
);

test('e2ee: one subscription cannot mix end-to-end encrypted feeds with plain ones (438)', { skip: AGAINST_JANUS ? 'Portunus behaviour' : false }, async () => {
  const room = await createRoom({ publishers: 4 });
  const a = await joinPublisher(room, { display: 'plain' });
  const b = await joinPublisher(room, { display: 'e2ee' });
  const pa = await publish(a.vr);
  // An e2ee publisher says so in its JSEP (insertable streams); the media itself is opaque to the server anyway.
  const pb = new Publisher(network);
  const r = await b.vr.send({ request: 'publish' }, { ...(await pb.offer()), e2ee: true });
  assert.equal(r.data.configured, 'ok', show(r.data));
  assert.equal(r.jsep?.e2ee, true, 'the answer is flagged e2ee as well');
  await pb.accept(r.jsep);
  await b.vr.webrtcup();
  const vr = await VideoRoomHandle.open(target.wsUrl);
  try {
    const mixed = await vr.send({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: a.joined.id }, { feed: b.joined.id }] });
    assert.equal(codeOf(mixed.data), 438, show(mixed.data));
    const alone = await vr.send({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: b.joined.id }] });
    assert.equal(alone.data.videoroom, 'attached', show(alone.data));
    assert.equal(alone.jsep?.e2ee, true, 'an e2ee feed is offered flagged e2ee');
  } finally {
    await vr.close();
    await Promise.all([pa.close(), pb.close(), a.vr.close(), b.vr.close()]);
    await admin.req({ request: 'destroy', room });
  }
});

test(
  'a subscription changes: pause/start, switch to another feed, subscribe/unsubscribe renegotiate, ICE restart; a publisher pauses one stream',
  { skip: AGAINST_JANUS ? 'Portunus behaviour' : false, timeout: 60_000 },
  async () => {
    const room = await createRoom({ publishers: 4 });
    const a = await joinPublisher(room, { display: 'A' });
    const b = await joinPublisher(room, { display: 'B' });
    const pa = await publish(a.vr);
    const pb = await publish(b.vr);
    const { vr, sub } = await subscribe(room, [{ feed: a.joined.id, mid: pa.videoMid }]);
    const flowing = async (kind: 'audio' | 'video', what: string): Promise<void> => {
      const from = sub.received[kind];
      await waitFor(() => sub.received[kind] > from + 10, { timeout: 8000, what });
    };
    const stopped = async (kind: 'audio' | 'video', what: string): Promise<void> => {
      await sleep(300);
      const from = sub.received[kind];
      await sleep(400);
      assert.ok(sub.received[kind] <= from + 1, `${what}: ${from} → ${sub.received[kind]}`);
    };
    try {
      pa.startSending();
      await flowing('video', 'A video');
      // pause holds the stream; start (no JSEP) resumes it.
      assert.equal((await vr.req({ request: 'pause' })).paused, 'ok');
      await stopped('video', 'paused');
      assert.equal((await vr.req({ request: 'start' })).started, 'ok');
      await flowing('video', 'resumed');

      // switch: the same m-line now carries B's video (only B sends from here on).
      const switched = await vr.req({ request: 'switch', streams: [{ feed: b.joined.id, mid: pb.videoMid, sub_mid: '0' }] });
      assert.equal(switched.switched, 'ok', show(switched));
      assert.equal(switched.changes, 1);
      pa.stopSending();
      pb.startSending();
      await flowing('video', 'B video after the switch');

      // subscribe: B's audio on a new m-line, with a new offer answered by start.
      const added = await vr.send({ request: 'subscribe', streams: [{ feed: b.joined.id, mid: pb.audioMid }] });
      assert.equal(added.data.videoroom, 'updated', show(added.data));
      assert.equal(arr(added.data.streams).filter((x) => x.active === true).length, 2);
      assert.equal((await vr.req({ request: 'start' }, await sub.answer(added.jsep))).started, 'ok');
      await flowing('audio', 'B audio after subscribe');

      // unsubscribe: the audio m-line goes inactive in a new offer.
      const removed = await vr.send({ request: 'unsubscribe', streams: [{ feed: b.joined.id, mid: pb.audioMid }] });
      assert.equal(removed.data.videoroom, 'updated', show(removed.data));
      assert.deepEqual(
        arr(removed.data.streams).map((x) => x.active),
        [true, false],
      );
      assert.equal((await vr.req({ request: 'start' }, await sub.answer(removed.jsep))).started, 'ok');
      await stopped('audio', 'unsubscribed audio');
      await flowing('video', 'video still flows');

      // The publisher stops relaying its video (send: false), then resumes it.
      assert.equal((await b.vr.req({ request: 'configure', streams: [{ mid: pb.videoMid, send: false }] })).configured, 'ok');
      await stopped('video', 'publisher paused its video');
      assert.equal((await b.vr.req({ request: 'configure', streams: [{ mid: pb.videoMid, send: true }] })).configured, 'ok');
      await flowing('video', 'publisher resumed its video');

      // configure restart: an offer with new ICE credentials. (werift as the answering client does not restart its
      // checks, so media after a restart is shown with janus.js, in the Streaming tests that share this path.)
      const ufrag = (sdp: string | undefined): string | undefined => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
      const before = ufrag(sub.pc.remoteDescription?.sdp);
      const restart = await vr.send({ request: 'configure', restart: true });
      assert.equal(restart.data.configured, 'ok', show(restart.data));
      assert.equal(restart.jsep?.type, 'offer');
      assert.ok(ufrag(restart.jsep?.sdp) !== undefined && ufrag(restart.jsep?.sdp) !== before, 'new ICE credentials');
    } finally {
      await Promise.all([sub.close(), pa.close(), pb.close(), vr.close(), a.vr.close(), b.vr.close()]);
      await admin.req({ request: 'destroy', room });
    }
  },
);
