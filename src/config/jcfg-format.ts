// Writes settings in the libconfig syntax of .jcfg files, the inverse of parseJcfg (pure).
import type { JcfgGroup, JcfgValue } from './jcfg.js';

const NAME = /^[A-Za-z*][A-Za-z0-9_*\-.]*$/;

function quote(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (code < 0x20) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

function isGroup(v: JcfgValue): v is JcfgGroup {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function formatValue(v: JcfgValue, indent: string): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('a .jcfg number must be finite');
    return String(v);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '()';
    const inner = indent + '  ';
    return `(\n${v.map((x) => inner + formatValue(x, inner)).join(',\n')}\n${indent})`;
  }
  return `{\n${formatEntries(v, indent + '  ')}${indent}}`;
}

function formatEntries(group: JcfgGroup, indent: string): string {
  let out = '';
  for (const [key, value] of Object.entries(group)) {
    if (value === undefined || value === null) continue;
    if (!NAME.test(key)) throw new Error(`'${key}' is not a valid .jcfg setting name`);
    out += `${indent}${key} = ${formatValue(value, indent)}${isGroup(value) ? '' : ';'}\n`;
  }
  return out;
}

/** The text of a .jcfg file holding `group`; throws on names or values the syntax cannot express. */
export function formatJcfg(group: JcfgGroup): string {
  return formatEntries(group, '');
}
