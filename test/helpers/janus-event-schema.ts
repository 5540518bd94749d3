// Janus's event handler schema, type by type, as janus.c, ice.c, dtls.c, sdp.c, events.c and the plugins build
// their events: a checker that returns what is wrong with one event (empty when nothing is).
import { pluginDataProblems } from './janus-plugin-event-schema.js';

type Obj = Record<string, unknown>;

const TOP_KEYS = new Set(['emitter', 'type', 'subtype', 'timestamp', 'session_id', 'handle_id', 'opaque_id', 'event']);
const ICE_STATES = ['disconnected', 'gathering', 'connecting', 'connected', 'ready', 'failed'];
const DTLS_STATES = ['created', 'trying', 'connected', 'failed'];

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

class Problems {
  readonly list: string[] = [];
  constructor(private readonly where: string) {}
  need(ok: boolean, what: string): void {
    if (!ok) this.list.push(`${this.where}: ${what}`);
  }
  str(o: Obj, key: string, allowed?: readonly string[]): void {
    const v = o[key];
    this.need(typeof v === 'string' && (allowed === undefined || allowed.includes(v)), `${key} should be ${allowed ? `one of ${allowed.join('|')}` : 'a string'}, got ${JSON.stringify(v)}`);
  }
  int(o: Obj, key: string): void {
    const v = o[key];
    this.need(isInt(v) && v >= 0, `${key} should be an integer >= 0, got ${JSON.stringify(o[key])}`);
  }
  bool(o: Obj, key: string): void {
    this.need(typeof o[key] === 'boolean', `${key} should be a boolean, got ${JSON.stringify(o[key])}`);
  }
  obj(o: Obj, key: string): Obj {
    const v = o[key];
    this.need(isObj(v), `${key} should be an object`);
    return isObj(v) ? v : {};
  }
  absent(o: Obj, key: string): void {
    this.need(!(key in o), `${key} should be absent`);
  }
}

/** What is wrong with `e` as a Janus event (empty: nothing). */
export function janusEventProblems(e: unknown): string[] {
  if (!isObj(e)) return ['not an object'];
  const p = new Problems(`type ${JSON.stringify(e.type)}${e.subtype !== undefined ? `/${JSON.stringify(e.subtype)}` : ''}`);
  for (const k of Object.keys(e)) p.need(TOP_KEYS.has(k), `unexpected member ${k}`);
  p.str(e, 'emitter');
  p.int(e, 'type');
  p.int(e, 'timestamp');
  p.need(Math.abs((e.timestamp as number) / 1000 - Date.now()) < 600_000, 'timestamp should be the wall clock in µs');
  if (e.subtype !== undefined) p.need(isInt(e.subtype) && e.subtype > 0, 'subtype should be a positive integer when present');
  if (e.opaque_id !== undefined) p.str(e, 'opaque_id');
  switch (e.type) {
    case 1: {
      p.int(e, 'session_id');
      p.absent(e, 'handle_id');
      const b = p.obj(e, 'event');
      p.str(b, 'name', ['created', 'destroyed', 'timeout']);
      if (b.name === 'created') {
        const t = p.obj(b, 'transport');
        p.str(t, 'transport');
        p.need(typeof t.id === 'string' && /^\d+$/.test(t.id), 'transport.id should be digits');
      }
      break;
    }
    case 2: {
      p.int(e, 'session_id');
      p.int(e, 'handle_id');
      const b = p.obj(e, 'event');
      p.str(b, 'name', ['attached', 'detached']);
      p.str(b, 'plugin');
      if (e.opaque_id !== undefined) p.need(b.opaque_id === e.opaque_id, 'event.opaque_id should repeat opaque_id');
      if (b.token !== undefined) p.str(b, 'token');
      break;
    }
    case 4: {
      p.absent(e, 'session_id');
      const b = p.obj(e, 'event');
      p.str(b, 'schema');
      p.obj(b, 'data');
      break;
    }
    case 8: {
      p.int(e, 'session_id');
      p.int(e, 'handle_id');
      const b = p.obj(e, 'event');
      p.str(b, 'owner', ['local', 'remote']);
      const j = p.obj(b, 'jsep');
      p.str(j, 'type', ['offer', 'answer']);
      p.need(typeof j.sdp === 'string' && j.sdp.startsWith('v=0'), 'jsep.sdp should be an SDP');
      break;
    }
    case 16:
      webrtc(p, e);
      break;
    case 32:
      media(p, e);
      break;
    case 64: {
      const b = p.obj(e, 'event');
      p.str(b, 'plugin');
      const data = p.obj(b, 'data');
      if (e.handle_id !== undefined) p.int(e, 'session_id');
      if (typeof b.plugin === 'string') for (const problem of pluginDataProblems(b.plugin, data)) p.need(false, problem);
      break;
    }
    case 128: {
      p.absent(e, 'session_id');
      const b = p.obj(e, 'event');
      p.str(b, 'transport');
      p.need(typeof b.id === 'string' && /^\d+$/.test(b.id), 'id should be digits');
      const d = p.obj(b, 'data');
      p.str(d, 'event', ['connected', 'disconnected', 'request']);
      if (d.event === 'connected') {
        p.bool(d, 'admin_api');
        // Janus's WebSocket transport names the client's address; its Unix socket transport, the descriptor.
        if (b.transport === 'janus.transport.pfunix') p.need(isInt(d.fd) && d.fd >= -1, `fd should be an integer >= -1, got ${JSON.stringify(d.fd)}`);
        else p.str(d, 'ip');
      }
      break;
    }
    case 256: {
      p.absent(e, 'session_id');
      p.need(e.subtype === 1 || e.subtype === 2, 'core events have subtype 1 (startup, update) or 2 (shutdown)');
      const b = p.obj(e, 'event');
      p.str(b, 'status', ['started', 'update', 'shutdown']);
      if (b.status === 'started') p.obj(b, 'info');
      if (b.status === 'update') {
        const i = p.obj(b, 'info');
        for (const k of ['sessions', 'handles', 'peerconnections', 'stats-period']) p.int(i, k);
      }
      if (b.status === 'shutdown') p.int(b, 'signum');
      break;
    }
    default:
      p.need(false, `unknown type ${JSON.stringify(e.type)}`);
  }
  return p.list;
}

