/* The machine's libopus (libopus.so.0, Debian's libopus0), opened at run time with dlopen so that the addon builds
 * and loads without it: no header and no link-time dependency. The prototypes are libopus's stable ABI (opus.h,
 * unchanged since 1.0). opus-encoder.c encodes the server's mix with it; opus-decoder.c decodes peers' packets,
 * which src/audio/opus-packet.ts has checked against RFC 6716's framing rules first. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "opus-library.h"
#include "portunus.h"

opus_symbols opus_lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *symbol(void *handle, const char *name, bool *missing) {
  void *p = dlsym(handle, name);
  if (!p) *missing = true;
  return p;
}

static void library_open(void) {
  void *handle = dlopen("libopus.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    snprintf(opus_lib.error, sizeof opus_lib.error, "%s", why ? why : "libopus.so.0 not found");
    return;
  }
  bool missing = false;
  opus_symbols l = {0};
  /* POSIX allows converting the object pointer dlsym returns to a function pointer. */
  version_fn version = (version_fn)symbol(handle, "opus_get_version_string", &missing);
  l.encoder_create = (encoder_create_fn)symbol(handle, "opus_encoder_create", &missing);
  l.encode = (encode_fn)symbol(handle, "opus_encode", &missing);
  l.encoder_destroy = (encoder_destroy_fn)symbol(handle, "opus_encoder_destroy", &missing);
  l.encoder_ctl = (encoder_ctl_fn)symbol(handle, "opus_encoder_ctl", &missing);
  l.decoder_create = (decoder_create_fn)symbol(handle, "opus_decoder_create", &missing);
  l.decode = (decode_fn)symbol(handle, "opus_decode", &missing);
  l.decoder_destroy = (decoder_destroy_fn)symbol(handle, "opus_decoder_destroy", &missing);
  if (missing) {
    snprintf(opus_lib.error, sizeof opus_lib.error, "libopus.so.0 lacks functions of the libopus 1.x ABI");
    dlclose(handle);
    return;
  }
  l.version = version();
  if (!l.version) l.version = "libopus";
  opus_lib = l;
  opus_lib.ready = true;
}

bool opus_library_ready(void) {
  pthread_once(&once, library_open);
  return opus_lib.ready;
}

/* opusLibrary() -> libopus's version string, or undefined when it cannot be used (opusLibraryError says why). */
napi_value opus_library(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result = NULL;
  if (opus_library_ready())
    napi_create_string_utf8(env, opus_lib.version, NAPI_AUTO_LENGTH, &result);
  else
    napi_get_undefined(env, &result);
  return result;
}

/* opusLibraryError() -> why opusLibrary() is undefined ("" when it is not). */
napi_value opus_library_error(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result = NULL;
  napi_create_string_utf8(env, opus_library_ready() ? "" : opus_lib.error, NAPI_AUTO_LENGTH, &result);
  return result;
}


bool opus_rate_channels_args(napi_env env, napi_value rate_value, napi_value channels_value, int64_t *rate, int64_t *channels) {
  if (!arg_int(env, rate_value, "rate", 8000, 48000, rate) || !arg_int(env, channels_value, "channels", 1, 2, channels)) return false;
  if (*rate != 8000 && *rate != 12000 && *rate != 16000 && *rate != 24000 && *rate != 48000) {
    throw_range(env, "rate must be 8000, 12000, 16000, 24000 or 48000");
    return false;
  }
  if (!opus_library_ready()) {
    napi_throw_error(env, NULL, opus_lib.error);
    return false;
  }
  return true;
}

static void box_free(opus_box *box) {
  if (box->state) box->destroy(box->state);
  box->state = NULL;
}

static void box_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  box_free(data);
  free(data);
}

napi_value opus_box_wrap(napi_env env, void *state, int error, void (*destroy)(void *), int rate, int channels, const napi_type_tag *tag, const char *what) {
  napi_value result;
  if (!state || error != 0) {
    if (state) destroy(state);
    char msg[64];
    snprintf(msg, sizeof msg, "%s failed (%d)", what, error);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  opus_box *box = calloc(1, sizeof *box);
  if (!box) {
    destroy(state);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  *box = (opus_box){.state = state, .destroy = destroy, .rate = rate, .channels = channels};
  if (!make_tagged_external(env, box, box_finalize, tag, &result)) {
    box_finalize(env, box, NULL);
    return NULL;
  }
  return result;
}

opus_box *opus_box_arg(napi_env env, napi_value value, const napi_type_tag *tag, const char *what) {
  opus_box *box = arg_tagged(env, value, tag, what);
  if (box && !box->state) {
    napi_throw_type_error(env, NULL, "the encoder or decoder was destroyed");
    return NULL;
  }
  return box;
}

napi_value opus_box_destroy_call(napi_env env, napi_callback_info info, const napi_type_tag *tag, const char *what) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  opus_box *box = arg_tagged(env, argv[0], tag, what);
  if (box) box_free(box);
  return NULL;
}
