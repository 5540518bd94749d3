// A bounded check of DTLS datagrams (RFC 6347 records) before the WebRTC stack's DTLS parser sees them. Pure:
// returns why a datagram is refused, or undefined. werift would read a record header past the datagram's end
// (and throw), allocate a handshake message of whatever size a fragment header claims (up to 16 MiB), take a
// 2-byte alert record for a plaintext alert at any epoch, and restart the handshake on a plaintext ClientHello
// after it is over (withoutPlaintextRecords).

/** Records in one datagram; a handshake flight packs a handful. */
export const MAX_DTLS_RECORDS = 16;
/** A handshake message larger than this is refused (a certificate chain of a WebRTC peer is 1-3 KiB). */
export const MAX_DTLS_HANDSHAKE_BYTES = 32 * 1024;
/** RFC 6347 §4.1: a record's fragment is at most 2^14 bytes plus the cipher's expansion (2048). */
const MAX_RECORD_FRAGMENT = 16384 + 2048;
/** The shortest encrypted alert: 2 bytes of alert, an 8-byte explicit nonce and a 16-byte tag (AES-GCM). */
const MIN_ENCRYPTED_ALERT = 26;

/**
 * TLS alert descriptions (RFC 5246 §7.2). werift reads an encrypted alert record as plaintext when its second
 * byte is one of these, and hangs up without decrypting it: such a record is refused, whoever sent it (a real
 * encrypted alert starts with an explicit nonce whose second byte is the epoch's low byte, 1, in OpenSSL and
 * BoringSSL).
 */
const ALERT_DESCRIPTIONS = new Set([0, 10, 20, 21, 22, 30, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 70, 71, 80, 90, 100, 110]);

const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;

/** Whether the first byte says DTLS (RFC 7983: 20-63). */
export function looksLikeDtls(b: Uint8Array): boolean {
  return b.length > 0 && b[0] >= 20 && b[0] <= 63;
}

export function dtlsDatagramProblem(b: Uint8Array): string | undefined {
  let at = 0;
  let records = 0;
  while (at < b.length) {
    if (++records > MAX_DTLS_RECORDS) return 'too many DTLS records';
    if (at + 13 > b.length) return 'DTLS record header past the end';
    const type = b[at];
    if (type < CHANGE_CIPHER_SPEC || type > APPLICATION_DATA) return 'unknown DTLS content type';
    if (b[at + 1] !== 0xfe) return 'not a DTLS version';
    const epoch = (b[at + 3] << 8) | b[at + 4];
    const length = (b[at + 11] << 8) | b[at + 12];
    const start = at + 13;
    const end = start + length;
    if (length > MAX_RECORD_FRAGMENT || end > b.length) return 'DTLS record length past the end';
    if (type === ALERT) {
      if (epoch === 0 ? length !== 2 : length < MIN_ENCRYPTED_ALERT) return 'alert of the wrong size';
      if (epoch > 0 && ALERT_DESCRIPTIONS.has(b[start + 1])) return 'encrypted alert that would be read as plaintext';
    }
    if (type === HANDSHAKE && epoch === 0) {
      const problem = handshakeProblem(b, start, end);
      if (problem) return problem;
    }
    at = end;
  }
  return undefined;
}

/** Plaintext handshake fragments: each 12-byte header and fragment within the record and its message. */
function handshakeProblem(b: Uint8Array, at: number, end: number): string | undefined {
  if (at === end) return 'empty handshake record';
  while (at < end) {
    if (at + 12 > end) return 'handshake header past the record';
    const length = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
    const offset = (b[at + 6] << 16) | (b[at + 7] << 8) | b[at + 8];
    const fragment = (b[at + 9] << 16) | (b[at + 10] << 8) | b[at + 11];
    if (length > MAX_DTLS_HANDSHAKE_BYTES) return 'handshake message too large';
    if (offset + fragment > length) return 'handshake fragment outside its message';
    if (at + 12 + fragment > end) return 'handshake fragment past the record';
    at += 12 + fragment;
  }
  return undefined;
}

/**
 * Plaintext handshake fragments that are only part of their message, in a datagram that passed
 * dtlsDatagramProblem. werift keeps every such fragment until a last one completes a message, so their number per
 * association must be bounded by the caller.
 */
export function partialHandshakeFragments(b: Uint8Array): number {
  let partial = 0;
  for (let at = 0; at + 13 <= b.length;) {
    const end = at + 13 + ((b[at + 11] << 8) | b[at + 12]);
    if (b[at] === HANDSHAKE && b[at + 3] === 0 && b[at + 4] === 0) {
      for (let h = at + 13; h + 12 <= end;) {
        const length = (b[h + 1] << 16) | (b[h + 2] << 8) | b[h + 3];
        const fragment = (b[h + 9] << 16) | (b[h + 10] << 8) | b[h + 11];
        if (fragment !== length) partial++;
        h += 12 + fragment;
      }
    }
    at = end;
  }
  return partial;
}

/**
 * The datagram without its plaintext (epoch 0) records, for use once the handshake is over: werift would take a
 * plaintext ClientHello for a renegotiation and reset the association, and a plaintext alert for its end. The
 * encrypted records of the same datagram are kept (a peer that missed our last flight retransmits its own, whose
 * encrypted Finished makes werift send ours again). Returns `b` itself when it has none; call on datagrams that
 * passed dtlsDatagramProblem.
 */
export function withoutPlaintextRecords(b: Buffer): Buffer {
  const kept: Buffer[] = [];
  let removed = false;
  for (let at = 0; at + 13 <= b.length;) {
    const end = at + 13 + b.readUInt16BE(at + 11);
    if (b[at + 3] === 0 && b[at + 4] === 0) removed = true;
    else kept.push(b.subarray(at, end));
    at = end;
  }
  return removed ? Buffer.concat(kept) : b;
}
