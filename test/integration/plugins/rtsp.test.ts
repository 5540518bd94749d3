// rtsp mountpoints against small RTSP servers written here (on loopback, Digest auth, relative controls): the
// session is set up, the camera's RTP reaches the mountpoint and a werift viewer; TEARDOWN on destroy; an
// unreachable camera, a name instead of an address and a refused login are clear errors; a lost session is set up
// again on the same ports; rtsp_failcheck false. The RTSP client against scripted servers (CSeq matching,
// requests of the server, remembered Digest, keep-alive, redirects, rtsp_quirk). Plus the parsers, fuzzed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { RtspClient, type RtspClientOptions } from '../../../src/plugins/streaming/rtsp-client.js';
import { RtspConnection } from '../../../src/plugins/streaming/rtsp-connection.js';
import {
  headerValues,
  interleavedLength,
  parseRtspMessage,
  parseRtspResponse,
  parseRtspSdp,
  parseRtspUrl,
  parseSessionHeader,
  resolveControl,
  RtspError,
  serverPorts,
} from '../../../src/plugins/streaming/rtsp-protocol.js';
import { authorizationFor, parseChallenges, pickChallenge } from '../../../src/plugins/streaming/rtsp-auth.js';
import { HttpReceiver } from '../../helpers/event-receivers.js';
import { startInProcess } from '../../helpers/in-process-server.js';
import { janusEventProblems } from '../../helpers/janus-event-schema.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';
import { watch } from '../../../support/streaming-viewer.js';
import { sleep, waitFor } from '../../../support/wait.js';
import { rtpPacket } from '../../../support/rtp-packets.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

// ---- parsers ----

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
  assert.equal(interleavedLength(Buffer.from([0x24, 0, 0, 2, 9, 9, 0x24, 1, 0, 5, 1])), 6, 'complete frames only');
  assert.throws(() => parseRtspResponse(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), RtspError);
  assert.throws(() => parseRtspMessage(Buffer.from('\x00\x01garbage')), RtspError, 'garbage is refused before a line end');
  const sdp = parseRtspSdp(
    'v=0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=control:trackID=0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\na=control:rtsp://10.0.0.1/cam/trackID=1\r\n',
  );
  assert.deepEqual(
    sdp.tracks.map((t) => [t.type, t.pt, t.codec, t.clockRate, t.control]),
    [
      ['video', 96, 'vp8', 90000, 'trackID=0'],
      ['audio', 111, 'opus', 48000, 'rtsp://10.0.0.1/cam/trackID=1'],
    ],
  );
  assert.equal(sdp.sessionControl, '*');
  assert.equal(resolveControl('rtsp://1.2.3.4/cam', 'trackID=0'), 'rtsp://1.2.3.4/cam/trackID=0');
  assert.equal(resolveControl('rtsp://1.2.3.4/cam/', '*'), 'rtsp://1.2.3.4/cam/');
  assert.deepEqual(parseSessionHeader('12345678;timeout=30'), { id: '12345678', timeout: 30 });
  assert.deepEqual(serverPorts('RTP/AVP;unicast;client_port=4000-4001;server_port=6970-6971'), { rtp: 6970, rtcp: 6971 });
  assert.equal(serverPorts('RTP/AVP;unicast;server_port=123456-123457'), undefined, 'a six-digit port is no port, not its first five digits');
  assert.equal(serverPorts('RTP/AVP;unicast;server_port=99999-99999'), undefined);
  assert.throws(
    () => parseRtspUrl(`rtsp://${'x'.repeat(60_000)}`),
    (e: Error) => e.message.length < 300,
    'an error quotes a long URL shortened',
  );
  assert.deepEqual(parseRtspUrl('rtsp://u:p%40ss@127.0.0.1:8554/live'), { host: '127.0.0.1', port: 8554, clean: 'rtsp://127.0.0.1:8554/live', user: 'u', password: 'p@ss' });
  assert.equal(parseRtspUrl('rtsp://[::1]/live').host, '::1');
  assert.throws(() => parseRtspUrl('rtsp://camera.example/live'), /IP address/);
  assert.throws(() => parseRtspUrl('rtsp://%E0%A4%A:x@127.0.0.1/live'), RtspError);
  // RFC 2617's example: Mufasa / Circle Of Life.
  const h = authorizationFor(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    'GET',
    '/dir/index.html',
    'Mufasa',
    'Circle Of Life',
    '0a4f113b',
  );
  assert.match(h, /response="6629fae49393a05397450978507c4ef1"/);
  assert.match(h, /nc=00000001/);
  assert.match(authorizationFor('Digest realm="r", qop="auth", nonce="n"', 'GET', '/', 'u', 'p', 'c', 3), /nc=00000003/);
  assert.equal(authorizationFor('Basic realm="x"', 'DESCRIBE', '/', 'a', 'b'), `Basic ${Buffer.from('a:b').toString('base64')}`);
});

test('(a) several WWW-Authenticate headers are all kept, and Digest is preferred over Basic', () => {
  for (const order of [
    ['Digest realm="cam", nonce="n1"', 'Basic realm="cam"'],
    ['Basic realm="cam"', 'Digest realm="cam", nonce="n1"'],
  ]) {
    const r = parseRtspResponse(Buffer.from(`RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\n${order.map((v) => `WWW-Authenticate: ${v}\r\n`).join('')}\r\n`))!;
    assert.deepEqual(headerValues(r, 'www-authenticate'), order);
    const picked = pickChallenge(parseChallenges(headerValues(r, 'WWW-Authenticate')))!;
    assert.equal(picked.scheme, 'digest');
    assert.equal(picked.params.get('nonce'), 'n1');
  }
  // Two challenges in one header value, and an unknown Digest algorithm falls back to Basic.
  assert.match(authorizationFor('Basic realm="x", Digest realm="x", nonce="y"', 'DESCRIBE', '/', 'a', 'b'), /^Digest /);
  assert.match(authorizationFor('Digest realm="x", nonce="y", algorithm=FOO, Basic realm="x"', 'DESCRIBE', '/', 'a', 'b'), /^Basic /);
  assert.throws(() => authorizationFor('Negotiate abc', 'DESCRIBE', '/', 'a', 'b'), RtspError);
});

