// Hostile or broken input must give a clean error or be dropped; the process keeps running and media still flows.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SdpError } from '../../../src/media/sdp.js';
import { WebRtcPeer } from '../../../src/media/werift/peer.js';
import type { RemoteCandidateInput } from '../../../src/media/peer-types.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../../support/werift-client.js';
import { sleep, waitFor } from '../../../support/wait.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';

// werift paces its RTCP reports and DTLS retransmissions with node:timers/promises timers that close() does not
// cancel; they run out on their own, up to half a minute after the last peer closed.
tolerateLeftoverTimers('werift RTCP and DTLS timers outlive close()');

const network = new HostNetwork(await discoverNetworkHost());
const newPeer = (logs: string[] = []): WebRtcPeer =>
  new WebRtcPeer({ network, iceEnforceList: ['lo'], log: (level, msg) => logs.push(`${level}: ${msg}`), iceTimeoutMs: 10_000, dtlsTimeoutMs: 10_000 });

test('garbage SDP is rejected with SdpError', { timeout: 10_000 }, async () => {
  const garbage: unknown[] = [
    '',
    'hello',
    'v=0\r\n',
    'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n',
    randomBytes(300).toString('latin1'),
    'v=0\r\no=x\r\nm=audio notaport RTP/SAVPF 0\r\n',
    null,
    42,
    'x'.repeat(300_000),
  ];
  for (const g of garbage) {
    const peer = newPeer();
    await assert.rejects(peer.acceptOffer(g as string, { audio: true, video: true }), SdpError, `rejects ${JSON.stringify(String(g).slice(0, 30))}`);
    assert.equal(peer.state, 'new', 'a rejected offer leaves the peer untouched (no socket opened)');
    assert.equal(peer.localPorts.length, 0);
  }
});

test('an offer without any usable codec is rejected with a reason', { timeout: 10_000 }, async () => {
  const offer = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwxyz',
    'm=audio 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=setup:actpass',
    'a=rtpmap:96 AMR-WB/16000',
    'm=video 9 UDP/TLS/RTP/SAVPF 97',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    'a=setup:actpass',
    'a=rtpmap:97 MP4V-ES/90000',
    '',
  ].join('\r\n');
  const peer = newPeer();
  await assert.rejects(peer.acceptOffer(offer, { audio: true, video: true, data: true }), (err: unknown) => {
    assert.ok(err instanceof SdpError);
    assert.match(err.message, /no usable media/);
    assert.match(err.message, /AMR-WB/);
    return true;
  });
  // The same offer with a plain-RTP (non DTLS-SRTP) profile, and without ICE credentials.
  await assert.rejects(newPeer().acceptOffer(offer.replace(/a=ice-ufrag:abcd\r\n/, ''), {}), /ICE credentials/);
  await assert.rejects(newPeer().acceptOffer(offer.replace(/a=fingerprint:[^\r]*\r\n/, ''), {}), /fingerprint/);
});

test('a wrong DTLS fingerprint fails the connection with hangup "DTLS error"', { timeout: 30_000 }, async () => {
  const logs: string[] = [];
  const peer = newPeer(logs);
  const client = createLoopbackClient(network);
  const hangups: string[] = [];
  peer.on('hangup', (r) => hangups.push(r));
  let up = false;
  peer.on('webrtcup', () => (up = true));
  try {
    const offer = await clientOffer(client);
    const tampered = offer.replace(/a=fingerprint:sha-256 ([0-9A-F]{2})/g, (_m, first: string) => `a=fingerprint:sha-256 ${first === '00' ? '01' : '00'}`);
    assert.notEqual(tampered, offer);
    const answer = await peer.acceptOffer(tampered, { audio: true, video: true, data: true });
    await client.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await waitFor(() => hangups.length > 0, { timeout: 20_000, what: 'hangup' });
    assert.deepEqual(hangups, ['DTLS error'], logs.join('\n'));
    assert.equal(up, false, 'webrtcup never fired');
  } finally {
    peer.close();
    await client.close();
  }
});

