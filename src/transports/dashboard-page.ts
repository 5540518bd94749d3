// The live dashboard the Admin HTTP listener serves at <admin base path>/dashboard: one static page, no data in
// it. Its script asks the Admin API itself, once a second, with the admin secret the viewer types in (or passes
// as #secret=… in the address), and draws what it gets: sessions, PeerConnections with their bitrates and loss,
// rooms and mountpoints of every plugin that lists them, the event loop's lag, each as a table and a graph of
// the last two minutes. Nothing is fetched from anywhere else (the page's security policy says so).

/** The page's security policy: its own inline script and style, requests to its own origin only. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Portunus dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1b1f24; }
  header { background: #1b2a41; color: #fff; padding: 10px 18px; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header .state { font-size: 12px; opacity: .8; }
  main { padding: 14px 18px; display: grid; gap: 14px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
  .card { background: #fff; border-radius: 6px; padding: 10px 12px; box-shadow: 0 1px 2px #0002; }
  .card .v { font-size: 24px; font-weight: 600; }
  .card .k { font-size: 12px; color: #5a6270; }
  .graphs { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 10px; }
  .graph { background: #fff; border-radius: 6px; padding: 8px 10px; box-shadow: 0 1px 2px #0002; }
  .graph .t { font-size: 12px; color: #5a6270; display: flex; justify-content: space-between; }
  canvas { width: 100%; height: 90px; display: block; }
  section { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px #0002; }
  section h2 { font-size: 14px; margin: 4px 0 8px; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e6e8eb; font-size: 13px; }
  th { color: #5a6270; font-weight: 500; }
  .empty { color: #8a919c; font-style: italic; }
  form { display: flex; gap: 8px; }
  form[hidden] { display: none; }
  input { padding: 4px 8px; }
  .error { color: #b3261e; }
</style>
</head>
<body>
<header><h1>Portunus</h1><span class="state" id="state">connecting…</span></header>
<main>
  <form id="login" hidden><label>Admin secret <input id="secret" type="password" autocomplete="off"></label><button>Show</button><span class="error" id="login-error"></span></form>
  <div class="cards">
    <div class="card"><div class="v" id="sessions">–</div><div class="k">sessions</div></div>
    <div class="card"><div class="v" id="handles">–</div><div class="k">handles</div></div>
    <div class="card"><div class="v" id="peerconnections">–</div><div class="k">PeerConnections up</div></div>
    <div class="card"><div class="v" id="out-kbps">–</div><div class="k">kbit/s sent</div></div>
    <div class="card"><div class="v" id="in-pps">–</div><div class="k">packets/s received</div></div>
    <div class="card"><div class="v" id="loss">–</div><div class="k">% lost (inbound)</div></div>
    <div class="card"><div class="v" id="lag">–</div><div class="k">event loop p99 lag, ms</div></div>
  </div>
  <div class="graphs" id="graphs"></div>
  <section><h2>PeerConnections</h2><table id="pcs"><thead><tr><th>session</th><th>handle</th><th>plugin</th><th>state</th><th>kbit/s out</th><th>packets/s in</th><th>lost</th><th>pair</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Rooms and mountpoints</h2><table id="rooms"><thead><tr><th>plugin</th><th>id</th><th>description</th><th>participants / viewers</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
"use strict";
const base = location.pathname.replace(/\\/dashboard\\/?$/, '');
let secret = sessionStorage.getItem('portunus-admin-secret') ?? '';
// A secret in the address (#secret=…) is taken, kept for this tab, and removed from the address bar.
function secretFromHash() {
  const given = new URLSearchParams(location.hash.slice(1)).get('secret');
  if (given === null) return;
  secret = given;
  sessionStorage.setItem('portunus-admin-secret', given);
  history.replaceState(null, '', location.pathname);
}
secretFromHash();
window.addEventListener('hashchange', () => { secretFromHash(); previous = new Map(); });
const HISTORY = 120;
const series = { out: [], inp: [], loss: [], sessions: [], lag: [] };
const graphs = [
  ['out', 'kbit/s sent'], ['inp', 'packets/s received'], ['loss', '% lost (inbound)'], ['sessions', 'sessions'], ['lag', 'event loop p99 lag (ms)'],
];
const graphBox = document.getElementById('graphs');
for (const [key, title] of graphs) {
  const div = document.createElement('div');
  div.className = 'graph';
  div.innerHTML = '<div class="t"><span></span><span class="now"></span></div><canvas width="560" height="180"></canvas>';
  div.querySelector('span').textContent = title;
  div.dataset.series = key;
  graphBox.appendChild(div);
}
let previous = new Map();
let previousAt = 0;

async function admin(body, path) {
  const r = await fetch(base + (path ?? ''), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ transaction: Math.random().toString(36).slice(2), admin_secret: secret, ...body }) });
  return r.json();
}

/** Runs \`task\` on every item with at most IN_FLIGHT at once; the results in the items' order. */
const IN_FLIGHT = 8;
async function inPool(items, task) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, worker));
  return out;
}

