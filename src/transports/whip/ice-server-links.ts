// The `Link: <...>; rel="ice-server"` header values (RFC 9725 4.6) a WHIP/WHEP answer carries: the STUN and TURN
// servers the configuration names (nat.stun_server, nat.turn_*), so a client uses the ones the server uses. Pure.

export interface IceServerSettings {
  readonly stunServer: string;
  readonly stunPort: number;
  readonly turnServer: string;
  readonly turnPort: number;
  /** udp, tcp or tls (turns: over TCP). */
  readonly turnType: string;
  readonly turnUser: string;
  readonly turnPwd: string;
}

/** A host for a URI: an IPv6 literal in brackets, anything else as it is. */
function uriHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** An RFC 9110 quoted-string (a backslash before `"` and `\`); control characters are dropped. */
export function quotedString(value: string): string {
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/(["\\])/g, '\\$1')}"`;
}

/** Whether a configured host can go in a URI reference inside `<...>` untouched. */
function safeHost(host: string): boolean {
  return /^[A-Za-z0-9.:[\]_-]{1,255}$/.test(host);
}

/** The Link header values for the configured servers; a host that cannot be written safely is left out. */
export function iceServerLinks(s: IceServerSettings): string[] {
  const links: string[] = [];
  const stun = s.stunServer.trim();
  if (stun !== '' && safeHost(stun)) links.push(`<stun:${uriHost(stun)}:${s.stunPort}>; rel="ice-server"`);
  const turn = s.turnServer.trim();
  if (turn !== '' && safeHost(turn)) {
    const type = s.turnType.toLowerCase();
    const uri = type === 'tls' ? `turns:${uriHost(turn)}:${s.turnPort}?transport=tcp` : `turn:${uriHost(turn)}:${s.turnPort}?transport=${type === 'tcp' ? 'tcp' : 'udp'}`;
    let link = `<${uri}>; rel="ice-server"`;
    if (s.turnUser !== '' || s.turnPwd !== '') link += `; username=${quotedString(s.turnUser)}; credential=${quotedString(s.turnPwd)}; credential-type="password"`;
    links.push(link);
  }
  return links;
}

/** One parsed Link value (for tests and clients): the URI and its parameters, unquoted. */
export interface ParsedLink {
  readonly uri: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Reads a Link header field (comma-separated values) back; quoted commas and semicolons are respected. */
export function parseLinkHeader(field: string): ParsedLink[] {
  const out: ParsedLink[] = [];
  let i = 0;
  const n = field.length;
  const skipSpace = (): void => {
    while (i < n && (field[i] === ' ' || field[i] === '\t')) i++;
  };
  while (i < n) {
    skipSpace();
    if (field[i] === ',') {
      i++;
      continue;
    }
    if (field[i] !== '<') throw new Error('Link value must start with <');
    const close = field.indexOf('>', i);
    if (close < 0) throw new Error('unterminated <uri>');
    const uri = field.slice(i + 1, close);
    i = close + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (i >= n || field[i] === ',') break;
      if (field[i] !== ';') throw new Error('expected ; between Link parameters');
      i++;
      skipSpace();
      const eq = /^[A-Za-z0-9!#$&+.^_`|~-]+/.exec(field.slice(i));
      if (!eq) throw new Error('malformed Link parameter name');
      const name = eq[0].toLowerCase();
      i += eq[0].length;
      skipSpace();
      let value = '';
      if (field[i] === '=') {
        i++;
        skipSpace();
        if (field[i] === '"') {
          i++;
          while (i < n && field[i] !== '"') {
            if (field[i] === '\\' && i + 1 < n) i++;
            value += field[i];
            i++;
          }
          if (i >= n) throw new Error('unterminated quoted string');
          i++;
        } else {
          const tok = /^[^;,\s]*/.exec(field.slice(i))![0];
          value = tok;
          i += tok.length;
        }
      }
      params[name] = value;
    }
    out.push({ uri, params });
  }
  return out;
}
