// VideoCall (janus.plugin.videocall) through the Janus API with two werift peers: register, call, accept, each
// receives the other's RTP and data, set bitrate, bad input, hangup; a username freed when its handle detaches.
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
import { clientOffer, createLoopbackClient, rtpWithText, type LoopbackClient } from '../../../support/werift-client.js';
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

  /** The first unsolicited event whose result says `event`. */
  async unsolicited(event: string): Promise<{ data: Msg; jsep?: Msg }> {
    const m = await this.ws.wait((e) => e.janus === 'event' && e.transaction === undefined && obj(obj(obj(e.plugindata).data).result).event === event, 10_000, event);
    return { data: obj(obj(m.plugindata).data), jsep: m.jsep ? obj(m.jsep) : undefined };
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
