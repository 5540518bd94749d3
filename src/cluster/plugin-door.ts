// The cluster as one plugin kind sees it (PluginContext.cluster): this node's name, the holders of an id, the
// other nodes' placement changes and departures, requests to the same plugin on another node, and its shared
// records. Made of the ClusterNode's parts; nothing of NATS crosses it.
import type { PluginCluster, PluginClusterEvent } from '../plugin-api/plugin.js';
import type { ClusterNode } from './cluster-node.js';
import type { PlacementKind } from './placement-store.js';

export function pluginDoor(node: ClusterNode, kind: PlacementKind): PluginCluster {
  const records = node.records(kind);
  return {
    node: node.name,
    srtp: node.srtp,
    hold: (id) => node.placement.hold(kind, id),
    release: (id) => node.placement.release(kind, id),
    holders: (id) => node.placement.holders(kind, id),
    mediaAddress: (name) => node.membership.nodes().find((n) => n.name === name)?.mediaIp,
    on(listener: (event: PluginClusterEvent) => void): () => void {
      const stops = [
        node.placement.on((e) => {
          if (e.placement.kind === kind) listener({ type: e.type, id: e.placement.id, node: e.placement.node });
        }),
        node.membership.on((e) => {
          if (e.type === 'left') listener({ type: 'node-gone', node: e.node.name, reason: e.reason });
          else listener({ type: 'node-joined', node: e.node.name });
        }),
        records.on((e) => listener({ type: 'record', ...e })),
        records.onRead(() => listener({ type: 'records-read' })),
      ];
      return () => stops.forEach((stop) => stop());
    },
    request: (to, body) => node.requests.request(kind, to, body),
    serve: (handler) => node.requests.serve(kind, handler),
    putRecord: (key, value) => records.put(key, value),
    deleteRecord: (key) => records.remove(key),
    records: () => records.all(),
  };
}
