// The `cluster` section read once at start: where NATS is (the NATS transport's connection settings, its
// server list under `nats`), the cluster's and this node's names, the media address other nodes send to, and
// the heartbeat. Names go into NATS subjects and bucket names, so they are kept to letters, digits, - and _.
import { hostname } from 'node:os';
import { SettingsReader, type BackendSettings } from '../brokers/broker-settings.js';
import { parseNatsConnection, type NatsConnectionSettings } from '../brokers/nats-client.js';
import type { Logger } from '../logging/logger.js';
import { isIP } from '../net/address.js';

export const CLUSTER_LABEL = 'cluster';

export interface ClusterSettings {
  readonly connection: NatsConnectionSettings;
  /** The cluster's name: subjects `<name>.cluster.*`, buckets `<name>_nodes`, `<name>_placement`. */
  readonly name: string;
  readonly nodeName: string;
  readonly mediaIp: string;
  readonly heartbeatMs: number;
  /** Heartbeats missed before a node is taken as gone. */
  readonly lostAfter: number;
  /** Media between nodes as SRTP (cluster.srtp). */
  readonly srtp: boolean;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The default node name: host name and process id, made of what a name may hold. */
export function defaultNodeName(host = hostname(), pid = process.pid): string {
  const base = host.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'node';
  return `${base.slice(0, 50)}-${pid}`;
}

/** The settings when `cluster.nats` names servers, else undefined (a single node). */
export function parseClusterSettings(section: BackendSettings, defaultMediaIp: string, log: Logger): ClusterSettings | undefined {
  const r = new SettingsReader(section, CLUSTER_LABEL);
  if (!r.has('nats')) return undefined;
  const name = r.string('name', 'portunus');
  if (!NAME.test(name)) r.fail('name', `must be 1 to 64 letters, digits, - or _: ${JSON.stringify(name)}`);
  const nodeName = r.string('node_name') ?? defaultNodeName();
  if (!NAME.test(nodeName)) r.fail('node_name', `must be 1 to 64 letters, digits, - or _: ${JSON.stringify(nodeName)}`);
  const mediaIp = r.string('media_ip') ?? defaultMediaIp;
  if (isIP(mediaIp) === 0) r.fail('media_ip', `is not an IP address: ${JSON.stringify(mediaIp)}`);
  return {
    connection: parseNatsConnection(r, log, `${CLUSTER_LABEL} (NATS)`, undefined, 'nats', `portunus-node-${nodeName}`),
    name,
    nodeName,
    mediaIp,
    heartbeatMs: r.int('heartbeat_ms', 1000, 50, 60_000),
    lostAfter: r.int('lost_after', 3, 2, 100),
    srtp: r.bool('srtp', false),
  };
}
