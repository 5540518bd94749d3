import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../../../src/config/load.js';
import { Logger } from '../../../src/logging/logger.js';
import { PortunusServer } from '../../../src/server.js';
import { wsText } from '../../../src/transports/ws-text.js';

function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portunus-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], {
    stdio: 'ignore',
  });
  return { cert, key };
}

test('https and wss serve the Janus API when a certificate and key are configured', async () => {
  const { cert, key } = selfSigned();
  const config = loadConfig({
    overrides: [
      ['http.http', 'false'],
      ['http.https', 'true'],
      ['http.secure_ip', '127.0.0.1'],
      ['http.secure_port', '0'],
      ['websockets.ws', 'false'],
      ['websockets.wss', 'true'],
      ['websockets.wss_ip', '127.0.0.1'],
      ['websockets.wss_port', '0'],
      ['certificates.cert_pem', cert],
      ['certificates.cert_key', key],
    ],
  });
  const server = new PortunusServer({ config, log: Logger.create({ level: 0 }) });
  await server.start();
  try {
    const https = server.listeners.find((l) => l.name.includes('https'))!;
    const wss = server.listeners.find((l) => l.name.includes('wss'))!;
    const get = (path: string): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: https.port, path, rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal((JSON.parse(await get('/janus/info')) as { janus: string }).janus, 'server_info');
    // The demo pages share the HTTPS listener; a page loaded over HTTPS is told of wss and https only.
    assert.match(await get('/'), /href="\/demos\/echotest.html"/);
    assert.equal(
      await get('/demos/config.js'),
      `// Where this server takes the Janus API (written by the server).\nexport const endpoints = {"wss":${wss.port},"https":${https.port},"basePath":"/janus"};\n`,
    );
    const ws = new WebSocket(`wss://127.0.0.1:${wss.port}`, 'janus-protocol', { rejectUnauthorized: false });
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ janus: 'ping', transaction: 'p' })));
      ws.on('message', (d) => resolve(JSON.parse(wsText(d)) as Record<string, unknown>));
      ws.on('error', reject);
    });
    assert.deepEqual(reply, { janus: 'pong', transaction: 'p' });
    ws.close();
  } finally {
    await server.stop();
  }
});

test('https without a certificate fails to start with a clear message', async () => {
  const config = loadConfig({
    overrides: [
      ['http.http', 'false'],
      ['http.https', 'true'],
      ['websockets.ws', 'false'],
    ],
  });
  const server = new PortunusServer({ config, log: Logger.create({ level: 0 }) });
  await assert.rejects(server.start(), /cert_pem/);
});
