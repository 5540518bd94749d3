// Nothing a peer or a stranger sends at a live PeerConnection stops it, blinds it or misuses it: malformed media
// from the connected peer's own address is dropped and counted while the echo goes on; Binding requests without
// our credentials get no success and teach ICE nothing; DTLS alerts from anywhere but the selected pair change
// nothing; consent (RFC 7675) comes only from authenticated checks; a new nomination moves the selected pair.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crc32c, RtpHeader } from 'werift';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { buildNack, buildPli, buildReceiverReport } from '../../../src/rtp/rtcp.js';
import { closeNotifies, connectEchoRig, DEADLY_RTP, dtlsRecord, iceCredentials, stranger, type EchoRig } from '../../helpers/hostile-peer.js';
import { bindingRequest } from '../../helpers/stun-requests.js';
import { sleep, waitFor } from '../../../support/wait.js';

const network = new HostNetwork(await discoverNetworkHost());

interface Dropped {
  malformed: number;
  unauthenticated: number;
  unselected_source: number;
  unknown_kind: number;
}
function dropped(rig: EchoRig): Dropped {
  const d = rig.peer.stats().inbound_dropped as Dropped | undefined;
  return d ?? { malformed: 0, unauthenticated: 0, unselected_source: 0, unknown_kind: 0 };
}

/** Valid SRTCP from the client, around any plaintext compound (the client holds the keys). */
function srtcp(rig: EchoRig, plain: Buffer): Buffer {
  return rig.dtls.srtcp.encrypt(plain);
}

/** Valid SRTP from the client for an RTP packet of its audio stream. */
function srtp(rig: EchoRig, seq: number, text: string, ssrc = 1111): Buffer {
  const pt = rig.client.audio.sender.codec!.payloadType;
  const header = new RtpHeader({ sequenceNumber: seq, timestamp: seq * 960, payloadType: pt, ssrc, marker: true });
  return rig.dtls.srtp.encrypt(Buffer.from(text), header);
}

test('the 27-byte RTP packet and other malformed media from the connected peer are dropped; the echo goes on', { timeout: 60_000 }, async () => {
  const rig = await connectEchoRig(network);
  try {
    await rig.echo(5, 5000);
    // The packet from the issue, several times, from the client's own ICE socket.
    for (let i = 0; i < 3; i++) rig.fromClient(DEADLY_RTP);
    // A header extension block within the packet but full of elements (werift copies its list per element).
    const crowded = Buffer.alloc(12 + 4 + 40_000);
    DEADLY_RTP.copy(crowded, 0, 0, 12);
    crowded.writeUInt16BE(0xbede, 12);
    crowded.writeUInt16BE(10_000, 14);
    for (let at = 16; at < crowded.length; at += 2) crowded[at] = 0x10;
    rig.fromClient(crowded);
    // Authenticated RTCP whose contents lie: a TWCC status count beyond its chunks, 40 packets in one datagram,
    // a compound of thousands of NACK packets (werift parses the rest of the datagram for each packet).
    const twcc = Buffer.alloc(24);
    twcc[0] = 0x8f;
    twcc[1] = 205;
    twcc.writeUInt16BE(5, 2);
    twcc.writeUInt32BE(1, 4);
    twcc.writeUInt32BE(2, 8);
    twcc.writeUInt16BE(0xffff, 14);
    rig.fromClient(srtcp(rig, twcc));
    rig.fromClient(srtcp(rig, Buffer.concat(Array.from({ length: 40 }, () => buildPli(1, 2)))));
    rig.fromClient(srtcp(rig, Buffer.concat(Array.from({ length: 2000 }, () => buildNack(0xffffffff, 0xffffffff, [1, 2, 3]))).subarray(0, 48_000)));
    const sentAt = Date.now();
    await rig.echo(5, 5000);
    assert.ok(Date.now() - sentAt < 5000, 'the server answered at once');
    assert.deepEqual(rig.hangups, []);
    const d = dropped(rig);
    assert.ok(d.malformed >= 7, `dropped and counted: ${JSON.stringify(d)}`);
    // Real RTCP still goes through.
    rig.fromClient(
      srtcp(
        rig,
        buildReceiverReport(1, 0, () => {}),
      ),
    );
    await rig.echo(3, 5000);
  } finally {
    await rig.close();
  }
});

