// Our receive path's bookkeeping: receiver report blocks (loss, extended highest sequence, jitter, LSR/DLSR) and
// NACKs (asked at once, retried, given up), and the RTCP builders they use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildNack, buildReceiverReport, nackedSequences, summarizeRtcp } from '../../../src/rtp/rtcp.js';
import { RtpInStream } from '../../../src/media/rtp-in-stream.js';
import { sleep, waitFor } from '../../../support/wait.js';

test('report block: cumulative and interval loss, extended highest sequence across a wrap, LSR/DLSR', () => {
  const s = new RtpInStream(0x1234, 90000, true);
  let t = 1000;
  for (let i = 0; i < 100; i++) {
    const seq = (65500 + i) & 0xffff;
    if (i % 10 !== 5) s.onPacket(seq, i * 3000, t);
    t += 33;
  }
  s.onSenderReport(0xaabbccdd, t - 500);
  const b = Buffer.alloc(24);
  s.writeReportBlock(b, 0, t);
  assert.equal(b.readUInt32BE(0), 0x1234);
  assert.equal(b[4], Math.floor((10 * 256) / 100), 'fraction lost');
  assert.equal(b.readUIntBE(5, 3), 10, 'cumulative lost');
  assert.equal(b.readUInt32BE(8), 65500 + 99, 'extended highest sequence (one cycle)');
  assert.equal(b.readUInt32BE(16), 0xaabbccdd);
  assert.equal(b.readUInt32BE(20), Math.floor(0.5 * 65536), 'DLSR');
  // Next interval: nothing lost.
  for (let i = 100; i < 110; i++) s.onPacket((65500 + i) & 0xffff, i * 3000, (t += 33));
  s.writeReportBlock(b, 0, t);
  assert.equal(b[4], 0);
  assert.equal(b.readUIntBE(5, 3), 10);
});

test('NACK: a gap is asked for at once, retried every 40 ms, dropped when it arrives or after 10 tries', () => {
  const s = new RtpInStream(7, 90000, true);
  assert.equal(s.onPacket(100, 0, 0), false);
  assert.equal(s.onPacket(104, 0, 1), true, 'a gap');
  const due: number[] = [];
  s.due(1, due);
  assert.deepEqual(due, [101, 102, 103]);
  due.length = 0;
  s.due(20, due);
  assert.deepEqual(due, [], 'not again so soon');
  s.onPacket(102, 0, 30); // retransmitted
  s.due(45, due);
  assert.deepEqual(due, [101, 103]);
  for (let t = 90; t < 2000; t += 45) s.due(t, ((due.length = 0), due));
  assert.equal(s.waiting, 0, 'given up');
  const audio = new RtpInStream(8, 48000, false);
  audio.onPacket(1, 0, 0);
  assert.equal(audio.onPacket(5, 0, 1), false, 'no NACK negotiated: nothing asked');
  assert.equal(
    new RtpInStream(9, 90000, true).onPacket(0, 0, 0) ||
      (() => {
        const x = new RtpInStream(9, 90000, true);
        x.onPacket(0, 0, 0);
        return x.onPacket(5000, 0, 1);
      })(),
    false,
    'a jump is a restart, not loss',
  );
});

test('NACK and RR packets: what we build parses back', () => {
  const nack = buildNack(1, 0xabc, [10, 11, 13, 26, 27, 100]);
  assert.deepEqual(
    nackedSequences(nack, 0xabc).sort((a, b) => a - b),
    [10, 11, 13, 26, 27, 100],
  );
  assert.equal(summarizeRtcp(nack)?.nacked, 6);
  const rr = buildReceiverReport(1, 2, (b, at, i) => b.writeUInt32BE(0x100 + i, at));
  assert.equal(rr.length, 8 + 48);
  assert.equal(rr[0] & 0x1f, 2);
  assert.ok(summarizeRtcp(rr));
  assert.equal(rr.readUInt32BE(8 + 24), 0x101);
});