function text(id, value) { document.getElementById(id).textContent = value; }

function cell(tr, value) { const td = document.createElement('td'); td.textContent = value === undefined ? '' : String(value); tr.appendChild(td); return td; }

function draw(key) {
  const div = graphBox.querySelector('[data-series="' + key + '"]');
  const canvas = div.querySelector('canvas');
  const g = canvas.getContext('2d');
  const data = series[key];
  g.clearRect(0, 0, canvas.width, canvas.height);
  const max = Math.max(1, ...data) * 1.1;
  g.strokeStyle = '#e6e8eb';
  g.beginPath(); g.moveTo(0, canvas.height - 1); g.lineTo(canvas.width, canvas.height - 1); g.stroke();
  g.strokeStyle = '#2f6feb'; g.lineWidth = 2; g.beginPath();
  data.forEach((v, i) => { const x = (i / (HISTORY - 1)) * canvas.width; const y = canvas.height - 2 - (v / max) * (canvas.height - 6); if (i === 0) g.moveTo(x, y); else g.lineTo(x, y); });
  g.stroke();
  const last = data[data.length - 1];
  div.querySelector('.now').textContent = last === undefined ? '' : (Math.round(last * 10) / 10) + ' (max ' + Math.round(Math.max(...data) * 10) / 10 + ')';
}

function push(key, value) { const s = series[key]; s.push(value); if (s.length > HISTORY) s.shift(); draw(key); }

function sum(list, f) { let n = 0; for (const x of list ?? []) n += f(x) ?? 0; return n; }

async function rooms() {
  const out = [];
  const ask = async (plugin, body, pick) => {
    try {
      const r = await admin({ janus: 'message_plugin', plugin, request: body });
      for (const x of (r.response && r.response.list) || []) out.push([plugin.replace('janus.plugin.', ''), ...pick(x)]);
    } catch { /* the plugin is not loaded */ }
  };
  await ask('janus.plugin.videoroom', { request: 'list' }, (x) => [x.room, x.description, x.num_participants]);
  await ask('janus.plugin.audiobridge', { request: 'list' }, (x) => [x.room, x.description, x.num_participants]);
  await ask('janus.plugin.textroom', { request: 'list' }, (x) => [x.room, x.description, x.num_participants]);
  await ask('janus.plugin.streaming', { request: 'list' }, (x) => [x.id, x.description, x.viewers]);
  return out;
}

