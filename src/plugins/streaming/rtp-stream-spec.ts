// An `rtp` mountpoint's streams as a request describes them (the media array, or the deprecated per-kind fields),
// and its SRTP key: everything is checked here, before any socket is opened.
import { isJsonObject, type FieldSpec } from '../../plugin-api/index.js';
import type { JsonObject } from '../plugin.js';
import { findCodec } from './codecs.js';
import { isMid, isPayloadType, isPort, isSdpText, MAX_MID_LENGTH } from './guards.js';
import type { SrtpSourceSettings } from './mountpoint.js';
import type { StreamConfig } from './stream-source.js';
import { check, E, StreamingError } from './streaming-error.js';

/** One stream of a create request, checked: its settings and the ports asked (0: any in the range). */
export interface ParsedStream {
  readonly config: StreamConfig;
  readonly port: number;
  readonly rtcpPort?: number;
  /** Simulcast video: the ports of substreams 1 and 2 (the first port carries substream 0). */
  readonly layerPorts?: readonly [number, number];
}

const STREAM_FIELDS: readonly FieldSpec[] = [
  { name: 'type', type: 'string', required: true },
  { name: 'mid', type: 'string', required: true },
  { name: 'port', type: 'integer', required: true },
  { name: 'rtcpport', type: 'integer' },
  { name: 'label', type: 'string' },
  { name: 'mcast', type: 'string' },
  { name: 'iface', type: 'string' },
  { name: 'pt', type: 'positive' },
  { name: 'codec', type: 'string' },
  { name: 'rtpmap', type: 'string' },
  { name: 'fmtp', type: 'string' },
  { name: 'datatype', type: 'string' },
  { name: 'simulcast', type: 'boolean' },
  { name: 'port2', type: 'integer' },
  { name: 'port3', type: 'integer' },
  { name: 'bufferkf', type: 'boolean' },
  { name: 'buffermsg', type: 'boolean' },
];

