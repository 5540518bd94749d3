// Run inside a network namespace whose loopback has ::1 only (an IPv6-only host): a server on ::1 with the shared
// ICE port, and a werift EchoTest against it from ::1. Prints one JSON line: what the test outside checks.
import { runWeriftEchoTest } from './echotest-scenario.js';
import { startInProcess } from './in-process-server.js';
import { errorText } from '../../src/logging/error-text.js';

const srv = await startInProcess([
  ['http.ip', '::1'],
  ['websockets.ws_ip', '::1'],
  ['media.ipv6', 'true'],
]);
try {
  const ws = srv.server.listeners.find((l) => l.name.startsWith('WebSocket'));
  const outcome = await runWeriftEchoTest(`ws://[::1]:${ws?.port ?? 0}`, {}, '::1');
  const status = srv.server.gateway.media?.status?.();
  console.log(JSON.stringify({ ok: true, answerSdp: outcome.answerSdp, status, ipv6: srv.server.network.ipv6Available }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: errorText(err), logs: srv.logs.slice(-30) }));
} finally {
  await srv.stop();
}
