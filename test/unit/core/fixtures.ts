// Shared pieces for core unit tests: a recording event sink, a quiet logger, a gateway on a fake clock.
import { FakeClock } from '../../../src/core/clock.js';
import type { EventNotifier } from '../../../src/core/event-notifier.js';
import type { EventSink, SessionOverReason } from '../../../src/core/event-sink.js';
import { Gateway, type GatewaySettings } from '../../../src/core/gateway.js';
import { PluginRegistry } from '../../../src/core/plugin-registry.js';
import { TokenStore } from '../../../src/core/tokens.js';
import type { JsonObject } from '../../../src/core/validate.js';
import { Logger } from '../../../src/logging/logger.js';
import { EchoTestPlugin } from '../../../src/plugins/echotest/echotest.js';
import type { Plugin } from '../../../src/plugins/plugin.js';

export class RecordingSink implements EventSink {
  readonly transport = 'test';
  readonly peer = 'test';
  readonly events: JsonObject[] = [];
  readonly over: Array<[number, SessionOverReason]> = [];
  deliver(_sessionId: number, message: JsonObject): void {
    this.events.push(message);
  }
  sessionOver(sessionId: number, reason: SessionOverReason): void {
    this.over.push([sessionId, reason]);
  }
}

export function quietLogger(): Logger {
  return Logger.create({ level: 0 });
}

export interface TestGateway {
  gateway: Gateway;
  clock: FakeClock;
  sink: RecordingSink;
  call(request: unknown, sink?: EventSink): Promise<JsonObject>;
}

export function makeGateway(settings: Partial<GatewaySettings> = {}, plugins: Plugin[] = [new EchoTestPlugin()], tokens?: TokenStore, events?: EventNotifier): TestGateway {
  const clock = new FakeClock();
  const registry = new PluginRegistry();
  for (const p of plugins) registry.register(p);
  const gateway = new Gateway({
    settings: {
      sessionTimeout: 60,
      reclaimSessionTimeout: 0,
      candidatesTimeout: 45,
      apiSecret: '',
      acceptNewSessions: true,
      opaqueIdInApi: false,
      ...settings,
    },
    plugins: registry,
    tokens: tokens ?? new TokenStore({ enabled: false }),
    log: quietLogger(),
    clock,
    events,
    serverInfo: () => ({ name: 'test' }),
  });
  gateway.start();
  const sink = new RecordingSink();
  const call = (request: unknown, s: EventSink = sink): Promise<JsonObject> => new Promise((resolve) => void gateway.handle(s, request, resolve));
  return { gateway, clock, sink, call };
}

/** Creates a session and returns its id. */
export async function createSession(t: TestGateway): Promise<number> {
  const r = await t.call({ janus: 'create', transaction: 'c' });
  return (r.data as { id: number }).id;
}

export async function attach(t: TestGateway, session: number, plugin = 'janus.plugin.echotest'): Promise<number> {
  const r = await t.call({ janus: 'attach', transaction: 'a', session_id: session, plugin });
  return (r.data as { id: number }).id;
}

export function errorCode(reply: JsonObject): number | undefined {
  return reply.janus === 'error' ? (reply.error as { code: number }).code : undefined;
}
