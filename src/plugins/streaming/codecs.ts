// The codecs a mountpoint may carry: the registry's codecs that the media layer negotiates (a viewer must be
// able to receive them), found by name or rtpmap.
import { findCodec as findRegisteredCodec, type CodecEntry } from '../../forwarding/codec-registry.js';

/** Accepts "opus", "VP8", or an rtpmap such as "opus/48000/2". */
export function findCodec(kind: 'audio' | 'video', text: string): CodecEntry | undefined {
  const entry = findRegisteredCodec(text, kind);
  return entry?.negotiable ? entry : undefined;
}
