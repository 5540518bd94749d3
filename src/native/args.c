/* Argument checks shared by the entry points. JS can pass anything; these turn every wrong type into a
 * TypeError and every number outside what the caller allows into a RangeError, so the code behind them
 * only ever sees integers in range and the true extent of each buffer. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "portunus.h"

bool get_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (argc < expected) {
    char msg[96];
    snprintf(msg, sizeof msg, "expected %zu arguments, got %zu", expected, argc);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

void throw_range(napi_env env, const char *fmt, ...) {
  char msg[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  napi_throw_range_error(env, NULL, msg);
}

static bool throw_type(napi_env env, const char *name, const char *what) {
  char msg[128];
  snprintf(msg, sizeof msg, "%s must be %s", name, what);
  napi_throw_type_error(env, NULL, msg);
  return false;
}

bool arg_int(napi_env env, napi_value value, const char *name, int64_t min, int64_t max, int64_t *out) {
  napi_valuetype type;
  double d;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) return throw_type(env, name, "a number");
  if (napi_get_value_double(env, value, &d) != napi_ok) return throw_type(env, name, "a number");
  /* Compare as doubles first: NaN, infinities and huge values never reach the integer conversion. */
  if (!(d >= (double)min && d <= (double)max) || d != floor(d)) {
    throw_range(env, "%s must be an integer in [%lld, %lld]", name, (long long)min, (long long)max);
    return false;
  }
  *out = (int64_t)d;
  return true;
}

bool arg_finite(napi_env env, napi_value value, const char *name, double *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number || napi_get_value_double(env, value, out) != napi_ok) return throw_type(env, name, "a number");
  if (!isfinite(*out)) {
    throw_range(env, "%s must be a finite number", name);
    return false;
  }
  return true;
}

bool arg_bool(napi_env env, napi_value value, const char *name, bool *out) {
  if (napi_get_value_bool(env, value, out) != napi_ok) return throw_type(env, name, "a boolean");
  return true;
}

/* A Buffer or any Uint8Array; `data` points at its first byte (the view's offset already applied). */
bool arg_bytes(napi_env env, napi_value value, const char *name, uint8_t **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *p = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return throw_type(env, name, "a Buffer or Uint8Array");
  if (napi_get_typedarray_info(env, value, &type, length, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) return throw_type(env, name, "a Buffer or Uint8Array");
  *data = p;
  if (*data == NULL) *length = 0; /* a detached buffer: nothing to touch */
  return true;
}

/* A typed array of one element type: its data and element count (0 for an empty one). */
static bool arg_typed(napi_env env, napi_value value, const char *name, napi_typedarray_type want, const char *what, void **data, size_t *count) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *p = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return throw_type(env, name, what);
  if (napi_get_typedarray_info(env, value, &type, count, &p, NULL, NULL) != napi_ok || type != want) return throw_type(env, name, what);
  *data = p;
  if (p == NULL) *count = 0;
  return true;
}

bool arg_int32s(napi_env env, napi_value value, const char *name, int32_t **data, size_t *count) {
  void *p = NULL;
  if (!arg_typed(env, value, name, napi_int32_array, "an Int32Array", &p, count)) return false;
  *data = p;
  return true;
}

bool arg_int16s(napi_env env, napi_value value, const char *name, int16_t **data, size_t *count) {
  void *p = NULL;
  if (!arg_typed(env, value, name, napi_int16_array, "an Int16Array", &p, count)) return false;
  *data = p;
  return true;
}

bool arg_float64s(napi_env env, napi_value value, const char *name, size_t min, double **data) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t count;
  void *p = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed || napi_get_typedarray_info(env, value, &type, &count, &p, NULL, NULL) != napi_ok || type != napi_float64_array)
    return throw_type(env, name, "a Float64Array");
  if (!p || count < min) {
    throw_range(env, "%s must hold %zu numbers", name, min);
    return false;
  }
  *data = p;
  return true;
}

napi_value make_int(napi_env env, int64_t value) {
  napi_value result = NULL;
  napi_create_int64(env, value, &result);
  return result;
}
