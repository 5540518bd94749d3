// Turns the server's media and NAT settings into the options of each handle's PeerConnection.
import type { Config } from '../config/load.js';
import type { Logger } from '../logging/logger.js';
import type { Network } from '../net/network.js';
import { parsePortRange } from '../net/port-range.js';
import { WebRtcMediaFactory, type WebRtcSettings } from './handle-media.js';
import { installWeriftRejectionGuard } from './werift/rejection-guard.js';
import { SharedIcePorts } from './shared-ice-ports.js';
import { UdpSendPool } from '../net/udp-send-pool.js';
import { errorText } from '../logging/error-text.js';

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function webRtcSettings(network: Network, config: Config, log: Logger, sharedPorts?: SharedIcePorts): WebRtcSettings {
  const { media, nat } = config.core;
  const range = parsePortRange(media.rtp_port_range);
  if (!range) log.warn(`media.rtp_port_range '${media.rtp_port_range}' is not "min-max"; any port will be used`, { component: 'webrtc' });
  const turnType = nat.turn_type === 'udp' || nat.turn_type === 'tcp' || nat.turn_type === 'tls' ? nat.turn_type : undefined;
  const turnOn = nat.turn_server !== '' && turnType !== undefined;
  if (nat.turn_server && !turnType) log.warn(`nat.turn_type '${nat.turn_type}' is not one of udp, tcp, tls: no relayed candidates`, { component: 'webrtc' });
  return {
    network,
    // Lite by default (answers sooner); nat.ice_lite = false runs werift's full ICE agent, which checks too.
    iceLite: nat.ice_lite,
    iceEnforceList: list(nat.ice_enforce_list),
    iceIgnoreList: list(nat.ice_ignore_list),
    nat1to1: list(nat.nat_1_1_mapping),
    rtpPortRange: range,
    sharedPorts,
    ipv6: media.ipv6 && network.ipv6Available,
    noMediaTimerMs: media.no_media_timer * 1000,
    slowlinkThreshold: media.slowlink_threshold,
    stunServer: nat.stun_server ? { host: nat.stun_server, port: nat.stun_port } : undefined,
    turnServer: turnOn && turnType ? { host: nat.turn_server, port: nat.turn_port, username: nat.turn_user, password: nat.turn_pwd, transport: turnType } : undefined,
  };
}

/** The media layer as the server wires it into the core. */
export function createMediaFactory(network: Network, config: Config, log: Logger): WebRtcMediaFactory {
  installWeriftRejectionGuard((msg) => log.warn(msg, { component: 'webrtc' }));
  const port = config.core.media.single_port;
  const valid = Number.isInteger(port) && port >= 0 && port <= 65535;
  if (!valid) log.warn(`media.single_port ${String(port)} is not a port number: PeerConnections get a UDP port each`, { component: 'webrtc' });
  const threads = config.core.media.send_threads;
  let pool: UdpSendPool | undefined;
  if (valid && port > 0) {
    try {
      pool = UdpSendPool.create(threads);
    } catch (err) {
      log.warn(`media.send_threads: ${errorText(err)}; sending on the main thread`, { component: 'webrtc' });
    }
  }
  const iceTcp = config.core.nat.ice_tcp;
  if (iceTcp && !(valid && port > 0)) log.warn('nat.ice_tcp needs media.single_port (one TCP port beside the shared UDP one): ICE-TCP is not offered', { component: 'webrtc' });
  const shared = valid && port > 0 ? new SharedIcePorts(network, port, (level, msg) => log[level](msg, { component: 'webrtc' }), pool, iceTcp, config.core.media.batched_receive) : undefined;
  const settings = webRtcSettings(network, config, log, shared);
  return new WebRtcMediaFactory(settings, shared);
}
