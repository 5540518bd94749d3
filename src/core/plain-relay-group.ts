// A relay group that relays to each member in turn: what the core gives plugins when the media layer has no
// group of its own (no WebRTC media, tests with a fake media layer).
import type { RelayGroup, RelayMember } from '../plugin-api/plugin.js';

export class PlainRelayGroup implements RelayGroup {
  private members: readonly RelayMember[] = [];

  setMembers(members: readonly RelayMember[]): void {
    this.members = members;
  }

  relay(packet: Buffer): void {
    for (const m of this.members) m.handle.relayRtp(m.mid, packet);
  }

  close(): void {
    this.members = [];
  }
}
