// Server-side STUN (nat.stun_server): each ICE socket learns its server-reflexive address and the offer carries a
// srflx candidate next to the host one; a silent STUN server only delays gathering a little. The STUN server is a
// small reflector on loopback that answers with a documentation address (203.0.113.0/24).
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { buildBindingRequest, buildBindingResponse, parseBindingResponse } from '../../../src/media/stun-binding.js';
import { startInProcess } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';

test('STUN Binding parser: XOR-MAPPED-ADDRESS round trip, wrong transaction, garbage (fuzz)', () => {
  const tx = randomBytes(12);
  const res = buildBindingResponse(tx, { address: '203.0.113.10', port: 40000 });
  assert.deepEqual(parseBindingResponse(res, tx), { address: '203.0.113.10', port: 40000 });
  assert.equal(parseBindingResponse(res, randomBytes(12)), undefined);
  assert.equal(parseBindingResponse(buildBindingRequest(tx), tx), undefined);
  for (let i = 0; i < 500; i++) {
    const junk = randomBytes(Math.floor(Math.random() * 64));
    if (i % 2 === 0 && junk.length >= 20) res.copy(junk, 0, 0, 20);
    parseBindingResponse(junk, tx); // never throws
  }
});

async function offerWith(stun: string, port: number): Promise<{ sdp: string; ms: number }> {
  const srv = await startInProcess([
    ['nat.stun_server', stun],
    ['nat.stun_port', String(port)],
  ]);
  const ws = await JanusWs.open(srv.wsUrl);
  try {
    const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    await ws.request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: { request: 'create', type: 'rtp', id: 9, media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }] },
    });
    const t0 = performance.now();
    const ack = await ws.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'watch', id: 9 } });
    const ev = await ws.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, 'offer');
    return { sdp: (ev.jsep as Msg).sdp as string, ms: performance.now() - t0 };
  } finally {
    ws.close();
    await srv.stop();
  }
}

test('nat.stun_server: the offer has a srflx candidate with the mapped address; a silent server only delays', { timeout: 30_000 }, async () => {
  const reflector = dgram.createSocket('udp4');
  await new Promise<void>((r) => reflector.bind(0, '127.0.0.1', () => r()));
  let asked = 0;
  reflector.on('message', (msg, rinfo) => {
    if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return;
    asked++;
    reflector.send(buildBindingResponse(msg.subarray(8, 20), { address: '203.0.113.10', port: rinfo.port + 1000 }), rinfo.port, rinfo.address);
  });
  try {
    const { sdp } = await offerWith('127.0.0.1', reflector.address().port);
    assert.ok(asked > 0, 'the STUN server was asked');
    const host = /a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/.exec(sdp);
    assert.ok(host, sdp);
    const srflx = new RegExp(`a=candidate:\\S+ 1 udp \\d+ 203\\.0\\.113\\.10 ${Number(host[1]) + 1000} typ srflx raddr 127\\.0\\.0\\.1 rport ${host[1]}`).test(sdp);
    assert.ok(srflx, `srflx candidate in:\n${sdp}`);
  } finally {
    reflector.close();
  }
  // A STUN server that never answers: host candidates only, gathering still completes.
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  try {
    const { sdp, ms } = await offerWith('127.0.0.1', silent.address().port);
    assert.match(sdp, /typ host/);
    assert.doesNotMatch(sdp, /typ srflx/);
    assert.ok(ms < 5000, `offer after ${Math.round(ms)} ms`);
  } finally {
    silent.close();
  }
});
