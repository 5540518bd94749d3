// The candidate pair one werift ICE agent's media goes on. werift forgets its nominated pair the moment an ICE
// restart is set (new credentials) and selects one again only once the peer's checks of the new generation
// nominate one, while the peer goes on sending on the pair it had (a browser does, and Janus's libnice keeps its
// selected pair through a restart as well). Without a pair in between, what we relay is dropped, not even kept
// for a NACK, what the peer sends is refused, and a browser's picture freezes until a keyframe comes (some 3 s).
// So the pair nominated last stays in use until another one is.

const lastNominated = new WeakMap<object, object>();

/** werift's nominated pair, or while an ICE restart has none, the one nominated before; undefined before the first. */
export function pairInUse<P extends object>(connection: { readonly nominated?: P; readonly state?: string }): P | undefined {
  if (connection.state === 'closed' || connection.state === 'failed') return undefined;
  const pair = connection.nominated;
  if (!pair) return lastNominated.get(connection) as P | undefined;
  lastNominated.set(connection, pair);
  return pair;
}
