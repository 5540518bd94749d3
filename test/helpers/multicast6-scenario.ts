// Run inside a network namespace holding a veth pair (see test/e2e/multicast-ipv6.test.ts): a server in this
// process creates Streaming mountpoints that join an IPv6 multicast group, a sender on the other end of the pair
// sends RTP to the group, and the packet counts the mountpoints report are printed as one JSON line.
import dgram from 'node:dgram';
import { JanusWs, type Msg } from '../../support/janus-ws.js';
import { startInProcess } from './in-process-server.js';
import { sleep } from '../../support/wait.js';
import { rtpPacket } from '../../support/rtp-packets.js';

const [group, serverIface, serverAddress, senderIface] = process.argv.slice(2);
const srv = await startInProcess([['nat.ice_enforce_list', serverIface]]);
const ws = await JanusWs.open(srv.wsUrl);
const session = ((await ws.request({ janus: 'create' })).data as { id: number }).id;
const handle = ((await ws.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.streaming' })).data as { id: number }).id;
const send = async (body: Msg): Promise<Msg> => ((await ws.request({ janus: 'message', session_id: session, handle_id: handle, body })).plugindata as Msg).data as Msg;

const result: Record<string, unknown> = {};
// The interface given by name, then by its address: both must join on that interface.
const ports = [47300, 47302];
const ids: number[] = [];
for (const [i, iface] of [serverIface, serverAddress].entries()) {
  const r = await send({ request: 'create', type: 'rtp', media: [{ type: 'audio', mid: 'a', port: ports[i], pt: 111, codec: 'opus', mcast: group, iface }] });
  result[`create ${i}`] = r.streaming === 'created' ? 'created' : r;
  if (r.streaming === 'created') ids.push((r.stream as { id: number }).id);
}
const sender = dgram.createSocket({ type: 'udp6' });
await new Promise<void>((r) => sender.bind(0, () => r()));
sender.setMulticastInterface(`::%${senderIface}`);
for (let seq = 0; seq < 10; seq++) {
  const b = rtpPacket({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc: 0x1234, payload: Buffer.alloc(8) });
  for (const port of ports) await new Promise<void>((r) => sender.send(b, port, group, () => r()));
}
sender.close();
const deadline = Date.now() + 3000;
let counts: number[] = [];
while (Date.now() < deadline) {
  counts = [];
  for (const id of ids) counts.push((((await send({ request: 'info', id })).info as Msg).media as Array<{ packets: number }>)[0]?.packets ?? 0);
  if (counts.every((n) => n >= 10)) break;
  await sleep(100);
}
result.packets = counts;
// An IPv6 group with an interface that has no IPv6 address is a clear error, not an IPv4 bind.
result.v4iface = await send({ request: 'create', type: 'rtp', media: [{ type: 'audio', mid: 'a', port: 47304, pt: 111, codec: 'opus', mcast: group, iface: '127.0.0.1' }] });
console.log(JSON.stringify(result));
ws.close();
await srv.stop();
process.exit(0);
