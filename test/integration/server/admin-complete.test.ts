// The Admin requests Janus has beyond inspection: a handle's packet capture (start_pcap / start_text2pcap and
// their stops) read back by Wireshark's own tools, query_transport on both transports, loops_info; and the
// transports' access lists (acl, admin_acl, ws_acl with X-Forwarded-For).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RtpPacket } from 'werift';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../../support/werift-client.js';
import { sleep, waitUntil } from '../../../support/wait.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';

const SECRET = 'overlord';
/** An Admin API over REST on loopback, with a secret. */
const WITH_ADMIN: Array<[string, string]> = [
  ['http.admin_http', 'true'],
  ['http.admin_ip', '127.0.0.1'],
  ['http.admin_port', '0'],
  ['general.admin_secret', SECRET],
];
const haveTshark = existsSync('/usr/bin/tshark') && existsSync('/usr/bin/text2pcap');

function adminOf(srv: StartedServer): (body: Msg, path?: string) => Promise<Msg> {
  const admin = srv.server.listeners.find((l) => l.name.startsWith('Admin API'))!;
  const base = `http://127.0.0.1:${admin.port}/admin`;
  return async (body, path = '') => (await (await fetch(base + path, { method: 'POST', body: JSON.stringify({ transaction: 't', admin_secret: SECRET, ...body }) })).json()) as Msg;
}

const code = (m: Msg): number | undefined => (m.error as { code?: number } | undefined)?.code;
const reason = (m: Msg): string | undefined => (m.error as { reason?: string } | undefined)?.reason;

/** tshark's view of a capture: one line per packet, "<ip.src> <udp payload as text when printable>". */
function tsharkLines(file: string): string[] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'udp.length'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean);
}