function webrtc(p: Problems, e: Obj): void {
  p.int(e, 'session_id');
  p.int(e, 'handle_id');
  const b = p.obj(e, 'event');
  const stream = (): void => {
    p.int(b, 'stream_id');
    p.int(b, 'component_id');
  };
  switch (e.subtype) {
    case 1:
      p.str(b, 'ice', ICE_STATES);
      stream();
      break;
    case 2:
      p.need(typeof b['local-candidate'] === 'string' && / typ /.test(b['local-candidate']) && !b['local-candidate'].startsWith('candidate:'), 'local-candidate as Janus writes it');
      stream();
      break;
    case 3:
      p.need(typeof b['remote-candidate'] === 'string' && / typ /.test(b['remote-candidate']), 'remote-candidate should be a candidate');
      stream();
      break;
    case 4: {
      p.need(
        typeof b['selected-pair'] === 'string' && /^\S+:\d+ \[\w+,(udp|tcp)\] <-> \S+:\d+ \[\w+,(udp|tcp)\]$/.test(b['selected-pair']),
        `selected-pair text, got ${JSON.stringify(b['selected-pair'])}`,
      );
      const c = p.obj(b, 'candidates');
      for (const end of ['local', 'remote']) {
        const x = p.obj(c, end);
        p.str(x, 'address');
        p.int(x, 'port');
        p.str(x, 'type', ['host', 'srflx', 'prflx', 'relay']);
        p.str(x, 'transport', ['udp', 'tcp']);
        p.need(x.family === 4 || x.family === 6, 'family 4 or 6');
      }
      stream();
      break;
    }
    case 5:
      p.str(b, 'dtls', DTLS_STATES);
      stream();
      break;
    case 6:
      p.str(b, 'connection', ['webrtcup', 'hangup']);
      if (b.connection === 'hangup') p.str(b, 'reason');
      break;
    default:
      p.need(false, `webrtc subtype ${JSON.stringify(e.subtype)}`);
  }
}

function media(p: Problems, e: Obj): void {
  p.int(e, 'session_id');
  p.int(e, 'handle_id');
  if (e.subtype === 3 && Array.isArray(e.event)) {
    for (const s of e.event) stats(p, isObj(s) ? s : {});
    return;
  }
  const b = p.obj(e, 'event');
  switch (e.subtype) {
    case 1:
      p.str(b, 'media', ['audio', 'video']);
      p.str(b, 'mid');
      p.bool(b, 'receiving');
      break;
    case 2:
      p.str(b, 'mid');
      p.str(b, 'media', ['audio', 'video']);
      p.str(b, 'slow_link', ['uplink', 'downlink']);
      p.int(b, 'lost_lastsec');
      break;
    case 3:
      stats(p, b);
      break;
    default:
      p.need(false, `media subtype ${JSON.stringify(e.subtype)}`);
  }
}

function stats(p: Problems, s: Obj): void {
  p.str(s, 'mid');
  p.int(s, 'mindex');
  p.str(s, 'media', ['audio', 'video', 'video-sim1', 'video-sim2', 'data']);
  if (s.codec !== undefined) p.str(s, 'codec');
  for (const k of ['packets-received', 'packets-sent', 'bytes-received', 'bytes-sent']) p.int(s, k);
  if (s.media === 'data') return;
  for (const k of ['base', 'lost', 'jitter-local', 'jitter-remote', 'bytes-received-lastsec', 'bytes-sent-lastsec', 'nacks-received', 'nacks-sent']) p.int(s, k);
  // The client's cumulative loss is signed (duplicates can outnumber losses).
  p.need(isInt(s['lost-by-remote']), `lost-by-remote should be an integer, got ${JSON.stringify(s['lost-by-remote'])}`);
  if (s.media === 'audio' || s.media === 'video') p.int(s, 'rtt');
  else p.absent(s, 'rtt');
  if (s['rtt-values'] !== undefined) for (const k of ['ntp', 'lsr', 'dlsr']) p.int(p.obj(s, 'rtt-values'), k);
}
