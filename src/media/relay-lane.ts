// What a relay group needs to send one member's packets natively: the member's outgoing stream in the addon, and
// where it goes (the socket and the receiver's encoded address). A lane is a snapshot: the peer makes a new one
// when asked, and `relayLanes.epoch` moves whenever a lane may have changed (a PeerConnection came up or closed,
// an m-line was made), so groups ask again; a change of candidate pair is caught by the groups' periodic refresh.
import type { NativeDestination } from '../net/udp-endpoint.js';
import type { UdpFanOutMember } from '../net/udp-fan-out.js';
import type { NativeRtpOutStream } from '../rtp/native-rtp-out-stream.js';

export class NativeRelayLane {
  constructor(
    readonly out: NativeRtpOutStream,
    readonly destination: NativeDestination,
  ) {}

  /** The lane as a member of the network layer's fan-out. */
  member(): UdpFanOutMember {
    return { stream: this.out.handle, destination: this.destination };
  }
}

/** Moves on every change that may give a member another lane (or none). */
export const relayLanes = {
  epoch: 0,
  changed(): void {
    this.epoch++;
  },
};
