// werift writes an rtpmap's channel count only when it is 2, so an offer of `multiopus/48000/6` (Chromium's
// surround Opus) is answered with `multiopus/48000`, which the browser does not take for the codec it offered: it
// sends no audio. Codecs are written here with their channel count whenever they have more than one, as the offer
// wrote them. Applied once, to werift's codec class, when this module is loaded.
import { RTCRtpCodecParameters } from 'werift';

Object.defineProperty(RTCRtpCodecParameters.prototype, 'str', {
  configurable: true,
  get(this: RTCRtpCodecParameters): string {
    const channels = this.channels;
    return `${this.name}/${this.clockRate}${channels !== undefined && channels > 1 ? `/${channels}` : ''}`;
  },
});
