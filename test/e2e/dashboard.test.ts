// The Admin listener's dashboard in headless Chromium: it asks for the secret, then shows what the Admin API
// reports: the sessions, an EchoTest PeerConnection whose sent bitrate rises while a werift peer's media is
// echoed, a VideoRoom room and a Streaming mountpoint; and it keeps updating. PORTUNUS_DASHBOARD_SHOT=<file>
// saves a screenshot (docs/dashboard.png is one).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discoverNetworkHost } from '../../src/net/network-host.js';
import { HostNetwork } from '../../src/net/host-network.js';
import { launchBrowser } from '../../support/browser.js';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { loopbackCandidatesOnly } from '../../support/loopback-sdp.js';
import { clientOffer, createLoopbackClient, rtpWithText } from '../../support/werift-client.js';
import { sleep } from '../../support/wait.js';
import { startInProcess } from '../helpers/in-process-server.js';

const SECRET = 'overlord';

test('the dashboard shows sessions, a PeerConnection with its bitrate, rooms and mountpoints, as the Admin API reports them', { timeout: 90_000 }, async () => {
  const srv = await startInProcess([
    ['http.admin_http', 'true'],
    ['http.admin_ip', '127.0.0.1'],
    ['http.admin_port', '0'],
    ['general.admin_secret', SECRET],
  ]);
  const adminPort = srv.server.listeners.find((l) => l.name.startsWith('Admin API'))!.port;
  const adminUrl = `http://127.0.0.1:${adminPort}/admin`;
  const admin = async (body: Msg, path = ''): Promise<Msg> =>
    (await (await fetch(adminUrl + path, { method: 'POST', body: JSON.stringify({ transaction: 't', admin_secret: SECRET, ...body }) })).json()) as Msg;
  const client = createLoopbackClient(new HostNetwork(await discoverNetworkHost()), '127.0.0.1');
  const c = await JanusWs.open(srv.wsUrl);
  const browser = await launchBrowser();
  let sending = true;
  try {
    const page = await browser.newPage();
    const shown = await page.goto(`${adminUrl}/dashboard`);
    assert.equal(shown?.status(), 200);
    assert.match(shown?.headers()['content-security-policy'] ?? '', /connect-src 'self'/);
    // Without the secret: the form, nothing else.
    await page.waitForSelector('#login:not([hidden])', { timeout: 10_000 });
    await page.fill('#secret', 'wrong');
    await page.click('#login button');
    await page.waitForFunction(() => document.getElementById('login-error')?.textContent === 'wrong secret', undefined, { timeout: 10_000 });

    // An EchoTest call with media, a VideoRoom room, a mountpoint.
    const s = ((await c.request({ janus: 'create' })).data as { id: number }).id;
    const h = ((await c.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.echotest' })).data as { id: number }).id;
    const offer = await clientOffer(client);
    const ack = await c.request({ janus: 'message', session_id: s, handle_id: h, body: { audio: true, video: true }, jsep: { type: 'offer', sdp: offer } });
    const ev = await c.wait((m) => m.janus === 'event' && m.transaction === ack.transaction, 10_000, 'answer');
    await client.pc.setRemoteDescription({ type: 'answer', sdp: loopbackCandidatesOnly((ev.jsep as { sdp: string }).sdp) });
    await c.wait((m) => m.janus === 'webrtcup' && m.sender === h, 15_000, 'webrtcup');
    const pump = (async () => {
      for (let i = 1; sending && i < 5000; i++) {
        await client.video.sender.sendRtp(rtpWithText(i, 2222, client.video.sender.codec?.payloadType ?? 96, `video-${i}`.padEnd(900, '.')));
        await sleep(10);
      }
    })();
    const created = await admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'create', room: 4242, description: 'Dashboard room' } });
    assert.equal((created.response as Msg).videoroom, 'created', JSON.stringify(created));

    // With the secret (here through the address, as a bookmark would carry it).
    await page.goto(`${adminUrl}/dashboard#secret=${SECRET}`);
    await page.waitForFunction((handle) => document.querySelector(`#pcs tr[data-handle="${handle}"]`) !== null, h, { timeout: 15_000 });
    await page.waitForFunction((handle) => Number(document.querySelector(`#pcs tr[data-handle="${handle}"] [data-field="out-kbps"]`)?.textContent ?? 0) > 50, h, { timeout: 15_000 });
    const row = await page.evaluate((handle) => {
      const tr = document.querySelector(`#pcs tr[data-handle="${handle}"]`)!;
      const f = (name: string): string => tr.querySelector(`[data-field="${name}"]`)?.textContent ?? '';
      return { plugin: f('plugin'), state: f('state'), out: Number(f('out-kbps')), in: Number(f('in-pps')) };
    }, h);
    assert.equal(row.plugin, 'janus.plugin.echotest');
    assert.equal(row.state, 'up');
    // The page's bitrate against the Admin API's own counters over a second.
    const bytes = async (): Promise<number> => {
      const info = (await admin({ janus: 'handle_info' }, `/${s}/${h}`)).info as { webrtc: { streams: Array<{ out?: { bytes: number } }> } };
      return info.webrtc.streams.reduce((n, st) => n + (st.out?.bytes ?? 0), 0);
    };
    const b0 = await bytes();
    const t0 = performance.now();
    await sleep(1500);
    const apiKbps = (((await bytes()) - b0) * 8) / 1000 / ((performance.now() - t0) / 1000);
    assert.ok(row.out > apiKbps * 0.4 && row.out < apiKbps * 2.5, `the page's ${row.out} kbit/s against the API's ${apiKbps.toFixed(1)}`);
    assert.ok(row.in > 20, `packets/s in: ${row.in}`);
    const sessions = ((await admin({ janus: 'list_sessions' })).sessions as number[]).length;
    await page.waitForFunction((n) => document.getElementById('sessions')?.textContent === String(n), sessions, { timeout: 5000 });
    await page.waitForFunction(() => document.getElementById('peerconnections')?.textContent === '1', undefined, { timeout: 5000 });
    // Rooms and mountpoints: the new room and the sample mountpoints the Streaming plugin starts with.
    await page.waitForFunction(() => document.querySelector('#rooms tr[data-room="videoroom:4242"]') !== null, undefined, { timeout: 5000 });
    const mountpoints = (((await admin({ janus: 'message_plugin', plugin: 'janus.plugin.streaming', request: { request: 'list' } })).response as Msg).list as Msg[]) ?? [];
    const shownMountpoints = await page.evaluate(() => document.querySelectorAll('#rooms tr[data-room^="streaming:"]').length);
    assert.equal(shownMountpoints, mountpoints.length);
    // The graphs move: polls keep coming.
    const polls = Number(await page.evaluate(() => document.body.dataset.polls));
    await page.waitForFunction((p) => Number(document.body.dataset.polls) >= p + 2, polls, { timeout: 10_000 });
    assert.equal(await page.isVisible('#login'), false, 'the secret form is gone');
    if (process.env.PORTUNUS_DASHBOARD_SHOT) {
      // Some history in the graphs first.
      await page.waitForFunction((p) => Number(document.body.dataset.polls) >= p + 30, polls, { timeout: 60_000 });
      await page.screenshot({ path: process.env.PORTUNUS_DASHBOARD_SHOT, fullPage: true });
    }
    sending = false;
    await pump;
  } finally {
    sending = false;
    await browser.close();
    c.close();
    await client.pc.close().catch(() => undefined);
    await srv.stop();
  }
});
