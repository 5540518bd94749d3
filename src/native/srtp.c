/* SRTP protection of outbound RTP packets, in place: AES_CM_128_HMAC_SHA1_80 (RFC 3711) and AEAD_AES_128_GCM
 * (RFC 7714), from the session keys srtp-keys.ts derives. A context keeps one cipher context and one HMAC
 * context keyed once, so a packet costs an IV reset and the cipher/MAC work, never a key schedule (the
 * TypeScript path needs a new GCM cipher object per packet). OpenSSL's symbols are those of the running
 * node binary, left undefined here and resolved when the addon is loaded. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "portunus.h"

#define PROFILE_AES128_CM_HMAC_SHA1_80 0x0001
#define PROFILE_AEAD_AES_128_GCM 0x0007
#define CM_TAG 10
#define GCM_TAG 16

typedef struct {
  int profile;
  int tag_length;
  EVP_CIPHER_CTX *cipher; /* AES-128-CTR or AES-128-GCM, key already set */
  EVP_MAC_CTX *mac;       /* HMAC-SHA1 with the auth key (AES-CM only) */
  uint8_t salt[14];       /* 14 bytes for AES-CM, the first 12 for GCM */
} srtp_context;

/* Tells our externals from any other napi external passed in by mistake. */
static const napi_type_tag SRTP_CONTEXT_TAG = {0x706f7274756e7573ULL, 0x73727470637478ULL};

static void context_free(srtp_context *c) {
  if (!c) return;
  EVP_CIPHER_CTX_free(c->cipher);
  EVP_MAC_CTX_free(c->mac);
  free(c);
}

static void context_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  context_free(data);
}

/* Length of an RTP header with its CSRCs and extension block, or -1: exactly rtpHeaderLength of srtp-protector.ts. */
static int64_t rtp_header_length(const uint8_t *p, int64_t len) {
  if (len < 12) return -1;
  int64_t n = 12 + 4 * (p[0] & 0x0f);
  if (p[0] & 0x10) {
    if (n + 4 > len) return -1;
    n += 4 + 4 * ((p[n + 2] << 8) | p[n + 3]);
  }
  return n <= len ? n : -1;
}

static napi_value openssl_error(napi_env env, const char *what) {
  napi_throw_error(env, NULL, what);
  return NULL;
}

/* srtpCreate(profile, cipherKey, salt, authKey) -> an external holding the keyed contexts. */
napi_value srtp_create(napi_env env, napi_callback_info info) {
  napi_value argv[4], result;
  int64_t profile;
  uint8_t *key, *salt, *auth;
  size_t key_len, salt_len, auth_len;
  if (!get_args(env, info, 4, argv)) return NULL;
  if (!arg_int(env, argv[0], "profile", 0, 0xffff, &profile)) return NULL;
  if (!arg_bytes(env, argv[1], "cipherKey", &key, &key_len)) return NULL;
  if (!arg_bytes(env, argv[2], "salt", &salt, &salt_len)) return NULL;
  if (!arg_bytes(env, argv[3], "authKey", &auth, &auth_len)) return NULL;
  bool gcm = profile == PROFILE_AEAD_AES_128_GCM;
  if (!gcm && profile != PROFILE_AES128_CM_HMAC_SHA1_80) {
    throw_range(env, "unsupported SRTP profile %lld", (long long)profile);
    return NULL;
  }
  if (key_len != 16 || salt_len != (gcm ? 12u : 14u) || (!gcm && auth_len != 20)) {
    throw_range(env, "SRTP session keys must be 16/%d/%d bytes (cipher key/salt/auth key), got %zu/%zu/%zu", gcm ? 12 : 14, gcm ? 0 : 20, key_len, salt_len, auth_len);
    return NULL;
  }

  srtp_context *c = calloc(1, sizeof *c);
  if (!c) return openssl_error(env, "out of memory");
  c->profile = (int)profile;
  c->tag_length = gcm ? GCM_TAG : CM_TAG;
  memcpy(c->salt, salt, salt_len);
  c->cipher = EVP_CIPHER_CTX_new();
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, gcm ? "AES-128-GCM" : "AES-128-CTR", NULL);
  int ok = c->cipher && cipher && EVP_EncryptInit_ex(c->cipher, cipher, NULL, key, NULL) == 1;
  EVP_CIPHER_free(cipher); /* the context keeps its own reference */
  if (ok && !gcm) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    c->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0), OSSL_PARAM_construct_end()};
    ok = c->mac && EVP_MAC_init(c->mac, auth, auth_len, params) == 1;
  }
  if (!ok) {
    context_free(c);
    return openssl_error(env, "OpenSSL could not set up the SRTP context");
  }
  if (napi_create_external(env, c, context_finalize, NULL, &result) != napi_ok) {
    context_free(c);
    return NULL;
  }
  if (napi_type_tag_object(env, result, &SRTP_CONTEXT_TAG) != napi_ok) return NULL; /* the finalizer still frees c */
  return result;
}

