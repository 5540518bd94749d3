// The codecs an AudioBridge participant may use, as Janus names them in `join`/`configure` (`codec`).
export type AudioCodec = 'opus' | 'pcmu' | 'pcma';

export const AUDIO_CODECS: readonly AudioCodec[] = ['opus', 'pcmu', 'pcma'];

export function isAudioCodec(name: unknown): name is AudioCodec {
  return typeof name === 'string' && (AUDIO_CODECS as readonly string[]).includes(name);
}

/** The RTP clock of each: Opus always counts 48 kHz (RFC 7587), G.711 8 kHz. */
export function rtpClock(codec: AudioCodec): number {
  return codec === 'opus' ? 48_000 : 8_000;
}

/** The static payload types of G.711 (RFC 3551); Opus's is dynamic, negotiated. */
export function staticPayloadType(codec: AudioCodec): number | undefined {
  return codec === 'pcmu' ? 0 : codec === 'pcma' ? 8 : undefined;
}