/** One entry of the media array (`top`: the request, for the fields Janus reads there). */
export function parseStream(raw: unknown, top: JsonObject): ParsedStream {
  if (!isJsonObject(raw)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element type (media entries should be objects)');
  check(raw, STREAM_FIELDS);
  const type = raw.type as string;
  if (type !== 'audio' && type !== 'video' && type !== 'data') throw new StreamingError(E.INVALID_ELEMENT, `Unknown stream type '${type}'`);
  const port = raw.port as number;
  const rtcpPort = raw.rtcpport as number | undefined;
  let layerPorts: [number, number] | undefined;
  if (raw.simulcast === true) {
    if (type !== 'video') throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (simulcast is for video streams only)');
    if (raw.port2 === undefined || raw.port3 === undefined) throw new StreamingError(E.MISSING_ELEMENT, 'Missing mandatory element (port2 and port3 for simulcast)');
    layerPorts = [raw.port2 as number, raw.port3 as number];
  }
  for (const [name, p] of [
    ['port', port],
    ['rtcpport', rtcpPort],
    ['port2', layerPorts?.[0]],
    ['port3', layerPorts?.[1]],
  ] as const) {
    if (p !== undefined && !isPort(p)) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element type (${name} should be a port number 0-65535)`);
  }
  const mid = raw.mid as string;
  if (!isMid(mid)) throw new StreamingError(E.INVALID_ELEMENT, `Invalid element (mid should be 1-${MAX_MID_LENGTH} letters, digits or token characters)`);
  if (raw.pt !== undefined && !isPayloadType(raw.pt)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (pt should be a payload type 0-127)');
  if (raw.fmtp !== undefined && !isSdpText(raw.fmtp)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (fmtp should be one line of at most 1024 printable characters)');
  if (raw.label !== undefined && !isSdpText(raw.label, 256)) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (label should be at most 256 printable characters)');
  let codec;
  const codecText = (raw.codec ?? raw.rtpmap) as string | undefined;
  if (type !== 'data') {
    if (raw.pt === undefined) throw new StreamingError(E.MISSING_ELEMENT, 'Missing mandatory element (pt)');
    if (codecText === undefined) throw new StreamingError(E.CANT_CREATE, `Can't add 'rtp' stream, error creating data source stream: no codec for ${type} stream ${mid}`);
    codec = findCodec(type, codecText);
    if (!codec) throw new StreamingError(E.CANT_CREATE, `Can't add 'rtp' stream, error creating data source stream: unsupported ${type} codec '${codecText}'`);
  }
  const datatypeRaw = raw.datatype ?? top.datatype;
  const datatype = datatypeRaw === 'binary' ? 'binary' : 'text';
  if (datatypeRaw !== undefined && datatypeRaw !== 'text' && datatypeRaw !== 'binary') throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (datatype can only be text or binary)');
  return {
    config: {
      type,
      mid,
      label: typeof raw.label === 'string' ? raw.label : type,
      pt: raw.pt,
      codec,
      codecText,
      fmtp: raw.fmtp,
      datatype,
      iface: raw.iface as string | undefined,
      mcast: raw.mcast as string | undefined,
      bufferKeyframe: type === 'video' && raw.bufferkf === true,
      // The API reads buffermsg at the top level of the request (a Janus quirk), the configuration per stream.
      bufferMessage: type === 'data' && (raw.buffermsg ?? top.buffermsg) === true,
    },
    port,
    rtcpPort,
    layerPorts,
  };
}

/** `srtpsuite` + `srtpcrypto` (SDES: base64 of the 16-byte master key and 14-byte salt), as Janus takes them. */
export function parseSrtpSource(body: JsonObject): SrtpSourceSettings | undefined {
  if (body.srtpsuite === undefined && body.srtpcrypto === undefined) return undefined;
  if (body.srtpsuite === undefined || body.srtpcrypto === undefined) throw new StreamingError(E.MISSING_ELEMENT, 'Missing mandatory element (srtpsuite and srtpcrypto go together)');
  if (body.srtpsuite !== 32 && body.srtpsuite !== 80) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (srtpsuite should be 32 or 80)');
  const raw = Buffer.from(body.srtpcrypto as string, 'base64');
  if (raw.length !== 30) throw new StreamingError(E.INVALID_ELEMENT, 'Invalid element (srtpcrypto should be the base64 of a 16-byte key and a 14-byte salt)');
  return { suite: body.srtpsuite, crypto: body.srtpcrypto as string, key: raw.subarray(0, 16), salt: raw.subarray(16) };
}

/** The deprecated single-stream fields (audio/audioport/…), as janode sends them, as a media array. */
export function legacyStreams(body: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const kinds: Array<['audio' | 'video' | 'data', string]> = [
    ['audio', 'a'],
    ['video', 'v'],
    ['data', 'd'],
  ];
  for (const [kind, mid] of kinds) {
    if (body[kind] !== true) continue;
    const s: JsonObject = { type: kind, mid, label: kind };
    const get = (k: string): unknown => body[`${kind}${k}`];
    if (get('port') === undefined) throw new StreamingError(E.MISSING_ELEMENT, `Missing mandatory element (${kind}port)`);
    s.port = get('port');
    if (get('rtcpport') !== undefined) s.rtcpport = get('rtcpport');
    if (get('mcast') !== undefined) s.mcast = get('mcast');
    if (get('iface') !== undefined) s.iface = get('iface');
    if (kind !== 'data') {
      if (get('pt') === undefined) throw new StreamingError(E.MISSING_ELEMENT, `Missing mandatory element (${kind}pt)`);
      s.pt = get('pt');
      s.codec = get('codec') ?? get('rtpmap');
      if (get('fmtp') !== undefined) s.fmtp = get('fmtp');
    }
    if (kind === 'video' && body.videobufferkf === true) s.bufferkf = true;
    if (kind === 'data' && body.databuffermsg === true) s.buffermsg = true;
    if (kind === 'video' && body.videosimulcast === true) {
      s.simulcast = true;
      s.port2 = body.videoport2;
      s.port3 = body.videoport3;
    }
    out.push(s);
  }
  return out;
}
