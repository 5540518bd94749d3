// The ICE credentials one agent answers to on a shared port: its ufrag and password of every generation (an ICE
// restart adds a pair; checks of the old one may still be in flight).
export class IceCredentials {
  private readonly passwords = new Map<string, string>();

  /** Adds ufrag/password; false when it was there already (or the ufrag is empty). */
  add(ufrag: string, password: string): boolean {
    if (ufrag === '' || this.passwords.get(ufrag) === password) return false;
    this.passwords.set(ufrag, password);
    return true;
  }

  passwordOf(ufrag: string): string | undefined {
    return this.passwords.get(ufrag);
  }

  has(ufrag: string): boolean {
    return this.passwords.has(ufrag);
  }

  get ufrags(): Iterable<string> {
    return this.passwords.keys();
  }
}
