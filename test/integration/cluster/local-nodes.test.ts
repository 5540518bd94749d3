// cluster.local_nodes = 3 on one nats-server: one process starts three nodes that share its REST, WebSocket and
// Admin listeners. Sessions land on every node; a request for a session reaching another node (a new connection)
// is carried to its node: attach, message and the long poll all answer; Admin list_sessions lists all, a session's
// handles are answered by its node, set_log_level is made on all; each node is a cluster member; EchoTest calls
// over WebSocket on different nodes echo media; a node killed is started again while the others keep echoing;
// SIGTERM stops them all. With general.state_dir, each node saves its permanent mountpoints in a folder of its
// own (the restarted node makes its own again) and every node saves a permanent VideoRoom room. With IPv6 over
// HTTP and WS; without IPv6 over HTTPS and WSS alone (a request reaching the wrong node carried as over HTTP).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cleanup, missing, NATS_SERVER } from '../../helpers/brokers.js';
import { freePorts, startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { startJetStream } from '../../helpers/cluster-nodes.js';
import { startEchoCall, type EchoCall } from '../../helpers/echo-session.js';
import { noIpv6Env } from '../../helpers/no-ipv6.js';
import { waitFor } from '../../../support/wait.js';

type Json = Record<string, unknown>;

async function post(url: string, body: Json): Promise<Json> {
  // A new connection each time: Node hands each to the next node in turn.
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ transaction: 't', ...body }), headers: { connection: 'close' } });
  return (await res.json()) as Json;
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

function count(text: string, re: RegExp): number {
  return text.match(new RegExp(re.source, 'g'))?.length ?? 0;
}

/** A plugin request over the Admin API (a new connection: the next node answers). */
async function pluginRequest(admin: string, plugin: string, request: Json): Promise<Json> {
  return ((await post(admin, { janus: 'message_plugin', plugin, request })).response ?? {}) as Json;
}

/** The saved state files of `plugin` under `dir` (the first node's, then each other's subfolder) and their text. */
function savedFiles(dir: string, plugin: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const sub of ['', 'local-node-2', 'local-node-3']) {
    const file = join(dir, sub, `${plugin}.jcfg`);
    out.set(sub || '.', existsSync(file) ? readFileSync(file, 'utf8') : '');
  }
  return out;
}

/** A self-signed certificate for 127.0.0.1, in a folder `cleanup` removes. */
function selfSigned(cleanup: Cleanup): { cert: string; key: string } {
  const dir = cleanup.add(mkdtempSync(join(tmpdir(), 'portunus-local-tls-')), (d) => rmSync(d, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], {
    stdio: 'ignore',
  });
  return { cert, key };
}

/**
 * The story; with `tls`, the Janus API over HTTPS and WSS only (each node terminates TLS on the shared listeners)
 * and the test's clients accept the self-signed certificate.
 */