/* AES-CM IV (RFC 3711 §4.1.1): salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16; the block counter starts at 0. */
static int protect_cm(srtp_context *c, uint8_t *buf, int64_t len, int64_t header, uint32_t roc) {
  uint8_t iv[16] = {0}, roc_be[4], tag[EVP_MAX_MD_SIZE];
  int out_len;
  size_t tag_len;
  memcpy(iv, c->salt, 14);
  for (int i = 0; i < 4; i++) iv[4 + i] ^= buf[8 + i];
  roc_be[0] = roc >> 24;
  roc_be[1] = roc >> 16;
  roc_be[2] = roc >> 8;
  roc_be[3] = roc;
  for (int i = 0; i < 4; i++) iv[8 + i] ^= roc_be[i];
  iv[12] ^= buf[2];
  iv[13] ^= buf[3];
  /* A NULL cipher and key keep the key schedule; only the IV (and the stream position) is reset. */
  if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1) return 0;
  if (len > header && EVP_EncryptUpdate(c->cipher, buf + header, &out_len, buf + header, (int)(len - header)) != 1) return 0;
  /* A NULL key re-initialises HMAC with the key it already holds (its padded key state is kept). */
  if (EVP_MAC_init(c->mac, NULL, 0, NULL) != 1 || EVP_MAC_update(c->mac, buf, (size_t)len) != 1 || EVP_MAC_update(c->mac, roc_be, 4) != 1 ||
      EVP_MAC_final(c->mac, tag, &tag_len, sizeof tag) != 1 || tag_len < CM_TAG)
    return 0;
  memcpy(buf + len, tag, CM_TAG);
  return 1;
}

/* GCM IV (RFC 7714 §8.1): 00 00 | SSRC | ROC | SEQ, XOR the 12-byte salt; the header is the AAD. */
static int protect_gcm(srtp_context *c, uint8_t *buf, int64_t len, int64_t header, uint32_t roc) {
  uint8_t iv[12] = {0}, scratch[16];
  int out_len;
  for (int i = 0; i < 4; i++) iv[2 + i] = buf[8 + i];
  iv[6] = roc >> 24;
  iv[7] = roc >> 16;
  iv[8] = roc >> 8;
  iv[9] = roc;
  iv[10] = buf[2];
  iv[11] = buf[3];
  for (int i = 0; i < 12; i++) iv[i] ^= c->salt[i];
  if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1) return 0;
  if (EVP_EncryptUpdate(c->cipher, NULL, &out_len, buf, (int)header) != 1) return 0;
  if (len > header && EVP_EncryptUpdate(c->cipher, buf + header, &out_len, buf + header, (int)(len - header)) != 1) return 0;
  if (EVP_EncryptFinal_ex(c->cipher, scratch, &out_len) != 1) return 0;
  return EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_GET_TAG, GCM_TAG, buf + len) == 1;
}

/* srtpProtect(ctx, buf, len, roc) -> len + tag length, or -1 for a malformed RTP header. Protects buf[0, len)
 * in place and writes the tag after it; buf must have room for the tag. */
napi_value srtp_protect(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  bool tagged = false;
  void *data = NULL;
  uint8_t *buf;
  size_t buf_len;
  int64_t len, roc;
  if (!get_args(env, info, 4, argv)) return NULL;
  if (napi_check_object_type_tag(env, argv[0], &SRTP_CONTEXT_TAG, &tagged) != napi_ok || !tagged || napi_get_value_external(env, argv[0], &data) != napi_ok || !data) {
    napi_throw_type_error(env, NULL, "ctx must be a context made by srtpCreate");
    return NULL;
  }
  srtp_context *c = data;
  if (!arg_bytes(env, argv[1], "buf", &buf, &buf_len)) return NULL;
  if (!arg_int(env, argv[2], "len", 0, INT32_MAX - GCM_TAG, &len)) return NULL;
  if (!arg_int(env, argv[3], "roc", 0, UINT32_MAX, &roc)) return NULL;
  if ((uint64_t)len + (uint64_t)c->tag_length > buf_len) {
    throw_range(env, "buf (%zu bytes) has no room for %lld bytes and a %d-byte tag", buf_len, (long long)len, c->tag_length);
    return NULL;
  }
  int64_t header = rtp_header_length(buf, len);
  if (header < 0) return make_int(env, -1);
  int ok = c->profile == PROFILE_AEAD_AES_128_GCM ? protect_gcm(c, buf, len, header, (uint32_t)roc) : protect_cm(c, buf, len, header, (uint32_t)roc);
  if (!ok) return openssl_error(env, "OpenSSL failed to protect an SRTP packet");
  return make_int(env, len + c->tag_length);
}
