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
