// The bodies of Janus's `webrtc` events (type 16) that the core builds from what it sees: candidates as Janus
// writes them ("<foundation> <component> <transport> <priority> <address> <port> typ <type> ..."), the remote
// candidates of an SDP, and the selected pair's summary. Pure.
import type { PairEnd } from './media-port.js';
import type { JsonObject } from './validate.js';

/** With bundle and rtcp-mux there is one ICE stream and one component, as Janus numbers them. */
const STREAM = { stream_id: 1, component_id: 1 } as const;

/** A candidate attribute's value without "a=" or "candidate:" (Janus's local-candidate/remote-candidate text). */
export function candidateText(line: string): string {
  let t = line.trim();
  if (t.startsWith('a=')) t = t.slice(2);
  if (t.startsWith('candidate:')) t = t.slice('candidate:'.length);
  return t;
}

/** The distinct candidate lines of an SDP (at most `max`; bundled m-lines repeat them), as candidateText gives them. */
export function sdpCandidates(sdp: string, max = 64): string[] {
  const out = new Set<string>();
  for (const m of sdp.matchAll(/^a=candidate:([^\r\n]*)/gm)) {
    out.add(m[1].trim());
    if (out.size >= max) break;
  }
  return [...out];
}

/** "address port" → type of a candidate's text, or undefined when it does not parse. */
export function candidateAddress(text: string): { key: string; type: string } | undefined {
  const f = candidateText(text).split(/\s+/);
  if (f.length < 8 || f[6].toLowerCase() !== 'typ') return undefined;
  return { key: `${f[4].toLowerCase()} ${f[5]}`, type: f[7].toLowerCase() };
}

export function localCandidateBody(text: string): JsonObject {
  return { 'local-candidate': candidateText(text), ...STREAM };
}

export function remoteCandidateBody(text: string): JsonObject {
  return { 'remote-candidate': candidateText(text), ...STREAM };
}

export function iceStateBody(state: string): JsonObject {
  return { ice: state, ...STREAM };
}

export function dtlsStateBody(state: string): JsonObject {
  return { dtls: state, ...STREAM };
}

/**
 * Janus's selected-pair event: "<local>:<port> [<type>,<transport>] <-> <remote>:<port> [<type>,<transport>]" and
 * each end's details. An end whose type is unknown is `prflx` (an address learned from a check, not signalled).
 */
export function selectedPairBody(local: PairEnd, remote: PairEnd): JsonObject {
  const end = (e: PairEnd): JsonObject => ({ address: e.address, port: e.port, type: e.type ?? 'prflx', transport: e.transport, family: e.address.includes(':') ? 6 : 4 });
  const l = end(local);
  const r = end(remote);
  const text = (e: JsonObject): string => `${e.address as string}:${e.port as number} [${e.type as string},${e.transport as string}]`;
  return { 'selected-pair': `${text(l)} <-> ${text(r)}`, candidates: { local: l, remote: r }, ...STREAM };
}
