/* Opus encoding with the machine's libopus (opus-library.c opens it). What is encoded is the server's own mix. */
#include "opus-library.h"
#include "portunus.h"

static const napi_type_tag OPUS_ENCODER_TAG = {0x706f7274756e7573ULL, 0x6f707573656e63ULL};
static const char *const NOT_AN_ENCODER = "encoder must be an encoder made by opusEncoderCreate";

static void encoder_destroy(void *state) { opus_lib.encoder_destroy(state); }

/* opusEncoderCreate(rate, channels, application) -> an external; the encoder is freed by opusEncoderDestroy or
 * when the external is collected. */
napi_value opus_encoder_create(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t rate, channels, application;
  if (!get_args(env, info, 3, argv) || !arg_int(env, argv[2], "application", 2048, 2051, &application)) return NULL;
  if (application == 2050) {
    throw_range(env, "application must be 2048, 2049 or 2051");
    return NULL;
  }
  if (!opus_rate_channels_args(env, argv[0], argv[1], &rate, &channels)) return NULL;
  int error = 0;
  OpusEncoder *encoder = opus_lib.encoder_create((int32_t)rate, (int)channels, (int)application, &error);
  return opus_box_wrap(env, encoder, error, encoder_destroy, (int)rate, (int)channels, &OPUS_ENCODER_TAG, "opus_encoder_create");
}

/* The setters the mixer uses (opus_defines.h numbering) and the values each allows. */
static bool setter_range(int64_t request, int64_t *min, int64_t *max) {
  switch (request) {
    case 4002: /* OPUS_SET_BITRATE: bits per second, or OPUS_AUTO (-1000) / OPUS_BITRATE_MAX (-1) */
      *min = -1000, *max = 512000;
      return true;
    case 4010: /* OPUS_SET_COMPLEXITY */
      *min = 0, *max = 10;
      return true;
    case 4012: /* OPUS_SET_INBAND_FEC */
      *min = 0, *max = 2;
      return true;
    case 4014: /* OPUS_SET_PACKET_LOSS_PERC */
      *min = 0, *max = 100;
      return true;
    case 4016: /* OPUS_SET_DTX */
      *min = 0, *max = 1;
      return true;
    default:
      return false;
  }
}

/* opusEncoderSet(encoder, request, value) -> libopus's status (0: done, negative: refused). */
napi_value opus_encoder_set(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t request, value, min, max;
  if (!get_args(env, info, 3, argv)) return NULL;
  opus_box *box = opus_box_arg(env, argv[0], &OPUS_ENCODER_TAG, NOT_AN_ENCODER);
  if (!box || !arg_int(env, argv[1], "request", 0, 100000, &request)) return NULL;
  if (!setter_range(request, &min, &max)) {
    throw_range(env, "request %lld is not a setter this addon passes on", (long long)request);
    return NULL;
  }
  if (!arg_int(env, argv[2], "value", min, max, &value)) return NULL;
  return make_int(env, opus_lib.encoder_ctl(box->state, (int)request, (int32_t)value));
}

/* opusEncode(encoder, pcm, frameSamples, out) -> the packet's length in out, or libopus's negative error. pcm is
 * an Int16Array of frameSamples * channels interleaved samples at least; frameSamples is 2.5 to 60 ms. */
napi_value opus_encode(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int16_t *pcm;
  size_t pcm_count, out_len;
  uint8_t *out;
  int64_t frame;
  if (!get_args(env, info, 4, argv)) return NULL;
  opus_box *box = opus_box_arg(env, argv[0], &OPUS_ENCODER_TAG, NOT_AN_ENCODER);
  if (!box || !arg_int16s(env, argv[1], "pcm", &pcm, &pcm_count) || !arg_int(env, argv[2], "frameSamples", 1, 2880, &frame) || !arg_bytes(env, argv[3], "out", &out, &out_len))
    return NULL;
  /* 2.5, 5, 10, 20, 40 or 60 ms: 400 * frame is a multiple of the rate and 400 * frame / rate in {1, 2, 4, 8, 16, 24}. */
  int64_t units = 400 * frame / box->rate;
  if ((400 * frame) % box->rate != 0 || !(units == 1 || units == 2 || units == 4 || units == 8 || units == 16 || units == 24)) {
    throw_range(env, "frameSamples %lld is not 2.5, 5, 10, 20, 40 or 60 ms at %d Hz", (long long)frame, box->rate);
    return NULL;
  }
  if (pcm_count < (size_t)(frame * box->channels)) {
    throw_range(env, "pcm holds %zu samples, the frame needs %lld", pcm_count, (long long)(frame * box->channels));
    return NULL;
  }
  if (out_len == 0) {
    throw_range(env, "out has no room");
    return NULL;
  }
  int32_t max_bytes = out_len > 4000 ? 4000 : (int32_t)out_len;
  return make_int(env, opus_lib.encode(box->state, pcm, (int)frame, out, max_bytes));
}

/* opusEncoderDestroy(encoder): frees it now; later calls with it throw. Idempotent. */
napi_value opus_encoder_destroy(napi_env env, napi_callback_info info) { return opus_box_destroy_call(env, info, &OPUS_ENCODER_TAG, NOT_AN_ENCODER); }
