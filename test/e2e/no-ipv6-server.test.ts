// The whole server on a host where no IPv6 socket can be created (errno 97, as with ipv6.disable=1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChildServer } from '../helpers/child-server.js';
import { runWeriftEchoTest } from '../helpers/echotest-scenario.js';
import { noIpv6Env } from '../helpers/no-ipv6.js';

test('without IPv6 the server starts on IPv4, says so once, and the echo test works', { timeout: 60_000 }, async () => {
  const srv = await startChildServer([], await noIpv6Env());
  try {
    const log = srv.log();
    assert.equal(log.match(/IPv6 is unavailable on this host/g)?.length, 1, log);
    assert.match(log, /EAFNOSUPPORT/);
    assert.match(log, /REST API \(http\) listening on 0\.0\.0\.0:/);
    const info = (await (await fetch(`${srv.restUrl}/info`)).json()) as Record<string, unknown>;
    assert.equal(info['ipv6-sockets'], false);
    const r = await runWeriftEchoTest(srv.wsUrl);
    assert.doesNotMatch(r.answerSdp, /candidate:.* IP6|candidate:\S+ \d \S+ \d+ [0-9a-f:]*:[0-9a-f:]* /i, 'no IPv6 candidates offered');
    assert.equal(srv.child.exitCode, null, 'server still running');
  } finally {
    await srv.stop();
  }
});

test('without IPv6 an explicit IPv6 bind is refused at start-up with a clear message', { timeout: 30_000 }, async () => {
  await assert.rejects(startChildServer(['--http.ip=::'], await noIpv6Env()), (err: Error) => {
    assert.match(err.message, /REST API \(http\): cannot bind \[::\]:\d+ \(IPv6\): '::' is an IPv6 address but this host cannot create IPv6 sockets/);
    assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace');
    return true;
  });
});
