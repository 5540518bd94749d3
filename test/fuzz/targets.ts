// The one list of fuzz targets: every pure parser of the project, fed random bytes and mutated valid samples.
// The suite's short run (parsers.test.ts) and `npm run fuzz` (run.ts) both take their targets from here.
//
// A target's `run` feeds one input and throws on a finding: an exception other than the parser's own documented
// error, or a broken property (a length or offset outside the bytes given). Expected rejections are caught here.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isH264Keyframe, isVp8Keyframe, isVp9Keyframe } from '../../src/forwarding/keyframe.js';
import { readMjr } from '../../src/plugins/mjr/mjr-reader.js';
import { formatNfo, parseNfo } from '../../src/plugins/recordplay/nfo-file.js';
import { fileSchedule } from '../../src/plugins/recordplay/playout-schedule.js';
import { looksLikeRtcpReport as looksLikeRtcp, parseRtpHeader } from '../../src/rtp/rtp-header.js';
import { SimulcastSelector } from '../../src/forwarding/simulcast-selector.js';
import { TemporalLayerFilter } from '../../src/forwarding/temporal-layer-filter.js';
import { parseVp8Descriptor, writeVp8PictureId } from '../../src/forwarding/vp8-descriptor.js';
import { parseVp9Descriptor, Vp9LayerFilter } from '../../src/forwarding/vp9-svc.js';
import { readOneByteExtension, relayExtensionTable, renumberExtensions, EXT_AUDIO_LEVEL, EXT_MID, EXT_RID, EXT_TWCC } from '../../src/rtp/header-extensions.js';
import { nackedSequences, summarizeRtcp } from '../../src/rtp/rtcp.js';
import { SrtpRtpProtector } from '../../src/rtp/srtp/srtp-protector.js';
import { deriveSessionKeys, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../src/rtp/srtp/srtp-keys.js';
import { SrtpRtpUnprotector } from '../../src/rtp/srtp/srtp-unprotector.js';
import { parseBindingResponse } from '../../src/media/stun-binding.js';
import { isStun, parseChannelData, parseStunMessage } from '../../src/media/turn-messages.js';
import { parseFmtp, parseSdp, SdpError } from '../../src/media/sdp.js';
import { interleavedLength, parseRtspMessage, parseRtspSdp, parseRtspUrl, parseSessionHeader, resolveControl, RtspError, serverPorts } from '../../src/plugins/streaming/rtsp-protocol.js';
import { authorizationFor, parseChallenges, pickChallenge } from '../../src/plugins/streaming/rtsp-auth.js';
import { AudioFileError, g711Frames, oggPackets, opusFrames, opusPacketSamples } from '../../src/audio/audio-file.js';
import { JcfgSyntaxError, parseJcfg, type JcfgGroup, type JcfgValue } from '../../src/config/jcfg.js';
import { formatJcfg } from '../../src/config/jcfg-format.js';
import { parseJsonRequest, parseJsonSequence, serialize } from '../../src/transports/json-body.js';
import { JanusError } from '../../src/core/errors.js';
import { rtcpCompoundProblem, rtpPacketProblem, rtpPayloadOffset, srtcpHeaderProblem } from '../../src/rtp/packet-check.js';
import { buildBindingError, fingerprintValid, integrityValid, readStunMessage, verifyBindingRequest } from '../../src/media/stun-message.js';
import { dtlsDatagramProblem, partialHandshakeFragments, withoutPlaintextRecords } from '../../src/media/dtls-check.js';
import { sctpPacketProblem } from '../../src/media/sctp-check.js';
import { frame, FrameReader } from '../../src/media/stream-framing.js';
import { InboundAudio } from '../../src/plugins/audiobridge/inbound-audio.js';
import { decodeG711 } from '../../src/audio/g711.js';
import { roomSettings } from '../../src/plugins/audiobridge/room-settings.js';
import { PluginError } from '../../src/plugin-api/plugin-error.js';
import type { JsonObject } from '../../src/core/validate.js';
import { parseSdp as parseBarebone, writeBarebone } from '../../src/plugins/nosip/barebone-sdp.js';
import { bridgedLines, usableCodecs } from '../../src/plugins/nosip/negotiation.js';
import { bytesFrom, textFrom } from './mutate.js';
import { iceServerLinks, parseLinkHeader, quotedString } from '../../src/transports/whip/ice-server-links.js';
import { parseSdpFrag, restartFragmentOf, SdpFragError, SDPFRAG_LIMITS, withIceCredentials } from '../../src/transports/whip/sdpfrag.js';
import { bearerToken, ifMatchAllows, mediaType, parseWhipPath } from '../../src/transports/whip/whip-path.js';
import { planFor, PlanError, tokenBindings } from '../../src/transports/whip/whip-targets.js';
import { ALL_EVENTS, maskText, parseEventMask } from '../../src/events/event-mask.js';
import { eventText, parseJsonStyle } from '../../src/events/event-json.js';
import { parseBackendUrl } from '../../src/events/backend-url.js';
import { candidateAddress, candidateText, sdpCandidates, selectedPairBody } from '../../src/core/webrtc-events.js';
import { OpusEncoder } from '../../src/audio/opus-codec.js';
import { opusPacketShape } from '../../src/audio/opus-packet.js';
import {
  H264_PAYLOADS,
  JCFG_SAMPLES,
  JSON_SAMPLES,
  mjrSample,
  legacyMjrSample,
  NFO_SAMPLES,
  OGG_SAMPLES,
  RTCP_SAMPLES,
  RTP_SAMPLES,
  RTSP_SAMPLES,
  RTSP_SDP,
  rtpPacket,
  SDP_OFFER,
  STUN_SAMPLES,
  TRANSACTION_ID,
  VP8_PAYLOADS,
  VP9_PAYLOADS,
} from './samples.js';

/** WHIP PATCH bodies (RFC 8840 fragments: trickle, end of candidates, an ICE restart) and an answer's first lines. */
const SDPFRAG_SAMPLES = [
  'a=ice-options:trickle ice2\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\na=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\na=end-of-candidates\r\n',
  'a=ice-ufrag:ZZZZ\r\na=ice-pwd:0b66f472495ef0ccac7bda653ab6be49\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 39132 typ host\r\n',
  'a=end-of-candidates\r\n',
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE 0\r\nm=video 40000 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:abcd\r\na=ice-pwd:efghefghefghefghefghef\r\na=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 40000 typ host\r\n',
];

/** Request targets under the WHIP/WHEP base paths. */
const WHIP_PATH_SAMPLES = [
  '/whip/videoroom/1234?display=Alice&id=7&pin=x',
  '/whep/videoroom/1234/7',
  '/whep/streaming/1?pin=a%20b',
  '/whip/resource/AbCdEfGh12345678AbCdEfGh',
  '/whep/x/y',
  'Bearer abc',
];

/** Barebone SDPs as a plain peer writes them (the NoSIP plugin reads them). */
const BAREBONE_SAMPLES = [
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP 111 0 8\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\na=sendrecv\r\nm=video 20002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n',
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP6 ::1\r\nm=audio 30000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\r\na=rtcp:30001\r\na=recvonly\r\nm=video 0 RTP/AVP 97\r\n',
];

export interface FuzzTarget<T = unknown> {
  readonly name: string;
  /** The file under test, for reports. */
  readonly source: string;
  readonly input: fc.Arbitrary<T>;
  readonly run: (input: T) => void;
}

/** Runs `f`, letting through only errors of the classes the parser documents. */
function rejectsOnlyWith(classes: ReadonlyArray<abstract new (...args: never[]) => Error>, f: () => void): void {
  try {
    f();
  } catch (err) {
    if (classes.some((c) => err instanceof c)) return;
    throw err;
  }
}

function target<T>(name: string, source: string, input: fc.Arbitrary<T>, run: (input: T) => void): FuzzTarget {
  return { name, source, input, run: run as (input: unknown) => void };
}

const rtpInput = bytesFrom(RTP_SAMPLES, 256);

// SRTP: one protector/unprotector pair per profile, as a PeerConnection has; the window state carries across inputs.
const masterKey = Buffer.alloc(16, 7);
const masterSalt = Buffer.alloc(14, 9);
const cmKeys = deriveSessionKeys(SRTP_AES128_CM_HMAC_SHA1_80, masterKey, masterSalt);
const gcmKeys = deriveSessionKeys(SRTP_AEAD_AES_128_GCM, masterKey, masterSalt.subarray(0, 12));
const srtpSamples = RTP_SAMPLES.flatMap((p) => [new SrtpRtpProtector(cmKeys).protect(p, p.length, 0), new SrtpRtpProtector(gcmKeys).protect(p, p.length, 0)]).filter(
  (p): p is Buffer => p !== undefined,
);
const unprotectors = [new SrtpRtpUnprotector(cmKeys, 10), new SrtpRtpUnprotector(cmKeys, 4), new SrtpRtpUnprotector(gcmKeys)];

const relayTable = relayExtensionTable(
  [
    { id: 1, uri: EXT_AUDIO_LEVEL },
    { id: 3, uri: EXT_MID },
    { id: 10, uri: EXT_RID },
    { id: 200, uri: EXT_TWCC },
  ],
  'video',
);

// A DTLS ClientHello-sized handshake record and an alert; an SCTP packet with a DATA and a SACK chunk.
const DTLS_SAMPLES = [Buffer.from('16fefd000000000000000000190100000d000000000000000dfefd' + '00'.repeat(11), 'hex'), Buffer.from('15fefd00010000000000010002' + '0100', 'hex')];
/** Real Opus packets (mono and stereo, a tone, then silence with DTX) for the framing check and the inbound path to mutate. */
const OPUS_PACKETS: Buffer[] = (() => {
  const packets: Buffer[] = [];
  for (const channels of [1, 2] as const) {
    const enc = new OpusEncoder({ rate: 48000, channels, dtx: true, fec: true, expectedLoss: 10, backend: 'wasm' });
    const pcm = new Int16Array(960 * channels);
    for (let f = 0; f < 6; f++) {
      for (let i = 0; i < pcm.length; i++) pcm[i] = f < 3 ? Math.round(6000 * Math.sin(i * 0.07)) : 0;
      const p = enc.encode(pcm, 960);
      if (p) packets.push(p);
    }
    enc.close();
  }
  return packets;
})();
const SCTP_SAMPLES = [
  Buffer.from('13881388' + '00000001' + '00000000' + '00030014' + '00000001' + '0000' + '0000' + '00000033' + '61626364' + '03000010' + '00000001' + '0000ffff' + '00000000', 'hex'),
];
const iceCredentials = { passwordOf: (ufrag: string) => (ufrag === 'abcd' ? 'passwordpasswordpassword' : undefined) };

// Settings as a plugin saves them (state files): names mostly valid, values of every kind the syntax has.
const jcfgName = fc.oneof(fc.stringMatching(/^[A-Za-z*][A-Za-z0-9_*\-.]{0,12}$/), fc.stringMatching(/^[a-z][a-z0-9_]{250,300}$/), fc.string({ maxLength: 8 }));
const jcfgScalar = fc.oneof(fc.string({ maxLength: 30, unit: 'binary' }), fc.double(), fc.integer(), fc.boolean());
const { jcfgGroup } = fc.letrec<{ jcfgGroup: JcfgGroup; jcfgValue: JcfgValue }>((tie) => ({
  jcfgGroup: fc.dictionary(jcfgName, tie('jcfgValue'), { maxKeys: 5, noNullPrototype: true }),
  jcfgValue: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jcfgScalar, fc.array(tie('jcfgValue'), { maxLength: 4 }), tie('jcfgGroup')),
}));