test('(b) a=control under a non-audio/video m-line is not session-level control', () => {
  const s1 = parseRtspSdp('v=0\r\nm=application 0 RTP/AVP 107\r\na=control:track-app\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track-v\r\n');
  assert.equal(s1.sessionControl, undefined);
  assert.deepEqual(
    s1.tracks.map((t) => t.control),
    ['track-v'],
  );
  const s2 = parseRtspSdp('v=0\r\na=control:rtsp://10.0.0.1/cam/\r\nm=application 0 RTP/AVP 107\r\na=control:rtsp://10.0.0.1/cam/app\r\nm=audio 0 RTP/AVP 0\r\na=control:audio\r\n');
  assert.equal(s2.sessionControl, 'rtsp://10.0.0.1/cam/');
});

test('(c) static payload types without rtpmap get their RFC 3551 codec and clock rate', () => {
  const s = parseRtspSdp('v=0\r\nm=audio 0 RTP/AVP 0\r\na=control:a0\r\nm=audio 0 RTP/AVP 8\r\nm=audio 0 RTP/AVP 9\r\nm=video 0 RTP/AVP 26\r\nm=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000/1\r\n');
  assert.deepEqual(
    s.tracks.map((t) => [t.pt, t.codec, t.clockRate]),
    [
      [0, 'pcmu', 8000],
      [8, 'pcma', 8000],
      [9, 'g722', 8000],
      [26, 'jpeg', 90000],
      [0, 'pcmu', 8000],
    ],
  );
  // A dynamic type without rtpmap stays unknown.
  assert.equal(parseRtspSdp('m=video 0 RTP/AVP 96\r\n').tracks[0].codec, undefined);
});

test('(d) an absolute-path control replaces the path of the base URL', () => {
  assert.equal(resolveControl('rtsp://1.2.3.4:8554/live/main', '/cam/track1'), 'rtsp://1.2.3.4:8554/cam/track1');
  assert.equal(resolveControl('rtsp://[::1]:554/x/', '/cam/track1'), 'rtsp://[::1]:554/cam/track1');
  assert.equal(resolveControl('rtsp://1.2.3.4/live/', 'track1'), 'rtsp://1.2.3.4/live/track1');
  assert.equal(resolveControl('rtsp://1.2.3.4/live', 'rtsp://5.6.7.8/other'), 'rtsp://5.6.7.8/other');
});

test('(e) requests of the server are parsed as requests, bodies consumed by Content-Length', () => {
  const text = 'SET_PARAMETER rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 9\r\nContent-Length: 12\r\n\r\nparam: valueRTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n';
  const buf = Buffer.from(text);
  assert.equal(parseRtspMessage(buf.subarray(0, 30)), undefined, 'an incomplete request line waits for more');
  const req = parseRtspMessage(buf)!;
  assert.equal(req.kind, 'request');
  assert.ok(req.kind === 'request' && req.method === 'SET_PARAMETER' && req.uri === 'rtsp://127.0.0.1/cam');
  assert.equal(req.body.toString(), 'param: value');
  const res = parseRtspMessage(buf.subarray(req.consumed))!;
  assert.ok(res.kind === 'response' && res.status === 200);
  assert.equal(req.consumed + res.consumed, buf.length);
  assert.throws(() => parseRtspResponse(buf), /expected a response/);
});

test('(f) quoted Digest parameters may hold commas and escapes', () => {
  const c = parseChallenges(['Digest realm="a, b", nonce="x\\"y", qop="auth"'])[0];
  assert.equal(c.params.get('realm'), 'a, b');
  assert.equal(c.params.get('nonce'), 'x"y');
  const h = authorizationFor('Digest realm="a, b", nonce="n"', 'DESCRIBE', 'rtsp://127.0.0.1/cam', 'u', 'p');
  assert.match(h, /realm="a, b"/);
  assert.ok(h.includes(`response="${md5(`${md5('u:a, b:p')}:n:${md5('DESCRIBE:rtsp://127.0.0.1/cam')}`)}"`));
});

test('RTSP parsers: random bytes and mutations throw nothing but RtspError, and end', () => {
  const seeds = [
    'RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm="a, b", nonce="n", qop="auth"\r\nWWW-Authenticate: Basic realm="x"\r\nContent-Length: 4\r\n\r\nbody',
    'SET_PARAMETER rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 9\r\nSession: 12;timeout=30\r\nContent-Length: 3\r\n\r\nabc',
    '$\x00\x00\x04abcdRTSP/1.0 200 OK\r\nCSeq: 1\r\nTransport: RTP/AVP;server_port=6970-6971\r\n\r\n',
    'v=0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:/cam/track1\r\nm=audio 0 RTP/AVP 0\r\n',
  ];
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const mutate = (s: Buffer): Buffer => {
    const b = Buffer.from(s);
    const out: number[] = [...b];
    for (let k = rand(6); k >= 0; k--) {
      const at = rand(out.length + 1);
      const op = rand(4);
      if (op === 0 && out.length > 0) out[Math.min(at, out.length - 1)] = rand(256);
      else if (op === 1) out.splice(at, 0, ...Buffer.from([',', '"', '\\', '=', '\r\n', '$', ' ', ':', ';', '/'][rand(10)]));
      else if (op === 2) out.splice(at, rand(8));
      else out.splice(at, 0, rand(256));
    }
    return Buffer.from(out);
  };
  const only = (f: () => unknown): void => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof RtspError, `unexpected ${String(err)}`);
    }
  };
  const started = Date.now();
  for (let i = 0; i < 3000; i++) {
    const input = i % 3 === 0 ? Buffer.from(Array.from({ length: rand(80) }, () => rand(256))) : mutate(Buffer.from(seeds[rand(seeds.length)], 'latin1'));
    const text = input.toString('latin1');
    only(() => {
      // Walk the buffer as the client does: every message consumes bytes.
      let rest = input;
      for (let m = parseRtspMessage(rest); m; m = parseRtspMessage(rest)) {
        assert.ok(m.consumed > 0);
        rest = rest.subarray(m.consumed);
      }
    });
    only(() => parseRtspSdp(text));
    only(() => parseChallenges([text]).forEach((c) => c.params.size));
    only(() => authorizationFor(text, 'DESCRIBE', text, 'u', 'p', 'c', rand(5)));
    only(() => parseSessionHeader(text));
    only(() => interleavedLength(input));
    only(() => serverPorts(text));
    only(() => resolveControl(text, text.slice(rand(text.length + 1))));
    only(() => parseRtspUrl(`rtsp://${text}`));
  }
  assert.ok(Date.now() - started < 10_000, 'the fuzz run ends quickly');
});

