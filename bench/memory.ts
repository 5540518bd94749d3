// Workload 5 (signalling part): resident memory per idle session and per handle.
import WebSocket from 'ws';
import type { RunningServer } from './janus-reference.js';
import { residentBytes } from './process-stats.js';
import { sleep } from '../support/wait.js';

export interface MemoryResult {
  readonly sessions: number;
  readonly bytesPerSession: number;
  readonly bytesPerHandle: number;
}

function request(ws: WebSocket, body: Record<string, unknown>, transaction: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (d: WebSocket.RawData): void => {
      const m = JSON.parse((d as Buffer).toString()) as Record<string, unknown>; // binaryType 'nodebuffer': one Buffer per message
      if (m.transaction === transaction && m.janus !== 'ack') {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ ...body, transaction }));
  });
}

export async function measureMemory(server: RunningServer, sessions: number): Promise<MemoryResult> {
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(server.wsUrl, 'janus-protocol');
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
  await sleep(500);
  const base = residentBytes(server.pid);
  const ids: number[] = [];
  for (let i = 0; i < sessions; i++) {
    const r = await request(ws, { janus: 'create' }, `c${i}`);
    ids.push((r.data as { id: number }).id);
  }
  await sleep(500);
  const withSessions = residentBytes(server.pid);
  for (let i = 0; i < sessions; i++) await request(ws, { janus: 'attach', session_id: ids[i], plugin: 'janus.plugin.echotest' }, `a${i}`);
  await sleep(500);
  const withHandles = residentBytes(server.pid);
  ws.close();
  return {
    sessions,
    bytesPerSession: Math.max(0, withSessions - base) / sessions,
    bytesPerHandle: Math.max(0, withHandles - withSessions) / sessions,
  };
}
