// Valid inputs of each parser, built with the project's own builders where it has them: the seeds that
// mutate.ts breaks.
import { MJR_MAGIC } from '../../src/plugins/mjr/mjr-recorder.js';
import { buildFir, buildNack, buildPli, buildReceiverReport, buildRemb, buildSenderReport } from '../../src/rtp/rtcp.js';
import { buildBindingResponse } from '../../src/media/stun-binding.js';
import {
  allocateRequest,
  buildStunMessage,
  channelBindRequest,
  channelDataHeader,
  CLASS_ERROR,
  CLASS_SUCCESS,
  createPermissionRequest,
  longTermKey,
  METHOD_ALLOCATE,
  sendIndication,
} from '../../src/media/turn-messages.js';
import { oggPage } from '../helpers/ogg-page.js';
import { oneByteExtensions, rtpPacket as rtpFromFields, twoByteExtensions } from '../../support/rtp-packets.js';

export const TRANSACTION_ID = Buffer.from('0123456789ab');

/** An RTP packet: `ext` adds a one-byte (0xbede) or two-byte (0x1000) extension block, `csrcs` CSRCs. */
export function rtpPacket(payload: Buffer, opts: { ext?: 'one' | 'two'; csrcs?: number; padding?: number; seq?: number; pt?: number } = {}): Buffer {
  const extension =
    opts.ext === 'one'
      ? oneByteExtensions([
          { id: 1, data: Buffer.from([0xaa]) },
          { id: 2, data: Buffer.from([0x01, 0x02, 0x03]) },
          { id: 3, data: Buffer.from([1, 2, 3, 4, 0]) },
        ])
      : opts.ext === 'two'
        ? twoByteExtensions([
            { id: 1, data: Buffer.from([0xaa, 0xbb]) },
            { id: 5, data: Buffer.from([9]) },
          ])
        : undefined;
  const csrcs = Array.from({ length: opts.csrcs ?? 0 }, (_, i) => i + 1);
  return rtpFromFields({ payloadType: opts.pt ?? 96, marker: true, sequenceNumber: opts.seq ?? 4242, timestamp: 123456, ssrc: 0x11223344, csrcs, extension, padding: opts.padding, payload });
}

/** VP8 payloads: descriptors with 7/15-bit picture IDs, TL0PICIDX, TID/Y/KEYIDX, then a keyframe header. */
export const VP8_PAYLOADS = [
  Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a]),
  Buffer.from([0x90, 0xe0, 0x81, 0x23, 0x05, 0x60, 0x00, 0x9d, 0x01, 0x2a]),
  Buffer.from([0x90, 0x80, 0x12, 0x01, 0x02]),
  Buffer.from([0x80, 0x60, 0x07, 0xa0, 0x55]),
  Buffer.from([0x00, 0x01]),
];

/** VP9 payloads: with picture ID and layer indices (SID/TID/U), a keyframe and an inter frame. */
export const VP9_PAYLOADS = [Buffer.from([0xaa, 0x80, 0x01, 0x22, 0x00]), Buffer.from([0xec, 0x81, 0x02, 0x14, 0x00]), Buffer.from([0x0c, 0x00]), Buffer.from([0xa8, 0x05, 0x52])];

/** H.264 payloads: IDR, SPS, STAP-A with SPS+PPS+IDR, FU-A start of an IDR. */
export const H264_PAYLOADS = [
  Buffer.from([0x65, 0x88, 0x84]),
  Buffer.from([0x67, 0x42, 0x00, 0x1f]),
  Buffer.from([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce, 0x00, 0x02, 0x65, 0x88]),
  Buffer.from([0x7c, 0x85, 0x88, 0x84]),
];

export const RTP_SAMPLES = [
  rtpPacket(Buffer.from('hello')),
  rtpPacket(VP8_PAYLOADS[1], { ext: 'one' }),
  rtpPacket(VP9_PAYLOADS[0], { ext: 'two', csrcs: 2 }),
  rtpPacket(H264_PAYLOADS[2], { padding: 4 }),
  rtpPacket(Buffer.alloc(0), { csrcs: 15 }),
];

