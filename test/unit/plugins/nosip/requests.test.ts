// The NoSIP plugin's request logic on fake handles and an in-memory network: a browser-offered handle and a
// peer-offered one bridged through their plain legs (codec choices, SRTP, media and keyframe requests both ways),
// every error with Janus's code, and sockets closed when a call or a handle ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '../../../../src/logging/logger.js';
import type { Jsep } from '../../../../src/plugin-api/media-types.js';
import { PlainRelayGroup } from '../../../../src/core/plain-relay-group.js';
import { NoSipPlugin } from '../../../../src/plugins/nosip/nosip.js';
import { buildPli } from '../../../../src/rtp/rtcp.js';
import { FakeNetwork } from '../../../../support/fake-network.js';
import { FakePluginHandle, sendMessage } from '../../../../support/fake-plugin-handle.js';
import { waitFor } from '../../../../support/wait.js';

const BROWSER_OFFER: Jsep = {
  type: 'offer',
  sdp: [
    'v=0',
    'o=- 1 1 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=rtpmap:111 opus/48000/2',
    'a=rtpmap:0 PCMU/8000',
    'a=sendrecv',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 102',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack pli',
    'a=rtpmap:102 H264/90000',
    'a=sendrecv',
    '',
  ].join('\r\n'),
};

