// janus.plugin.nosip: bridges a handle's WebRTC PeerConnection to plain RTP/RTCP, leaving signalling to the
// application. `generate` turns the browser's offer or answer into a barebone SDP (our plain ports, its codecs);
// `process` takes the peer's barebone offer or answer and gives the browser the matching WebRTC offer or answer.
// Portunus ends the PeerConnection itself, so a browser's offer is answered only once the peer's answer says
// which codec each line uses; a peer's offer becomes an offer of ours with the peer's codec and payload type.
import type { JsonObject, MediaTrackInfo, Network, Plugin, PluginContext, PluginHandle, PluginMessage, PluginResult, PortRange } from '../../plugin-api/index.js';
import { PluginSessions } from '../../plugin-api/index.js';
import type { Jsep, OfferTrack } from '../../plugin-api/media-types.js';
import { randomUUID } from 'node:crypto';
import { findFieldError, isIP, isJsonObject, parsePortRange, randomUint32, type FieldSpec } from '../../plugin-api/index.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { PluginError } from '../../plugin-api/plugin-error.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { requestsFor, type PluginReply, type RequestCall } from '../../plugin-api/request-table.js';
import { findCodec } from '../../forwarding/codec-registry.js';
import { errorText } from '../../logging/error-text.js';
import { summarizeRtcp } from '../../rtp/rtcp.js';
import { HandlerEvents } from '../handler-events.js';
import { generalSettings } from '../plugin-settings.js';
import { resolveInside, UnsafePathError } from '../safe-path.js';
import { mediaAddress, parseSdp, writeBarebone, type BareboneMedia, type Direction, type SdpCodec, type SdpDescription } from './barebone-sdp.js';
import { E } from './errors.js';
import { forwarderStarted, forwarderStopped, sdpHandled } from './handler-events.js';
import { answeredCodec, answerToPeer, bridgedLines, codecName, offerFromBrowser, supportsPli, usableCodecs, usableCrypto, type AnsweredLine, type BridgedKind, type LocalLine } from './negotiation.js';
import { NosipRecordings, RECORDED_STREAMS, recordingName, type RecordedStream } from './nosip-recording.js';
import { NosipSession } from './nosip-session.js';
import { openPortPair, PlainLeg, type LegEvents } from './plain-leg.js';
import { CallForwarders, FORWARDED_STREAMS, type ForwarderSpec, type ForwardedStream } from './call-forwarders.js';
import { masterOf, newLocalSdes, sdesReceiver, sdesSender, sdesSuite, type SdesSuite } from './sdes.js';

export { E } from './errors.js';

const KINDS = ['audio', 'video'] as const;

const SRTP_FIELDS = { info: 'string', srtp: 'string', srtp_profile: 'string', update: 'boolean' } as const;
const PROCESS_FIELDS = { type: { type: 'string', required: true }, sdp: { type: 'string', required: true }, ...SRTP_FIELDS } as const;
const RECORDING_FIELDS = { action: { type: 'string', required: true }, audio: 'boolean', video: 'boolean', peer_audio: 'boolean', peer_video: 'boolean', filename: 'string' } as const;

/** One entry of `rtp_forward`'s `streams`, checked as Janus checks it. */
const FORWARD_STREAM_FIELDS: readonly FieldSpec[] = [
  { name: 'type', type: 'string', required: true },
  { name: 'host', type: 'string', required: true },
  { name: 'host_family', type: 'string' },
  { name: 'port', type: 'positive', required: true },
  { name: 'ssrc', type: 'positive' },
  { name: 'pt', type: 'positive' },
  { name: 'srtp_suite', type: 'positive' },
  { name: 'srtp_crypto', type: 'string' },
];

const on = requestsFor<NosipSession>();

function result(fields: JsonObject): JsonObject {
  return { nosip: 'event', result: fields };
}

/** The `srtp` option of a request: whether to offer SDES and whether to insist on it. */
function srtpOption(value: unknown): { offer: boolean; require: boolean } {
  if (value === undefined) return { offer: false, require: false };
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (text === 'sdes_optional') return { offer: true, require: false };
  if (text === 'sdes_mandatory') return { offer: true, require: true };
  throw new PluginError(E.INVALID_ELEMENT, 'Invalid element (srtp can only be sdes_optional or sdes_mandatory)');
}

function srtpProfile(value: unknown): SdesSuite {
  if (value === undefined) return 'AES_CM_128_HMAC_SHA1_80';
  const suite = typeof value === 'string' ? sdesSuite(value) : undefined;
  if (!suite) throw new PluginError(E.INVALID_ELEMENT, 'Invalid element (unsupported SRTP profile)');
  return suite;
}