test('garbage candidates and garbage datagrams are dropped; media keeps flowing', { timeout: 30_000 }, async () => {
  const logs: string[] = [];
  const peer = newPeer(logs);
  const client = createLoopbackClient(network);
  const echoed: string[] = [];
  peer.on('rtp', (t, p) => peer.relayRtp(t.mid, p));
  const hangups: string[] = [];
  peer.on('hangup', (r) => hangups.push(r));
  client.audio.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => echoed.push(rtp.payload.toString())));
  const badCandidates: unknown[] = [
    null,
    42,
    {},
    { candidate: 42 },
    { candidate: '' },
    { candidate: 'garbage' },
    { candidate: 'candidate:1 1 udp 2130706431 abcd.local 9 typ host' },
    { candidate: 'candidate:1 1 tcp 2130706431 127.0.0.1 9 typ host tcptype passive' },
    { candidate: 'candidate:1 1 udp 99999999999 127.0.0.1 70000 typ host' },
    { candidate: 'candidate:1 1 udp 1 some.host.name 9 typ host' },
    { candidate: 'candidate:x'.repeat(500) },
    { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: 'nope', sdpMLineIndex: 99 },
  ];
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const sendGarbage = async (port: number): Promise<void> => {
    const junk = [
      randomBytes(1),
      randomBytes(100),
      Buffer.from([0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42]), // truncated STUN binding request
      Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x50, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12), randomBytes(20)]), // STUN with lying length
      Buffer.from([0x80, 0x60, 0x00]), // truncated RTP
      Buffer.concat([Buffer.from([0x80, 0x60]), randomBytes(30)]), // RTP-looking, not SRTP
      Buffer.from([0x80, 0xc8, 0x00, 0x06]), // truncated RTCP SR
      Buffer.concat([Buffer.from([0x81, 0xc9, 0x00, 0x07]), randomBytes(40)]), // RTCP-looking junk
      Buffer.concat([Buffer.from([0x16, 0xfe, 0xfd]), randomBytes(40)]), // DTLS-looking junk
      Buffer.alloc(0),
    ];
    for (let i = 0; i < 5; i++) for (const j of junk) udp.send(j, port, '127.0.0.1');
    for (let i = 0; i < 50; i++) udp.send(randomBytes(1 + ((i * 37) % 1200)), port, '127.0.0.1');
    await sleep(100);
  };
  try {
    for (const c of badCandidates) peer.addRemoteCandidate(c as RemoteCandidateInput); // before negotiation (queued)
    const offer = await clientOffer(client);
    const answer = await peer.acceptOffer(offer, { audio: true, video: true, data: true });
    for (const c of badCandidates) peer.addRemoteCandidate(c as RemoteCandidateInput); // after
    const port = peer.localPorts.find((p) => p.address === '127.0.0.1')!.port;
    await sendGarbage(port); // before ICE
    await client.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await waitFor(() => peer.state === 'up', { timeout: 10_000, what: 'connected' });
    await sendGarbage(port); // after DTLS
    const pt = client.audio.sender.codec!.payloadType;
    // Keep sending until enough comes back: the client's own DTLS may finish a moment after ours (bounded).
    for (let i = 0; i < 500 && echoed.length < 8; i++) {
      await client.audio.sender.sendRtp(rtpWithText(500 + i, 1, pt, `after-garbage-${i}`));
      await sleep(20);
    }
    await waitFor(() => echoed.length >= 8, { timeout: 10_000, what: 'echo after garbage' });
    assert.deepEqual(hangups, [], 'no hangup caused by garbage');
    assert.ok(
      logs.some((l) => /unparsable remote candidate/.test(l)),
      'garbage candidates were logged',
    );
  } finally {
    udp.close();
    peer.close();
    await client.close();
  }
});
