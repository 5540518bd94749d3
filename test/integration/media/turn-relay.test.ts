// Server-side TURN (nat.turn_*): the STUN/TURN message code against hand-checked encodings and garbage, and a
// relayed candidate through a real TURN server (coturn, on loopback) that carries a whole echo session when the
// client is given nothing else.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import {
  allocateRequest,
  channelDataHeader,
  CLASS_REQUEST,
  createPermissionRequest,
  longTermKey,
  METHOD_ALLOCATE,
  METHOD_CREATE_PERMISSION,
  parseChannelData,
  parseStunMessage,
  sendIndication,
} from '../../../src/media/turn-messages.js';
import { discoverNetworkHost } from '../../../src/net/network-host.js';
import { HostNetwork } from '../../../src/net/host-network.js';
import { freePorts } from '../../helpers/child-server.js';
import { runLoopbackEcho } from '../../helpers/loopback-echo.js';
import { sleep } from '../../../support/wait.js';

test('TURN messages: requests carry a valid MESSAGE-INTEGRITY; addresses and data survive the XOR encoding', () => {
  const tx = randomBytes(12);
  const auth = { username: 'u', realm: 'r', nonce: 'n0', key: longTermKey('u', 'r', 'p') };
  const req = allocateRequest(tx, 600, auth);
  const m = parseStunMessage(req);
  assert.ok(m);
  assert.equal(m.method, METHOD_ALLOCATE);
  assert.equal(m.cls, CLASS_REQUEST);
  assert.equal(m.realm, 'r');
  assert.equal(m.nonce, 'n0');
  assert.equal(m.lifetime, 600);
  // MESSAGE-INTEGRITY: the last 24 bytes; HMAC over what precedes it, with the length counting it.
  const mac = createHmac('sha1', longTermKey('u', 'r', 'p'))
    .update(req.subarray(0, req.length - 24))
    .digest();
  assert.deepEqual(req.subarray(req.length - 20), mac);
  assert.equal(req.readUInt16BE(2), req.length - 20);

  for (const address of ['192.0.2.7', '2001:db8::1', '::1']) {
    const perm = parseStunMessage(createPermissionRequest(tx, { address, port: 0 }, auth));
    assert.equal(perm?.method, METHOD_CREATE_PERMISSION);
    assert.deepEqual(perm?.peer, { address, port: 0 });
    const ind = parseStunMessage(sendIndication(tx, { address, port: 40000 }, Buffer.from('payload')));
    assert.deepEqual(ind?.peer, { address, port: 40000 });
    assert.equal(ind?.data?.toString(), 'payload');
  }
  const cd = Buffer.concat([channelDataHeader(0x4001, 3), Buffer.from('abc')]);
  assert.deepEqual(parseChannelData(cd), { channel: 0x4001, data: Buffer.from('abc') });
  assert.equal(parseChannelData(Buffer.from([0x10, 0, 0, 1, 0])), undefined, 'not a channel number');
  assert.equal(parseChannelData(Buffer.from([0x40, 0, 0, 9, 0])), undefined, 'truncated');
});

test('TURN messages: truncated and random input never throws', () => {
  const good = allocateRequest(randomBytes(12), 600, { username: 'u', realm: 'r', nonce: 'n', key: longTermKey('u', 'r', 'p') });
  for (let n = 0; n < good.length; n++) parseStunMessage(good.subarray(0, n));
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(good);
    for (let k = 0; k < 3; k++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
    parseStunMessage(b);
    parseChannelData(randomBytes(Math.floor(Math.random() * 40)));
  }
});

const TURNSERVER = '/usr/bin/turnserver';

