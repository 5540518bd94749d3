// A peer's events as named events with listeners, for code that drives a WebRtcPeer without a core handle (tests,
// tools). The core passes its own HandleMediaEvents instead, so no emitter is on its packet path.
import type { HandleMediaEvents, RemoteCandidate } from '../core/media-port.js';
import type { RtpKind, RtpTrackInfo, WebRtcPeerEvents } from './peer-types.js';
import { TypedEmitter } from './typed-emitter.js';

export class PeerEventEmitter extends TypedEmitter<WebRtcPeerEvents> implements HandleMediaEvents {
  localCandidate(c: RemoteCandidate): void {
    this.emit('localCandidate', c.completed === true ? { completed: true } : { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0 });
  }
  webrtcUp(): void {
    this.emit('webrtcup');
  }
  mediaState(mid: string, type: RtpKind, receiving: boolean): void {
    this.emit('media', { mid, type, receiving });
  }
  slowLink(mid: string, type: RtpKind, uplink: boolean, lost: number): void {
    this.emit('slowlink', { mid, media: type, uplink, lost });
  }
  hangup(reason: string): void {
    this.emit('hangup', reason);
  }
  rtp(track: RtpTrackInfo, packet: Buffer): void {
    this.emit('rtp', track, packet);
  }
  rtcp(track: RtpTrackInfo | undefined, packet: Buffer): void {
    this.emit('rtcp', track, packet);
  }
  data(label: string, data: Buffer | string): void {
    this.emit('data', { label, data, binary: Buffer.isBuffer(data) });
  }
}