test(
  'start_pcap and start_text2pcap capture a handle both ways; tshark and text2pcap read the files; misuse gets codes',
  { timeout: 60_000, skip: !haveTshark && 'no tshark/text2pcap here' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portunus-pcap-'));
    const srv = await startInProcess(WITH_ADMIN);
    const admin = adminOf(srv);
    const client = createLoopbackClient(new HostNetwork(await discoverNetworkHost()), '127.0.0.1');
    const c = await JanusWs.open(srv.wsUrl);
    try {
      const s = ((await c.request({ janus: 'create' })).data as { id: number }).id;
      const h = ((await c.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
      const at = `/${s}/${h}`;
      assert.equal(reason(await admin({ janus: 'stop_pcap' }, at)), 'Capture not started');
      assert.equal(code(await admin({ janus: 'start_pcap', truncate: 'x' }, at)), 467);
      writeFileSync(join(dir, 'not-a-folder.txt'), 'x');
      assert.equal(reason(await admin({ janus: 'start_pcap', folder: join(dir, 'not-a-folder.txt', 'below') }, at)), 'Error starting pcap dump', 'a folder under a file');
      assert.equal(reason(await admin({ janus: 'start_pcap', folder: join(dir, 'not-a-folder.txt') }, at)), 'Error starting pcap dump');
      assert.equal((await admin({ janus: 'start_pcap', folder: dir, filename: 'call.pcap' }, at)).janus, 'success');
      assert.equal(reason(await admin({ janus: 'start_text2pcap', folder: dir }, at)), 'text2pcap already started', 'named after what was asked, as Janus does');
      const info = ((await admin({ janus: 'handle_info' }, at)).info as Msg) ?? {};
      assert.equal(info['dump-to-pcap'], true);
      assert.equal(info['pcap-file'], join(dir, 'call.pcap'));

      const echoed: string[] = [];
      client.audio.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p: RtpPacket) => echoed.push(p.payload.toString())));
      const offer = await clientOffer(client);
      const ack = await c.request({ janus: 'message', session_id: s, handle_id: h, body: { audio: true, video: true }, jsep: { type: 'offer', sdp: offer } });
      const ev = await c.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, 'answer');
      await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly((ev.jsep as { sdp: string }).sdp) });
      await c.wait((m) => m.janus === 'webrtcup' && m.sender === h, 15_000, 'webrtcup');
      const send = async (from: number, count: number): Promise<void> => {
        for (let i = from; i < from + count; i++) {
          await client.audio.sender.sendRtp(rtpWithText(i, 1111, client.audio.sender.codec?.payloadType ?? 111, `audio-${i}`));
          await sleep(10);
        }
      };
      await send(1, 40);
      await waitUntil(() => echoed.length >= 20, { timeout: 5000, interval: 20 });
      assert.equal((await admin({ janus: 'stop_pcap' }, at)).janus, 'success');
      await sleep(200); // the file is closed after the reply
      const lines = tsharkLines(join(dir, 'call.pcap'));
      const fromPeer = lines.filter((l) => l.startsWith('10.1.1.1')).length;
      const fromServer = lines.filter((l) => l.startsWith('10.2.2.2')).length;
      assert.ok(fromPeer >= 20 && fromServer >= 20, `packets in the capture: ${fromPeer} in, ${fromServer} out`);
      // The RTP inside, decoded as RTP on the made-up ports: the echoed payload shows.
      const rtp = spawnSync('tshark', ['-r', join(dir, 'call.pcap'), '-d', 'udp.port==1000,rtp', '-Y', 'rtp', '-T', 'fields', '-e', 'rtp.payload'], { encoding: 'utf8' });
      assert.ok(rtp.stdout.includes(Buffer.from('audio-7').toString('hex')), 'an RTP payload is readable');

      // text2pcap: the text lines, truncated, turned into a pcap by Wireshark's text2pcap.
      assert.equal((await admin({ janus: 'start_text2pcap', folder: dir, filename: 'call.txt', truncate: 40 }, at)).janus, 'success');
      await send(100, 20);
      await sleep(300);
      assert.equal((await admin({ janus: 'stop_text2pcap' }, at)).janus, 'success');
      await sleep(200);
      const text = readFileSync(join(dir, 'call.txt'), 'utf8');
      assert.match(text, /^I \d\d:\d\d:\d\d\.\d{6} 000000 {2}[0-9a-f]{2}( [0-9a-f]{2})* RTP\r$/m);
      assert.match(text, /^O \d\d:\d\d:\d\d\.\d{6} 000000 {2}/m);
      const converted = join(dir, 'call-converted.pcap');
      const t2p = spawnSync('text2pcap', ['-q', '-D', '-u', '1000,2000', '-t', '%H:%M:%S.', join(dir, 'call.txt'), converted], { encoding: 'utf8' });
      assert.equal(t2p.status, 0, t2p.stderr);
      assert.ok(tsharkLines(converted).length >= 20, 'text2pcap made a capture of it');
      // The handle goes: a running capture is closed with it.
      assert.equal((await admin({ janus: 'start_pcap', folder: dir, filename: 'end.pcap' }, at)).janus, 'success');
      await c.request({ janus: 'detach', session_id: s, handle_id: h });
      await sleep(200);
      assert.equal(code(await admin({ janus: 'stop_pcap' }, at)), 459);
      assert.equal(readFileSync(join(dir, 'end.pcap')).readUInt32LE(0), 0xa1b2c3d4);
    } finally {
      c.close();
      await client.pc.close().catch(() => undefined);
      await srv.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('query_transport answers configure and connections for both transports; loops_info; unknown transport and request', { timeout: 20_000 }, async () => {
  const srv = await startInProcess(WITH_ADMIN);
  const admin = adminOf(srv);
  const ws = await JanusWs.open(srv.wsUrl);
  try {
    const q = async (transport: string, request: unknown): Promise<Msg> => admin({ janus: 'query_transport', transport, request });
    const wsConn = (await q('janus.transport.websockets', { request: 'connections' })).response as Msg;
    assert.deepEqual(wsConn, { result: 200, connections: 1 });
    const httpConn = (await q('janus.transport.http', { request: 'connections' })).response as Msg;
    assert.equal(httpConn.result, 200);
    assert.ok(((httpConn.connections as Msg).admin_http as number) >= 1, JSON.stringify(httpConn));
    assert.equal(typeof (httpConn.connections as Msg).http, 'number');
    // configure: JSON written indented from now on.
    const configured = (await q('janus.transport.http', { request: 'configure', json: 'indented', events: true })).response as Msg;
    assert.equal(configured.result, 200);
    assert.deepEqual(configured.notes, ['Event handlers disabled at the core level']);
    const raw = await (await fetch(srv.restUrl, { method: 'POST', body: JSON.stringify({ janus: 'ping', transaction: 'p' }) })).text();
    assert.match(raw, /\n {2}"janus": "pong"/);
    assert.deepEqual(((await q('janus.transport.http', { request: 'configure', json: 'wavy' })).response as Msg).notes, ['Ignored unsupported indentation format']);
    assert.deepEqual((await q('janus.transport.http', { request: 'nope' })).response, { error_code: 411, error: "Unknown request 'nope'" });
    assert.equal(((await q('janus.transport.http', {})).response as Msg).error_code, 412);
    assert.equal(((await q('janus.transport.http', { request: 'configure', events: 'yes' })).response as Msg).error_code, 413);
    const missing = await q('janus.transport.nothing', { request: 'connections' });
    assert.equal(code(missing), 460);
    assert.equal(reason(missing), 'Invalid transport');
    assert.equal(code(await admin({ janus: 'query_transport', transport: 'janus.transport.http' })), 456);
    // loops_info: the one event loop, and the handles it serves.
    const s = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
    await ws.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.echotest' });
    assert.deepEqual((await admin({ janus: 'loops_info' })).loops, [{ id: 0, handles: 1 }]);
  } finally {
    ws.close();
    await srv.stop();
  }
});

test('access lists: acl closes REST connections from other addresses, admin_acl guards the Admin API, ws_acl with X-Forwarded-For', { timeout: 20_000 }, async () => {
  const srv = await startInProcess([
    ['http.acl', '10.,192.168.'],
    ['http.admin_http', 'true'],
    ['http.admin_ip', '127.0.0.1'],
    ['http.admin_port', '0'],
    ['http.admin_acl', '127.0.0.1'],
    ['general.admin_secret', SECRET],
    ['websockets.ws_acl', '127.'],
    ['websockets.ws_acl_forwarded', 'true'],
  ]);
  try {
    await assert.rejects(fetch(srv.restUrl, { method: 'POST', body: JSON.stringify({ janus: 'ping', transaction: 'p' }) }), 'REST from 127.0.0.1 is not in acl');
    assert.equal((await adminOf(srv)({ janus: 'list_sessions' })).janus, 'success', 'the Admin API is open to 127.0.0.1');
    const ws = await JanusWs.open(srv.wsUrl);
    assert.equal((await ws.request({ janus: 'ping' })).janus, 'pong', 'WebSocket from 127.0.0.1');
    ws.close();
    // Forwarded for an address outside the list: the upgrade is refused.
    const { WebSocket } = await import('ws');
    const refused = await new Promise<boolean>((done) => {
      const sock = new WebSocket(srv.wsUrl, 'janus-protocol', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      sock.on('open', () => done(false));
      sock.on('error', () => done(true));
    });
    assert.equal(refused, true);
    assert.ok(srv.logs.some((l) => l.includes('is not in the access list')));
  } finally {
    await srv.stop();
  }
});
