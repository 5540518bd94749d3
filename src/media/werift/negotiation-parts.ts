// What the answering and offering sides of a peer's negotiation work with.
import type { RTCPeerConnection } from 'werift';
import { errorText } from '../../logging/error-text.js';
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

/**
 * After an ICE restart is negotiated (either side offering new credentials), both descriptions set: werift 0.24.4
 * drops its pair and gathers anew, but starts its ICE agent again only while DTLS is not up. Until it is started,
 * a check that comes while no remote candidate of the new generation is known (a browser trickles them after its
 * offer, and checks as soon as it has our answer) is answered but queued as an "early check" that nothing reads:
 * the nomination waits for a later check on a pair made from a trickled candidate (a browser's next one comes
 * seconds later), or for ever when none is signalled. Start it as werift does for a first connection: queued
 * checks are read, later ones select their pair at once.
 */
export function resumeIceAfterRestart(parts: NegotiationParts, pc: RTCPeerConnection): void {
  for (const dtls of pc.dtlsTransports) {
    const ice = dtls.iceTransport;
    // werift starts it itself while DTLS is not up; 'checking': started already.
    if (dtls.state !== 'connected' || ice.state === 'checking' || ice.state === 'connected' || ice.state === 'closed') continue;
    ice.start().catch((err: unknown) => parts.ctx.log('verbose', `ICE checks after the restart ended: ${errorText(err)}`));
  }
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
