/* The functions of libopus that opus-library.c finds at run time, for the encoder and decoder entry points. */
#ifndef OPUS_LIBRARY_H
#define OPUS_LIBRARY_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct OpusEncoder OpusEncoder;
typedef struct OpusDecoder OpusDecoder;
typedef OpusEncoder *(*encoder_create_fn)(int32_t rate, int channels, int application, int *error);
typedef int32_t (*encode_fn)(OpusEncoder *st, const int16_t *pcm, int frame_size, unsigned char *data, int32_t max_bytes);
typedef void (*encoder_destroy_fn)(OpusEncoder *st);
typedef int (*encoder_ctl_fn)(OpusEncoder *st, int request, ...);
typedef OpusDecoder *(*decoder_create_fn)(int32_t rate, int channels, int *error);
typedef int (*decode_fn)(OpusDecoder *st, const unsigned char *data, int32_t len, int16_t *pcm, int frame_size, int decode_fec);
typedef void (*decoder_destroy_fn)(OpusDecoder *st);
typedef const char *(*version_fn)(void);

typedef struct {
  bool ready;
  encoder_create_fn encoder_create;
  encode_fn encode;
  encoder_destroy_fn encoder_destroy;
  encoder_ctl_fn encoder_ctl;
  decoder_create_fn decoder_create;
  decode_fn decode;
  decoder_destroy_fn decoder_destroy;
  const char *version;
  char error[200];
} opus_symbols;

/* Filled once by opus_library_ready; read only after it returned true (or for .error after false). */
extern opus_symbols opus_lib;
/* Opens libopus the first time (thread-safe); true when every function was found. */
bool opus_library_ready(void);


/* One encoder or decoder behind a JS external: the state (NULL once destroyed), what frees it, its rate and
 * channels. The same for both, so creation, checks and destruction are written once. */
typedef struct {
  void *state;
  void (*destroy)(void *state);
  int rate, channels;
} opus_box;

/* Checks rate (8, 12, 16, 24 or 48 kHz) and channels (1 or 2) and that libopus is there; false with an exception pending. */
bool opus_rate_channels_args(napi_env env, napi_value rate_value, napi_value channels_value, int64_t *rate, int64_t *channels);
/* Wraps a state libopus created (error: its status) in a tagged external, or frees it and throws. */
napi_value opus_box_wrap(napi_env env, void *state, int error, void (*destroy)(void *), int rate, int channels, const napi_type_tag *tag, const char *what);
/* The live box behind an external with `tag`, or NULL with a TypeError pending (`what` names the maker). */
opus_box *opus_box_arg(napi_env env, napi_value value, const napi_type_tag *tag, const char *what);
/* The entry point body of opusEncoderDestroy and opusDecoderDestroy: frees the state now; idempotent. */
napi_value opus_box_destroy_call(napi_env env, napi_callback_info info, const napi_type_tag *tag, const char *what);

#endif
