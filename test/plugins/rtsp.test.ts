// rtsp mountpoints against a small RTSP server written here (on loopback, Digest auth, relative controls): the
// session is set up, the camera's RTP reaches the mountpoint and a werift viewer; TEARDOWN on destroy; an
// unreachable camera, a name instead of an address and a refused login are clear errors. Plus the parsers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { Network } from '../../src/net/network.js';
import { authorizationFor, parseRtspResponse, parseRtspSdp, parseRtspUrl, resolveControl, parseSessionHeader, RtspError } from '../../src/plugins/streaming/rtsp-protocol.js';
import { startInProcess } from '../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../helpers/janus-ws.js';
import { watch } from '../helpers/streaming-viewer.js';

test('RTSP parsers: split and pipelined responses, interleaved frames, garbage; SDP, controls, sessions, Digest', () => {
  const a = Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 3\r\n\r\nabcRTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n\r\n');
  assert.equal(parseRtspResponse(a.subarray(0, 20)), undefined, 'incomplete');
  const r1 = parseRtspResponse(a)!;
  assert.equal(r1.status, 200);
  assert.equal(r1.body.toString(), 'abc');
  const r2 = parseRtspResponse(a.subarray(r1.consumed))!;
  assert.equal(r2.status, 401);
  const framed = Buffer.concat([Buffer.from([0x24, 0, 0, 2, 9, 9]), Buffer.from('RTSP/1.0 200 OK\r\n\r\n')]);
  assert.equal(parseRtspResponse(framed)!.status, 200);
  assert.throws(() => parseRtspResponse(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), RtspError);
  for (let i = 0; i < 300; i++) {
    try {
      parseRtspResponse(Buffer.from(Array.from({ length: i % 50 }, () => Math.floor(Math.random() * 256))));
    } catch (err) {
      assert.ok(err instanceof RtspError);
    }
  }
  const sdp = parseRtspSdp('v=0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=control:trackID=0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\na=control:rtsp://10.0.0.1/cam/trackID=1\r\n');
  assert.deepEqual(sdp.tracks.map((t) => [t.type, t.pt, t.codec, t.clockRate, t.control]), [['video', 96, 'vp8', 90000, 'trackID=0'], ['audio', 111, 'opus', 48000, 'rtsp://10.0.0.1/cam/trackID=1']]);
  assert.equal(resolveControl('rtsp://1.2.3.4/cam', 'trackID=0'), 'rtsp://1.2.3.4/cam/trackID=0');
  assert.equal(resolveControl('rtsp://1.2.3.4/cam/', '*'), 'rtsp://1.2.3.4/cam/');
  assert.deepEqual(parseSessionHeader('12345678;timeout=30'), { id: '12345678', timeout: 30 });
  assert.deepEqual(parseRtspUrl('rtsp://u:p%40ss@127.0.0.1:8554/live'), { host: '127.0.0.1', port: 8554, clean: 'rtsp://127.0.0.1:8554/live', user: 'u', password: 'p@ss' });
  assert.throws(() => parseRtspUrl('rtsp://camera.example/live'), /IP address/);
  // RFC 2617's example: Mufasa / Circle Of Life.
  const h = authorizationFor('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"', 'GET', '/dir/index.html', 'Mufasa', 'Circle Of Life', '0a4f113b');
  assert.match(h, /response="6629fae49393a05397450978507c4ef1"/);
  assert.equal(authorizationFor('Basic realm="x"', 'DESCRIBE', '/', 'a', 'b'), `Basic ${Buffer.from('a:b').toString('base64')}`);
});

