// Which ICE agent a Binding request is for, on a port many agents share: the agents that claimed the USERNAME's
// first part (our ufrag; several may share a 4-character one), of which the one whose password reproduces the
// MESSAGE-INTEGRITY. Used by the shared UDP port and the shared ICE-TCP port alike.
import type { IceCredentials } from './ice-credentials.js';
import { ATTR_USERNAME, attributeValue, integrityValid, type StunMessage } from './stun-message.js';

export interface UfragOwner {
  readonly credentials: IceCredentials;
}

export type UfragRefusal = 'unknown_ufrag' | 'bad_integrity';

/** The ufrag a Binding request is addressed to (USERNAME is "ours:theirs"), '' when it has none. */
export function requestedUfrag(data: Buffer, msg: StunMessage): string {
  const username = attributeValue(data, msg, ATTR_USERNAME);
  const text = username ? username.toString('utf8') : '';
  const colon = text.indexOf(':');
  return colon > 0 ? text.slice(0, colon) : '';
}

export class UfragDirectory<Owner extends UfragOwner> {
  private readonly byUfrag = new Map<string, Owner[]>();

  /** Checks carrying `ufrag` may be for `owner`. */
  claim(owner: Owner, ufrag: string): void {
    const list = this.byUfrag.get(ufrag);
    if (!list) this.byUfrag.set(ufrag, [owner]);
    else if (!list.includes(owner)) list.push(owner);
  }

  /** Lets go of every ufrag `owner` claimed. */
  release(owner: Owner): void {
    for (const ufrag of owner.credentials.ufrags) {
      const list = this.byUfrag.get(ufrag);
      if (!list) continue;
      const rest = list.filter((o) => o !== owner);
      if (rest.length === 0) this.byUfrag.delete(ufrag);
      else this.byUfrag.set(ufrag, rest);
    }
  }

  /** The owner a Binding request addressed to `ufrag` proves, or why none. */
  authenticate(data: Buffer, msg: StunMessage, ufrag: string): Owner | UfragRefusal {
    const candidates = ufrag === '' ? undefined : this.byUfrag.get(ufrag);
    if (!candidates) return 'unknown_ufrag';
    for (const candidate of candidates) {
      const password = candidate.credentials.passwordOf(ufrag);
      if (password !== undefined && integrityValid(data, msg, password)) return candidate;
    }
    return 'bad_integrity';
  }
}
