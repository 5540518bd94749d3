// Starts a Portunus server inside the test process on free loopback ports, with the real media layer.
import { loadConfig } from '../../src/config/load.js';
import { Logger } from '../../src/logging/logger.js';
import { createMediaFactory } from '../../src/media/media-settings.js';
import { PortunusServer } from '../../src/server.js';
import { freeUdpPort } from './child-server.js';

export interface StartedServer {
  readonly server: PortunusServer;
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly logs: string[];
  stop(): Promise<void>;
}

export async function startInProcess(overrides: Array<[string, string]> = []): Promise<StartedServer> {
  const logs: string[] = [];
  const config = loadConfig({
    overrides: [
      ['http.ip', '127.0.0.1'],
      ['http.port', '0'],
      ['websockets.ws_ip', '127.0.0.1'],
      ['websockets.ws_port', '0'],
      ['media.single_port', String(await freeUdpPort())],
      ['nat.ice_enforce_list', 'lo'],
      ['general.log_level', '5'],
      ...overrides,
    ],
  });
  const log = Logger.create({ level: 5, sink: { write: (line) => logs.push(line) } });
  const server = new PortunusServer({ config, log, mediaFactory: createMediaFactory });
  await server.start();
  // The suite runs again under the no-IPv6 shim; there the server must have found IPv6 unusable.
  if (process.env.PORTUNUS_EXPECT_NO_IPV6 === '1' && server.network.ipv6Available) throw new Error('expected a host without IPv6');
  const rest = server.listeners.find((l) => l.name.startsWith('REST'));
  const ws = server.listeners.find((l) => l.name.startsWith('WebSocket'));
  return {
    server,
    restUrl: rest ? `http://127.0.0.1:${rest.port}/janus` : '',
    wsUrl: ws ? `ws://127.0.0.1:${ws.port}` : '',
    logs,
    stop: () => server.stop(),
  };
}
