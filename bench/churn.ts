// Workload 4: session churn, create + attach + detach + destroy, over REST and over WebSocket.
import WebSocket from 'ws';
import type { RunningServer } from './janus-reference.js';
import { cpuSeconds } from './process-stats.js';

export interface ChurnResult {
  readonly transport: 'rest' | 'ws';
  readonly cycles: number;
  readonly seconds: number;
  readonly cyclesPerSecond: number;
  readonly serverCpuMsPerCycle: number;
}

async function post(url: string, body: object): Promise<Record<string, unknown>> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return (await r.json()) as Record<string, unknown>;
}

function idOf(reply: Record<string, unknown>): number {
  const data = reply.data as { id?: number } | undefined;
  if (reply.janus !== 'success' || !data?.id) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  return data.id;
}

async function restCycle(base: string): Promise<void> {
  const s = idOf(await post(base, { janus: 'create', transaction: 'c' }));
  const h = idOf(await post(`${base}/${s}`, { janus: 'attach', transaction: 'a', plugin: 'janus.plugin.echotest' }));
  await post(`${base}/${s}/${h}`, { janus: 'detach', transaction: 'd' });
  await post(`${base}/${s}`, { janus: 'destroy', transaction: 'x' });
}

class WsClient {
  private readonly pending = new Map<string, (m: Record<string, unknown>) => void>();
  private seq = 0;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse((d as Buffer).toString()) as Record<string, unknown>; // binaryType 'nodebuffer': one Buffer per message
      const t = m.transaction as string | undefined;
      if (t && this.pending.has(t) && m.janus !== 'ack') {
        this.pending.get(t)!(m);
        this.pending.delete(t);
      }
    });
  }
  static open(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol');
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
    });
  }
  request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const transaction = `t${++this.seq}`;
    return new Promise((resolve) => {
      this.pending.set(transaction, resolve);
      this.ws.send(JSON.stringify({ ...body, transaction }));
    });
  }
  close(): void {
    this.ws.close();
  }
}

async function wsCycle(c: WsClient): Promise<void> {
  const s = idOf(await c.request({ janus: 'create' }));
  const h = idOf(await c.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.echotest' }));
  await c.request({ janus: 'detach', session_id: s, handle_id: h });
  await c.request({ janus: 'destroy', session_id: s });
}

/** Runs `parallel` clients doing cycles back to back for `seconds` (bounded by `maxCycles`). */
export async function runChurn(server: RunningServer, transport: 'rest' | 'ws', seconds: number, parallel = 8, maxCycles = 200_000): Promise<ChurnResult> {
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let cycles = 0;
  const worker = async (): Promise<void> => {
    const ws = transport === 'ws' ? await WsClient.open(server.wsUrl) : undefined;
    while (performance.now() < deadline && cycles < maxCycles) {
      if (ws) await wsCycle(ws);
      else await restCycle(server.restUrl);
      cycles++;
    }
    ws?.close();
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(server.pid) - cpu0;
  return { transport, cycles, seconds: elapsed, cyclesPerSecond: cycles / elapsed, serverCpuMsPerCycle: (cpu * 1000) / Math.max(1, cycles) };
}