async function scenario(env: NodeJS.ProcessEnv, tls = false): Promise<void> {
  const cleanup = new Cleanup();
  const trust = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  if (tls) {
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    cleanup.add(trust, (t) => (t === undefined ? delete process.env.NODE_TLS_REJECT_UNAUTHORIZED : (process.env.NODE_TLS_REJECT_UNAUTHORIZED = t)));
  }
  try {
    const nats = cleanup.add(await startJetStream(), (b) => b.stop());
    const stateDir = cleanup.add(mkdtempSync(join(tmpdir(), 'portunus-local-state-')), (d) => rmSync(d, { recursive: true, force: true }));
    const [adminPort, securePort, wssPort] = await freePorts(3);
    const certificate = tls ? selfSigned(cleanup) : undefined;
    const tlsFlags = certificate
      ? [
          '--http.http=false',
          '--http.https=true',
          '--http.secure_ip=127.0.0.1',
          `--http.secure_port=${securePort}`,
          '--websockets.ws=false',
          '--websockets.wss=true',
          '--websockets.wss_ip=127.0.0.1',
          `--websockets.wss_port=${wssPort}`,
          `--certificates.cert_pem=${certificate.cert}`,
          `--certificates.cert_key=${certificate.key}`,
        ]
      : [];
    const server: ChildServer = cleanup.add(
      await startChildServer(
        [
          `--cluster.nats=nats://127.0.0.1:${nats.port}`,
          '--cluster.local_nodes=3',
          '--cluster.node_name=box',
          '--cluster.media_ip=127.0.0.1',
          '--cluster.heartbeat_ms=200',
          '--http.admin_http=true',
          '--http.admin_ip=127.0.0.1',
          `--http.admin_port=${adminPort}`,
          '--http.ip=127.0.0.1',
          '--websockets.ws_ip=127.0.0.1',
          '--http.demos=false',
          `--general.state_dir=${stateDir}`,
          ...tlsFlags,
        ],
        env,
      ),
      (s) => s.stop(),
    );
    assert.match(server.log(), /Portunus is ready: 3 local nodes up/);
    const admin = `http://127.0.0.1:${adminPort}/admin`;
    const rest = tls ? `https://127.0.0.1:${securePort}/janus` : server.restUrl;
    const wsUrl = tls ? `wss://127.0.0.1:${wssPort}` : server.wsUrl;
    if (tls) assert.match(server.log(), /REST API \(https\) listening/);

    // Sessions over REST land on every node; each is then driven over new connections, wherever they land.
    const sessions: number[] = [];
    for (let i = 0; i < 9; i++) sessions.push(((await post(rest, { janus: 'create' })).data as { id: number }).id);
    assert.deepEqual(new Set(sessions.map((id) => id % 3)), new Set([0, 1, 2]), `sessions on every node: ${sessions.map((id) => id % 3).join(',')}`);
    const handles = new Map<number, number>();
    for (const id of sessions) {
      const attached = await post(`${rest}/${id}`, { janus: 'attach', plugin: 'janus.plugin.echotest' });
      assert.equal(attached.janus, 'success', JSON.stringify(attached));
      const handle = (attached.data as { id: number }).id;
      handles.set(id, handle);
      assert.equal((await post(`${rest}/${id}/${handle}`, { janus: 'message', body: { audio: true } })).janus, 'ack');
      const events = (await (await fetch(`${rest}/${id}?maxev=5`, { headers: { connection: 'close' } })).json()) as Json[];
      assert.ok(
        events.some((e) => e.janus === 'event' && (e.plugindata as { data: Json }).data.result === 'ok'),
        JSON.stringify(events),
      );
    }
    // An id no node holds: a Janus error from the node its id names.
    const unknown = await post(`${rest}/${sessions[0] + 3}`, { janus: 'keepalive' });
    assert.equal((unknown.error as Json).code, 458);

    // Admin: every node's sessions; a session's handles from its node; a setting changed on every node.
    const listed = (await post(admin, { janus: 'list_sessions' })).sessions as number[];
    assert.deepEqual([...listed].sort(), [...sessions].sort());
    for (const id of sessions.slice(0, 3)) assert.deepEqual((await post(`${admin}/${id}`, { janus: 'list_handles' })).handles, [handles.get(id)]);
    assert.equal((await post(admin, { janus: 'set_log_level', level: 5 })).janus, 'success');
    for (let i = 0; i < 6; i++) assert.equal(((await post(admin, { janus: 'get_status' })).status as Json).log_level, 5);
    await post(admin, { janus: 'set_log_level', level: 4 });

    // Three cluster members, named after the node name.
    await waitFor(
      async () => {
        const info = (await post(admin, { janus: 'cluster_info' })).cluster as { nodes: { name: string }[] };
        return (
          info.nodes
            .map((n) => n.name)
            .sort()
            .join(',') === 'box-1,box-2,box-3'
        );
      },
      { timeout: 10_000, what: 'three members box-1, box-2, box-3' },
    );
    for (const id of sessions) await post(`${rest}/${id}`, { janus: 'destroy' });

    // general.state_dir: permanent mountpoints made through three connections (so on three nodes) are each
    // saved by its node in a folder of its own, none lost to another node's write.
    const streaming = 'janus.plugin.streaming';
    for (const id of [901, 902, 903]) {
      const made = await pluginRequest(admin, streaming, {
        request: 'create',
        type: 'rtp',
        id,
        permanent: true,
        media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus', iface: '127.0.0.1' }],
      });
      assert.equal(made.streaming, 'created', JSON.stringify(made));
    }
    const mountpointFiles = [...savedFiles(stateDir, streaming).values()];
    const savedIn = (id: number) => mountpointFiles.filter((text) => text.includes(`id = ${id}`)).length;
    assert.deepEqual([901, 902, 903].map(savedIn), [1, 1, 1], `each mountpoint saved once: ${JSON.stringify(mountpointFiles)}`);
    assert.ok(
      mountpointFiles.every((text) => text !== ''),
      'each node saved its own',
    );
    // A permanent VideoRoom room is on every node (shared records): each saves it; a permanent destroy removes it from all.
    const videoroom = 'janus.plugin.videoroom';
    assert.equal((await pluginRequest(admin, videoroom, { request: 'create', room: 4242, permanent: true })).videoroom, 'created');
    await waitFor(async () => [...savedFiles(stateDir, videoroom).values()].every((text) => text.includes('4242')), { timeout: 5000, what: 'room 4242 saved by every node' });
    assert.equal((await pluginRequest(admin, videoroom, { request: 'destroy', room: 4242, permanent: true })).videoroom, 'destroyed');
    await waitFor(async () => [...savedFiles(stateDir, videoroom).values()].every((text) => !text.includes('4242')), { timeout: 5000, what: 'room 4242 gone from every file' });

    // EchoTest calls with media over WebSocket, each connection on the next node.
    const calls: EchoCall[] = [];
    for (let i = 0; i < 3; i++) calls.push(cleanup.add(await startEchoCall(wsUrl, `local-${i}`), endCall));
    assert.ok(new Set(calls.map((c) => c.session % 3)).size >= 2, `calls on several nodes: ${calls.map((c) => c.session % 3).join(',')}`);
    await Promise.all(calls.map((c) => c.sendFor(600)));
    for (const c of calls) assert.ok(c.echoed() > 0, `call on node ${(c.session % 3) + 1} echoed`);

    // A node killed: started again by the supervisor; the calls on the other nodes go on echoing.
    const pids = childPids(server.child.pid ?? 0);
    assert.equal(pids.length, 3, `three node processes: ${pids.join(',')}`);
    const readyBefore = count(server.log(), /local node \d of 3 is ready/);
    process.kill(pids[0], 'SIGKILL');
    await waitFor(async () => /local node \d exited \(SIGKILL\): starting it again/.test(server.log()), { timeout: 5000, what: 'the supervisor sees the node die' });
    await waitFor(async () => count(server.log(), /local node \d of 3 is ready/) > readyBefore, { timeout: 15_000, what: 'the node started again' });
    assert.equal(childPids(server.child.pid ?? 0).length, 3);
    // The node started again made its permanent mountpoint again from its own folder: all three are there.
    await waitFor(
      async () => {
        const lists = await Promise.all([0, 1, 2].map(async () => ((await pluginRequest(admin, streaming, { request: 'list' })).list ?? []) as Json[]));
        return lists.every((list) => [901, 902, 903].every((id) => list.some((m) => m.id === id)));
      },
      { timeout: 10_000, what: 'the three permanent mountpoints listed through every node after the restart' },
    );
    // The calls are on at least two nodes, so at least one lives on; the killed node's call stops echoing.
    const before = calls.map((c) => c.echoed());
    await Promise.all(calls.map((c) => c.sendFor(600).catch(() => undefined)));
    assert.ok(
      calls.some((c, i) => c.echoed() > before[i]),
      'calls go on echoing on the nodes that live',
    );

    // SIGTERM: every node stops with the supervisor.
    const all = childPids(server.child.pid ?? 0);
    await server.stop();
    await waitFor(async () => all.every((pid) => !alive(pid)), { timeout: 12_000, what: 'every node process gone' });
  } finally {
    await cleanup.run();
  }
}

/** A call whose node was killed cannot be hung up: its connection is gone, its client is closed. */
async function endCall(c: EchoCall): Promise<void> {
  if (c.janus.open) return c.end();
  await c.client.close();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const skip = missing(NATS_SERVER);

test('cluster.local_nodes: three nodes behind one set of listeners', { skip, timeout: 120_000 }, () => scenario(process.env));

test('cluster.local_nodes without IPv6, over HTTPS and WSS', { skip, timeout: 120_000 }, async () => scenario(await noIpv6Env(), true));