test('RTSP values the camera sends are kept in bounds: server ports 1..65535, session time-outs 5 s..1 day, no control characters in what we send back', () => {
  assert.equal(serverPorts('RTP/AVP;unicast;server_port=99999-100000'), undefined);
  assert.equal(serverPorts('RTP/AVP;unicast;server_port=65535'), undefined, 'its RTCP port would be 65536');
  assert.equal(serverPorts('RTP/AVP;unicast;server_port=0-1'), undefined);
  assert.deepEqual(serverPorts('RTP/AVP;unicast;server_port=6970-6971'), { rtp: 6970, rtcp: 6971 });
  // Half of a huge time-out does not fit a timer: Node would fire the keep-alive at once, over and over.
  assert.equal(parseSessionHeader('abc;timeout=999999999').timeout, 86_400);
  assert.equal(parseSessionHeader('abc;timeout=1').timeout, 5);
  assert.throws(() => parseSessionHeader('abc\rX-Injected: 1;timeout=60'), RtspError);
  assert.throws(() => parseSessionHeader('x'.repeat(300)), RtspError);
  assert.throws(() => resolveControl('rtsp://127.0.0.1/cam', 'track1\rX-Injected: 1'), RtspError);
  assert.throws(() => resolveControl('rtsp://127.0.0.1/cam\r', 'track1'), RtspError);
});

test('RTSP parsers, fast-check: random and mutated input throws only RtspError; lengths stay within the bytes given', () => {
  const only = (f: () => unknown): void => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof RtspError, `unexpected ${String(err)}`);
    }
  };
  const samples = [
    'RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\nContent-Length: 12\r\n\r\nv=0\r\ns=cam\r\n',
    '$\x01\x00\x03abcRTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm="r", nonce="n", qop="auth,auth-int", algorithm=SHA-256\r\n\r\n',
    'ANNOUNCE rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 7\r\nSession: 77;timeout=20\r\nContent-Length: 0\r\n\r\n',
  ].map((t) => Buffer.from(t, 'latin1'));
  const walk = (input: Buffer): void => {
    let rest = input;
    for (let m = parseRtspMessage(rest); m; m = parseRtspMessage(rest)) {
      assert.ok(m.consumed > 0 && m.consumed <= rest.length, 'a message consumes bytes it was given');
      assert.ok(m.body.length <= m.consumed);
      const declared = m.headers.get('content-length');
      if (declared !== undefined) assert.equal(m.body.length, Number(declared));
      rest = rest.subarray(m.consumed);
    }
    const frames = interleavedLength(rest);
    assert.ok(frames >= 0 && frames <= rest.length);
  };
  const textChecks = (text: string): void => {
    only(() => parseRtspSdp(text).tracks.forEach((t) => assert.ok(t.pt >= 0 && t.pt <= 127)));
    only(() => parseChallenges([text]));
    only(() => authorizationFor(text, 'DESCRIBE', 'rtsp://127.0.0.1/x', 'u', 'p', 'c', 3));
    only(() => {
      const s = parseSessionHeader(text);
      assert.ok(s.timeout >= 5 && s.timeout <= 86_400);
      assert.doesNotMatch(s.id, /[\x00-\x1f\x7f]/);
    });
    only(() => {
      const p = serverPorts(text);
      if (p) assert.ok(p.rtp >= 1 && p.rtp <= 65535 && p.rtcp >= 1 && p.rtcp <= 65535, JSON.stringify(p));
    });
    only(() => assert.doesNotMatch(resolveControl('rtsp://127.0.0.1/cam', text), /[\x00-\x1f\x7f]/));
    only(() => parseRtspUrl(`rtsp://${text}`));
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      only(() => walk(Buffer.from(bytes)));
      textChecks(Buffer.from(bytes).toString('latin1'));
    }),
    { numRuns: 2000 },
  );
  // Mutations of valid messages: overwritten bytes (lengths, digits of Content-Length), truncation, extension.
  fc.assert(
    fc.property(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat({ max: 200 }), fc.constantFrom(0x24, 0x0d, 0x0a, 0x30, 0x39, 0x3a, 0x22, 0xff, 0x00)), { maxLength: 6 }),
      fc.nat({ max: 250 }),
      fc.uint8Array({ maxLength: 100 }),
      (sample, writes, cut, tail) => {
        const b = Buffer.from(sample);
        for (const [at, v] of writes) if (at < b.length) b[at] = v;
        const input = Buffer.concat([b.subarray(0, Math.min(cut, b.length)), Buffer.from(tail)]);
        only(() => walk(input));
        textChecks(input.toString('latin1'));
      },
    ),
    { numRuns: 2000 },
  );
  // Transport and Session headers with any digits: the bounds hold.
  fc.assert(
    fc.property(fc.nat({ max: 99999 }), fc.nat({ max: 99999 }), fc.nat({ max: 999_999_999 }), (a, b, t) => {
      const p = serverPorts(`RTP/AVP;unicast;server_port=${a}-${b}`);
      if (p) assert.ok(p.rtp <= 65535 && p.rtcp <= 65535 && p.rtp >= 1 && p.rtcp >= 1);
      const s = parseSessionHeader(`id;timeout=${t}`);
      assert.ok(s.timeout >= 5 && s.timeout <= 86_400);
    }),
    { numRuns: 2000 },
  );
});