export const RTCP_SAMPLES = [
  buildPli(1, 2),
  buildFir(1, 2, 7),
  buildRemb(1, 1_500_000, [2, 3]),
  buildSenderReport(0x11223344, 1_700_000_000_000, 90000, 10, 1000, 'portunus'),
  buildNack(1, 0x11223344, [1, 2, 3, 40, 41, 1000]),
  buildReceiverReport(5, 2, (b, at, i) => b.writeUInt32BE(i + 1, at)),
  Buffer.concat([buildSenderReport(9, 1_700_000_000_000, 1, 1, 1), buildPli(9, 2), buildNack(9, 0x11223344, [5, 6])]),
];

function attributeValue(message: Buffer, type: number): Buffer {
  for (let at = 20; at + 4 <= message.length;) {
    const t = message.readUInt16BE(at);
    const len = message.readUInt16BE(at + 2);
    if (t === type) return message.subarray(at + 4, at + 4 + len);
    at += 4 + ((len + 3) & ~3);
  }
  throw new Error(`no attribute ${type}`);
}

const auth = { username: 'user', realm: 'example.org', nonce: 'abcdef', key: longTermKey('user', 'example.org', 'secret') };
const peer4 = { address: '127.0.0.1', port: 5000 };
const peer6 = { address: '::1', port: 5002 };
const xorPeer4 = attributeValue(sendIndication(TRANSACTION_ID, peer4, Buffer.from('x')), 0x0012);
const xorPeer6 = attributeValue(sendIndication(TRANSACTION_ID, peer6, Buffer.from('x')), 0x0012);
const errorCode = Buffer.concat([Buffer.from([0, 0, 4, 1]), Buffer.from('Unauthorized')]);
const lifetime = Buffer.from([0, 0, 0x02, 0x58]);

export const STUN_SAMPLES = [
  buildBindingResponse(TRANSACTION_ID, { address: '192.0.2.7', port: 40000 }),
  allocateRequest(TRANSACTION_ID, 600, auth),
  createPermissionRequest(TRANSACTION_ID, peer6, auth),
  channelBindRequest(TRANSACTION_ID, 0x4001, peer4, auth),
  sendIndication(TRANSACTION_ID, peer6, Buffer.from('payload bytes')),
  buildStunMessage(METHOD_ALLOCATE, CLASS_ERROR, TRANSACTION_ID, [
    [0x0009, errorCode],
    [0x0014, Buffer.from('example.org')],
    [0x0015, Buffer.from('nonce-1')],
  ]),
  buildStunMessage(
    METHOD_ALLOCATE,
    CLASS_SUCCESS,
    TRANSACTION_ID,
    [
      [0x0016, xorPeer6],
      [0x0020, xorPeer4],
      [0x000d, lifetime],
    ],
    auth,
  ),
  Buffer.concat([channelDataHeader(0x4001, 5), Buffer.from('hello')]),
];

export const SDP_OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'a=msid-semantic: WMS',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=sendrecv',
  'a=msid:- a0',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  'a=ssrc:1111 cname:abc',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=sendrecv',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rid:h send',
  'a=rid:l send',
  'a=simulcast:send h;l',
  'a=ssrc-group:FID 2222 3333',
  'a=ssrc:2222 cname:abc',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=mid:2',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
].join('\r\n');

export const RTSP_SAMPLES = [
  'RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://127.0.0.1:8554/cam/\r\nContent-Type: application/sdp\r\nContent-Length: 12\r\n\r\nv=0\r\ns=cam\r\n',
  'RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\nWWW-Authenticate: Digest realm="cam", nonce="abc", qop="auth,auth-int", algorithm=MD5-sess, opaque="o"\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n',
  'RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 12345678;timeout=60\r\nTransport: RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001\r\n\r\n',
  'SET_PARAMETER rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 9\r\nContent-Length: 12\r\n\r\nparam: value',
  '$\x00\x00\x04abcdRTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n',
];

export const RTSP_SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=cam\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0IAH5WoFAFuQA==,aM48gA==\r\na=control:trackID=0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=control:rtsp://127.0.0.1/cam/trackID=1\r\n';

