// A bounded check of SCTP packets (RFC 4960) that arrive inside DTLS application data, before werift's SCTP parser
// sees them. Pure: returns why a packet is refused, or undefined. werift loops forever on a chunk or parameter
// whose length is 0 (it advances by the length), and reads SACK gap and duplicate lists by their counts.

/** Chunks in one packet; a data channel bundles a handful. */
export const MAX_SCTP_CHUNKS = 64;

const DATA = 0;
const INIT = 1;
const INIT_ACK = 2;
const SACK = 3;
const HEARTBEAT = 4;
const HEARTBEAT_ACK = 5;
const ABORT = 6;
const ERROR = 9;
const RECONFIG = 130;
const FORWARD_TSN = 192;

export function sctpPacketProblem(b: Uint8Array): string | undefined {
  if (b.length < 12) return 'shorter than an SCTP common header';
  let at = 12;
  let chunks = 0;
  while (at + 4 <= b.length) {
    if (++chunks > MAX_SCTP_CHUNKS) return 'too many SCTP chunks';
    const type = b[at];
    const length = (b[at + 2] << 8) | b[at + 3];
    if (length < 4) return 'SCTP chunk shorter than its header';
    const end = at + length;
    if (end > b.length) return 'SCTP chunk length past the end';
    const problem = chunkProblem(b, type, at + 4, end);
    if (problem) return problem;
    at = end + ((4 - (length % 4)) % 4);
  }
  return undefined;
}

function chunkProblem(b: Uint8Array, type: number, at: number, end: number): string | undefined {
  const size = end - at;
  switch (type) {
    case DATA:
      return size >= 12 ? undefined : 'DATA chunk too short';
    case INIT:
    case INIT_ACK:
      return size >= 16 ? parametersProblem(b, at + 16, end) : 'INIT chunk too short';
    case SACK: {
      if (size < 12) return 'SACK chunk too short';
      const listed = ((b[at + 8] << 8) | b[at + 9]) + ((b[at + 10] << 8) | b[at + 11]);
      return 12 + 4 * listed <= size ? undefined : 'SACK gaps and duplicates past the chunk';
    }
    case HEARTBEAT:
    case HEARTBEAT_ACK:
    case ABORT:
    case ERROR:
    case RECONFIG:
      return parametersProblem(b, at, end);
    case FORWARD_TSN:
      return size >= 4 && size % 4 === 0 ? undefined : 'FORWARD-TSN chunk not whole';
    default:
      return undefined;
  }
}

/** Type-length-value parameters (or error causes), each at least its 4-byte header and within the chunk. */
function parametersProblem(b: Uint8Array, at: number, end: number): string | undefined {
  while (at + 4 <= end) {
    const length = (b[at + 2] << 8) | b[at + 3];
    if (length < 4) return 'SCTP parameter shorter than its header';
    if (at + length > end) return 'SCTP parameter past the chunk';
    at += length + ((4 - (length % 4)) % 4);
  }
  return undefined;
}
