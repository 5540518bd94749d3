// MQTT client connections for the MQTT event handler and the MQTT transport: the mqtt package opens the TCP or
// TLS socket itself (it cannot take one from the network layer: accepted for client libraries,
// docs/architecture.md), never reconnecting on its own: BrokerLink does, with back-off.
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { withTimeout } from './broker-link.js';
import { loadTls, type BrokerTls } from './broker-settings.js';

/** Adds the PEM files and the certificate checks of `tls` to a client's options (the MQTT transport's too). */
export async function applyMqttTls(options: IClientOptions, tls: BrokerTls): Promise<void> {
  Object.assign(options, await loadTls(tls));
  options.rejectUnauthorized = tls.verifyPeer;
  if (!tls.verifyHostname) (options as { checkServerIdentity?: () => undefined }).checkServerIdentity = () => undefined;
}

/** Ends a client: gracefully (DISCONNECT, bounded by `timeoutMs`) or at once. */
export function endClient(client: MqttClient, graceful: boolean, timeoutMs: number): Promise<void> {
  if (!graceful) {
    return new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }
  return withTimeout(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), timeoutMs, 'MQTT disconnect').catch(
    () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
  );
}

/**
 * Connects one client that does not reconnect by itself: resolves on CONNACK, rejects (and ends the client) on
 * an error, a close or abort. `label` names the closing party in the abort's error.
 */
export function connectMqtt(options: IClientOptions, label: string, signal: AbortSignal): Promise<MqttClient> {
  signal.throwIfAborted();
  return new Promise<MqttClient>((resolve, reject) => {
    const client = connect(options);
    const settle = (err?: Error): void => {
      client.removeListener('connect', onConnect);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      signal.removeEventListener('abort', onAbort);
      // From here on errors are the watcher's; this listener stays so that none is ever unhandled.
      client.on('error', () => undefined);
      if (err === undefined) resolve(client);
      else client.end(true, {}, () => reject(err));
    };
    const onConnect = (): void => settle();
    const onError = (err: Error): void => settle(err);
    const onClose = (): void => settle(new Error('connection closed'));
    const onAbort = (): void => settle(new Error(`${label}: closed`));
    client.once('connect', onConnect);
    client.once('error', onError);
    client.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