function parsed(sdp: string): SdpDescription {
  const d = parseSdp(sdp);
  if (typeof d === 'string') throw new PluginError(E.MISSING_SDP, `Error parsing SDP: ${d}`);
  return d;
}

/** The direction of each mid in a (browser's) description. */
function directionsByMid(sdp: SdpDescription): Map<string, Direction> {
  const out = new Map<string, Direction>();
  for (const m of sdp.media) if (m.mid !== undefined) out.set(m.mid, m.direction);
  return out;
}

/** This host's address to put in a barebone SDP when the configuration names none: a public one first. */
function hostAddress(network: Network): string {
  const candidates = network.host.interfaces.filter((i) => i.family === 4);
  return (candidates.find((i) => !i.internal) ?? candidates[0])?.address ?? '127.0.0.1';
}

export class NoSipPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.nosip',
    name: 'JANUS NoSIP plugin',
    author: 'Portunus',
    description: 'This is a simple RTP bridging plugin that leaves signalling details (e.g., SIP) up to the application.',
    version: 2,
    versionString: '0.0.2',
    apiVersion: PLUGIN_API_VERSION,
  };
  private network: Network | undefined;
  private recordingsDir = 'recordings';
  private events = HandlerEvents.NONE;
  private bind: string | undefined;
  private sdpIp = '127.0.0.1';
  // Janus's sample configuration's range (its code alone would take 10000-60000).
  private portRange: PortRange = { min: 20000, max: 40000 };
  private readonly requests = new PluginRequests<NosipSession>({
    plugin: 'nosip',
    codes: { invalidJson: E.INVALID_JSON, missingElement: E.MISSING_ELEMENT, invalidElement: E.INVALID_ELEMENT, unknownRequest: E.INVALID_REQUEST, internal: E.UNKNOWN_ERROR },
    anyCase: true,
    // Janus runs every NoSIP request in its message thread: each is acknowledged, then answered by an event.
    table: {
      generate: on.ack(SRTP_FIELDS, (call) => this.generate(call)),
      process: on.ack(PROCESS_FIELDS, (call) => this.process(call)),
      hangup: on.ack({}, (call) => this.hangup(call.session)),
      recording: on.ack(RECORDING_FIELDS, (call) => this.recording(call)),
      keyframe: on.ack({ user: 'boolean', peer: 'boolean' }, (call) => this.keyframe(call.session, call.body.user === true, call.body.peer === true)),
      rtp_forward: on.ack({ streams: { type: 'array', required: true } }, (call) => this.rtpForward(call.session, call.body.streams)),
      stop_rtp_forward: on.ack({ stream_id: { type: 'positive', required: true } }, (call) => this.stopRtpForward(call.session, call.body.stream_id)),
      listforwarders: on.ack({}, (call) => ({ data: result({ event: 'forwarders', rtp_forwarders: call.session.forwarders?.list() ?? [] }) })),
    },
  });
  private readonly sessions = new PluginSessions<NosipSession>(this.requests);

  init(context: PluginContext): void {
    this.network = context.network;
    this.recordingsDir = context.recordingsDir;
    this.events = HandlerEvents.of(context, 'nosip');
    const general = generalSettings(context.config);
    const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined);
    const localIp = text(general.local_ip);
    // An interface name stands for its address; a wildcard for none in particular.
    let boundAddress: string | undefined;
    if (localIp !== undefined) {
      // Fails at start-up (the plugin alone is disabled) when the address cannot be bound, as Janus refuses it.
      const target = context.network.resolve('nosip local_ip', localIp, 0);
      this.bind = localIp;
      if (target.address !== '0.0.0.0' && target.address !== '::') boundAddress = target.address;
    }
    const range = text(general.rtp_port_range);
    if (range !== undefined) {
      const parsedRange = parsePortRange(range);
      if (!parsedRange) context.log.warn(`nosip: rtp_port_range "${range}" is not min-max: using ${this.portRange.min}-${this.portRange.max}`);
      else this.portRange = parsedRange;
    }
    this.sdpIp = text(general.sdp_ip) ?? boundAddress ?? hostAddress(context.network);
  }

  destroy(): void {
    this.sessions.endAll((s) => this.teardown(s));
  }

  createSession(handle: PluginHandle): void {
    this.sessions.add(handle, new NosipSession(handle, randomUUID()));
  }

  destroySession(handle: PluginHandle): void {
    this.sessions.end(handle, (s) => this.teardown(s));
  }

  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    return this.sessions.handle(handle, message);
  }

  querySession(handle: PluginHandle): JsonObject {
    const s = this.sessions.get(handle.id);
    if (!s) return {};
    const out: JsonObject = { unique_id: s.uniqueId };
    if (s.negotiation || s.ready) {
      out['srtp-required'] = s.requireSrtp ? 'yes' : 'no';
      out['sdes-local'] = s.srtpLocal ? 'yes' : 'no';
      out['sdes-remote'] = s.srtpRemote ? 'yes' : 'no';
    }
    if (s.recordings?.active) out.recording = s.recordings.describe();
    const legs: JsonObject = {};
    for (const k of KINDS) {
      const leg = s.legs[k];
      if (!leg) continue;
      const r = leg.remote;
      legs[k] = {
        local_rtp_port: leg.rtp.port,
        local_rtcp_port: leg.rtcp.port,
        ...(r ? { remote_ip: r.address, remote_rtp_port: r.rtpPort } : {}),
        sent: leg.sent,
        received: leg.received,
        dropped: leg.dropped,
      };
    }
    if (Object.keys(legs).length > 0) out.media = legs;
    out.hangingup = s.hangingUp ? 1 : 0;
    out.destroyed = s.destroyed ? 1 : 0;
    return out;
  }

  // ---- media ----

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    const s = this.sessions.get(handle.id);
    if (!s || !s.ready) return;
    const leg = track.kind === 'audio' ? s.legs.audio : s.legs.video;
    if (!leg || leg.mid !== track.mid) return;
    // A simulcasting browser: only the base layer goes to a plain peer.
    if (track.substream !== undefined ? track.substream !== 0 : track.rid !== undefined && leg.baseRid !== undefined && track.rid !== leg.baseRid) return;
    s.recordings?.write(track.kind, packet);
    s.forwarders?.forward(track.kind, packet);
    leg.sendRtp(packet);
  }

  incomingRtcp(handle: PluginHandle, track: MediaTrackInfo | undefined, packet: Buffer): void {
    // The media layer ends the browser's RTCP; what a plain peer needs of it is its keyframe requests.
    const s = this.sessions.get(handle.id);
    if (!s || !s.ready || track?.kind !== 'video') return;
    const leg = s.legs.video;
    if (!leg || !leg.pliSupported) return;
    if (summarizeRtcp(packet)?.keyframeRequest) leg.requestKeyframe();
  }

  hangupMedia(handle: PluginHandle): void {
    const s = this.sessions.get(handle.id);
    if (!s || s.destroyed) return;
    s.hangingUp = true;
    this.teardown(s);
    s.hangingUp = false;
  }

  private legEvents(s: NosipSession): LegEvents {
    return {
      rtpFromPeer: (leg, packet) => {
        if (!s.ready || leg.mid === undefined) return;
        const ssrc = packet.readUInt32BE(8);
        if (ssrc !== leg.peerSsrc) {
          // A new source at the peer (a re-INVITE, a restart): the browser still sees one stream.
          if (leg.peerSsrc !== 0) s.handle.restartRtp(leg.mid);
          leg.peerSsrc = ssrc;
        }
        s.recordings?.write(leg.kind === 'audio' ? 'peer_audio' : 'peer_video', packet);
        s.forwarders?.forward(leg.kind === 'audio' ? 'peer_audio' : 'peer_video', packet);
        s.handle.relayRtp(leg.mid, packet);
      },
      keyframeFromPeer: (leg) => {
        if (leg.mid !== undefined) s.handle.requestKeyframe(leg.mid);
      },
    };
  }

  /** Ends the call's media: legs closed, recordings closed, the negotiation forgotten. */
  private teardown(s: NosipSession): void {
    for (const k of KINDS) {
      const leg = s.legs[k];
      if (leg) void leg.close();
      delete s.legs[k];
    }
    s.recordings?.close();
    s.recordings = undefined;
    // As Janus, a call's forwarders end with it.
    s.forwarders?.close();
    s.forwarders = undefined;
    s.negotiation = undefined;
    s.ready = false;
    s.resetSrtp();
  }

  /** Opens the legs the lines need (an update keeps those it has); closes the ones no longer needed. */
  private async openLegs(s: NosipSession, wanted: Partial<Record<BridgedKind, boolean>>): Promise<void> {
    const network = this.network;
    if (!network) throw new PluginError(E.IO_ERROR, 'Could not allocate RTP/RTCP ports');
    for (const k of KINDS) {
      if (!wanted[k]) {
        const leg = s.legs[k];
        if (leg) void leg.close();
        delete s.legs[k];
        continue;
      }
      if (s.legs[k]) continue;
      try {
        const [rtp, rtcp] = await openPortPair(network, `nosip handle ${s.handle.id} ${k}`, this.bind, this.portRange);
        if (s.destroyed) {
          void rtp.close();
          void rtcp.close();
          return;
        }
        s.legs[k] = new PlainLeg(k, rtp, rtcp, this.legEvents(s));
      } catch (err) {
        s.handle.log.warn(`nosip: cannot open the ${k} RTP/RTCP ports: ${errorText(err)}`);
        throw new PluginError(E.IO_ERROR, 'Could not allocate RTP/RTCP ports');
      }
    }
  }

  /** Our SDES line for a leg: a key made once per negotiation, with the peer's tag when answering. */
  private localCrypto(s: NosipSession, kind: BridgedKind, tag: number, suite: SdesSuite): LocalLine['crypto'] {
    let sdes = s.sdes[kind];
    if (!sdes || sdes.local.suite !== suite) sdes = s.sdes[kind] = { local: newLocalSdes(suite), tag };
    sdes.tag = tag;
    return { tag, suite, key: sdes.local.key };
  }

  /** Where a leg sends: the peer's address (a name is resolved once) and ports. */
  private async peerAddress(sdp: SdpDescription, index: number): Promise<{ address: string; rtpPort: number; rtcpPort: number } | undefined> {
    const m = sdp.media[index];
    const address = mediaAddress(sdp, m);
    if (address === undefined || !this.network) return undefined;
    let literal = address;
    if (isIP(address) === 0) {
      try {
        literal = await this.network.resolveName(address);
      } catch {
        return undefined;
      }
    }
    if (isIP(literal) === 6 && !this.network.ipv6Available) return undefined;
    return { address: literal, rtpPort: m.port, rtcpPort: m.rtcpPort ?? m.port + 1 };
  }

  /** Arms a leg's SDES transforms: ours when we announced keys and the peer has keys too, the peer's when it gave them. */
  private armSrtp(s: NosipSession, leg: PlainLeg): void {
    const peer = s.peerSdes[leg.kind];
    const mine = s.sdes[leg.kind];
    leg.receiver = peer ? sdesReceiver(peer.suite, peer.key) : undefined;
    leg.sender = peer && mine && s.srtpLocal ? sdesSender(mine.local.suite, mine.local.key) : undefined;
  }

  // ---- requests ----

  private async generate(call: RequestCall<NosipSession, JsonObject>): Promise<PluginReply | undefined> {
    const { session: s, handle, body, jsep } = call;
    if (!jsep) throw new PluginError(E.MISSING_SDP, 'Missing SDP');
    if (jsep.sdp.includes('m=application')) throw new PluginError(E.MISSING_SDP, 'The NoSIP plugin does not support DataChannels');
    if (jsep.e2ee === true) throw new PluginError(E.INVALID_ELEMENT, 'Media encryption unsupported by this plugin');
    if (typeof body.info === 'string') s.info = body.info;
    const option = srtpOption(body.srtp);
    // A negotiation while media flows is an update (Janus learns it from its core; the application may say so too).
    const update = body.update === true || s.ready;
    const offer = jsep.type === 'offer';
    if (offer && !update) s.resetSrtp();
    if (!offer) {
      if (option.require && !s.srtpRemote) throw new PluginError(E.TOO_STRICT, "Can't generate answer: SDES-SRTP required, but caller didn't offer it");
      s.requireSrtp = s.requireSrtp || option.require;
      s.srtpLocal = option.offer || s.srtpRemote;
    } else if (!update) {
      s.requireSrtp = option.require;
      s.srtpLocal = option.offer;
    }
    // Read whenever keys are to be announced, as Janus does; an answer then takes the peer's suite all the same.
    if (s.srtpLocal || option.offer) {
      const suite = srtpProfile(body.srtp_profile);
      if (offer && !update) s.srtpSuite = suite;
    }
    const browser = parsed(jsep.sdp);
    const version = ++s.sdpVersion;
    return offer ? this.generateOffer(s, jsep, browser, update, version) : this.generateAnswer(s, handle, browser, update, version);
  }

  /** The browser offered: a barebone offer with our ports; the browser's offer waits for the peer's answer. */
  private async generateOffer(s: NosipSession, jsep: Jsep, browser: SdpDescription, update: boolean, version: number): Promise<PluginReply | undefined> {
    const lines = bridgedLines(browser);
    const offered: Partial<Record<BridgedKind, readonly SdpCodec[]>> = {};
    for (const k of KINDS) {
      const i = lines[k];
      if (i === undefined) continue;
      const codecs = usableCodecs(browser.media[i], k);
      if (codecs.length > 0) offered[k] = codecs;
    }
    if (!offered.audio && !offered.video) throw new PluginError(E.INVALID_SDP, 'No audio and no video being negotiated');
    await this.openLegs(s, { audio: offered.audio !== undefined, video: offered.video !== undefined });
    if (s.destroyed) return undefined;
    const local: Partial<Record<BridgedKind, LocalLine>> = {};
    for (const k of KINDS) {
      const leg = s.legs[k];
      if (!leg || !offered[k]) continue;
      leg.mid = browser.media[lines[k]!].mid;
      local[k] = { port: leg.localPort, ...(s.srtpLocal ? { crypto: this.localCrypto(s, k, 1, s.srtpSuite) } : {}) };
    }
    const usable = { ...(offered.audio ? { audio: lines.audio } : {}), ...(offered.video ? { video: lines.video } : {}) };
    const media = offerFromBrowser(browser, usable, local, s.requireSrtp ? 'RTP/SAVP' : 'RTP/AVP');
    s.negotiation = { kind: 'browser-offered', offer: jsep, lines: usable, offered };
    const sdp = this.write(s, media, version);
    if (!update) sdpHandled(this.events, s, 'generated', 'offer', sdp);
    return { data: result({ event: 'generated', type: 'offer', sdp, ...(update ? { update: true } : {}), unique_id: s.uniqueId }) };
  }

  /** The browser answered the offer we made from the peer's: a barebone answer, and media starts. */
  private async generateAnswer(s: NosipSession, handle: PluginHandle, browser: SdpDescription, update: boolean, version: number): Promise<PluginReply | undefined> {
    const n = s.negotiation;
    if (n?.kind !== 'peer-offered') throw new PluginError(E.WRONG_STATE, 'No barebone offer to answer (process one first)');
    // The core applied the browser's answer before handing the message over: what it accepted is negotiated.
    const negotiated = handle.negotiatedMedia();
    const directions = directionsByMid(browser);
    const accepted: Partial<Record<BridgedKind, { mid: string; direction: Direction }>> = {};
    for (const k of KINDS) {
      const i = n.lines[k];
      if (i === undefined || !n.codecs[k]) continue;
      const m = negotiated.find((x) => x.mid === String(i) && x.kind === k);
      if (m) accepted[k] = { mid: m.mid, direction: directions.get(m.mid) ?? 'sendrecv' };
    }
    if (!accepted.audio && !accepted.video) throw new PluginError(E.INVALID_SDP, 'No audio and no video being negotiated');
    await this.openLegs(s, { audio: accepted.audio !== undefined, video: accepted.video !== undefined });
    if (s.destroyed) return undefined;
    const taken = new Map<number, AnsweredLine>();
    for (const k of KINDS) {
      const leg = s.legs[k];
      const a = accepted[k];
      const i = n.lines[k];
      const codec = n.codecs[k];
      if (!leg || !a || i === undefined || !codec) continue;
      leg.mid = a.mid;
      leg.sendPt = codec.pt;
      leg.codec = codecName(codec, k);
      leg.pliSupported = supportsPli(codec);
      const peer = s.peerSdes[k];
      const crypto = s.srtpLocal && peer ? this.localCrypto(s, k, peer.tag, peer.suite) : undefined;
      taken.set(i, { port: leg.localPort, codec, direction: a.direction, ...(crypto ? { crypto } : {}) });
      leg.connect(await this.peerAddress(n.offer, i));
      leg.peerReceives = n.offer.media[i].direction !== 'sendonly' && n.offer.media[i].direction !== 'inactive';
      this.armSrtp(s, leg);
    }
    const media = answerToPeer(n.offer, taken, s.requireSrtp || (s.srtpLocal && s.srtpRemote && offeredSavp(n.offer)) ? 'RTP/SAVP' : 'RTP/AVP');
    s.negotiation = undefined;
    s.ready = true;
    const sdp = this.write(s, media, version);
    if (!update) sdpHandled(this.events, s, 'generated', 'answer', sdp);
    return { data: result({ event: 'generated', type: 'answer', sdp, ...(update ? { update: true } : {}), unique_id: s.uniqueId }) };
  }

  private write(s: NosipSession, media: readonly BareboneMedia[], version: number): string {
    return writeBarebone({ address: this.sdpIp, sessionId: s.sdpSessionId, version }, media);
  }

  private async process(call: RequestCall<NosipSession, JsonObject>): Promise<PluginReply | undefined> {
    const { session: s, handle, body } = call;
    const type = typeof body.type === 'string' ? body.type.toLowerCase() : '';
    const sdp = body.sdp as string;
    if (type !== 'offer' && type !== 'answer') throw new PluginError(E.MISSING_SDP, 'Missing or invalid SDP type');
    if (sdp.includes('m=application')) throw new PluginError(E.MISSING_SDP, 'The NoSIP plugin does not support DataChannels');
    if (typeof body.info === 'string') s.info = body.info;
    // As Janus, `srtp_profile` is read by `generate` only: the peer's lines say which suite it uses.
    const option = srtpOption(body.srtp);
    const offer = type === 'offer';
    const update = body.update === true || s.ready;
    if (offer && !update) s.resetSrtp();
    // An offer's insistence on SRTP is this request's (and the peer's RTP/SAVP); an answer must also meet our offer's.
    s.requireSrtp = offer && !update ? option.require : s.requireSrtp || option.require;
    const remote = parsed(sdp);
    if (!offer && s.negotiation?.kind !== 'browser-offered') throw new PluginError(E.WRONG_STATE, 'No barebone offer of ours to match this answer (generate one first)');
    const lines = bridgedLines(remote);
    if (lines.audio === undefined && lines.video === undefined) throw new PluginError(E.INVALID_SDP, 'No audio and no video being negotiated');
    const addresses = KINDS.map((k) => (lines[k] === undefined ? undefined : mediaAddress(remote, remote.media[lines[k]])));
    if (addresses.every((a) => a === undefined)) throw new PluginError(E.INVALID_SDP, 'No remote IP addresses');
    if (remote.media.some((m) => m.port !== 0 && m.proto.toUpperCase() === 'RTP/SAVP')) s.requireSrtp = true;
    // The peer's keys: in an answer, only on the tag we offered.
    for (const k of KINDS) {
      const i = lines[k];
      if (i === undefined) continue;
      const c = usableCrypto(remote.media[i], (suite) => sdesSuite(suite) !== undefined, offer ? undefined : s.sdes[k]?.tag);
      const suite = c ? sdesSuite(c.suite) : undefined;
      if (c && suite && masterOf(c.key)) s.peerSdes[k] = { suite, key: c.key, tag: c.tag };
    }
    s.srtpRemote = s.peerSdes.audio !== undefined || s.peerSdes.video !== undefined;
    if (s.requireSrtp && !s.srtpRemote) throw new PluginError(E.TOO_STRICT, "Can't process request: SDES-SRTP required, but caller didn't offer it");
    const srtpField: JsonObject = { ...(s.srtpRemote ? { srtp: s.requireSrtp ? 'sdes_mandatory' : 'sdes_optional' } : {}), ...(update ? { update: true } : {}) };
    const reply = await (offer ? this.processOffer(s, handle, remote, lines, srtpField) : this.processAnswer(s, handle, remote, srtpField));
    if (reply && !update) sdpHandled(this.events, s, 'processed', offer ? 'offer' : 'answer', sdp);
    return reply;
  }

  /** The peer offered: the browser gets an offer of ours, one line per bridged line, with the peer's first usable codec. */
  private async processOffer(s: NosipSession, handle: PluginHandle, remote: SdpDescription, lines: ReturnType<typeof bridgedLines>, srtpField: JsonObject): Promise<PluginReply | undefined> {
    const codecs: Partial<Record<BridgedKind, SdpCodec>> = {};
    const tracks: OfferTrack[] = [];
    for (const k of KINDS) {
      const i = lines[k];
      if (i === undefined) continue;
      const m = remote.media[i];
      const codec = usableCodecs(m, k)[0];
      if (!codec) continue;
      codecs[k] = codec;
      const entry = findCodec(`${codec.name}/${codec.clockRate}`, k)!;
      tracks.push({
        kind: k,
        mid: String(i),
        codec: entry.name,
        pt: codec.pt,
        clockRate: codec.clockRate,
        ...(codec.fmtp !== undefined ? { fmtp: codec.fmtp } : {}),
        ...(codec.channels !== undefined ? { channels: codec.channels } : {}),
        direction: m.direction === 'sendonly' ? 'sendonly' : 'sendrecv',
      });
    }
    if (tracks.length === 0) throw new PluginError(E.INVALID_SDP, 'No audio and no video being negotiated (no codec in common)');
    let jsep: Jsep;
    try {
      jsep = await handle.createOffer(tracks);
    } catch (err) {
      throw new PluginError(E.INVALID_SDP, `Error creating the offer: ${errorText(err)}`);
    }
    if (s.destroyed) return undefined;
    s.negotiation = { kind: 'peer-offered', offer: remote, lines, codecs };
    return { data: result({ event: 'processed', ...srtpField, unique_id: s.uniqueId }), jsep };
  }

  /** The peer answered our barebone offer: the browser's held offer is answered with the codecs the peer chose. */
  private async processAnswer(s: NosipSession, handle: PluginHandle, remote: SdpDescription, srtpField: JsonObject): Promise<PluginReply | undefined> {
    const n = s.negotiation;
    if (n?.kind !== 'browser-offered') throw new PluginError(E.WRONG_STATE, 'No barebone offer of ours to match this answer (generate one first)');
    const chosen: Partial<Record<BridgedKind, SdpCodec>> = {};
    for (const k of KINDS) {
      const i = n.lines[k];
      const offered = n.offered[k];
      const m = i === undefined ? undefined : remote.media[i];
      if (!m || m.port === 0 || m.kind !== k || !offered) continue;
      const c = answeredCodec(m, offered);
      if (c) chosen[k] = c;
    }
    if (!chosen.audio && !chosen.video) throw new PluginError(E.INVALID_SDP, 'No audio and no video being negotiated');
    let jsep: Jsep;
    try {
      jsep = await handle.answerOffer(n.offer, {
        audio: chosen.audio !== undefined,
        video: chosen.video !== undefined,
        data: false,
        direction: 'sendrecv',
        ...(chosen.audio ? { audioCodec: codecName(chosen.audio, 'audio') } : {}),
        ...(chosen.video ? { videoCodec: codecName(chosen.video, 'video') } : {}),
      });
    } catch (err) {
      throw new PluginError(E.INVALID_SDP, `Error answering the browser's offer: ${errorText(err)}`);
    }
    if (s.destroyed) return undefined;
    const negotiated = handle.negotiatedMedia();
    for (const k of KINDS) {
      const leg = s.legs[k];
      const c = chosen[k];
      const i = n.lines[k];
      if (!leg || !c || i === undefined) {
        if (leg) void leg.close();
        delete s.legs[k];
        continue;
      }
      const m = negotiated.find((x) => x.kind === k && x.index === i) ?? negotiated.find((x) => x.kind === k);
      leg.mid = m?.mid ?? leg.mid;
      leg.baseRid = m?.rids?.[0];
      leg.sendPt = c.pt;
      leg.codec = codecName(c, k);
      const answerLine = remote.media[i];
      leg.pliSupported = supportsPli(answerLine.codecs.find((x) => x.pt === c.pt));
      leg.peerReceives = answerLine.direction !== 'sendonly' && answerLine.direction !== 'inactive';
      leg.connect(await this.peerAddress(remote, i));
      this.armSrtp(s, leg);
    }
    s.negotiation = undefined;
    s.ready = true;
    return { data: result({ event: 'processed', ...srtpField, unique_id: s.uniqueId }), jsep };
  }

  private hangup(s: NosipSession): PluginReply {
    s.handle.closePc();
    // Before any PeerConnection (a barebone offer out, no answer yet) there is no hang-up to follow: the legs go now.
    this.teardown(s);
    return { data: result({ event: 'hangingup' }) };
  }

  private recording(call: RequestCall<NosipSession, JsonObject>): PluginReply {
    const { session: s, handle, body } = call;
    const action = (body.action as string).toLowerCase();
    if (action !== 'start' && action !== 'stop') throw new PluginError(E.INVALID_ELEMENT, 'Invalid action (should be start|stop)');
    const streams = RECORDED_STREAMS.filter((k) => body[k] === true);
    if (streams.length === 0) throw new PluginError(E.RECORDING_ERROR, 'Invalid request (at least one of audio, video, peer_audio and peer_video should be true)');
    if (action === 'stop') {
      // As Janus: stopping what is not being recorded is no error.
      for (const k of streams) s.recordings?.stop(k);
      return { data: result({ event: 'recordingupdated' }) };
    }
    const base = typeof body.filename === 'string' && body.filename !== '' ? body.filename : undefined;
    const fallback = `nosip-${s.uniqueId}-${Date.now()}`;
    try {
      for (const k of streams) resolveInside(this.recordingsDir, recordingName(k, base, fallback));
    } catch (err) {
      if (!(err instanceof UnsafePathError)) throw err;
      throw new PluginError(E.RECORDING_ERROR, `Invalid element (filename '${(base ?? '').slice(0, 200)}' ${err.message})`);
    }
    s.recordings ??= new NosipRecordings(this.recordingsDir, handle.log);
    for (const k of streams) {
      const leg = s.legs[streamKind(k)];
      s.recordings.start(k, recordingName(k, base, fallback), leg?.codec);
      // A video file starts with a keyframe.
      if (k === 'video' && leg?.mid !== undefined) handle.requestKeyframe(leg.mid);
      if (k === 'peer_video' && leg?.pliSupported) leg.requestKeyframe();
    }
    return { data: result({ event: 'recordingupdated' }) };
  }

  private async rtpForward(s: NosipSession, streams: readonly unknown[]): Promise<PluginReply | undefined> {
    if (streams.length === 0) throw new PluginError(E.MISSING_ELEMENT, 'Missing mandatory element streams, or empty array');
    const codes = { missing: E.MISSING_ELEMENT, invalid: E.INVALID_ELEMENT };
    const specs: ForwarderSpec[] = [];
    /** Each forwarder's host as the request wrote it (Janus's events repeat it). */
    const asked: string[] = [];
    // Every entry is checked (and its host resolved) before any forwarder is made.
    for (const raw of streams) {
      const e = isJsonObject(raw) ? raw : {};
      const problem = findFieldError(e, FORWARD_STREAM_FIELDS, codes);
      if (problem) throw new PluginError(problem.code, problem.message);
      const type = (e.type as string).toLowerCase();
      if (!FORWARDED_STREAMS.includes(type as ForwardedStream)) throw new PluginError(E.INVALID_ELEMENT, 'Invalid element (type)');
      const port = e.port as number;
      if (port < 1 || port > 65535) throw new PluginError(E.INVALID_ELEMENT, 'Invalid element (port should be 1-65535)');
      const host = await this.forwardHost(e.host as string, e.host_family);
      let srtp: ForwarderSpec['srtp'];
      if (e.srtp_suite !== undefined && e.srtp_crypto !== undefined) {
        if (e.srtp_suite !== 32 && e.srtp_suite !== 80) throw new PluginError(E.INVALID_ELEMENT, `Invalid SRTP suite (${e.srtp_suite as number})`);
        const master = Buffer.from(e.srtp_crypto as string, 'base64');
        if (master.length < 30) throw new PluginError(E.INVALID_ELEMENT, 'Invalid SRTP crypto');
        srtp = { suite: e.srtp_suite, master };
      }
      asked.push(e.host as string);
      specs.push({
        stream: type as ForwardedStream,
        host,
        port,
        ...(typeof e.pt === 'number' && e.pt > 0 ? { pt: e.pt } : {}),
        ...(typeof e.ssrc === 'number' && e.ssrc > 0 ? { ssrc: e.ssrc } : {}),
        ...(srtp ? { srtp } : {}),
      });
    }
    if (s.destroyed || !this.network) return undefined;
    const taken = (id: number): boolean => s.forwarders?.list().some((f) => f.stream_id === id) === true;
    s.forwarders ??= new CallForwarders(this.network, `nosip handle ${s.handle.id} RTP forwarders`, () => {
      let id = randomUint32();
      while (taken(id)) id = randomUint32();
      return id;
    });
    let forwarders: JsonObject[];
    try {
      forwarders = await s.forwarders.add(specs);
    } catch (err) {
      s.handle.log.warn(`nosip: cannot open the RTP forwarders' socket: ${errorText(err)}`);
      throw new PluginError(E.UNKNOWN_ERROR, 'Could not open UDP socket for RTP forwarder');
    }
    forwarders.forEach((f, i) => forwarderStarted(this.events, f, asked[i]));
    return { data: result({ event: 'rtp_forward', forwarders }) };
  }

  /** A forwarder's host as an address: literals as they are, names through the network's resolver (IPv4 unless asked). */
  private async forwardHost(host: string, family: unknown): Promise<string> {
    if (family !== undefined && family !== 'ipv4' && family !== 'ipv6')
      throw new PluginError(E.INVALID_ELEMENT, `Unsupported protocol family (${(typeof family === 'string' ? family : JSON.stringify(family)).slice(0, 40)})`);
    let address = host;
    if (isIP(host) === 0) {
      try {
        address = await this.network!.resolveName(host, family === 'ipv6' ? 6 : 4);
      } catch {
        throw new PluginError(E.INVALID_ELEMENT, `Could not resolve address (${host.slice(0, 100)})...`);
      }
    }
    if (isIP(address) === 6 && !this.network!.ipv6Available) throw new PluginError(E.INVALID_ELEMENT, `Could not resolve address (${host.slice(0, 100)})...`);
    return address;
  }

  private stopRtpForward(s: NosipSession, id: number): PluginReply {
    if (!s.forwarders?.stop(id)) throw new PluginError(E.NO_SUCH_STREAM, `No such stream (${id})`);
    forwarderStopped(this.events, id);
    return { data: result({ event: 'stop_rtp_forward', stream_id: id }) };
  }

  private keyframe(s: NosipSession, user: boolean, peer: boolean): PluginReply {
    const video = s.legs.video;
    if (user) s.handle.requestKeyframe(video?.mid ?? '*');
    // Only a peer that negotiated PLI gets one, as with Janus.
    if (peer && video?.pliSupported) video.requestKeyframe();
    return { data: result({ event: 'keyframesent' }) };
  }
}

function streamKind(k: RecordedStream): BridgedKind {
  return k === 'audio' || k === 'peer_audio' ? 'audio' : 'video';
}

function offeredSavp(offer: SdpDescription): boolean {
  return offer.media.some((m) => m.port !== 0 && m.proto.toUpperCase() === 'RTP/SAVP');
}
