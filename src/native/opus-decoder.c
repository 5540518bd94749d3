/* Opus decoding with the machine's libopus (opus-library.c opens it). The packets come from peers: their framing
 * has been checked in TypeScript (src/audio/opus-packet.ts) before they get here, and every length is checked
 * again against the real buffers below. Besides packets, a lost one can be concealed (no data) or recovered from
 * the in-band FEC of the packet after it. */
#include "opus-library.h"
#include "portunus.h"

static const napi_type_tag OPUS_DECODER_TAG = {0x706f7274756e7573ULL, 0x6f70757364656cULL};
static const char *const NOT_A_DECODER = "decoder must be a decoder made by opusDecoderCreate";

static void decoder_destroy(void *state) { opus_lib.decoder_destroy(state); }

/* opusDecoderCreate(rate, channels) -> an external; freed by opusDecoderDestroy or when collected. */
napi_value opus_decoder_create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t rate, channels;
  if (!get_args(env, info, 2, argv) || !opus_rate_channels_args(env, argv[0], argv[1], &rate, &channels)) return NULL;
  int error = 0;
  OpusDecoder *decoder = opus_lib.decoder_create((int32_t)rate, (int)channels, &error);
  return opus_box_wrap(env, decoder, error, decoder_destroy, (int)rate, (int)channels, &OPUS_DECODER_TAG, "opus_decoder_create");
}

/* opusDecode(decoder, packet, length, out, frameSamples, fec) -> samples per channel written to out, or libopus's
 * negative error. packet null (length 0) conceals a lost frame; fec true decodes the frame before `packet` from
 * the redundancy it carries. frameSamples (a multiple of 2.5 ms, at most 120 ms) bounds what is written: out
 * must hold frameSamples * channels. */
napi_value opus_decode(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  napi_valuetype type;
  uint8_t *packet = NULL;
  size_t packet_len = 0, out_count;
  int16_t *out;
  int64_t length, frame;
  bool fec;
  if (!get_args(env, info, 6, argv)) return NULL;
  opus_box *box = opus_box_arg(env, argv[0], &OPUS_DECODER_TAG, NOT_A_DECODER);
  if (!box) return NULL;
  if (napi_typeof(env, argv[1], &type) != napi_ok) return NULL;
  if (type != napi_null && !arg_bytes(env, argv[1], "packet", &packet, &packet_len)) return NULL;
  if (!arg_int(env, argv[2], "length", 0, (int64_t)packet_len, &length) || !arg_int16s(env, argv[3], "out", &out, &out_count) ||
      !arg_int(env, argv[4], "frameSamples", 1, 5760, &frame) || !arg_bool(env, argv[5], "fec", &fec))
    return NULL;
  if ((400 * frame) % box->rate != 0 || frame * 50 > box->rate * 6) {
    throw_range(env, "frameSamples %lld is not a multiple of 2.5 ms up to 120 ms at %d Hz", (long long)frame, box->rate);
    return NULL;
  }
  if (out_count < (size_t)(frame * box->channels)) {
    throw_range(env, "out holds %zu samples, frameSamples needs %lld", out_count, (long long)(frame * box->channels));
    return NULL;
  }
  /* An empty packet is a lost one to libopus: pass NULL, as its API asks. */
  const unsigned char *data = length > 0 ? packet : NULL;
  return make_int(env, opus_lib.decode(box->state, data, (int32_t)length, out, (int)frame, fec ? 1 : 0));
}

/* opusDecoderDestroy(decoder): frees it now; later calls with it throw. Idempotent. */
napi_value opus_decoder_destroy(napi_env env, napi_callback_info info) { return opus_box_destroy_call(env, info, &OPUS_DECODER_TAG, NOT_A_DECODER); }