function withoutNegativeZero(v: JcfgValue): JcfgValue;
function withoutNegativeZero(v: JcfgGroup): JcfgGroup;
function withoutNegativeZero(v: JcfgValue): JcfgValue {
  if (typeof v === 'number') return v === 0 ? 0 : v;
  if (Array.isArray(v)) return v.map((x) => withoutNegativeZero(x));
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutNegativeZero(x)]));
  return v;
}

export const TARGETS: readonly FuzzTarget[] = [
  target('rtp-header', 'src/rtp/rtp-header.ts', rtpInput, (b) => {
    const h = parseRtpHeader(b);
    if (h) assert.ok(h.headerLength >= 12 && h.headerLength <= b.length, `header length ${h.headerLength} of ${b.length}`);
    looksLikeRtcp(b);
  }),
  target('keyframe', 'src/forwarding/keyframe.ts', bytesFrom([...VP8_PAYLOADS, ...VP9_PAYLOADS, ...H264_PAYLOADS], 64), (p) => {
    for (const test of [isVp8Keyframe, isVp9Keyframe, isH264Keyframe]) assert.equal(typeof test(p), 'boolean');
  }),
  target('vp8-descriptor', 'src/forwarding/vp8-descriptor.ts', bytesFrom(VP8_PAYLOADS, 32), (p) => {
    const d = parseVp8Descriptor(p);
    if (!d) return;
    assert.ok(d.length >= 1 && d.length <= p.length, `descriptor length ${d.length} of ${p.length}`);
    if (d.pictureIdBits > 0) assert.ok(d.pictureIdAt + d.pictureIdBits / 8 <= d.length);
    const copy = Buffer.from(p);
    writeVp8PictureId(copy, d, 0x7fff);
    assert.equal(copy.length, p.length);
    assert.ok(copy.subarray(d.length).equals(p.subarray(d.length)), 'the picture ID write stays inside the descriptor');
  }),
  target('vp9-svc', 'src/forwarding/vp9-svc.ts', fc.array(bytesFrom(VP9_PAYLOADS, 16), { maxLength: 8 }), (payloads) => {
    const filter = new Vp9LayerFilter();
    filter.targetSpatial = payloads.length % 3;
    filter.targetTemporal = (payloads.length >> 1) % 3;
    for (const p of payloads) {
      const d = parseVp9Descriptor(p);
      if (d) assert.ok(['drop', 'pass', 'pass-and-mark'].includes(filter.decide(d)));
    }
  }),
  target(
    'temporal-layer-filter',
    'src/forwarding/temporal-layer-filter.ts',
    fc.tuple(
      fc.array(
        bytesFrom(
          VP8_PAYLOADS.map((p) => rtpPacket(p)),
          64,
        ),
        { maxLength: 8 },
      ),
      fc.integer({ min: -1, max: 3 }),
    ),
    ([packets, targetLayer]) => {
      const filter = new TemporalLayerFilter();
      filter.target = targetLayer;
      for (const p of packets) {
        const out = filter.filterPacket(Buffer.from(p), p.length % 2 === 0 ? 'in-place' : 'copy');
        if (out) assert.equal(out.length, p.length);
      }
    },
  ),
  target(
    'simulcast-selector',
    'src/forwarding/simulcast-selector.ts',
    fc.array(
      fc.tuple(
        fc.oneof(fc.integer({ min: -2, max: 4 }), fc.integer(), fc.double()),
        fc.boolean(),
        fc.integer({ min: 0, max: 2000 }),
        fc.option(fc.oneof(fc.integer({ min: -1, max: 4 }), fc.double()), { nil: undefined }),
      ),
      { maxLength: 16 },
    ),
    (steps) => {
      let now = 0;
      const selector = new SimulcastSelector(
        () => {},
        () => now,
      );
      for (const [layer, keyframe, advance, retarget] of steps) {
        now += advance;
        if (retarget !== undefined) selector.setTarget(retarget);
        assert.equal(typeof selector.accept(layer, keyframe), 'boolean');
        assert.ok(Number.isInteger(selector.current) && selector.current >= -1, `current layer ${selector.current}`);
      }
    },
  ),
  target('header-extensions', 'src/rtp/header-extensions.ts', rtpInput, (b) => {
    const copy = Buffer.from(b);
    assert.equal(typeof renumberExtensions(copy, relayTable), 'boolean');
    assert.equal(copy.length, b.length);
    const level = readOneByteExtension(b, 1);
    assert.ok(level >= -1 && level <= 255);
  }),
  target('rtcp', 'src/rtp/rtcp.ts', bytesFrom(RTCP_SAMPLES, 256), (b) => {
    summarizeRtcp(b);
    const nacked = nackedSequences(b, 0x11223344);
    assert.ok(nacked.length <= 1024 + 16 && nacked.every((s) => Number.isInteger(s) && s >= 0 && s <= 0xffff));
  }),
  target('srtp-unprotector', 'src/rtp/srtp/srtp-unprotector.ts', fc.tuple(bytesFrom(srtpSamples, 256), fc.nat(2), fc.boolean()), ([b, which, inPlace]) => {
    const u = unprotectors[which];
    const r = u.unprotect(inPlace ? Buffer.from(b) : b, inPlace);
    if (Buffer.isBuffer(r)) assert.equal(r.length, b.length - u.tagLength);
    else assert.ok(r === 'malformed' || r === 'auth' || r === 'replay', String(r));
  }),
  target('stun-binding', 'src/media/stun-binding.ts', bytesFrom(STUN_SAMPLES, 128), (b) => {
    const mapped = parseBindingResponse(b, TRANSACTION_ID);
    if (mapped) assert.ok(mapped.port >= 0 && mapped.port <= 0xffff);
  }),
  target('turn-messages', 'src/media/turn-messages.ts', bytesFrom(STUN_SAMPLES, 128), (b) => {
    isStun(b);
    const m = parseStunMessage(b);
    if (m?.data) assert.ok(m.data.length <= b.length);
    const cd = parseChannelData(b);
    if (cd) assert.ok(cd.data.length + 4 <= b.length);
  }),
  target('sdp', 'src/media/sdp.ts', textFrom([SDP_OFFER], 1024), (text) => {
    rejectsOnlyWith([SdpError], () => parseSdp(text));
    parseFmtp(text.slice(0, 200));
  }),
  target('rtsp-protocol', 'src/plugins/streaming/rtsp-protocol.ts', textFrom([...RTSP_SAMPLES, RTSP_SDP], 512), (text) => {
    const b = Buffer.from(text, 'latin1');
    assert.ok(interleavedLength(b) <= b.length);
    rejectsOnlyWith([RtspError], () => {
      const m = parseRtspMessage(b);
      if (m) assert.ok(m.consumed <= b.length && m.body.length <= m.consumed, `message of ${m.consumed} bytes in ${b.length}`);
    });
    rejectsOnlyWith([RtspError], () => parseRtspSdp(text));
    rejectsOnlyWith([RtspError], () => parseRtspUrl(text.slice(0, 120)));
    rejectsOnlyWith([RtspError], () => resolveControl('rtsp://127.0.0.1/cam/', text.slice(0, 80)));
    rejectsOnlyWith([RtspError], () => parseSessionHeader(text.slice(0, 80)));
    serverPorts(text.slice(0, 120));
    const challenges = parseChallenges(text.split('\r\n').slice(0, 4));
    const c = pickChallenge(challenges);
    rejectsOnlyWith([RtspError], () => authorizationFor(c ?? text.slice(0, 120), 'DESCRIBE', 'rtsp://127.0.0.1/cam', 'user', 'pass', 'cnonce', 1));
  }),
  target('audio-file', 'src/plugins/streaming/audio-file.ts', bytesFrom(OGG_SAMPLES, 512), (b) => {
    rejectsOnlyWith([AudioFileError], () => {
      let total = 0;
      for (const p of oggPackets(b)) total += p.length;
      assert.ok(total <= b.length);
    });
    rejectsOnlyWith([AudioFileError], () => {
      const f = opusFrames(b);
      assert.equal(f.frames.length, f.durations.length);
    });
    rejectsOnlyWith([AudioFileError], () => g711Frames(b, 'pcmu'));
    const samples = opusPacketSamples(b);
    assert.ok(samples >= 0 && samples <= 5760);
  }),
  target('jcfg', 'src/config/jcfg.ts', textFrom(JCFG_SAMPLES, 512), (text) => {
    let parsed;
    try {
      parsed = parseJcfg(text);
    } catch (err) {
      if (err instanceof JcfgSyntaxError) return;
      throw err;
    }
    // What the parser accepts, the writer writes, and the parser reads back the same (saved plugin state).
    assert.deepEqual(parseJcfg(formatJcfg(parsed)), parsed);
  }),
  target('jcfg-format', 'src/config/jcfg-format.ts', jcfgGroup, (group) => {
    let text: string;
    try {
      text = formatJcfg(group);
    } catch (err) {
      // Documented: names and numbers the syntax cannot express are refused.
      if (err instanceof Error && /is not a valid \.jcfg setting name|must be finite/.test(err.message)) return;
      throw err;
    }
    // -0 is written as 0 (and read as 0): the one value that comes back changed, as documented.
    assert.deepStrictEqual(parseJcfg(text), withoutNegativeZero(group));
  }),
  target('json-body', 'src/transports/json-body.ts', textFrom(JSON_SAMPLES, 512), (text) => {
    rejectsOnlyWith([JanusError], () => parseJsonRequest(text));
    rejectsOnlyWith([JanusError], () => {
      for (const v of parseJsonSequence(text)) serialize(v, 'indented');
    });
  }),
  target('mjr-reader', 'src/plugins/mjr/mjr-reader.ts', bytesFrom([mjrSample('a'), mjrSample('d'), legacyMjrSample()], 256), (b) => {
    const r = readMjr(b);
    for (const f of r.frames) assert.ok(f.offset >= 0 && f.payload.byteOffset - b.byteOffset + f.payload.length <= b.length);
    if (r.stopped) assert.ok(r.stopped.offset >= 0 && r.stopped.offset <= b.length);
  }),
  // A .nfo: parsed or refused with a reason, never a throw; what parses writes back to the same recording.
  target('nfo-file', 'src/plugins/recordplay/nfo-file.ts', textFrom(NFO_SAMPLES, 256), (text) => {
    const r = parseNfo(text);
    if (typeof r === 'string') return;
    assert.ok(Number.isSafeInteger(r.id) && r.id > 0);
    assert.deepStrictEqual(parseNfo(formatNfo(r)), r);
  }),
  // A recording's frames (any bytes): every frame gets a due time, none negative, in the file's order.
  target('playout-schedule', 'src/plugins/recordplay/playout-schedule.ts', bytesFrom([mjrSample('a'), legacyMjrSample()], 256), (b) => {
    const r = readMjr(b);
    const out = fileSchedule(r.frames, r.info?.kind ?? 'audio', 48000);
    assert.equal(out.length, r.frames.length);
    for (const f of out) assert.ok(f.dueMs >= 0 && Number.isFinite(f.dueMs));
  }),
  target('packet-check', 'src/rtp/packet-check.ts', bytesFrom([...RTP_SAMPLES, ...RTCP_SAMPLES], 256), (b) => {
    const offset = rtpPayloadOffset(b);
    if (typeof offset === 'number') assert.ok(offset >= 12 && offset <= b.length, `payload offset ${offset} of ${b.length}`);
    for (const check of [rtpPacketProblem, rtcpCompoundProblem, (x: Uint8Array) => srtcpHeaderProblem(x, 14)]) {
      const r = check(b);
      assert.ok(r === undefined || typeof r === 'string');
    }
  }),
  // A TCP stream cut anywhere: the frames read chunk by chunk are those of the whole, and nothing is lost or kept twice.
  target(
    'stream-framing',
    'src/media/stream-framing.ts',
    fc.tuple(fc.array(bytesFrom(STUN_SAMPLES, 64), { maxLength: 6 }), fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(400), { maxLength: 8 })),
    ([packets, tail, cuts]) => {
      const stream = Buffer.concat([...packets.map((p) => frame(p)), Buffer.from(tail)]);
      const whole = new FrameReader().push(stream).map((f) => Buffer.from(f));
      const reader = new FrameReader();
      const pieces: Buffer[] = [];
      let at = 0;
      for (const cut of [...cuts, stream.length]) {
        const end = Math.min(stream.length, at + cut);
        for (const f of reader.push(stream.subarray(at, end))) pieces.push(Buffer.from(f));
        at = end;
      }
      assert.deepEqual(pieces, whole);
      assert.ok(reader.buffered <= 0xffff + 2, `buffered ${reader.buffered}`);
      const framed = whole.reduce((n, f) => n + f.length + 2, 0);
      assert.ok(framed + reader.buffered <= stream.length);
    },
  ),
  target('stun-message', 'src/media/stun-message.ts', bytesFrom(STUN_SAMPLES, 128), (b) => {
    const m = readStunMessage(b);
    if (typeof m === 'string') return;
    fingerprintValid(b, m);
    integrityValid(b, m, 'passwordpasswordpassword');
    const verdict = verifyBindingRequest(b, m, iceCredentials);
    assert.ok(verdict !== undefined);
    const error = buildBindingError(m, 400);
    assert.equal(typeof readStunMessage(error), 'object', 'our own error response reads back');
  }),
  target('dtls-check', 'src/media/dtls-check.ts', bytesFrom(DTLS_SAMPLES, 128), (b) => {
    const r = dtlsDatagramProblem(b);
    assert.ok(r === undefined || typeof r === 'string');
    assert.ok(partialHandshakeFragments(b) >= 0);
    assert.ok(withoutPlaintextRecords(b).length <= b.length);
  }),
  target('nosip-barebone-sdp', 'src/plugins/nosip/barebone-sdp.ts', textFrom(BAREBONE_SAMPLES, 1024), (text) => {
    const d = parseBarebone(text);
    if (typeof d === 'string') return;
    assert.ok(d.media.length <= 16, `${d.media.length} m-lines`);
    const lines = bridgedLines(d);
    // What we would write back from it reads back with the same kinds, ports and payload types.
    const media = d.media.map((m) => {
      const kind = m.kind === 'audio' || m.kind === 'video' ? m.kind : 'audio';
      const codecs = usableCodecs(m, kind);
      return { kind: m.kind.replace(/\s/g, '') || 'audio', port: m.port, proto: 'RTP/AVP', codecs, direction: m.direction };
    });
    const again = parseBarebone(writeBarebone({ address: '127.0.0.1', sessionId: '1', version: 1 }, media));
    assert.ok(typeof again !== 'string', `our own barebone SDP reads back: ${typeof again === 'string' ? again : ''}`);
    assert.deepEqual(
      again.media.map((m, i) => [m.port, m.port === 0 || media[i].codecs.length === 0 ? [] : m.codecs.map((c) => c.pt)]),
      media.map((m) => [m.port, m.port === 0 ? [] : m.codecs.map((c) => c.pt)]),
    );
    for (const i of [lines.audio, lines.video]) if (i !== undefined) assert.ok(d.media[i].port > 0);
  }),
  target('sctp-check', 'src/media/sctp-check.ts', bytesFrom(SCTP_SAMPLES, 128), (b) => {
    const r = sctpPacketProblem(b);
    assert.ok(r === undefined || typeof r === 'string');
  }),
  target('opus-packet', 'src/audio/opus-packet.ts', bytesFrom(OPUS_PACKETS, 1600), (b) => {
    const shape = opusPacketShape(b);
    if (shape) assert.ok(shape.frames >= 1 && shape.frames <= 48 && shape.samples48k >= 120 && shape.samples48k <= 5760);
  }),
  // A participant's packets as the AudioBridge takes them (sequence numbers and payloads from anyone): queued,
  // framing-checked, decoded by libopus (native or WebAssembly, gaps filled in) or the G.711 tables, one frame at a
  // time; never more than a frame out.
  target(
    'audiobridge-inbound',
    'src/plugins/audiobridge/inbound-audio.ts',
    fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), bytesFrom([...OPUS_PACKETS, ...OGG_SAMPLES], 300)), { maxLength: 12 }),
    (packets) => {
      for (const codec of ['opus', 'pcmu'] as const) {
        const inbound = new InboundAudio(codec, 16000, 320, 2);
        const out = new Int16Array(320);
        try {
          for (const [seq, payload] of packets) {
            inbound.push(seq, payload);
            if (inbound.take(out)) assert.equal(out.length, 320);
            assert.ok(inbound.queued <= 12, `${inbound.queued} queued`);
          }
        } finally {
          inbound.close();
        }
      }
    },
  ),
  target('g711-decode', 'src/audio/g711.ts', bytesFrom([Buffer.alloc(160, 0xff)], 400), (b) => {
    const out = new Int16Array(160);
    const n = decodeG711(b.length % 2 ? 'pcma' : 'pcmu', b, b.length % 7, b.length, out);
    assert.ok(n >= 0 && n <= 160);
  }),
  // A room's settings from a create request or a configuration group: Janus's codes, never another error.
  target('audiobridge-room-settings', 'src/plugins/audiobridge/room-settings.ts', fc.jsonValue({ maxDepth: 2 }), (v) => {
    const values = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : { sampling_rate: v, groups: v, rtp_forward_host: v, rtp_forward_port: v };
    rejectsOnlyWith([PluginError], () => {
      const s = roomSettings(values, 1);
      assert.ok([8000, 12000, 16000, 24000, 48000].includes(s.rate));
    });
  }),
  // Event handlers: the `events` mask, the json style and writer, backend addresses, Janus's candidate texts.
  target('event-mask', 'src/events/event-mask.ts', textFrom(['sessions,handles', 'all', 'none', ' jsep , webrtc,media,plugins,transports,core,external'], 128), (text) => {
    const { mask, unknown } = parseEventMask(text);
    assert.ok(Number.isInteger(mask) && mask >= 0 && (mask & ~ALL_EVENTS) === 0, `mask ${mask}`);
    assert.ok(unknown.length <= 16 && unknown.every((u) => u.length <= 64));
    assert.equal(parseEventMask(maskText(mask)).mask, mask, 'the labels give the mask back');
  }),
  target('event-json', 'src/events/event-json.ts', fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 12 })), ([value, style]) => {
    const st = parseJsonStyle(style) ?? (['compact', 'plain', 'indented'] as const)[style.length % 3];
    const text = eventText(value, st);
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value) ?? 'null'), `${st} keeps the value`);
    if (st !== 'indented') assert.ok(!text.includes('\n'), 'one line');
  }),
  target('event-backend-url', 'src/events/backend-url.ts', textFrom(['http://127.0.0.1:8080/events', 'wss://[::1]:9/x?y', 'https://user@host/'], 256), (text) => {
    const t = parseBackendUrl(text, ['http:', 'https:', 'ws:', 'wss:']);
    if (typeof t === 'string') return assert.ok(t.length <= 300);
    assert.ok(Number.isInteger(t.port) && t.port > 0 && t.port <= 65535 && !t.host.startsWith('['));
  }),
  target('webrtc-event-candidates', 'src/core/webrtc-events.ts', textFrom([SDP_OFFER, 'a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n'], 1024), (text) => {
    const all = sdpCandidates(text);
    assert.ok(all.length <= 64 && new Set(all).size === all.length);
    for (const c of [...all, text]) {
      candidateText(c);
      const a = candidateAddress(c);
      if (a) assert.ok(a.key.includes(' '));
    }
    const body = selectedPairBody({ address: text.slice(0, 20), port: text.length, transport: 'udp' }, { address: '::1', port: 1, type: 'host', transport: 'tcp' });
    assert.equal(typeof body['selected-pair'], 'string');
  }),
  target('whip-sdpfrag', 'src/transports/whip/sdpfrag.ts', textFrom(SDPFRAG_SAMPLES, 1024), (text) => {
    rejectsOnlyWith([SdpFragError], () => {
      const f = parseSdpFrag(text);
      assert.ok(f.media.length <= SDPFRAG_LIMITS.maxMedia);
      const n = f.sessionCandidates.length + f.media.reduce((k, m) => k + m.candidates.length, 0);
      assert.ok(n <= SDPFRAG_LIMITS.maxCandidates);
      assert.equal(f.ufrag === undefined, f.pwd === undefined);
      for (const m of f.media) for (const c of m.candidates) assert.ok(c.startsWith('candidate:') && !c.includes('\n'));
    });
    const r = restartFragmentOf(text);
    if (r) assert.ok(r.mline.startsWith('m='));
    assert.ok(
      withIceCredentials(text, 'u', 'p')
        .split(/\r?\n/)
        .every((l) => !l.startsWith('a=candidate:')),
    );
  }),
  target('whip-path', 'src/transports/whip/whip-path.ts', textFrom(WHIP_PATH_SAMPLES, 300), (text) => {
    const p = parseWhipPath(text, { whip: '/whip', whep: '/whep' });
    if (p?.kind === 'endpoint') {
      try {
        const plan = planFor(p.protocol, p.target, p.query, { videoroomStringIds: text.length % 2 === 0, streamingStringIds: false, bound: tokenBindings([text]) });
        assert.ok(plan.plugin.startsWith('janus.plugin.'));
      } catch (err) {
        if (!(err instanceof PlanError)) throw err;
      }
    }
    mediaType(text);
    const t = bearerToken(text);
    if (t !== undefined) assert.ok(!/\s/.test(t));
    ifMatchAllows(text, '"abc"');
  }),
  target(
    'whip-link-header',
    'src/transports/whip/ice-server-links.ts',
    textFrom(['<stun:127.0.0.1:3478>; rel="ice-server"', '<turn:h?transport=udp>; rel="ice-server"; username="a\\"b"; credential="c"'], 300),
    (text) => {
      for (const l of iceServerLinks({ stunServer: text, stunPort: 3478, turnServer: text, turnPort: 3478, turnType: text, turnUser: text, turnPwd: text })) {
        const parsed = parseLinkHeader(l);
        assert.equal(parsed.length, 1);
        assert.equal(parsed[0].params.rel, 'ice-server');
        if (parsed[0].params.username !== undefined) assert.equal(quotedString(parsed[0].params.username), quotedString(text));
      }
      try {
        parseLinkHeader(text);
      } catch (err) {
        if (!(err instanceof Error)) throw err;
      }
    },
  ),
];
