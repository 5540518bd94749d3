// Keeps a remote SDP's ICE candidates to loopback addresses, so a test or bench client never sends a packet
// anywhere else, whatever the server under test advertises.
export function loopbackCandidatesOnly(sdp: string): string {
  return sdp
    .split(/\r\n/)
    .filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      const address = line.split(' ')[4] ?? '';
      return address.startsWith('127.') || address === '::1';
    })
    .join('\r\n');
}

/** Keeps only the remote SDP's ICE candidates on `address` (a bench's own veth address, say). */
export function candidatesOn(sdp: string, address: string): string {
  if (address.startsWith('127.') || address === '::1') return loopbackCandidatesOnly(sdp);
  return sdp
    .split(/\r\n/)
    .filter((line) => !line.startsWith('a=candidate:') || (line.split(' ')[4] ?? '') === address)
    .join('\r\n');
}
