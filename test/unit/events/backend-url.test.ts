// The address of an HTTP or WebSocket event handler's backend: what it connects to, or why it cannot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBackendUrl } from '../../../src/events/backend-url.js';

const SCHEMES = ['http:', 'https:', 'ws:', 'wss:'];

test('a backend URL gives host, port (the scheme default when absent) and whether it is secure', () => {
  const plain = parseBackendUrl('http://127.0.0.1:8080/events', SCHEMES);
  assert.ok(typeof plain !== 'string');
  assert.deepEqual([plain.host, plain.port, plain.secure], ['127.0.0.1', 8080, false]);
  const v6 = parseBackendUrl('wss://[::1]/x', SCHEMES);
  assert.ok(typeof v6 !== 'string');
  assert.deepEqual([v6.host, v6.port, v6.secure], ['::1', 443, true]);
});

/** The reason a URL is refused (the test fails when it is taken). */
function refusal(text: string): string {
  const t = parseBackendUrl(text, SCHEMES);
  assert.equal(typeof t, 'string', `${text} was taken`);
  return t as string;
}

test('what cannot be connected to is refused with the reason', () => {
  assert.match(refusal('not a url'), /is not a URL/);
  assert.match(refusal('ftp://h/'), /is not http:\/\/ or https:\/\//);
  // Found by the fuzz test: port 0 was taken as a port to connect to.
  assert.match(refusal('http://127.0.0.1:0/events'), /names port 0/);
});