test("a stranger's Binding requests get no success, and its DTLS alerts change nothing", { timeout: 60_000 }, async () => {
  const rig = await connectEchoRig(network);
  const s = await stranger();
  try {
    await rig.echo(3, 5000);
    const { serverUfrag, clientUfrag } = iceCredentials(rig);
    const username = `${serverUfrag}:${clientUfrag}`;
    const requests = [
      bindingRequest({ username, useCandidate: true }), // no MESSAGE-INTEGRITY: 400
      bindingRequest({ password: 'nope', useCandidate: true }), // no USERNAME: 400
      bindingRequest({ username, password: 'guessed-password-123456', useCandidate: true }), // 401
      bindingRequest({ username: `zzzz:${clientUfrag}`, password: 'guessed-password-123456' }), // 401
    ];
    for (const r of requests) await s.send(r, rig.port);
    await waitFor(() => s.received.length >= requests.length, { timeout: 3000, what: 'error responses' });
    for (const m of s.received) assert.equal(m.readUInt16BE(0), 0x0111, `only Binding error responses, got type ${m.readUInt16BE(0).toString(16)}`);
    const codes = s.received.map((m) => m[26] * 100 + m[27]).sort();
    assert.deepEqual(codes, [400, 400, 401, 401]);
    // Not learned as a peer-reflexive candidate: its DTLS is not taken even for a moment.
    for (const alert of closeNotifies()) await s.send(alert, rig.port);
    await sleep(200);
    await rig.echo(3, 5000);
    assert.deepEqual(rig.hangups, []);
    const d = dropped(rig);
    assert.equal(d.unauthenticated, 4);
    assert.ok(d.unselected_source >= 2, JSON.stringify(d));
  } finally {
    s.close();
    await rig.close();
  }
});

