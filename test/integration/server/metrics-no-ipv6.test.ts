// /metrics on a host without IPv6 (every AF_INET6 socket fails, as with ipv6.disable=1): the real server, run under
// the LD_PRELOAD shim, opens the metrics listener on the IPv4 wildcard when no address is given, and a werift
// EchoTest call's counters show in the scrape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, startChildServer } from '../../helpers/child-server.js';
import { runWeriftEchoTest } from '../../helpers/echotest-scenario.js';
import { tolerateLeftoverTimers } from '../../helpers/leak-check.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { checkWithPromtool, parseExposition, valueOf } from '../../helpers/prometheus-text.js';

tolerateLeftoverTimers("werift's timers after its peers closed");

test('without IPv6: the metrics listener binds IPv4 and counts a werift EchoTest call', { timeout: 90_000 }, async () => {
  const port = await freePort();
  const srv = await startChildServer(['--metrics.enabled=true', `--metrics.port=${port}`], await noIpv6Env());
  try {
    assert.match(srv.log(), /IPv6 is unavailable on this host/);
    assert.match(srv.log(), new RegExp(`Metrics \\(http\\) listening on 0\\.0\\.0\\.0:${port}`));
    await runWeriftEchoTest(srv.wsUrl);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    checkWithPromtool(text);
    const m = parseExposition(text);
    for (const kind of ['audio', 'video']) {
      assert.ok(valueOf(m, 'portunus_media_received_packets_total', { plugin: 'janus.plugin.echotest', kind }) >= 5, kind);
      assert.ok(valueOf(m, 'portunus_media_sent_packets_total', { plugin: 'janus.plugin.echotest', kind }) >= 5, kind);
    }
    assert.ok(valueOf(m, 'portunus_rtp_plis_sent_total', { plugin: 'janus.plugin.echotest', kind: 'video' }) >= 1);
    assert.equal(valueOf(m, 'portunus_peerconnection_hangups_total', { reason: 'Janus API' }), 1);
    assert.equal(valueOf(m, 'portunus_sessions'), 0);
  } finally {
    await srv.stop();
  }
});
