// A Janus event consumer that exists, fed by Portunus: the receiving side of Nextcloud Talk's signaling server
// (test/helpers/nextcloud-events-receiver.ts, reimplemented from its Go source). The server is started from a
// Janus configuration folder set up as that project's README tells a Nextcloud admin (events broadcast on; the
// WebSocket event handler enabled, its backend the signaling server's /spreed endpoint, subprotocol
// "janus-events"); a werift peer makes an EchoTest call with media flowing. Every message and every event must
// decode into the consumer's Go structs, and the bandwidth it computes for the handle must be about what was sent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import { JanusWs } from '../../../support/janus-ws.js';
import { rtpWithText } from '../../../support/werift-client.js';
import { sleep, waitFor } from '../../../support/wait.js';
import { startChildServer } from '../../helpers/child-server.js';
import { startEchoCall, type EchoCall } from '../../helpers/echo-session.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';
import { EVENTS_SUBPROTOCOL, NextcloudEventsReceiver, type Bandwidth } from '../../helpers/nextcloud-events-receiver.js';

tolerateLeftoverTimers('werift keeps timers of closed peers');

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** janus.jcfg and janus.eventhandler.wsevh.jcfg as the signaling server's README asks for them. */
function nextcloudJanusFolder(backend: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-nextcloud-'));
  writeFileSync(join(dir, 'janus.jcfg'), 'general: {\n  server_name = "janus-for-talk"\n}\nevents: {\n  broadcast = true\n}\n');
  writeFileSync(
    join(dir, 'janus.eventhandler.wsevh.jcfg'),
    `general: {\n  enabled = true\n  events = "all"\n  grouping = true\n  json = "compact"\n  backend = "${backend}"\n  subprotocol = "${EVENTS_SUBPROTOCOL}"\n}\n`,
  );
  return dir;
}

const AUDIO_PAYLOAD = 160;
const VIDEO_PAYLOAD = 1000;

/** Sends audio and video every 20 ms for `ms`; the bytes of RTP (12-byte header and payload) sent per second. */
async function sendMedia(call: EchoCall, ms: number, seq: { n: number }): Promise<{ audio: number; video: number }> {
  const started = Date.now();
  let audio = 0;
  let video = 0;
  while (Date.now() - started < ms) {
    seq.n++;
    const a = rtpWithText(seq.n, 1111, call.client.audio.sender.codec?.payloadType ?? 111, 'a'.repeat(AUDIO_PAYLOAD));
    const v = rtpWithText(seq.n, 2222, call.client.video.sender.codec?.payloadType ?? 96, 'v'.repeat(VIDEO_PAYLOAD));
    await call.client.audio.sender.sendRtp(a);
    await call.client.video.sender.sendRtp(v);
    audio += 12 + AUDIO_PAYLOAD;
    video += 12 + VIDEO_PAYLOAD;
    await sleep(20);
  }
  const seconds = (Date.now() - started) / 1000;
  return { audio: audio / seconds, video: video / seconds };
}

const near = (got: bigint, want: number, what: string): void => {
  // Header extensions the client adds, and which packets fell in the window, make it a little off; not more.
  const ratio = Number(got) / want;
  assert.ok(ratio > 0.7 && ratio < 1.5, `${what}: ${got} bit/s, about ${Math.round(want)} expected`);
};