test('DTLS alerts from a signalled but unselected address, and plaintext alerts or a ClientHello from the peer itself, change nothing', { timeout: 60_000 }, async () => {
  const rig = await connectEchoRig(network);
  const s = await stranger();
  try {
    await rig.echo(3, 5000);
    rig.peer.addRemoteCandidate({ candidate: `candidate:7 1 udp 2113937151 127.0.0.1 ${s.port} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
    await sleep(100);
    for (const alert of closeNotifies()) await s.send(alert, rig.port);
    // From the selected pair itself: a plaintext alert after the handshake, one werift would misread, and a
    // plaintext ClientHello (werift would take it for a renegotiation and restart the handshake).
    for (const alert of closeNotifies()) rig.fromClient(alert);
    rig.fromClient(dtlsRecord(22, 0, Buffer.from('0100002a000000000000002a' + '00'.repeat(42), 'hex')));
    await sleep(200);
    await rig.echo(3, 5000);
    assert.deepEqual(rig.hangups, []);
    const d = dropped(rig);
    assert.ok(d.unselected_source >= 2, JSON.stringify(d));
    assert.ok(d.malformed >= 3, JSON.stringify(d));
  } finally {
    s.close();
    await rig.close();
  }
});

test('property: mutated RTP/RTCP/STUN/DTLS-looking datagrams from the peer never stop the echo', { timeout: 120_000 }, async () => {
  const rig = await connectEchoRig(network);
  try {
    await rig.echo(3, 5000);
    const { serverUfrag, serverPwd, clientUfrag } = iceCredentials(rig);
    let seq = 30_000;
    const seeds = (): Buffer[] => [
      srtp(rig, seq++, 'seed-media', 4242),
      srtcp(rig, Buffer.concat([buildReceiverReport(1, 1, (b, at) => b.writeUInt32BE(1111, at)), buildNack(1, 1111, [4, 5])])),
      bindingRequest({ username: `${serverUfrag}:${clientUfrag}`, password: serverPwd }),
      dtlsRecord(23, 1, Buffer.alloc(48, 0x5a), 77),
      dtlsRecord(22, 0, Buffer.from('0100002a000000000000002a' + '00'.repeat(42), 'hex')),
      DEADLY_RTP,
    ];
    let sent = 0;
    const recent: Buffer[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            seed: fc.nat(5),
            edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
            cut: fc.integer({ min: -30, max: 30 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (datagrams) => {
          const base = seeds();
          for (const d of datagrams) {
            let b = Buffer.from(base[d.seed]);
            for (const [at, v] of d.edits) b[at % b.length] = v;
            if (d.cut < 0) b = b.subarray(0, Math.max(1, b.length + d.cut));
            else if (d.cut > 0) b = Buffer.concat([b, Buffer.alloc(d.cut, d.cut)]);
            rig.fromClient(b);
            recent.push(b);
            if (recent.length > 12) recent.shift();
            sent++;
          }
          await sleep(5);
          if (rig.hangups.length > 0 && process.env.HOSTILE_SEED) console.log(`hangup ${rig.hangups.join(',')}\n${recent.map((b) => b.toString('hex')).join('\n')}\n${rig.logs.slice(-15).join('\n')}`);
          assert.deepEqual(rig.hangups, [], `${recent.map((b) => b.toString('hex')).join('\n')}\n${rig.logs.slice(-15).join('\n')}`);
        },
      ),
      { numRuns: 60, seed: Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    assert.ok(sent <= 360);
    await sleep(200);
    await rig.echo(5, 5000);
    assert.deepEqual(rig.hangups, []);
    assert.ok(dropped(rig).malformed > 0, 'malformed datagrams were counted');
  } finally {
    await rig.close();
  }
});

test('consent (RFC 7675) is kept by authenticated checks, and lost without them even while media flows', { timeout: 90_000 }, async () => {
  const rig = await connectEchoRig(network, { iceIdleTimeoutMs: 7000 });
  try {
    // The client's own consent checks (every 4-6 s) keep the PeerConnection up past the timeout.
    const until = Date.now() + 9000;
    while (Date.now() < until) await rig.echo(2, 5000);
    assert.deepEqual(rig.hangups, []);
    // The client stops its checks but goes on sending media: that is no consent.
    const connection = rig.client.pc.iceTransports[0].connection as unknown as { stopConsentLifecycle(): void };
    connection.stopConsentLifecycle();
    const deadline = Date.now() + 15_000;
    while (rig.hangups.length === 0 && Date.now() < deadline) {
      rig.fromClient(srtp(rig, 50_000 + (Date.now() % 10_000), 'media-without-consent'));
      await sleep(50);
    }
    assert.deepEqual(rig.hangups, ['ICE failed']);
  } finally {
    await rig.close();
  }
  // Full ICE (nat.ice_lite = false): the authenticated answers to our own consent checks keep it up.
  const full = await connectEchoRig(network, { iceLite: false, iceIdleTimeoutMs: 7000 });
  try {
    const until = Date.now() + 9000;
    while (Date.now() < until) await full.echo(2, 5000);
    assert.deepEqual(full.hangups, []);
  } finally {
    await full.close();
  }
});

test("a nomination from a new address (the client's address changed) moves the selected pair", { timeout: 60_000 }, async () => {
  const rig = await connectEchoRig(network);
  const moved = await stranger();
  try {
    await rig.echo(3, 5000);
    const { serverUfrag, serverPwd, clientUfrag } = iceCredentials(rig);
    // The client, now behind another port, nominates the new pair with its credentials.
    await moved.send(bindingRequest({ username: `${serverUfrag}:${clientUfrag}`, password: serverPwd, useCandidate: true }), rig.port);
    await waitFor(() => moved.received.some((m) => m.readUInt16BE(0) === 0x0101), { timeout: 3000, what: 'Binding success' });
    // Its media from there is taken and echoed there.
    for (let i = 0; i < 20 && !moved.received.some((m) => m[0] >= 128 && m[0] <= 191); i++) {
      await moved.send(srtp(rig, 60_000 + i, `moved-${i}`), rig.port);
      await sleep(50);
    }
    assert.ok(
      moved.received.some((m) => m[0] >= 128 && m[0] <= 191),
      'SRTP echoed to the new address',
    );
    assert.deepEqual(rig.hangups, []);
  } finally {
    moved.close();
    await rig.close();
  }
});

test('an SCTP chunk of length 0 inside DTLS from the peer is dropped; the data channel goes on', { timeout: 60_000 }, async () => {
  const rig = await connectEchoRig(network);
  try {
    await waitFor(() => rig.client.channel.readyState === 'open', { timeout: 10_000, what: 'data channel open' });
    rig.client.channel.send('before');
    await waitFor(() => rig.dataEchoed.includes('before'), { timeout: 5000, what: 'data echo' });
    // A COOKIE-ACK whose length field is 0, with a valid checksum: werift's parser never advances past it and
    // fills the heap until the process dies.
    const sctp = Buffer.alloc(16);
    sctp.writeUInt16BE(5000, 0);
    sctp.writeUInt16BE(5000, 2);
    sctp[12] = 11;
    sctp.writeUInt32LE(crc32c(sctp), 8);
    await rig.dtls.sendData(sctp);
    rig.client.channel.send('after');
    await waitFor(() => rig.dataEchoed.includes('after'), { timeout: 5000, what: 'data echo after the bad packet' });
    await rig.echo(3, 5000);
    assert.deepEqual(rig.hangups, []);
    assert.ok(dropped(rig).malformed >= 1);
  } finally {
    await rig.close();
  }
});
