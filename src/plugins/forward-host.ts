// Where forwarded media goes (VideoRoom and AudioBridge forwarders): a host given as a literal address or a name, in the family asked for.
import { isIP, PluginError, type Network } from '../plugin-api/index.js';
import type { ElementCodes } from './srtp-settings.js';

/**
 * Resolves a forwarding destination: literals as they are (whatever family was asked), names through the
 * network's resolver (the user's choice).
 */
export async function resolveHost(network: Network, host: string, family: unknown, codes: ElementCodes): Promise<string> {
  if (family !== undefined && family !== 'ipv4' && family !== 'ipv6')
    throw new PluginError(codes.invalid, `Unsupported protocol family (${typeof family === 'string' ? family : JSON.stringify(family)})`);
  let address = host;
  if (isIP(host) === 0) {
    try {
      address = await network.resolveName(host, family === 'ipv6' ? 6 : family === 'ipv4' ? 4 : undefined);
    } catch {
      throw new PluginError(codes.invalid, `Could not resolve address (${host})...`);
    }
  }
  if (isIP(address) === 6 && !network.ipv6Available) throw new PluginError(codes.invalid, `Can't forward to ${host}: IPv6 is not available on this host`);
  return address;
}