test("Nextcloud's signaling server decodes every event of an EchoTest call and computes the handle's bandwidth", { timeout: 90_000 }, async () => {
  const receiver = await NextcloudEventsReceiver.start();
  cleanups.push(() => receiver.down());
  const dir = nextcloudJanusFolder(receiver.url);
  cleanups.push(() => rmSync(dir, { recursive: true }));
  const srv = await startChildServer(['--janus-config', dir]);
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : srv.stop()));
  await waitFor(() => receiver.connections.length > 0 && receiver.events.length > 0, { timeout: 10_000, what: 'the event handler connected' });

  // What the signaling server checks on Janus's API before it counts on the events.
  const api = await JanusWs.open(srv.wsUrl);
  const info = await api.request({ janus: 'info' });
  api.close();
  assert.equal(info.event_handlers, true);
  const wsevh = (info.events as Record<string, Record<string, unknown>>)['janus.eventhandler.wsevh'];
  assert.ok(wsevh && typeof wsevh.name === 'string' && typeof wsevh.version_string === 'string', JSON.stringify(info.events));

  // Attached without an opaque_id, as the signaling server attaches its handles.
  const call = await startEchoCall(srv.wsUrl, undefined);
  const seq = { n: 0 };
  await sendMedia(call, 2500, seq);
  const rates = await sendMedia(call, 2500, seq);
  // The latest statistics event of each medium (once a second) covered a second of this steady stream.
  const byMedia = new Map(receiver.bandwidths.get(BigInt(call.handle)));
  const total = receiver.bandwidth(call.handle);
  assert.ok(call.echoed() > 100, 'media flowed both ways');
  await call.end();
  await srv.stop();
  stopped = true;

  assert.deepEqual(receiver.problems, [], 'nothing the consumer could not take');
  assert.equal(receiver.connections.length, 1, 'one connection, kept for the whole run');
  const [conn] = receiver.connections;
  assert.equal(conn.protocol, EVENTS_SUBPROTOCOL);
  assert.equal(conn.remote, '127.0.0.1');
  assert.equal(conn.endedBy, undefined);
  assert.ok(receiver.events.length > 20, `${receiver.events.length} events`);
  assert.deepEqual(
    receiver.events.filter((e) => e.error !== undefined),
    [],
  );
  const kinds = new Set(receiver.events.map((e) => e.kind));
  for (const k of [
    'startupInfo',
    'session',
    'handle',
    'jsep',
    'ice',
    'localCandidate',
    'remoteCandidate',
    'selectedPair',
    'dtls',
    'peerConnection',
    'mediaState',
    'mediaStats',
    'plugin',
    'transport',
    'coreShutdown',
  ] as const) {
    assert.ok(kinds.has(k), `an event decoded as ${k} (got ${[...kinds].join(', ')})`);
  }
  const ours = receiver.events.filter((e) => e.envelope.handle_id === BigInt(call.handle));
  assert.ok(ours.length > 0 && ours.every((e) => e.envelope.session_id === BigInt(call.session) && e.envelope.opaque_id === 0n));
  const stats = receiver.decoded('mediaStats');
  assert.ok(stats.length >= 8, `${stats.length} media statistics events`);

  // The bandwidth: received is what the client sent, sent is the echo of it.
  const audio = byMedia.get('audio') as Bandwidth;
  const video = byMedia.get('video') as Bandwidth;
  assert.ok(audio && video, `bandwidth by media: ${[...byMedia.keys()].join(', ')}`);
  near(audio.received, rates.audio * 8, 'audio received');
  near(video.received, rates.video * 8, 'video received');
  near(audio.sent, rates.audio * 8, 'audio sent (the echo)');
  near(video.sent, rates.video * 8, 'video sent (the echo)');
  assert.ok(total && total.received === audio.received + video.received && total.sent === audio.sent + video.sent, 'the handle sums its media');

  // The handle's counters (kept since its "attached"), Prometheus' totals and the states it counts.
  const handleStats = receiver.handleStats.get(BigInt(call.handle));
  assert.ok(handleStats, 'per-handle statistics were kept');
  assert.deepEqual(Object.fromEntries(handleStats.codecs), { audio: 'opus', video: 'vp8' });
  const bytesIn = receiver.metrics.counter('janus_media_bytes_total', 'video', 'incoming');
  assert.ok(bytesIn > BigInt(Math.round(rates.video * 3)), `${bytesIn} video bytes counted in`);
  assert.ok(receiver.metrics.counter('janus_media_bytes_total', 'video', 'outgoing') > 0n);
  assert.ok(receiver.metrics.counter('janus_peerconnection_state_total', 'webrtcup', '') >= 1n);
  assert.ok(receiver.metrics.counter('janus_peerconnection_state_total', 'hangup', 'Janus API') >= 1n, JSON.stringify([...receiver.metrics.counters.keys()]));
  assert.ok(receiver.metrics.counter('janus_dtls_state_total', 'connected') >= 1n);
  assert.ok(receiver.metrics.counter('janus_selected_candidate_total', 'local', 'host', 'udp', 'ipv4') >= 1n);
  // Observed from the statistics: our jitter, and from the client's receiver reports its jitter and the round trip.
  for (const series of ['janus_media_jitter|video|local', 'janus_media_jitter|video|remote', 'janus_media_rtt|audio', 'janus_media_rtt|video']) {
    assert.ok((receiver.metrics.observations.get(series) ?? []).length > 0, `${series} observed (${[...receiver.metrics.observations.keys()].join(', ')})`);
  }
});

test('the receiver is as strict as the Go decoder', { timeout: 20_000 }, async () => {
  const receiver = await NextcloudEventsReceiver.start();
  cleanups.push(() => receiver.down());
  const open = async (protocols: string[]): Promise<WebSocket> => {
    const ws = new WebSocket(receiver.url, protocols);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    cleanups.push(() => ws.terminate());
    return ws;
  };
  const closed = (ws: WebSocket): Promise<void> => new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())));
  const stats = (extra: Record<string, unknown>): Record<string, unknown> => ({
    emitter: 'x',
    type: 32,
    subtype: 3,
    timestamp: 1,
    session_id: 1,
    handle_id: 7,
    event: { mid: '0', mindex: 0, media: 'audio', 'bytes-sent-lastsec': 100, 'bytes-received-lastsec': 200, ...extra },
  });

  const ws = await open([EVENTS_SUBPROTOCOL]);
  ws.send(JSON.stringify([stats({ unknown: 'ignored', Lost: 3 })]));
  ws.send(JSON.stringify(stats({ 'bytes-sent-lastsec': 1.5 })));
  ws.send(JSON.stringify(stats({ 'bytes-received-lastsec': -1 })));
  ws.send(JSON.stringify({ ...stats({}), type: 16, subtype: 9 }));
  await waitFor(() => receiver.events.length === 4, { timeout: 5000, what: 'four events' });
  assert.deepEqual(
    receiver.events.map((e) => e.error),
    [
      undefined,
      'json: cannot unmarshal number 1.5 into Go struct field janusEventMediaStats.bytes-sent-lastsec of type uint32',
      'json: cannot unmarshal number -1 into Go struct field janusEventMediaStats.bytes-received-lastsec of type uint32',
      'unsupported event type 16',
    ],
  );
  assert.equal(receiver.events[0].body?.lost, 3n, 'a key matches its field case-insensitively');
  assert.deepEqual(receiver.bandwidth(7), { sent: 800n, received: 1600n });
  assert.equal(receiver.problems.length, 3, 'events that do not decode are skipped, the connection stays');

  // An envelope that does not decode ends the connection: Janus's string opaque_id is one (this consumer declares
  // a number; its own handles have none).
  ws.send(JSON.stringify({ ...stats({}), opaque_id: 'some-string' }));
  await closed(ws);
  assert.match(receiver.problems.at(-1) ?? '', /cannot unmarshal string into Go struct field janusEvent\.opaque_id of type uint64/);

  // Without the subprotocol it is not taken for Janus.
  const other = await open([]);
  await closed(other);
  assert.equal(receiver.connections.at(-1)?.protocol, '');
  assert.match(receiver.problems.at(-1) ?? '', /taken for a signaling client/);
});