/** coturn on 127.0.0.1: UDP and TCP on `port`, TLS on `tlsPort` with a certificate made for the test. */
async function startCoturn(port: number, tlsPort: number): Promise<ChildProcess> {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'portunus-turn-'));
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=turn.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  assert.equal(made.status, 0, 'openssl made a certificate');
  const p = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--tls-listening-port=${tlsPort}`,
      '--min-port=45000',
      '--max-port=45999',
      '--lt-cred-mech',
      '--user=portunus:secret',
      '--realm=portunus.test',
      '--no-dtls',
      '--no-cli',
      `--cert=${join(dir, 'cert.pem')}`,
      `--pkey=${join(dir, 'key.pem')}`,
      '--allow-loopback-peers',
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!/listener opened|Total General servers/i.test(out)) {
    if (p.exitCode !== null || Date.now() > deadline) {
      p.kill('SIGKILL');
      throw new Error(`coturn did not start: ${out.slice(-2000)}`);
    }
    await sleep(50);
  }
  await sleep(200);
  return p;
}

test(
  'a relayed candidate from coturn (over UDP, TCP and TLS) carries the whole echo when the client gets nothing else',
  { timeout: 90_000, skip: !existsSync(TURNSERVER) && 'no coturn' },
  async () => {
    const [port, tlsPort] = await freePorts(2);
    const coturn = await startCoturn(port, tlsPort);
    try {
      const network = new HostNetwork(await discoverNetworkHost());
      const onlyRelay = (sdp: string): string =>
        sdp
          .split('\r\n')
          .filter((l) => !l.startsWith('a=candidate:') || / typ relay /.test(l))
          .join('\r\n');
      for (const transport of ['udp', 'tcp', 'tls'] as const) {
        const r = await runLoopbackEcho(
          network,
          { iceEnforceList: ['lo'], ipv6: false, turnServer: { host: '127.0.0.1', port: transport === 'tls' ? tlsPort : port, username: 'portunus', password: 'secret', transport } },
          20_000,
          onlyRelay,
        );
        assert.match(r.answer, / typ relay raddr 127\.0\.0\.1 rport \d+/, transport);
        assert.ok(r.audioEchoed.length >= 15 && r.videoEchoed.length >= 15, `${transport}: echoed ${r.audioEchoed.length} audio, ${r.videoEchoed.length} video`);
        assert.equal(r.dataEchoed.length >= 2, true, transport);
      }
      // A wrong password: no relayed candidate, the host ones still work.
      const bad = await runLoopbackEcho(network, { iceEnforceList: ['lo'], ipv6: false, turnServer: { host: '127.0.0.1', port, username: 'portunus', password: 'wrong' } }, 20_000);
      assert.doesNotMatch(bad.answer, / typ relay /);
      assert.ok(bad.audioEchoed.length >= 15);
    } finally {
      coturn.kill('SIGKILL');
    }
  },
);

test('nat.turn_* from the environment reach the media settings; an unknown turn_type is refused with a warning', async () => {
  const { loadConfig } = await import('../../../src/config/load.js');
  const { Logger } = await import('../../../src/logging/logger.js');
  const { webRtcSettings } = await import('../../../src/media/media-settings.js');
  const network = new HostNetwork(await discoverNetworkHost());
  const lines: string[] = [];
  const log = Logger.create({ level: 7, sink: { write: (l) => lines.push(l) } });
  const env = { PORTUNUS_NAT_TURN_SERVER: '127.0.0.1', PORTUNUS_NAT_TURN_PORT: '3479', PORTUNUS_NAT_TURN_USER: 'u', PORTUNUS_NAT_TURN_PWD: 'p' };
  assert.deepEqual(webRtcSettings(network, loadConfig({ env }), log).turnServer, { host: '127.0.0.1', port: 3479, username: 'u', password: 'p', transport: 'udp' });
  assert.equal(webRtcSettings(network, loadConfig({ env: { ...env, PORTUNUS_NAT_TURN_TYPE: 'tls' } }), log).turnServer?.transport, 'tls');
  assert.equal(webRtcSettings(network, loadConfig({ env: { ...env, PORTUNUS_NAT_TURN_TYPE: 'sctp' } }), log).turnServer, undefined);
  assert.ok(lines.some((l) => /turn_type 'sctp' is not one of udp, tcp, tls/.test(l)));
});

test('stream framing: STUN by its length, ChannelData padded to 4, partial input waits, garbage is refused', async () => {
  const { streamMessageLength } = await import('../../../src/media/turn-link.js');
  const stun = allocateRequest(randomBytes(12), 600);
  assert.equal(streamMessageLength(stun), stun.length);
  assert.equal(streamMessageLength(stun.subarray(0, stun.length - 1)), 0, 'not all there yet');
  assert.equal(streamMessageLength(Buffer.concat([stun, Buffer.from([1, 2])])), stun.length, 'the next message does not count');
  const cd = Buffer.concat([channelDataHeader(0x4000, 5), Buffer.from('hello'), Buffer.alloc(3)]);
  assert.equal(streamMessageLength(cd), 12, '4 + 5 padded to 8');
  assert.equal(streamMessageLength(cd.subarray(0, 9)), 0);
  assert.equal(streamMessageLength(Buffer.from([0x80, 0, 0, 0, 0])), -1, 'RTP is not TURN framing');
  assert.equal(streamMessageLength(Buffer.from([0])), 0);
});