async function poll() {
  const status = await admin({ janus: 'get_status' });
  if (status.janus !== 'success') {
    document.getElementById('login').hidden = false;
    text('login-error', secret ? 'wrong secret' : '');
    text('state', 'needs the admin secret');
    return;
  }
  document.getElementById('login').hidden = true;
  text('login-error', '');
  const sessions = (await admin({ janus: 'list_sessions' })).sessions ?? [];
  // The Admin API has no bulk handle_info: a few requests in flight at once, the table in session order.
  const handleLists = await inPool(sessions.slice(0, 200), async (s) => ((await admin({ janus: 'list_handles' }, '/' + s)).handles ?? []).map((h) => [s, h]));
  const answers = await inPool(handleLists.flat(), ([s, h]) => admin({ janus: 'handle_info' }, '/' + s + '/' + h));
  const infos = answers.filter((r) => r.info).map((r) => r.info);
  const now = performance.now();
  const seconds = previousAt > 0 ? (now - previousAt) / 1000 : 0;
  const next = new Map();
  let outKbps = 0, inPps = 0, lostNow = 0, gotNow = 0, up = 0;
  const tbody = document.querySelector('#pcs tbody');
  tbody.replaceChildren();
  for (const info of infos) {
    const w = info.webrtc ?? {};
    const streams = w.streams ?? [];
    const outBytes = sum(streams, (s) => s.out && s.out.bytes);
    const inPackets = sum(streams, (s) => sum(s.in, (x) => x.packets));
    const lost = sum(streams, (s) => sum(s.in, (x) => x.lost));
    next.set(info.handle_id, { outBytes, inPackets, lost });
    const before = previous.get(info.handle_id);
    let kbps = 0, pps = 0, lostRate = 0;
    if (before && seconds > 0) {
      kbps = Math.max(0, (outBytes - before.outBytes) * 8 / 1000 / seconds);
      pps = Math.max(0, (inPackets - before.inPackets) / seconds);
      lostRate = Math.max(0, lost - before.lost);
      lostNow += lostRate; gotNow += Math.max(0, inPackets - before.inPackets);
    }
    outKbps += kbps; inPps += pps;
    if (w.state === 'up') up++;
    if (!w.state) continue;
    const tr = document.createElement('tr');
    tr.dataset.handle = String(info.handle_id);
    cell(tr, info.session_id); cell(tr, info.handle_id); cell(tr, info.plugin).dataset.field = 'plugin'; cell(tr, w.state).dataset.field = 'state';
    cell(tr, kbps.toFixed(1)).dataset.field = 'out-kbps'; cell(tr, pps.toFixed(1)).dataset.field = 'in-pps'; cell(tr, lost).dataset.field = 'lost';
    const pair = w.selected_pair;
    cell(tr, pair ? (pair.local ?? '') + ' ⇄ ' + (pair.remote ?? '') : '');
    tbody.appendChild(tr);
  }
  if (tbody.children.length === 0) { const tr = document.createElement('tr'); const td = cell(tr, 'no PeerConnection'); td.colSpan = 8; td.className = 'empty'; tbody.appendChild(tr); }
  previous = next; previousAt = now;
  const roomRows = await rooms();
  const rbody = document.querySelector('#rooms tbody');
  rbody.replaceChildren();
  for (const row of roomRows) { const tr = document.createElement('tr'); tr.dataset.room = row[0] + ':' + row[1]; for (const v of row) cell(tr, v); rbody.appendChild(tr); }
  if (roomRows.length === 0) { const tr = document.createElement('tr'); const td = cell(tr, 'no rooms or mountpoints'); td.colSpan = 4; td.className = 'empty'; rbody.appendChild(tr); }
  const lossPct = gotNow + lostNow > 0 ? (100 * lostNow) / (gotNow + lostNow) : 0;
  const lag = (status.status && status.status.event_loop_lag && status.status.event_loop_lag.p99_ms) || 0;
  text('sessions', sessions.length); text('handles', infos.length); text('peerconnections', up);
  text('out-kbps', outKbps.toFixed(0)); text('in-pps', inPps.toFixed(0)); text('loss', lossPct.toFixed(1)); text('lag', lag.toFixed(1));
  push('out', outKbps); push('inp', inPps); push('loss', lossPct); push('sessions', sessions.length); push('lag', lag);
  text('state', 'updated ' + new Date().toLocaleTimeString());
  document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1);
}

document.getElementById('login').addEventListener('submit', (e) => {
  e.preventDefault();
  secret = document.getElementById('secret').value;
  sessionStorage.setItem('portunus-admin-secret', secret);
  previous = new Map();
});

async function loop() {
  try { await poll(); } catch (err) { text('state', 'Admin API unreachable: ' + err); }
  setTimeout(loop, 1000);
}
loop();
</script>
</body>
</html>
`;