test('through a PeerConnection: a video gap from the client is NACKed by our receive path, and receiver reports come', { timeout: 30_000 }, async () => {
  const { WebRtcPeer } = await import('../../../src/media/werift/peer.js');
  const { discoverNetworkHost } = await import('../../../src/net/network-host.js');
  const { HostNetwork } = await import('../../../src/net/host-network.js');
  const { clientOffer, createLoopbackClient, rtpWithText } = await import('../../../support/werift-client.js');
  const network = new HostNetwork(await discoverNetworkHost());
  const logs: string[] = [];
  const peer = new WebRtcPeer({ network, log: (l, m) => logs.push(`${l}: ${m}`), iceEnforceList: ['lo'], ipv6: false });
  const client = createLoopbackClient(network);
  const nacked: number[] = [];
  let reports = 0;
  client.video.sender.onRtcp.subscribe((p) => {
    const b = p.serialize();
    if (b[1] === 205 && (b[0] & 0x1f) === 1) nacked.push(...nackedSequences(b, b.readUInt32BE(8)));
  });
  client.video.receiver.onRtcp.subscribe(() => {});
  try {
    let up = false;
    peer.on('webrtcup', () => (up = true));
    peer.on('rtcp', () => {});
    const answer = await peer.acceptOffer(await clientOffer(client), { audio: true, video: true, data: true });
    await client.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await waitFor(() => up && client.pc.connectionState === 'connected', { timeout: 15_000, what: 'webrtcup' });
    const pt = client.video.sender.codec?.payloadType ?? 96;
    // Sequence numbers 5030 and 5031 never go out.
    for (let i = 0; i < 60; i++) {
      if (i === 30 || i === 31) continue;
      await client.video.sender.sendRtp(rtpWithText(5000 + i, 3333, pt, `v${i}`));
      await sleep(10);
    }
    client.audio.sender.onRtcp.subscribe((p) => {
      if (p.serialize()[1] === 201) reports++;
    });
    client.video.sender.onRtcp.subscribe((p) => {
      if (p.serialize()[1] === 201) reports++;
    });
    for (let i = 0; i < 150 && (nacked.length === 0 || reports === 0); i++) {
      await client.video.sender.sendRtp(rtpWithText(5060 + i, 3333, pt, `v${60 + i}`));
      await sleep(10);
    }
    assert.ok(
      logs.some((l) => /own receive path/.test(l)),
      logs.join('\n'),
    );
    assert.ok(nacked.length >= 2, `NACKed: ${nacked.join(',')}`);
    assert.ok(reports > 0, 'receiver reports');
  } finally {
    peer.close();
    await client.close();
  }
});

test("through a PeerConnection with 10 % of the client's packets lost: our NACKs bring nearly all of them back", { timeout: 40_000 }, async () => {
  const { WebRtcPeer } = await import('../../../src/media/werift/peer.js');
  const { discoverNetworkHost } = await import('../../../src/net/network-host.js');
  const { HostNetwork } = await import('../../../src/net/host-network.js');
  const { clientOffer, createLoopbackClient, rtpWithText } = await import('../../../support/werift-client.js');
  const network = new HostNetwork(await discoverNetworkHost());
  const peer = new WebRtcPeer({ network, log: () => {}, iceEnforceList: ['lo'], ipv6: false });
  // werift drops an outgoing RTP packet when a random number exceeds outboundPacketLoss / 100: 90 → 10 % lost,
  // retransmissions included.
  const client = createLoopbackClient(network, '127.0.0.1', { debug: { outboundPacketLoss: 90 } });
  const echoed = new Set<string>();
  client.video.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((p) => echoed.add(p.payload.toString())));
  peer.on('rtp', (track, packet) => peer.relayRtp(track.mid, packet));
  try {
    let up = false;
    peer.on('webrtcup', () => (up = true));
    const answer = await peer.acceptOffer(await clientOffer(client), { audio: true, video: true, data: true });
    await client.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await waitFor(() => up && client.pc.connectionState === 'connected', { timeout: 15_000, what: 'webrtcup' });
    const pt = client.video.sender.codec?.payloadType ?? 96;
    const n = 300;
    for (let i = 0; i < n; i++) {
      await client.video.sender.sendRtp(rtpWithText(7000 + i, 4444, pt, `p${i}`));
      await sleep(5);
    }
    await waitFor(() => echoed.size >= n * 0.97, { timeout: 5000, what: 'echoes' }).catch(() => {});
    // Without NACK about 10 % would be missing (the first packet of the SSRC goes through werift's own path).
    assert.ok(echoed.size >= n * 0.97, `${echoed.size} of ${n} came back`);
    // What the Admin API's handle_info shows of it.
    const stats = peer.stats() as { rtp_receiver?: string; streams: Array<{ type: string; in?: Array<{ packets: number; nacks_sent: number }>; out?: { packets: number } }> };
    assert.match(String(stats.rtp_receiver), /^portunus/);
    const video = stats.streams.find((x) => x.type === 'video');
    assert.ok(video?.in && video.in[0].nacks_sent > 0 && video.in[0].packets > n * 0.8, JSON.stringify(video));
    assert.ok(video?.out && video.out.packets > n * 0.8, JSON.stringify(video));
  } finally {
    peer.close();
    await client.close();
  }
});