// ---- scripted RTSP servers ----

interface Received {
  readonly line: string;
  readonly method: string;
  readonly uri: string;
  readonly headers: Map<string, string>;
  readonly body: string;
}

interface ServerConn {
  readonly sock: net.Socket;
  /** Which connection of the server this is, from 1. */
  readonly index: number;
  reply(req: Received, status: string, extra?: Record<string, string>, body?: string): void;
}

interface TestServer {
  readonly port: number;
  readonly requests: Received[];
  /** Responses the client sent to requests of the server. */
  readonly responses: Received[];
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP server speaking just enough RTSP; `handle` answers each request (or not). */
async function rtspServer(handle: (req: Received, c: ServerConn) => void, port = 0, onConnection?: (c: ServerConn) => void): Promise<TestServer> {
  const requests: Received[] = [];
  const responses: Received[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    const c: ServerConn = {
      sock,
      index: ++connections,
      reply: (req, status, extra = {}, body = '') => {
        if (sock.destroyed) return;
        let out = `RTSP/1.0 ${status}\r\nCSeq: ${req.headers.get('cseq')}\r\n`;
        for (const [k, v] of Object.entries(extra)) out += `${k}: ${v}\r\n`;
        if (body) out += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
        sock.write(`${out}\r\n${body}`);
      },
    };
    onConnection?.(c);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [line, ...hs] = buf.slice(0, end).split('\r\n');
        const headers = new Map(hs.map((x) => [x.slice(0, x.indexOf(':')).toLowerCase(), x.slice(x.indexOf(':') + 1).trim()]));
        const len = Number(headers.get('content-length') ?? '0');
        if (buf.length < end + 4 + len) return;
        const body = buf.slice(end + 4, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        const [method, uri] = line.split(' ');
        const msg = { line, method, uri, headers, body };
        if (method.startsWith('RTSP/')) responses.push(msg);
        else {
          requests.push(msg);
          handle(msg, c);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    responses,
    get connections() {
      return connections;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const ONE_TRACK_SDP = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=control:trackID=0\r\n';

/** Answers like a plain camera; `override` answers first (returning true when it did). */
function plainCamera(override?: (req: Received, c: ServerConn) => boolean | void): (req: Received, c: ServerConn) => void {
  return (req, c) => {
    if (override?.(req, c)) return;
    if (req.method === 'DESCRIBE') c.reply(req, '200 OK', { 'Content-Type': 'application/sdp', 'Content-Base': `${req.uri}/` }, ONE_TRACK_SDP);
    else if (req.method === 'SETUP') c.reply(req, '200 OK', { Session: '4242;timeout=60', Transport: `${req.headers.get('transport')};server_port=9000-9001` });
    else c.reply(req, '200 OK', req.method === 'OPTIONS' ? {} : { Session: '4242' });
  };
}

const connectLoopback = (host: string, port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });

async function openConnection(port: number, credentials = {}, timeoutMs = 2000): Promise<RtspConnection> {
  return new RtspConnection(await connectLoopback('127.0.0.1', port), credentials, timeoutMs);
}

function clientFor(port: number, extra: Partial<RtspClientOptions> = {}, path = '/cam'): RtspClient {
  return new RtspClient({
    connect: connectLoopback,
    url: parseRtspUrl(`rtsp://127.0.0.1:${port}${path}`),
    timeoutMs: 2000,
    reconnectDelayMs: 10_000,
    select: (offered) => ({ tracks: offered.slice(0, 1), targets: [{ rtpPort: 40000, rtcpPort: 40001 }] }),
    ...extra,
  });
}

const digestParams = (h: string): Map<string, string> => new Map([...h.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)].map((m) => [m[1], m[2] ?? m[3]]));

// ---- the connection ----

test('(g) replies are matched by CSeq: a late reply after a time-out does not answer the next request', { timeout: 10_000 }, async () => {
  let late: Received | undefined;
  const srv = await rtspServer((req, c) => {
    if (req.headers.get('cseq') === '1') {
      late = req; // not answered now
      return;
    }
    // The late answer to CSeq 1 comes first, then the one to this request.
    c.reply(late!, '500 Internal Server Error');
    c.reply(req, '200 OK', { 'X-Which': req.headers.get('cseq')! });
  });
  const conn = await openConnection(srv.port, {}, 200);
  try {
    await assert.rejects(conn.request('OPTIONS', 'rtsp://127.0.0.1/cam'), /no answer within 200 ms/);
    const r = await conn.request('OPTIONS', 'rtsp://127.0.0.1/cam');
    assert.equal(r.headers.get('x-which'), '2');
    // A reply with an unknown CSeq is dropped too.
    assert.ok(conn.alive);
  } finally {
    await conn.shutdown();
    await srv.close();
  }
});

test('(e) requests of the server get 200 OK (501 for methods we do not do) with their CSeq; the session goes on', { timeout: 10_000 }, async () => {
  const srv = await rtspServer((req, c) => {
    const sdp = 'v=0\r\ns=changed\r\n';
    c.sock.write('SET_PARAMETER rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 101\r\nSession: 77\r\nContent-Length: 12\r\n\r\nparam: value');
    c.sock.write(`ANNOUNCE rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 102\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
    c.sock.write('OPTIONS * RTSP/1.0\r\nCSeq: 103\r\n\r\n');
    c.sock.write('REDIRECT rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 104\r\n\r\n');
    c.reply(req, '200 OK', { Public: 'OPTIONS, DESCRIBE' });
  });
  const conn = await openConnection(srv.port);
  try {
    assert.equal((await conn.request('OPTIONS', 'rtsp://127.0.0.1/cam')).headers.get('public'), 'OPTIONS, DESCRIBE');
    await waitFor(() => srv.responses.length === 4, { timeout: 3000, what: 'the answers' });
    assert.deepEqual(
      srv.responses.map((r) => [r.line, r.headers.get('cseq')]),
      [
        ['RTSP/1.0 200 OK', '101'],
        ['RTSP/1.0 200 OK', '102'],
        ['RTSP/1.0 200 OK', '103'],
        ['RTSP/1.0 501 Not Implemented', '104'],
      ],
    );
    assert.equal(srv.responses[0].headers.get('session'), '77');
    assert.ok(conn.alive);
    assert.equal((await conn.request('GET_PARAMETER', 'rtsp://127.0.0.1/cam')).status, 200);
  } finally {
    await conn.shutdown();
    await srv.close();
  }
});

test('(h) after one 401, later requests carry Digest proactively with increasing nc; (a) Digest chosen over a later Basic', { timeout: 10_000 }, async () => {
  let challenges = 0;
  const ncs: string[] = [];
  const srv = await rtspServer((req, c) => {
    const auth = req.headers.get('authorization') ?? '';
    const p = digestParams(auth);
    const ha1 = md5(`cam:a, b:secret`);
    const expected = md5(`${ha1}:n0nce:${p.get('nc')}:${p.get('cnonce')}:auth:${md5(`${req.method}:${req.uri}`)}`);
    if (!auth.startsWith('Digest ') || p.get('response') !== expected) {
      challenges++;
      c.reply(req, '401 Unauthorized', { 'WWW-Authenticate': 'Digest realm="a, b", nonce="n0nce", qop="auth"', 'www-authenticate': 'Basic realm="a, b"' });
      return;
    }
    ncs.push(p.get('nc')!);
    c.reply(req, '200 OK');
  });
  const conn = await openConnection(srv.port, { user: 'cam', password: 'secret' });
  try {
    for (const m of ['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY']) await conn.request(m, 'rtsp://127.0.0.1/cam');
    assert.equal(challenges, 1, 'one 401 round trip only');
    assert.deepEqual(ncs, ['00000001', '00000002', '00000003', '00000004']);
  } finally {
    await conn.shutdown();
    await srv.close();
  }
  // Wrong credentials: the same challenge again is the final answer (no endless retries).
  const refusing = await rtspServer((req, c) => c.reply(req, '401 Unauthorized', { 'WWW-Authenticate': 'Digest realm="r", nonce="n"' }));
  const bad = await openConnection(refusing.port, { user: 'cam', password: 'wrong' });
  try {
    await assert.rejects(bad.request('DESCRIBE', 'rtsp://127.0.0.1/cam'), /DESCRIBE answered 401/);
    assert.equal(refusing.requests.length, 2);
  } finally {
    await bad.shutdown();
    await refusing.close();
  }
});

// ---- the client ----

test('(i)(k) close() while a keep-alive waits for its answer still sends TEARDOWN, and is not reported as a loss', { timeout: 10_000 }, async () => {
  const srv = await rtspServer(
    plainCamera((req, c) => {
      if (req.method === 'GET_PARAMETER') {
        setTimeout(() => c.reply(req, '200 OK', { Session: '4242' }), 300);
        return true;
      }
      if (req.method === 'TEARDOWN') {
        c.reply(req, '200 OK');
        c.sock.end(); // servers may close the connection after TEARDOWN
        return true;
      }
    }),
  );
  const lost: string[] = [];
  const client = clientFor(srv.port, { keepAliveMs: 100, onLost: (why) => lost.push(why) });
  try {
    await client.start();
    await waitFor(() => srv.requests.some((r) => r.method === 'GET_PARAMETER'), { timeout: 3000, what: 'a keep-alive' });
    await client.close();
    assert.deepEqual(srv.requests.map((r) => r.method).slice(-2), ['GET_PARAMETER', 'TEARDOWN']);
    assert.equal(srv.requests.at(-1)!.headers.get('session'), '4242');
    await sleep(100);
    assert.deepEqual(lost, []);
  } finally {
    await client.close();
    await srv.close();
  }
});

test('(j) keep-alive failures (454 Session Not Found, no answer) are a lost session; 501 to GET_PARAMETER switches to OPTIONS', { timeout: 10_000 }, async () => {
  for (const mode of ['454', 'silent', '501'] as const) {
    const srv = await rtspServer(
      plainCamera((req, c) => {
        if (req.method === 'GET_PARAMETER') {
          if (mode === '454') c.reply(req, '454 Session Not Found');
          else if (mode === '501') c.reply(req, '501 Not Implemented');
          return true;
        }
      }),
    );
    const lost: string[] = [];
    const client = clientFor(srv.port, { keepAliveMs: 100, timeoutMs: 200, onLost: (why) => lost.push(why) });
    try {
      await client.start();
      if (mode === '501') {
        await waitFor(() => srv.requests.filter((r) => r.method === 'OPTIONS').length >= 3, { timeout: 3000, what: 'keep-alives with OPTIONS' });
        assert.equal(srv.requests.filter((r) => r.method === 'GET_PARAMETER').length, 1);
        assert.deepEqual(lost, []);
        assert.ok(client.playing);
      } else {
        await waitFor(() => lost.length > 0, { timeout: 3000, what: `a loss (${mode})` });
        assert.match(lost[0], mode === '454' ? /454/ : /no answer/);
        assert.equal(client.playing, false);
        await sleep(300);
        assert.equal(lost.length, 1, 'reported once');
      }
    } finally {
      await client.close();
      await srv.close();
    }
  }
});

test('(l) DESCRIBE redirects are followed to address literals, a few times at most; a host name is a clear error', { timeout: 10_000 }, async () => {
  const target = await rtspServer(plainCamera());
  const redirecting = await rtspServer(
    plainCamera((req, c) => {
      if (req.method === 'DESCRIBE') {
        c.reply(req, '302 Moved Temporarily', { Location: `rtsp://127.0.0.1:${target.port}/moved` });
        return true;
      }
    }),
  );
  const named = await rtspServer(
    plainCamera((req, c) => {
      if (req.method !== 'DESCRIBE') return;
      c.reply(req, '301 Moved Permanently', { Location: 'rtsp://camera.example/live' });
      return true;
    }),
  );
  const looping = await rtspServer(
    plainCamera((req, c) => {
      if (req.method !== 'DESCRIBE') return;
      c.reply(req, '302 Found', { Location: '/again' }); // relative to the same server
      return true;
    }),
  );
  const clients: RtspClient[] = [];
  try {
    const ok = clientFor(redirecting.port);
    clients.push(ok);
    const playing = await ok.start();
    assert.equal(playing.host, '127.0.0.1');
    assert.deepEqual(
      target.requests.map((r) => [r.method, r.uri]),
      [
        ['DESCRIBE', `rtsp://127.0.0.1:${target.port}/moved`],
        ['SETUP', `rtsp://127.0.0.1:${target.port}/moved/trackID=0`],
        ['PLAY', `rtsp://127.0.0.1:${target.port}/moved/`],
      ],
    );
    const n = clientFor(named.port);
    clients.push(n);
    await assert.rejects(n.start(), /redirected to 'rtsp:\/\/camera\.example\/live'.*IP address/);
    const l = clientFor(looping.port);
    clients.push(l);
    await assert.rejects(l.start(), /more than 3 redirects/);
    assert.equal(looping.requests.filter((r) => r.method === 'DESCRIBE').length, 4);
  } finally {
    for (const c of clients) await c.close();
    for (const s of [target, redirecting, named, looping]) await s.close();
  }
});

test('rtsp_quirk: on 404 to DESCRIBE the path alone is tried', { timeout: 10_000 }, async () => {
  const srv = await rtspServer(
    plainCamera((req, c) => {
      if (req.method === 'DESCRIBE' && req.uri.startsWith('rtsp://')) {
        c.reply(req, '404 Not Found');
        return true;
      }
    }),
  );
  const plain = clientFor(srv.port, {}, '/cam/live?x=1');
  const quirky = clientFor(srv.port, { quirk: true }, '/cam/live?x=1');
  try {
    await assert.rejects(plain.start(), /DESCRIBE answered 404/);
    await quirky.start();
    assert.deepEqual(
      srv.requests
        .filter((r) => r.method === 'DESCRIBE')
        .map((r) => r.uri)
        .slice(-2),
      [`rtsp://127.0.0.1:${srv.port}/cam/live?x=1`, '/cam/live?x=1'],
    );
    assert.ok(quirky.playing);
  } finally {
    await plain.close();
    await quirky.close();
    await srv.close();
  }
});

test('(m) a lost session is set up again on the same ports, reported lost and restored once each', { timeout: 10_000 }, async () => {
  let describes = 0;
  const srv = await rtspServer(
    plainCamera((req, c) => {
      if (req.method === 'DESCRIBE' && ++describes === 2) {
        c.reply(req, '503 Service Unavailable'); // the first reconnection fails
        return true;
      }
      if (req.method === 'PLAY' && c.index === 1) {
        c.reply(req, '200 OK', { Session: '4242' });
        setTimeout(() => c.sock.destroy(), 50); // then the camera drops the connection
        return true;
      }
    }),
  );
  const events: string[] = [];
  const selected: string[] = [];
  const client = clientFor(srv.port, {
    reconnectDelayMs: 100,
    select: (offered) => {
      selected.push(offered.map((t) => t.codec).join());
      return { tracks: offered.slice(0, 1), targets: [{ rtpPort: 40000, rtcpPort: 40001 }] };
    },
    onLost: (why) => events.push(`lost: ${why}`),
    onRetryFailed: (why) => events.push(`retry failed: ${why}`),
    onRestored: (before) => events.push(`restored ${before}`),
  });
  try {
    await client.start();
    await waitFor(() => events.includes('restored true'), { timeout: 3000, what: 'the session set up again' });
    assert.equal(events.length, 3, events.join('; '));
    assert.match(events[0], /^lost: /);
    assert.deepEqual(events.slice(1), ['retry failed: DESCRIBE answered 503 Service Unavailable', 'restored true']);
    assert.deepEqual(selected, ['vp8', 'vp8']);
    const setups = srv.requests.filter((r) => r.method === 'SETUP').map((r) => r.headers.get('transport'));
    assert.deepEqual(setups, ['RTP/AVP;unicast;client_port=40000-40001', 'RTP/AVP;unicast;client_port=40000-40001']);
    assert.equal(srv.connections, 3);
    assert.ok(client.playing);
  } finally {
    await client.close();
    await srv.close();
  }
});

// ---- mountpoints ----

/** A camera: OPTIONS, DESCRIBE (Digest-protected), SETUP, PLAY, GET_PARAMETER, TEARDOWN; sends RTP once playing. */
async function startCamera(
  options: { port?: number; dropAfterFirstPlay?: boolean } = {},
): Promise<{ port: number; methods: string[]; clientPorts: number[]; connections(): number; close(): Promise<void> }> {
  const methods: string[] = [];
  const clientPorts: number[] = [];
  const realm = 'cam';
  const nonce = 'n0nce';
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const timers = new Set<NodeJS.Timeout>();
  const ports = new Map<net.Socket, number[]>();
  const srv = await rtspServer(
    (req, c) => {
      methods.push(req.method);
      const mine = ports.get(c.sock)!;
      if (req.method === 'DESCRIBE') {
        const resp = digestParams(req.headers.get('authorization') ?? '').get('response');
        const expected = md5(`${md5(`cam:${realm}:secret`)}:${nonce}:${md5(`DESCRIBE:${req.uri}`)}`);
        if (resp !== expected) {
          c.reply(req, '401 Unauthorized', { 'WWW-Authenticate': `Digest realm="${realm}", nonce="${nonce}"` });
          return;
        }
        const sdp =
          'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=control:trackID=0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=control:trackID=1\r\n';
        c.reply(req, '200 OK', { 'Content-Type': 'application/sdp', 'Content-Base': `${req.uri}/` }, sdp);
      } else if (req.method === 'SETUP') {
        const port = Number(/client_port=(\d+)/.exec(req.headers.get('transport') ?? '')?.[1]);
        mine.push(port);
        clientPorts.push(port);
        c.reply(req, '200 OK', { Session: '4242;timeout=60', Transport: `RTP/AVP;unicast;client_port=${port}-${port + 1};server_port=${udp.address().port}-${udp.address().port + 1}` });
      } else if (req.method === 'PLAY') {
        c.reply(req, '200 OK', { Session: '4242' });
        let seq = 0;
        // RTP for as long as this connection lasts.
        const t = setInterval(() => {
          for (const [i, port] of mine.entries()) {
            const p = rtpPacket({ payloadType: i === 0 ? 96 : 111, sequenceNumber: seq, ssrc: 0x7000 + i, payload: i === 0 ? 'vid!' : 'aud!' });
            udp.send(p, port, '127.0.0.1');
          }
          seq++;
        }, 20);
        timers.add(t);
        c.sock.on('close', () => {
          clearInterval(t);
          timers.delete(t);
        });
        if (options.dropAfterFirstPlay && c.index === 1) setTimeout(() => c.sock.destroy(), 200);
      } else c.reply(req, '200 OK', req.method === 'OPTIONS' ? { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER' } : {});
    },
    options.port,
    (c) => ports.set(c.sock, []),
  );
  return {
    port: srv.port,
    methods,
    clientPorts,
    connections: () => srv.connections,
    close: async () => {
      for (const t of timers) clearInterval(t);
      await srv.close();
      udp.close();
    },
  };
}

async function streamingSession(wsUrl: string): Promise<{ ws: JanusWs; ask(body: Msg): Promise<Msg> }> {
  const ws = await JanusWs.open(wsUrl);
  const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
  const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
  const ask = async (body: Msg): Promise<Msg> => ((await ws.request({ janus: 'message', session_id: session, handle_id: handle, body })).plugindata as Msg).data as Msg;
  return { ws, ask };
}

type MediaInfo = Array<{ packets: number; codec: string; port: number }>;

test('rtsp mountpoint: Digest login, SETUP per track, RTP to the mountpoint and a viewer, TEARDOWN on destroy; clear errors', { timeout: 60_000 }, async () => {
  const cam = await startCamera();
  const srv = await startInProcess();
  const { ws, ask } = await streamingSession(srv.wsUrl);
  try {
    const url = `rtsp://127.0.0.1:${cam.port}/cam`;
    assert.match(String((await ask({ request: 'create', type: 'rtsp', url, rtsp_user: 'cam', rtsp_pwd: 'wrong' })).error), /401/);
    assert.equal((await ask({ request: 'create', type: 'rtsp', url: 'rtsp://camera.example/live' })).error_code, 454);
    assert.equal((await ask({ request: 'create', type: 'rtsp', url, rtsp_reconnect_delay: 0 })).error_code, 454);
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as net.AddressInfo).port;
    closed.close();
    assert.equal((await ask({ request: 'create', type: 'rtsp', url: `rtsp://127.0.0.1:${deadPort}/x` })).error_code, 456);

    const created = await ask({ request: 'create', type: 'rtsp', id: 321, url, rtsp_user: 'cam', rtsp_pwd: 'secret' });
    assert.equal(created.streaming, 'created', JSON.stringify(created));
    // The 401 challenge is answered with Digest, then one SETUP per track and PLAY.
    assert.deepEqual(cam.methods.slice(-6), ['OPTIONS', 'DESCRIBE', 'DESCRIBE', 'SETUP', 'SETUP', 'PLAY']);
    const v = await watch(srv.wsUrl, new HostNetwork(await discoverNetworkHost()), 321);
    await sleep(500);
    assert.ok(v.payloads.includes('vid!') && v.payloads.includes('aud!'), `viewer got camera media: ${v.payloads.length}`);
    const info = (await ask({ request: 'info', id: 321 })).info as { rtsp: boolean; media: MediaInfo };
    assert.equal(info.rtsp, true);
    assert.deepEqual(info.media.map((m) => m.codec).sort(), ['opus', 'vp8']);
    await v.leave();
    assert.equal((await ask({ request: 'destroy', id: 321 })).streaming, 'destroyed');
    await waitFor(() => cam.methods.includes('TEARDOWN'), { timeout: 3000, what: 'TEARDOWN' });
  } finally {
    ws.close();
    await srv.stop();
    await cam.close();
  }
});

test('(m) rtsp mountpoint: the camera drops the connection after PLAY; the session is set up again on the same ports; event handlers hear of it', { timeout: 30_000 }, async () => {
  const cam = await startCamera({ dropAfterFirstPlay: true });
  const receiver = await HttpReceiver.start();
  const srv = await startInProcess([
    ['events.broadcast', 'true'],
    ['sampleevh.enabled', 'true'],
    ['sampleevh.backend', receiver.url],
    ['sampleevh.events', 'plugins'],
  ]);
  const { ws, ask } = await streamingSession(srv.wsUrl);
  try {
    const url = `rtsp://127.0.0.1:${cam.port}/cam`;
    const created = await ask({ request: 'create', type: 'rtsp', id: 322, url, rtsp_user: 'cam', rtsp_pwd: 'secret', rtsp_reconnect_delay: 0.2, rtsp_session_timeout: 30 });
    assert.equal(created.streaming, 'created', JSON.stringify(created));
    await waitFor(() => cam.methods.filter((m) => m === 'PLAY').length === 2, { timeout: 5000, what: 'the second PLAY' });
    assert.equal(cam.connections(), 2);
    // Same local ports as the first time; Digest remembered within a connection, asked again on the new one.
    assert.deepEqual(cam.clientPorts.slice(2), cam.clientPorts.slice(0, 2));
    assert.deepEqual(cam.methods.slice(-6), ['OPTIONS', 'DESCRIBE', 'DESCRIBE', 'SETUP', 'SETUP', 'PLAY']);
    const packets = async (): Promise<number[]> => ((await ask({ request: 'info', id: 322 })).info as { media: MediaInfo }).media.map((m) => m.packets);
    const before = await packets();
    await sleep(300);
    const after = await packets();
    assert.ok(
      after.every((n, i) => n > before[i] + 3),
      `media flows again: ${before.join(',')} -> ${after.join(',')}`,
    );
    assert.equal(srv.logs.filter((l) => /mountpoint 322: RTSP session lost/.test(l)).length, 1, 'loss logged once');
    assert.equal(srv.logs.filter((l) => /mountpoint 322: RTSP session re-established/.test(l)).length, 1, 'recovery logged once');
    // Janus's Streaming plugin tells event handlers, in no handle's context.
    const rtsp = (): Record<string, unknown>[] => receiver.events().filter((e) => /^rtsp-/.test(String(((e.event as Record<string, unknown>).data as Record<string, unknown>).event)));
    await waitFor(() => rtsp().length === 2, { timeout: 5000, what: 'the RTSP events' });
    assert.deepEqual(
      rtsp().map((e) => [(e.event as Record<string, unknown>).data, e.handle_id]),
      [
        [{ event: 'rtsp-disconnected', id: 322 }, undefined],
        [{ event: 'rtsp-reconnected', id: 322 }, undefined],
      ],
    );
    for (const e of receiver.events()) assert.deepEqual(janusEventProblems(e), [], JSON.stringify(e));
    assert.equal((await ask({ request: 'destroy', id: 322 })).streaming, 'destroyed');
    await waitFor(() => cam.methods.includes('TEARDOWN'), { timeout: 3000, what: 'TEARDOWN' });
    await sleep(400);
    assert.equal(cam.connections(), 2, 'no reconnection after destroy');
  } finally {
    ws.close();
    await srv.stop();
    await cam.close();
    await receiver.down();
  }
});

test('rtsp mountpoint with rtsp_failcheck false: created while the camera is down, streams appear when it answers; destroy stops the retries', { timeout: 30_000 }, async () => {
  const srv = await startInProcess();
  const { ws, ask } = await streamingSession(srv.wsUrl);
  const reserve = net.createServer();
  await new Promise<void>((r) => reserve.listen(0, '127.0.0.1', () => r()));
  const port = (reserve.address() as net.AddressInfo).port;
  await new Promise<void>((r) => reserve.close(() => r()));
  let cam: Awaited<ReturnType<typeof startCamera>> | undefined;
  // A server that hangs up on every connection, to count the retries.
  const hangUp = await rtspServer(
    () => {},
    0,
    (c) => c.sock.destroy(),
  );
  try {
    const url = `rtsp://127.0.0.1:${port}/cam`;
    const created = await ask({
      request: 'create',
      type: 'rtsp',
      id: 323,
      url,
      rtsp_user: 'cam',
      rtsp_pwd: 'secret',
      rtsp_failcheck: false,
      rtsp_reconnect_delay: 0.2,
      rtsp_conn_timeout: 1,
      video: true,
      audio: true,
    });
    assert.equal(created.streaming, 'created', JSON.stringify(created));
    assert.deepEqual(((await ask({ request: 'info', id: 323 })).info as { media: MediaInfo }).media, []);
    cam = await startCamera({ port });
    await waitFor(() => cam!.methods.includes('PLAY'), { timeout: 5000, what: 'the streams' });
    let media: MediaInfo = [];
    for (let i = 0; i < 60 && !(media.length === 2 && media.every((m) => m.packets > 0)); i++) {
      await sleep(50);
      media = ((await ask({ request: 'info', id: 323 })).info as { media: MediaInfo }).media;
    }
    assert.deepEqual(media.map((m) => m.codec).sort(), ['opus', 'vp8']);
    assert.ok(
      media.every((m) => m.packets > 0),
      'camera media reaches the streams',
    );
    assert.equal(srv.logs.filter((l) => /mountpoint 323: RTSP session established/.test(l)).length, 1);
    assert.equal((await ask({ request: 'destroy', id: 323 })).streaming, 'destroyed');
    await waitFor(() => cam!.methods.includes('TEARDOWN'), { timeout: 3000, what: 'TEARDOWN' });

    // Retries go on while the camera hangs up, and stop with the mountpoint.
    assert.equal((await ask({ request: 'create', type: 'rtsp', id: 324, url: `rtsp://127.0.0.1:${hangUp.port}/cam`, rtsp_failcheck: false, rtsp_reconnect_delay: 0.2 })).streaming, 'created');
    await waitFor(() => hangUp.connections >= 3, { timeout: 5000, what: 'a few retries' });
    assert.equal((await ask({ request: 'destroy', id: 324 })).streaming, 'destroyed');
    const count = hangUp.connections;
    await sleep(500);
    assert.equal(hangUp.connections, count, 'no retry after destroy');
  } finally {
    ws.close();
    await srv.stop();
    await cam?.close();
    await hangUp.close();
  }
});
