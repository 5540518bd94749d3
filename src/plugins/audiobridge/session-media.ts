// A participant's PeerConnection: answering the client's audio-only offer, or offering (`generate_offer`), and
// learning the audio m-line and its audio level extension from what was negotiated.
import { PluginError, type Jsep, type OfferTrack } from '../../plugin-api/index.js';
import { errorText } from '../../logging/error-text.js';
import { EXT_AUDIO_LEVEL, OFFER_EXTENSION_IDS } from '../../rtp/header-extensions.js';
import type { AudioCodec } from './audio-codec.js';
import { E } from './audiobridge-error.js';
import type { AudioBridgeSession } from './participant.js';

/** The mid the plugin gives the audio m-line it offers. */
const OFFER_MID = 'audio';

/** Answers a client's offer: audio only, the participant's codec, sendrecv. */
export async function answerClient(session: AudioBridgeSession, jsep: Jsep, codec: AudioCodec): Promise<Jsep> {
  if (jsep.type !== 'offer') throw new PluginError(E.INVALID_SDP, "Received an answer when we didn't send an offer");
  if (session.offerer === 'server') throw new PluginError(E.INVALID_SDP, 'Received an offer on a plugin-offered session');
  if (jsep.e2ee) throw new PluginError(E.INVALID_SDP, 'Media encryption unsupported by this plugin');
  let answer: Jsep;
  try {
    answer = await session.handle.answerOffer(jsep, { audio: true, video: false, data: false, direction: 'sendrecv', audioCodec: codec });
  } catch (err) {
    throw new PluginError(E.INVALID_SDP, `Error parsing offer: ${errorText(err)}`);
  }
  session.offerer = 'client';
  learnNegotiated(session);
  return answer;
}

/** The plugin's offer (join or configure with `generate_offer`); an ICE restart when `restart` and one exists. */
export async function offerClient(session: AudioBridgeSession, codec: AudioCodec, stereo: boolean, restart: boolean): Promise<Jsep> {
  if (session.offerer === 'client') throw new PluginError(E.INVALID_SDP, 'Received an offer request on a user-offered session');
  try {
    if (restart && session.offerer === 'server') return await session.handle.restartIce();
    const track: OfferTrack =
      codec === 'opus'
        ? { kind: 'audio', mid: OFFER_MID, codec: 'opus', pt: 111, clockRate: 48000, channels: 2, fmtp: stereo ? 'stereo=1;sprop-stereo=1;useinbandfec=1' : 'useinbandfec=1', direction: 'sendrecv' }
        : { kind: 'audio', mid: OFFER_MID, codec, pt: codec === 'pcmu' ? 0 : 8, clockRate: 8000, direction: 'sendrecv' };
    const offer = await session.handle.createOffer([track]);
    session.offerer = 'server';
    session.mid = OFFER_MID;
    // What we offered is what the client's packets carry.
    session.audioLevelId = OFFER_EXTENSION_IDS.audio.find(([, uri]) => uri === EXT_AUDIO_LEVEL)?.[0] ?? 0;
    return offer;
  } catch (err) {
    throw new PluginError(E.UNKNOWN_ERROR, `Error creating the offer: ${errorText(err)}`);
  }
}

/** Notes a peer's wish for in-band FEC: an SDP of its with Opus and `useinbandfec=1` (Janus looks no closer). */
export function noteFecWish(session: AudioBridgeSession, jsep: Jsep | undefined): void {
  if (jsep && /^a=rtpmap:\d+ opus\//im.test(jsep.sdp) && jsep.sdp.includes('useinbandfec=1')) session.peerFec = true;
}

/** The audio m-line and the audio level extension id, from the last negotiation. */
export function learnNegotiated(session: AudioBridgeSession): void {
  if (session.offerer === 'server') return;
  const audio = session.handle.negotiatedMedia().find((m) => m.kind === 'audio');
  if (!audio) return;
  session.mid = audio.mid;
  session.audioLevelId = audio.extensions?.find((e) => e.uri === EXT_AUDIO_LEVEL)?.id ?? 0;
}