/** The browser's answer to the offer the plugin makes from a peer's barebone offer (mids are the m-line indexes). */
const BROWSER_ANSWER: Jsep = {
  type: 'answer',
  sdp: ['v=0', 'o=- 2 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 8', 'a=mid:0', 'a=sendrecv', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=recvonly', ''].join('\r\n'),
};

function rtp(seq: number, pt: number, ssrc = 1234): Buffer {
  const b = Buffer.alloc(30, seq & 0xff);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

async function setup(config: Record<string, string> = {}): Promise<{ plugin: NoSipPlugin; network: FakeNetwork; a: FakePluginHandle; b: FakePluginHandle }> {
  const network = new FakeNetwork();
  const plugin = new NoSipPlugin();
  plugin.init({
    log: Logger.create({ level: 0, timestamps: false }),
    network,
    config: { general: { local_ip: '127.0.0.1', rtp_port_range: '30000-30100', ...config } },
    recordingsDir: 'recordings',
    relayGroup: () => new PlainRelayGroup(),
  });
  const a = new FakePluginHandle({ id: 1 });
  const b = new FakePluginHandle({ id: 2 });
  plugin.createSession(a);
  plugin.createSession(b);
  return { plugin, network, a, b };
}

type Result = Record<string, unknown>;

/** A (browser offers) and B (the peer offered) through their barebone SDPs, as nosiptest.html does. */
async function bridge(plugin: NoSipPlugin, a: FakePluginHandle, b: FakePluginHandle, srtp?: string): Promise<{ offer: string; answer: string }> {
  const srtpField = srtp ? { srtp } : {};
  const generated = await sendMessage(plugin, a, { request: 'generate', ...srtpField }, BROWSER_OFFER);
  const g = generated.data.result as Result;
  assert.equal(g.event, 'generated', JSON.stringify(generated.data));
  const offer = String(g.sdp);
  b.offer = async () => ({ type: 'offer', sdp: 'v=0\r\n' });
  const processed = await sendMessage(plugin, b, { request: 'process', type: 'offer', sdp: offer });
  assert.equal((processed.data.result as Result).event, 'processed', JSON.stringify(processed.data));
  assert.equal(processed.jsep?.type, 'offer');
  // The plugin offered B's browser the peer's first usable codec of each line, with the peer's payload type.
  assert.deepEqual(
    b.offered[b.offered.length - 1].map((t) => [t.kind, t.mid, t.codec, t.pt, t.direction]),
    [
      ['audio', '0', 'opus', 111, 'sendrecv'],
      ['video', '1', 'vp8', 96, 'sendrecv'],
    ],
  );
  b.media = [
    { mid: '0', kind: 'audio', codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } },
    { mid: '1', kind: 'video', codec: { name: 'vp8', pt: 96, clockRate: 90000 } },
  ];
  const answered = await sendMessage(plugin, b, { request: 'generate', ...srtpField }, BROWSER_ANSWER);
  const ga = answered.data.result as Result;
  assert.equal(ga.type, 'answer', JSON.stringify(answered.data));
  const answer = String(ga.sdp);
  a.media = [
    { mid: '0', kind: 'audio', index: 0, codec: { name: 'opus', pt: 111, clockRate: 48000, channels: 2 } },
    { mid: '1', kind: 'video', index: 1, codec: { name: 'vp8', pt: 96, clockRate: 90000 } },
  ];
  const done = await sendMessage(plugin, a, { request: 'process', type: 'answer', sdp: answer });
  assert.equal((done.data.result as Result).event, 'processed', JSON.stringify(done.data));
  assert.equal(done.jsep?.type, 'answer');
  // A's browser offer was answered only now, with the codecs the peer's answer chose.
  const last = a.answered[a.answered.length - 1];
  assert.equal(last.offer, BROWSER_OFFER);
  assert.deepEqual([last.options.audioCodec, last.options.videoCodec, last.options.audio, last.options.video, last.options.data], ['opus', 'vp8', true, true, false]);
  return { offer, answer };
}

test('browser offer → barebone offer → peer-side process/generate → browser answer; media and keyframes both ways', async () => {
  const { plugin, network, a, b } = await setup();
  const { offer, answer } = await bridge(plugin, a, b);
  assert.match(offer, /^m=audio 300\d\d RTP\/AVP 111 0\r$/m);
  assert.match(offer, /^m=video 300\d\d RTP\/AVP 96 102\r$/m);
  assert.match(answer, /^m=audio 300\d\d RTP\/AVP 111\r$/m);
  assert.match(answer, /^a=recvonly\r$/m, "B's browser answered video recvonly: the barebone answer says so");
  assert.equal(network.open.length, 8, 'an RTP and an RTCP socket per leg, two legs per handle');

  plugin.incomingRtp(a, { mid: '0', kind: 'audio' }, rtp(1, 111));
  plugin.incomingRtp(a, { mid: '1', kind: 'video' }, rtp(2, 96));
  plugin.incomingRtp(b, { mid: '0', kind: 'audio' }, rtp(3, 111));
  // B's peer (A's leg) said sendrecv; B's video goes to A; a packet on an unknown mid goes nowhere.
  plugin.incomingRtp(b, { mid: '1', kind: 'video' }, rtp(4, 96));
  plugin.incomingRtp(b, { mid: '7', kind: 'video' }, rtp(5, 96));
  await waitFor(() => b.rtp.length === 2 && a.rtp.length === 2, { timeout: 2000, what: `relayed (b ${b.rtp.length}, a ${a.rtp.length})` });
  assert.deepEqual(
    b.rtp.map((r) => [r.mid, r.packet.readUInt16BE(2)]),
    [
      ['0', 1],
      ['1', 2],
    ],
  );
  assert.deepEqual(
    a.rtp.map((r) => [r.mid, r.packet.readUInt16BE(2)]),
    [
      ['0', 3],
      ['1', 4],
    ],
  );

  // A PLI from B's browser reaches A's browser as a keyframe request (both lines negotiated nack pli).
  plugin.incomingRtcp(b, { mid: '1', kind: 'video' }, buildPli(1, 2));
  await waitFor(() => a.keyframeRequests.includes('1'), { timeout: 2000, what: 'keyframe request across' });
  assert.deepEqual((await sendMessage(plugin, b, { request: 'keyframe', user: true, peer: true })).data, { nosip: 'event', result: { event: 'keyframesent' } });
  await waitFor(() => a.keyframeRequests.filter((m) => m === '1').length === 2, { timeout: 2000, what: 'the keyframe request of `keyframe peer`' });
  assert.ok(b.keyframeRequests.includes('1'), '`keyframe user` asks the handle’s own browser');

  const info = plugin.querySession(a);
  assert.deepEqual([info['srtp-required'], info['sdes-local'], info['sdes-remote']], ['no', 'no', 'no']);
  assert.equal(typeof info.unique_id, 'string');
  assert.deepEqual(Object.keys(info.media as object), ['audio', 'video']);

  // The call ends with the PeerConnection: sockets closed; the handle ends: nothing left.
  plugin.hangupMedia(a);
  assert.equal(network.open.length, 4);
  plugin.destroySession(b);
  assert.equal(network.open.length, 0);
  plugin.destroy();
});

test('SDES: sdes_mandatory on both sides: crypto lines, RTP/SAVP, and media still crosses (encrypted on the wire)', async () => {
  const { plugin, network, a, b } = await setup();
  const { offer, answer } = await bridge(plugin, a, b, 'sdes_mandatory');
  for (const sdp of [offer, answer]) assert.equal([...sdp.matchAll(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\S{40}\r$/gm)].length, 2, sdp);
  assert.match(offer, /RTP\/SAVP/);
  const payload = rtp(9, 111);
  plugin.incomingRtp(a, { mid: '0', kind: 'audio' }, payload);
  await waitFor(() => b.rtp.length === 1, { timeout: 2000, what: 'SRTP relayed' });
  assert.deepEqual(b.rtp[0].packet, payload);
  const onWire = network.sent.find((d) => d.data.length === payload.length + 10);
  assert.ok(onWire && !onWire.data.subarray(12, 30).equals(payload.subarray(12, 30)), 'the payload is encrypted on the plain leg');
  const info = plugin.querySession(a);
  assert.deepEqual([info['srtp-required'], info['sdes-local'], info['sdes-remote']], ['yes', 'yes', 'yes']);
  plugin.destroy();
  assert.equal(network.open.length, 0);
});

test('SDES optional offered, peer answers without keys: plain RTP; a mandatory answer to a keyless offer is refused (450)', async () => {
  const { plugin, a, b } = await setup();
  const g = await sendMessage(plugin, a, { request: 'generate', srtp: 'sdes_optional', srtp_profile: 'AES_CM_128_HMAC_SHA1_32' }, BROWSER_OFFER);
  const offer = String((g.data.result as Result).sdp);
  assert.match(offer, /a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:/);
  assert.match(offer, /RTP\/AVP /, 'optional: RTP/AVP with keys');
  const keyless = offer.replace(/a=crypto:.*\r\n/g, '');
  b.offer = async () => ({ type: 'offer', sdp: 'v=0\r\n' });
  const p = await sendMessage(plugin, b, { request: 'process', type: 'offer', sdp: keyless });
  assert.equal((p.data.result as Result).srtp, undefined);
  b.media = [{ mid: '0', kind: 'audio', codec: { name: 'opus', pt: 111, clockRate: 48000 } }];
  assert.deepEqual((await sendMessage(plugin, b, { request: 'generate', srtp: 'sdes_mandatory' }, BROWSER_ANSWER)).data, {
    nosip: 'event',
    error_code: 450,
    error: "Can't generate answer: SDES-SRTP required, but caller didn't offer it",
  });
  plugin.destroy();
});

test("errors: Janus's codes for every request's fields", async () => {
  const { plugin, a } = await setup();
  const err = async (body: Record<string, unknown>, jsep?: Jsep): Promise<[unknown, unknown]> => {
    const { data } = await sendMessage(plugin, a, body, jsep);
    return [data.error_code, data.error];
  };
  assert.deepEqual(await err({}), [443, 'Missing mandatory element (request)']);
  assert.deepEqual(await err({ request: 'GENERATE' }), [446, 'Missing SDP'], 'requests in any case');
  assert.deepEqual(await err({ request: 'generate', info: 5 }), [444, 'Invalid element type (info should be a string)']);
  assert.deepEqual(await err({ request: 'generate' }, { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n' }), [
    446,
    'The NoSIP plugin does not support DataChannels',
  ]);
  assert.deepEqual(await err({ request: 'generate' }, { ...BROWSER_OFFER, e2ee: true }), [444, 'Media encryption unsupported by this plugin']);
  assert.deepEqual(await err({ request: 'generate', srtp: 'yes' }, BROWSER_OFFER), [444, 'Invalid element (srtp can only be sdes_optional or sdes_mandatory)']);
  assert.deepEqual(await err({ request: 'generate' }, { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 RTP/AVP 63\r\na=rtpmap:63 red/48000/2\r\n' }), [
    447,
    'No audio and no video being negotiated',
  ]);
  assert.deepEqual(await err({ request: 'generate' }, { type: 'offer', sdp: 'nonsense' }), [446, 'Error parsing SDP: no v=0 line first']);
  assert.deepEqual(await err({ request: 'generate' }, BROWSER_ANSWER), [445, 'No barebone offer to answer (process one first)']);
  assert.deepEqual(await err({ request: 'process', type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 97\r\na=rtpmap:97 iLBC/8000\r\n' }), [
    447,
    'No audio and no video being negotiated (no codec in common)',
  ]);
  assert.deepEqual(await err({ request: 'generate', srtp: 'sdes_mandatory', srtp_profile: 'NULL' }, BROWSER_OFFER), [444, 'Invalid element (unsupported SRTP profile)']);
  assert.deepEqual(await err({ request: 'generate', srtp_profile: 'NULL' }, BROWSER_OFFER), [undefined, undefined], 'without srtp the profile is not read');
  assert.deepEqual(await err({ request: 'hangup' }), [undefined, undefined]);
  const [code, text] = await err({ request: 'recording', action: 'start', audio: true, filename: '/etc/passwd' });
  assert.equal(code, 449);
  assert.match(String(text), /^Invalid element \(filename '\/etc\/passwd' /);
  assert.deepEqual(await err({ request: 'recording', action: 'stop', audio: true }), [undefined, undefined], 'stopping what is not recorded is no error');
  assert.deepEqual(await err({ request: 'keyframe', user: 'x' }), [444, 'Invalid element type (user should be a boolean)']);
  assert.deepEqual(await err({ request: 'register' }), [442, "Unknown request 'register'"]);
  // Failing requests left nothing open.
  plugin.destroy();
});

test('a handle that goes while its ports are being opened leaves no socket behind', async () => {
  const { plugin, network, a } = await setup();
  const pending = plugin.handleMessage(a, { transaction: 't1', body: { request: 'generate' }, jsep: BROWSER_OFFER });
  plugin.destroySession(a);
  await pending;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(network.open.length, 0);
  assert.equal(a.events.length, 0, 'nothing pushed after the handle went');
  plugin.destroy();
});

test('settings: local_ip may name an interface (its address goes in the SDP), sdp_ip wins, rtp_port_range bounds the ports', async () => {
  for (const [config, address, low, high] of [
    [{ local_ip: 'lo', rtp_port_range: '31000-31010' }, '127.0.0.1', 31000, 31010],
    [{ local_ip: '127.0.0.1', sdp_ip: '203.0.113.5', rtp_port_range: '32001-32011' }, '203.0.113.5', 32001, 32011],
  ] as const) {
    const { plugin, network, a } = await setup(config);
    const g = await sendMessage(plugin, a, { request: 'generate' }, BROWSER_OFFER);
    const sdp = String((g.data.result as Result).sdp);
    assert.match(sdp, new RegExp(`^c=IN IP4 ${address.replace(/\./g, '\\.')}\r$`, 'm'));
    for (const e of network.open) assert.ok(e.port >= low && e.port <= high && e.address === '127.0.0.1', `${e.address}:${e.port}`);
    const rtpPorts = [...sdp.matchAll(/^m=\w+ (\d+)/gm)].map((m) => Number(m[1]));
    assert.ok(rtpPorts.every((p) => p % 2 === 0));
    plugin.destroy();
  }
});

test('every field of every request, mistyped: 444 naming it; the mandatory ones missing: 443', async () => {
  const { plugin, a } = await setup();
  const fields: Record<string, Record<string, string>> = {
    generate: { info: 'string', srtp: 'string', srtp_profile: 'string', update: 'boolean' },
    process: { type: 'string', sdp: 'string', info: 'string', srtp: 'string', srtp_profile: 'string', update: 'boolean' },
    recording: { action: 'string', audio: 'boolean', video: 'boolean', peer_audio: 'boolean', peer_video: 'boolean', filename: 'string' },
    keyframe: { user: 'boolean', peer: 'boolean' },
  };
  const valid: Record<string, Record<string, unknown>> = { process: { type: 'offer', sdp: 'v=0\r\n' }, recording: { action: 'start', audio: true } };
  for (const [request, spec] of Object.entries(fields)) {
    for (const [name, type] of Object.entries(spec)) {
      const wrong = type === 'string' ? 12 : 'yes';
      const { data } = await sendMessage(plugin, a, { request, ...valid[request], [name]: wrong });
      assert.deepEqual([data.error_code, data.error], [444, `Invalid element type (${name} should be ${type === 'string' ? 'a string' : 'a boolean'})`], `${request}.${name}`);
    }
  }
  for (const [request, name] of [
    ['process', 'type'],
    ['process', 'sdp'],
    ['recording', 'action'],
  ] as const) {
    const body: Record<string, unknown> = { request, ...valid[request] };
    delete body[name];
    const { data } = await sendMessage(plugin, a, body);
    assert.deepEqual([data.error_code, data.error], [443, `Missing mandatory element (${name})`], `${request} without ${name}`);
  }
  plugin.destroy();
});

test('hangup before any answer closes the legs the barebone offer opened', async () => {
  const { plugin, network, a } = await setup();
  await sendMessage(plugin, a, { request: 'generate' }, BROWSER_OFFER);
  assert.equal(network.open.length, 4);
  assert.deepEqual((await sendMessage(plugin, a, { request: 'hangup' })).data, { nosip: 'event', result: { event: 'hangingup' } });
  assert.equal(network.open.length, 0);
  assert.deepEqual(
    (await sendMessage(plugin, a, { request: 'process', type: 'answer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n' })).data.error_code,
    445,
  );
  plugin.destroy();
});

test("rtp_forward / stop_rtp_forward / listforwarders: Janus's checks and codes; forwarders end with the call", async () => {
  const { plugin, network, a, b } = await setup();
  const err = async (body: Record<string, unknown>): Promise<[unknown, unknown]> => {
    const { data } = await sendMessage(plugin, a, body);
    return [data.error_code, data.error];
  };
  const stream = { type: 'audio', host: '127.0.0.1', port: 5000 };
  assert.deepEqual(await err({ request: 'rtp_forward' }), [443, 'Missing mandatory element (streams)']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: {} }), [444, 'Invalid element type (streams should be an array)']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [] }), [443, 'Missing mandatory element streams, or empty array']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [{ host: '127.0.0.1', port: 5000 }] }), [443, 'Missing mandatory element (type)']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [{ ...stream, type: 'data' }] }), [444, 'Invalid element (type)']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [{ ...stream, port: -1 }] }), [444, 'Invalid element type (port should be a positive integer)']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [{ ...stream, port: 70000 }] }), [444, 'Invalid element (port should be 1-65535)']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [{ ...stream, host_family: 'ipx' }] }), [444, 'Unsupported protocol family (ipx)']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [{ ...stream, host: 'nowhere.invalid' }] }), [444, 'Could not resolve address (nowhere.invalid)...']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [{ ...stream, srtp_suite: 64, srtp_crypto: 'x' }] }), [444, 'Invalid SRTP suite (64)']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [{ ...stream, srtp_suite: 80, srtp_crypto: 'c2hvcnQ=' }] }), [444, 'Invalid SRTP crypto']);
  assert.deepEqual(await err({ request: 'rtp_forward', streams: [stream, 'not an object'] }), [443, 'Missing mandatory element (type)'], 'nothing is made when one entry is bad');
  assert.deepEqual(await err({ request: 'stop_rtp_forward' }), [443, 'Missing mandatory element (stream_id)']);
  assert.deepEqual(await err({ request: 'stop_rtp_forward', stream_id: 7 }), [451, 'No such stream (7)']);
  assert.deepEqual((await sendMessage(plugin, a, { request: 'listforwarders' })).data, { nosip: 'event', result: { event: 'forwarders', rtp_forwarders: [] } });

  // In a call, the user's video goes to the forwarder with the pt and SSRC asked for.
  await bridge(plugin, a, b);
  const made = (await sendMessage(plugin, a, { request: 'rtp_forward', streams: [{ type: 'video', host: '127.0.0.1', port: 5000, pt: 110, ssrc: 99 }] })).data.result as Result;
  const [f] = made.forwarders as Array<Record<string, unknown>>;
  assert.deepEqual([f.type, f.media, f.host, f.port, f.pt, f.ssrc, f.srtp], ['video', 'video', '127.0.0.1', 5000, 110, 99, false]);
  network.sent.length = 0;
  plugin.incomingRtp(a, { mid: '1', kind: 'video' }, rtp(77, 96));
  const out = network.sent.find((d) => d.to.port === 5000);
  assert.ok(out, 'forwarded');
  assert.deepEqual([out.data[1] & 0x7f, out.data.readUInt32BE(8), out.data.readUInt16BE(2)], [110, 99, 77]);
  const openBefore = network.open.length;
  plugin.hangupMedia(a);
  assert.equal(network.open.length, openBefore - 5, "the call's four plain sockets and the forwarders' socket close");
  assert.deepEqual(((await sendMessage(plugin, a, { request: 'listforwarders' })).data.result as Result).rtp_forwarders, []);
  plugin.destroy();
});
