// A parser for the libconfig syntax of Janus's .jcfg files: pure, total, and strict about errors.

export type JcfgValue = string | number | boolean | JcfgValue[] | JcfgGroup;
export interface JcfgGroup {
  [key: string]: JcfgValue;
}

export class JcfgSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'JcfgSyntaxError';
  }
}

const MAX_DEPTH = 64;
const NAME = /[A-Za-z*][A-Za-z0-9_*\-.]*/y;

/** Parses a whole .jcfg text into a group of settings; throws JcfgSyntaxError with a position. */
export function parseJcfg(text: string): JcfgGroup {
  let pos = 0;
  let depth = 0;

  const fail = (message: string): never => {
    let line = 1;
    let col = 1;
    for (let i = 0; i < pos && i < text.length; i++) {
      if (text[i] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    throw new JcfgSyntaxError(message, line, col);
  };

  const skip = (): void => {
    for (;;) {
      const c = text[pos];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') pos++;
      else if (c === '#' || (c === '/' && text[pos + 1] === '/')) {
        while (pos < text.length && text[pos] !== '\n') pos++;
      } else if (c === '/' && text[pos + 1] === '*') {
        const end = text.indexOf('*/', pos + 2);
        if (end < 0) fail('unterminated comment');
        pos = end + 2;
      } else return;
    }
  };

  const name = (): string => {
    // Sticky, so a name of any length (a saved room's client-chosen id) is read in place, in linear time.
    NAME.lastIndex = pos;
    const m = NAME.exec(text);
    if (!m) return fail('expected a setting name');
    pos += m[0].length;
    return m[0];
  };

  const stringLiteral = (): string => {
    let out = '';
    // Adjacent string literals concatenate, as in libconfig.
    while (text[pos] === '"') {
      pos++;
      for (;;) {
        if (pos >= text.length) fail('unterminated string');
        const c = text[pos++];
        if (c === '"') break;
        if (c === '\\') {
          const e = text[pos++];
          if (e === 'n') out += '\n';
          else if (e === 't') out += '\t';
          else if (e === 'r') out += '\r';
          else if (e === 'f') out += '\f';
          else if (e === '\\' || e === '"') out += e;
          else if (e === 'x') {
            const hex = text.slice(pos, pos + 2);
            if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail('bad \\x escape');
            out += String.fromCharCode(parseInt(hex, 16));
            pos += 2;
          } else fail(`unknown escape \\${e ?? ''}`);
        } else out += c;
      }
      skip();
    }
    return out;
  };

  const scalar = (): string | number | boolean => {
    const rest = text.slice(pos, pos + 64);
    const bool = /^(true|false)(?![A-Za-z0-9_])/i.exec(rest);
    if (bool) {
      pos += bool[0].length;
      return bool[1].toLowerCase() === 'true';
    }
    const hex = /^0[xX][0-9A-Fa-f]+L{0,2}/.exec(rest);
    const num = hex ? undefined : /^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)L{0,2}/.exec(rest);
    if (hex || num) {
      const literal = (hex ?? num)![0];
      const n = hex ? parseInt(literal.replace(/L+$/, ''), 16) : Number(literal.replace(/L+$/, ''));
      // 1e999 would be Infinity: no setting means that, and the state writer could not write it back.
      if (!Number.isFinite(n)) fail(`number out of range: ${literal.slice(0, 40)}`);
      pos += literal.length;
      // -0 is 0 to every setting; keeping the sign would only make a saved state read back different.
      return n === 0 ? 0 : n;
    }
    return fail('expected a value');
  };

  const value = (): JcfgValue => {
    skip();
    const c = text[pos];
    if (c === '"') return stringLiteral();
    if (c === '{') {
      pos++;
      const g = group('}');
      pos++;
      return g;
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      pos++;
      if (++depth > MAX_DEPTH) fail('nesting too deep');
      const items: JcfgValue[] = [];
      skip();
      while (text[pos] !== close) {
        if (pos >= text.length) fail(`expected '${close}'`);
        items.push(value());
        skip();
        if (text[pos] === ',') {
          pos++;
          skip();
        } else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
      }
      pos++;
      depth--;
      return items;
    }
    return scalar();
  };

  const group = (close: string | undefined): JcfgGroup => {
    if (++depth > MAX_DEPTH) fail('nesting too deep');
    const out: JcfgGroup = {};
    for (;;) {
      skip();
      if (pos >= text.length) {
        if (close !== undefined) fail(`expected '${close}'`);
        break;
      }
      if (close !== undefined && text[pos] === close) break;
      const key = name();
      skip();
      if (text[pos] !== '=' && text[pos] !== ':') fail(`expected '=' or ':' after '${key}'`);
      pos++;
      const v = value();
      if (Object.prototype.hasOwnProperty.call(out, key)) fail(`duplicate setting '${key}'`);
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      skip();
      if (text[pos] === ';' || text[pos] === ',') pos++;
    }
    depth--;
    return out;
  };

  return group(undefined);
}
