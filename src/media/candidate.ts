// ICE candidate attribute parsing (RFC 8839 grammar, the parts Portunus uses). Pure; never throws.

export interface ParsedCandidate {
  readonly foundation: string;
  readonly component: number;
  /** Lower-cased: "udp" or "tcp". */
  readonly transport: string;
  readonly priority: number;
  readonly address: string;
  readonly port: number;
  readonly type: string;
  readonly relatedAddress?: string;
  readonly relatedPort?: number;
  readonly tcpType?: string;
}

const MAX_CANDIDATE_LENGTH = 1024;

/** Parses "candidate:…" (with or without the "a=" prefix); undefined for anything malformed. */
export function parseCandidate(text: unknown): ParsedCandidate | undefined {
  if (typeof text !== 'string' || text.length > MAX_CANDIDATE_LENGTH) return undefined;
  let s = text.trim();
  if (s.startsWith('a=')) s = s.slice(2);
  if (!s.startsWith('candidate:')) return undefined;
  const parts = s.slice('candidate:'.length).split(/\s+/);
  if (parts.length < 8 || parts[6] !== 'typ') return undefined;
  const [foundation, componentText, transportText, priorityText, address, portText, , type] = parts;
  if (!/^[A-Za-z0-9+/]{1,32}$/.test(foundation)) return undefined;
  if (!/^\d{1,3}$/.test(componentText) || !/^\d{1,10}$/.test(priorityText) || !/^\d{1,5}$/.test(portText)) return undefined;
  const component = Number(componentText);
  const priority = Number(priorityText);
  const port = Number(portText);
  if (component < 1 || component > 256 || priority > 0xffffffff || port > 65535) return undefined;
  const transport = transportText.toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp') return undefined;
  if (!['host', 'srflx', 'prflx', 'relay'].includes(type)) return undefined;
  if (address.length === 0 || address.length > 255) return undefined;
  let relatedAddress: string | undefined;
  let relatedPort: number | undefined;
  let tcpType: string | undefined;
  for (let i = 8; i + 1 < parts.length; i += 2) {
    const key = parts[i];
    const value = parts[i + 1];
    if (key === 'raddr') relatedAddress = value;
    else if (key === 'rport' && /^\d{1,5}$/.test(value)) relatedPort = Number(value);
    else if (key === 'tcptype') tcpType = value;
  }
  return { foundation, component, transport, priority, address, port, type, relatedAddress, relatedPort, tcpType };
}
