// What one user's negotiated m-lines mean for its peer's PeerConnection. Janus hands each side the other's SDP;
// Portunus ends both PeerConnections, so the peer gets an offer of ours that mirrors the user: the same mids and
// codecs, and per m-line the server sends the peer what the user sends and takes from the peer what the user
// receives. A renegotiation reaches the peer only when that mirror changes (not for an ICE restart).
import type { NegotiatedMedia, OfferTrack } from '../../plugin-api/index.js';

type Direction = NonNullable<NegotiatedMedia['direction']>;

/** The offer for the peer of a user whose negotiated m-lines are `media`. */
export function mirrorTracks(media: readonly NegotiatedMedia[]): OfferTrack[] {
  const tracks: OfferTrack[] = [];
  for (const m of media) {
    if (m.kind === 'data') {
      tracks.push({ kind: 'data', mid: m.mid });
      continue;
    }
    if (!m.codec) continue;
    const d = m.direction ?? 'sendrecv';
    const codec = { codec: m.codec.name, pt: m.codec.pt, fmtp: m.codec.fmtp, clockRate: m.codec.clockRate, channels: m.codec.channels };
    tracks.push(d === 'inactive' ? { kind: m.kind, mid: m.mid, active: false, ...codec } : { kind: m.kind, mid: m.mid, direction: d, ...codec });
  }
  return tracks;
}

/** A comparable form of what the server does on each m-line of a PeerConnection: kind, codec, direction. */
export function layoutOf(tracks: readonly OfferTrack[]): string {
  return tracks.map((t) => `${t.mid}:${t.kind}:${t.codec ?? ''}:${t.active === false ? 'inactive' : (t.direction ?? 'sendonly')}`).join(' ');
}

const REVERSED: Record<Direction, Direction> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };

/** The same, for a PeerConnection whose user offered `media`: the server's side is the offer's reversed. */
export function answeredLayout(media: readonly NegotiatedMedia[]): string {
  return layoutOf(mirrorTracks(media.map((m) => ({ ...m, direction: REVERSED[m.direction ?? 'sendrecv'] }))));
}
