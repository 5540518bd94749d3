// What the answering and offering sides of a peer's negotiation work with.
import type { RTCPeerConnection } from 'werift';
import type { ConnectionWatch } from './connection-watch.js';
import type { DataChannels } from './data-channels.js';
import type { IceEndpoints } from './ice-endpoints.js';
import { takeOverIceGathering, type InboundGate } from './ice-gathering.js';
import type { PeerContext } from './peer-context.js';
import type { RemoteCandidates } from './remote-candidates.js';
import type { RtpReceivePath } from './rtp-receive-path.js';

export interface NegotiationParts {
  readonly ctx: PeerContext;
  readonly endpoints: IceEndpoints;
  readonly candidates: RemoteCandidates;
  readonly watch: ConnectionWatch;
  readonly receive: RtpReceivePath;
  readonly channels: DataChannels;
  readonly gate: InboundGate;
  /** Ends the peer (`notify` false: no `hangup` event, the caller reports the failure). */
  close(reason: string, notify: boolean): void;
}

/** Makes werift gather on our own sockets only, with the inbound gate in front. */
export function gatherOnOurSockets(parts: NegotiationParts, pc: RTCPeerConnection): void {
  takeOverIceGathering(
    pc,
    () => parts.endpoints.open(),
    (msg) => parts.ctx.log('error', msg),
    parts.gate,
  );
}

/** Both descriptions are set: connect within the deadlines, and add the candidates that came early. */
export function startConnecting(parts: NegotiationParts): void {
  parts.ctx.state = 'connecting';
  parts.watch.arm();
  parts.candidates.flush();
}

type LocalDescription = Parameters<RTCPeerConnection['setLocalDescription']>[0];

/** Makes our offer or answer (`make`), sets it, and returns its text; the peer must stay open meanwhile. */
export async function describeLocally(parts: NegotiationParts, pc: RTCPeerConnection, what: 'offer' | 'answer', make: () => Promise<LocalDescription>): Promise<string> {
  const ctx = parts.ctx;
  const description = await make();
  ctx.assertOpen();
  await pc.setLocalDescription(description);
  ctx.assertOpen();
  const local = pc.localDescription?.sdp;
  if (!local) throw new Error(`the WebRTC stack produced no ${what}`);
  return local;
}
