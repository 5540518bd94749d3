// A werift peer runs the EchoTest through the whole server over the Janus API (WebSocket).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runWeriftEchoTest } from '../helpers/echotest-scenario.js';
import { startInProcess } from '../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';

test('echotest over the Janus API: RTP and data come back, events in Janus order, nothing left after', { timeout: 60_000 }, async () => {
  const srv = await startInProcess();
  try {
    const r = await runWeriftEchoTest(srv.wsUrl);
    assert.equal(srv.server.gateway.sessions.size, 0);
    assert.match(r.answerSdp, /a=ice-lite/);
    console.log(`echotest over Janus API: offer to webrtcup ${r.connectMs} ms`);
  } finally {
    await srv.stop();
  }
});

/** The ports of the host candidates in an SDP. */
function candidatePorts(sdp: string): number[] {
  return [...sdp.matchAll(/a=candidate:\S+ 1 udp \d+ \S+ (\d+) typ host/g)].map((m) => Number(m[1]));
}

test('ICE ports: the shared port by default; attach min_port/max_port gives a handle its own port in that range; bad ranges 456/467', { timeout: 60_000 }, async () => {
  const srv = await startInProcess();
  try {
    const shared = (srv.server.gateway.media?.status?.().single_port as { port: number }).port;
    const plain = await runWeriftEchoTest(srv.wsUrl);
    assert.deepEqual([...new Set(candidatePorts(plain.answerSdp))], [shared]);
    const ranged = await runWeriftEchoTest(srv.wsUrl, { min_port: 41000, max_port: 41099 });
    const ports = candidatePorts(ranged.answerSdp);
    assert.ok(ports.length > 0 && ports.every((p) => p >= 41000 && p <= 41099), `ports ${ports.join(',')}`);
    const c = await JanusWs.open(srv.wsUrl);
    try {
      const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
      const code = async (extra: Msg): Promise<number | undefined> =>
        ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest', ...extra })).error as { code: number } | undefined)?.code;
      assert.equal(await code({ min_port: 41000 }), 456);
      assert.equal(await code({ max_port: 41000 }), 456);
      assert.equal(await code({ min_port: 41010, max_port: 41000 }), 467);
      assert.equal(await code({ min_port: 41000, max_port: 70000 }), 467);
      assert.equal(await code({ min_port: '41000', max_port: 41010 }), 467);
      assert.equal(await code({ min_port: 41000, max_port: 41010 }), undefined);
    } finally {
      c.close();
    }
  } finally {
    await srv.stop();
  }
});

test('echotest bad input through the API: garbage SDP 465, no usable codec 414, server keeps serving', { timeout: 30_000 }, async () => {
  const srv = await startInProcess();
  const c = await JanusWs.open(srv.wsUrl);
  try {
    const session = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
    const garbage = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: {}, jsep: { type: 'offer', sdp: 'this is not sdp' } });
    assert.equal((garbage.error as { code: number }).code, 465);
    const noCodec = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'a=group:BUNDLE 0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 98',
      'c=IN IP4 0.0.0.0',
      'a=mid:0',
      'a=rtpmap:98 NOPECODEC/8000',
      'a=ice-ufrag:abcd',
      'a=ice-pwd:abcdefghijklmnopqrstuvwx',
      'a=fingerprint:sha-256 ' + Array(32).fill('AB').join(':'),
      'a=setup:actpass',
      'a=sendrecv',
      'a=rtcp-mux',
      '',
    ].join('\r\n');
    const ack = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { audio: true }, jsep: { type: 'offer', sdp: noCodec } });
    assert.equal(ack.janus, 'ack');
    const ev = await c.wait((m) => m.janus === 'event' && m.transaction === ack.transaction);
    const data = (ev.plugindata as Msg).data as Msg;
    assert.equal(data.error_code, 414);
    assert.equal(ev.jsep, undefined);
    const trickleUnknown = await c.request({ janus: 'trickle', session_id: session, handle_id: 12345, candidate: { completed: true } });
    assert.equal((trickleUnknown.error as { code: number }).code, 459);
    assert.equal((await c.request({ janus: 'info' })).janus, 'server_info');
  } finally {
    c.close();
    await srv.stop();
  }
});