const opusHead = Buffer.concat([Buffer.from('OpusHead', 'latin1'), Buffer.from([1, 2, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0])]);
const opusTags = Buffer.concat([Buffer.from('OpusTags', 'latin1'), Buffer.from([4, 0, 0, 0]), Buffer.from('test'), Buffer.from([0, 0, 0, 0])]);
export const OGG_SAMPLES = [
  Buffer.concat([
    oggPage(7, 0, [opusHead], 2),
    oggPage(7, 1, [opusTags]),
    oggPage(7, 2, [Buffer.from([0xfc, 1, 2, 3]), Buffer.from([0x78, 9, 9]), Buffer.alloc(300, 0xfc)]),
    oggPage(9, 0, [Buffer.from('other stream')], 2),
    oggPage(7, 3, [Buffer.from([0x0b, 0x83, 1])], 4),
  ]),
];

export const JCFG_SAMPLES = [
  'general: {\n  log_level = 4\n  admin_secret = "janus\\x41\\n" "overhead"\n  # comment\n  interfaces = [ "lo", "eth0" ]\n}\n/* block */ media: { rtp_port_range = "20000-40000"; ipv6 = true; twcc_period = 0x10L; ratio = -1.5e3 }\n',
  'numbers = ( 1e308, -0, 0x7fffffffL, .5e-3, +7, 12LL, -1.5 )\nflag = TRUE\n',
  'room-1234: {\n  description = "Demo Room"\n  publishers = 6\n  bitrate = 128000\n  fir_freq = 10\n  audiocodec = "opus"\n  list = ( 1, 2, ( "a", { x = 1 } ) )\n}\n',
];

export const JSON_SAMPLES = [
  '{"janus":"message","transaction":"abc","session_id":1,"handle_id":2,"body":{"request":"join","room":1234,"ptype":"publisher","display":"x"}}',
  '{"janus":"create","transaction":"t"}  {"janus":"keepalive","session_id":5,"transaction":"k"}\n[1,2,{"a":"\\"}"}]\n"text" 42 true',
];

/** A .mjr file (audio, three frames) built by hand, so the reader's input is not the recorder's alone. */
export function mjrSample(kind: 'a' | 'd' = 'a'): Buffer {
  const info = Buffer.from(JSON.stringify({ t: kind, c: kind === 'a' ? 'opus' : 'text', s: 1_700_000_000_000_000, u: 1_700_000_000_100_000 }));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(info.length);
  const frames = [0, 20, 40].map((ms, i) => {
    const payload = kind === 'a' ? rtpPacket(Buffer.alloc(30 + i, i), { seq: i }) : Buffer.concat([Buffer.alloc(8, 1), Buffer.from(`msg ${i}`)]);
    const h = Buffer.alloc(10);
    h.write('MEET', 0, 'latin1');
    h.writeUInt32BE(ms, 4);
    h.writeUInt16BE(payload.length, 8);
    return Buffer.concat([h, payload]);
  });
  return Buffer.concat([Buffer.from(MJR_MAGIC, 'latin1'), len, info, ...frames]);
}

/** A .mjr file of the first format ('MEETECHO', 'audio', frames of 'MEETECHO' + length + RTP), as Janus's sample is. */
export function legacyMjrSample(): Buffer {
  const header = Buffer.concat([Buffer.from('MEETECHO', 'latin1'), Buffer.from([0, 5]), Buffer.from('audio', 'latin1')]);
  const frames = [0, 1, 2].map((i) => {
    const payload = rtpPacket(Buffer.alloc(20 + i, i), { seq: i });
    const h = Buffer.alloc(10);
    h.write('MEETECHO', 0, 'latin1');
    h.writeUInt16BE(payload.length, 8);
    return Buffer.concat([h, payload]);
  });
  return Buffer.concat([header, ...frames]);
}

export const NFO_SAMPLES = [
  '[1234]\r\nname = Lorenzo says hello!\r\ndate = 2014-10-22 14:44:36\r\naudio = rec-sample-audio.mjr\r\nvideo = rec-sample-video.mjr\r\n',
  '; c\n[42]\nname="x"\ndate=d\nvideo=v.mjr\ndata=d.mjr\n[43]\nname=y\n',
];
