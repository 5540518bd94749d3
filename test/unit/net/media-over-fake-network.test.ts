// The media layer's sockets run on the fake network: an ICE transport exchanges datagrams and learns its
// server-reflexive address from a STUN server found by name, and a TURN link talks only to its server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { querySrflx } from '../../../src/media/srflx.js';
import { buildBindingResponse } from '../../../src/media/stun-binding.js';
import { UdpTurnLink } from '../../../src/media/turn-link.js';
import { UdpIceTransport } from '../../../src/media/udp-ice-transport.js';
import { FakeNetwork } from '../../../support/fake-network.js';

test('an ICE transport sends, receives with the source as a reused tuple, and stays silent once closed', async () => {
  const net = new FakeNetwork();
  const warnings: string[] = [];
  const a = new UdpIceTransport(await net.openUdp({ what: 'ICE a', bind: '127.0.0.1' }), (m) => warnings.push(m));
  const b = new UdpIceTransport(await net.openUdp({ what: 'ICE b', bind: '127.0.0.1' }), (m) => warnings.push(m));
  const sources: Readonly<[string, number]>[] = [];
  const two = new Promise<void>((resolve) => {
    b.onData = (_data, from) => {
      sources.push(from);
      if (sources.length === 2) resolve();
    };
  });
  await a.send(Buffer.from('one'), ['127.0.0.1', b.port]);
  assert.equal(a.canSendTo('127.0.0.1', b.port), true);
  assert.equal(a.canSendTo('::1', b.port), false);
  a.sendChecked(Buffer.from('two and more'), b.port, '127.0.0.1', 3);
  await two;
  assert.deepEqual(sources[0], ['127.0.0.1', a.port]);
  assert.equal(sources[0], sources[1]);
  assert.equal(b.received, 2);
  assert.equal(net.sent[1].data.toString(), 'two');
  // Names are never sent to from the media path.
  await a.send(Buffer.from('x'), ['stun.example', b.port]);
  assert.equal(net.sent.length, 2);
  await a.close();
  await b.close();
  assert.equal(net.open.length, 0);
  assert.deepEqual(warnings, []);
});

test('querySrflx finds the STUN server by name through the network and returns the mapped address', async () => {
  const net = new FakeNetwork({ names: { 'stun.example': ['127.0.0.1'] } });
  const stun = await net.openUdp({ what: 'STUN server', bind: '127.0.0.1', port: 3478 });
  stun.onMessage((data, from) => stun.send(buildBindingResponse(data.subarray(8, 20), { address: '203.0.113.10', port: 40000 }), from.port, from.address));
  const ice = new UdpIceTransport(await net.openUdp({ what: 'ICE', bind: '127.0.0.1' }), () => {});
  const passed: string[] = [];
  ice.onData = (data) => passed.push(data.toString());
  const mapped = await querySrflx(ice, { host: 'stun.example', port: 3478 }, net, 700);
  assert.deepEqual(mapped, { address: '203.0.113.10', port: 40000 });
  assert.deepEqual(net.lookups, ['stun.example/4']);
  assert.equal(await querySrflx(ice, { host: 'nowhere.example', port: 3478 }, net, 100), undefined);
  await ice.close();
});

test('a UDP TURN link hears only its server and reports send failures', async () => {
  const net = new FakeNetwork();
  const server = await net.openUdp({ what: 'TURN server', bind: '127.0.0.1' });
  const stranger = await net.openUdp({ what: 'stranger', bind: '127.0.0.1' });
  const bound = await net.openUdp({ what: 'TURN relay', bind: '127.0.0.1' });
  const link = new UdpTurnLink(bound, { address: '127.0.0.1', port: server.port });
  const heard: string[] = [];
  const errors: string[] = [];
  link.onError = (err) => errors.push(err.message);
  const fromServer = new Promise<void>((resolve) => {
    link.onMessage = (msg) => {
      heard.push(msg.toString());
      resolve();
    };
  });
  const atServer = new Promise<string>((resolve) => server.onMessage((d) => resolve(d.toString())));
  link.send([Buffer.from('allo'), Buffer.from('cate')]);
  assert.equal(await atServer, 'allocate');
  stranger.send(Buffer.from('spoof'), bound.port, '127.0.0.1');
  server.send(Buffer.from('ok'), bound.port, '127.0.0.1');
  await fromServer;
  assert.deepEqual(heard, ['ok']);
  bound.send(Buffer.from('x'), 0, '127.0.0.1');
  assert.equal(errors.length, 1);
  await link.close();
  assert.equal(bound.closed, true);
});