/** A camera: OPTIONS, DESCRIBE (Digest-protected), SETUP, PLAY, GET_PARAMETER, TEARDOWN; sends RTP once playing. */
async function startCamera(): Promise<{ port: number; methods: string[]; close(): void }> {
  const methods: string[] = [];
  const realm = 'cam';
  const nonce = 'n0nce';
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const timers: NodeJS.Timeout[] = [];
  const server = net.createServer((sock) => {
    let buf = '';
    const clientPorts: number[] = [];
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let end;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const req = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const [line, ...hs] = req.split('\r\n');
        const [method, uri] = line.split(' ');
        methods.push(method);
        const hdr = new Map(hs.map((x) => [x.slice(0, x.indexOf(':')).toLowerCase(), x.slice(x.indexOf(':') + 1).trim()]));
        const cseq = hdr.get('cseq');
        const reply = (status: string, extra = '', body = '') => sock.write(`RTSP/1.0 ${status}\r\nCSeq: ${cseq}\r\n${extra}${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`);
        if (method === 'DESCRIBE') {
          const auth = hdr.get('authorization') ?? '';
          const resp = /response="([0-9a-f]+)"/.exec(auth)?.[1];
          const expected = md5(`${md5(`cam:${realm}:secret`)}:${nonce}:${md5(`DESCRIBE:${uri}`)}`);
          if (resp !== expected) {
            reply('401 Unauthorized', `WWW-Authenticate: Digest realm="${realm}", nonce="${nonce}"\r\n`);
            continue;
          }
          const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=control:trackID=0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=control:trackID=1\r\n';
          reply('200 OK', `Content-Type: application/sdp\r\nContent-Base: ${uri}/\r\n`, sdp);
        } else if (method === 'SETUP') {
          const port = Number(/client_port=(\d+)/.exec(hdr.get('transport') ?? '')?.[1]);
          clientPorts.push(port);
          reply('200 OK', `Session: 4242;timeout=60\r\nTransport: RTP/AVP;unicast;client_port=${port}-${port + 1};server_port=${udp.address().port}-${udp.address().port + 1}\r\n`);
        } else if (method === 'PLAY') {
          reply('200 OK', 'Session: 4242\r\n');
          let seq = 0;
          timers.push(setInterval(() => {
            for (const [i, port] of clientPorts.entries()) {
              const p = Buffer.alloc(16);
              p[0] = 0x80;
              p[1] = i === 0 ? 96 : 111;
              p.writeUInt16BE(seq, 2);
              p.writeUInt32BE(0x7000 + i, 8);
              p.write(i === 0 ? 'vid!' : 'aud!', 12);
              udp.send(p, port, '127.0.0.1');
            }
            seq++;
          }, 20));
        } else reply('200 OK', method === 'OPTIONS' ? 'Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n' : '');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    methods,
    close: () => {
      for (const t of timers) clearInterval(t);
      server.close();
      udp.close();
    },
  };
}

test('rtsp mountpoint: Digest login, SETUP per track, RTP to the mountpoint and a viewer, TEARDOWN on destroy; clear errors', { timeout: 60_000 }, async () => {
  const cam = await startCamera();
  const srv = await startInProcess();
  const ws = await JanusWs.open(srv.wsUrl);
  try {
    const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
    const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
    const ask = async (body: Msg): Promise<Msg> => ((await ws.request({ janus: 'message', session_id: session, handle_id: handle, body })).plugindata as Msg).data as Msg;
    const url = `rtsp://127.0.0.1:${cam.port}/cam`;
    assert.match(String((await ask({ request: 'create', type: 'rtsp', url, rtsp_user: 'cam', rtsp_pwd: 'wrong' })).error), /401/);
    assert.equal((await ask({ request: 'create', type: 'rtsp', url: 'rtsp://camera.example/live' })).error_code, 454);
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as net.AddressInfo).port;
    closed.close();
    assert.equal((await ask({ request: 'create', type: 'rtsp', url: `rtsp://127.0.0.1:${deadPort}/x` })).error_code, 456);

    const created = await ask({ request: 'create', type: 'rtsp', id: 321, url, rtsp_user: 'cam', rtsp_pwd: 'secret' });
    assert.equal(created.streaming, 'created', JSON.stringify(created));
    // The 401 challenge is answered with Digest, then one SETUP per track and PLAY.
    assert.deepEqual(cam.methods.slice(-6), ['OPTIONS', 'DESCRIBE', 'DESCRIBE', 'SETUP', 'SETUP', 'PLAY']);
    const v = await watch(srv.wsUrl, new Network(await discoverNetworkHost()), 321);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(v.payloads.includes('vid!') && v.payloads.includes('aud!'), `viewer got camera media: ${v.payloads.length}`);
    const info = (await ask({ request: 'info', id: 321 })).info as { rtsp: boolean; media: Array<{ packets: number; codec: string }> };
    assert.equal(info.rtsp, true);
    assert.deepEqual(info.media.map((m) => m.codec).sort(), ['opus', 'vp8']);
    await v.leave();
    assert.equal((await ask({ request: 'destroy', id: 321 })).streaming, 'destroyed');
    const deadline = Date.now() + 3000;
    while (!cam.methods.includes('TEARDOWN') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(cam.methods.includes('TEARDOWN'), 'TEARDOWN sent');
  } finally {
    ws.close();
    await srv.stop();
    cam.close();
  }
});
