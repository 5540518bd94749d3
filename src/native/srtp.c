/* SRTP protection of outbound RTP packets and the tag check and decryption of inbound ones, in place:
 * AES_CM_128_HMAC_SHA1_80/32 (RFC 3711) and AEAD_AES_128_GCM (RFC 7714), from the session keys srtp-keys.ts
 * derives. The rollover counter and the replay window stay in TypeScript (srtp-unprotector.ts), which hands
 * over only packets whose header it has checked. A context keeps one cipher context and one HMAC
 * context keyed once, so a packet costs an IV reset and the cipher/MAC work, never a key schedule (the
 * TypeScript path needs a new GCM cipher object per packet). OpenSSL's symbols are those of the running
 * node binary, left undefined here and resolved when the addon is loaded. */
/* SHA1_Init/Update/Final are deprecated in OpenSSL 3 but exported by node; HMAC from two saved SHA_CTX states
 * (a struct copy per packet) costs about half of what EVP_MAC's per-packet re-initialisation does. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "portunus.h"

#define PROFILE_AES128_CM_HMAC_SHA1_80 0x0001
#define PROFILE_AEAD_AES_128_GCM 0x0007
#define CM_TAG 10
#define GCM_TAG 16

struct srtp_context {
  int profile;
  int tag_length;
  EVP_CIPHER_CTX *cipher; /* AES-128-CTR or AES-128-GCM, key already set */
  EVP_CIPHER_CTX *decipher; /* AES-128-GCM for decryption, keyed at the first unprotect (GCM only) */
  SHA_CTX hmac_inner;     /* SHA-1 after (auth key XOR ipad), AES-CM only */
  SHA_CTX hmac_outer;     /* SHA-1 after (auth key XOR opad) */
  uint8_t salt[14];       /* 14 bytes for AES-CM, the first 12 for GCM */
  uint8_t key[16];        /* kept for the GCM decryption context */
  int holders;            /* its JS external and each out_stream bound to it (all on one thread) */
};

/* Tells our externals from any other napi external passed in by mistake. */
static const napi_type_tag SRTP_CONTEXT_TAG = {0x706f7274756e7573ULL, 0x73727470637478ULL};

static void context_free(srtp_context *c) {
  if (!c || --c->holders > 0) return;
  EVP_CIPHER_CTX_free(c->cipher);
  EVP_CIPHER_CTX_free(c->decipher);
  free(c);
}

void srtp_context_hold(srtp_context *c) { c->holders++; }

void srtp_context_release(srtp_context *c) { context_free(c); }

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
  c->holders = 1;
  c->profile = (int)profile;
  c->tag_length = gcm ? GCM_TAG : CM_TAG;
  memcpy(c->salt, salt, salt_len);
  memcpy(c->key, key, 16);
  c->cipher = EVP_CIPHER_CTX_new();
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, gcm ? "AES-128-GCM" : "AES-128-CTR", NULL);
  int ok = c->cipher && cipher && EVP_EncryptInit_ex(c->cipher, cipher, NULL, key, NULL) == 1;
  EVP_CIPHER_free(cipher); /* the context keeps its own reference */
  if (ok && !gcm) {
    /* RFC 2104 with a 20-byte key (shorter than SHA-1's 64-byte block: padded with zeros, never hashed). */
    uint8_t pad[64];
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < auth_len; i++) pad[i] ^= auth[i];
    ok = SHA1_Init(&c->hmac_inner) == 1 && SHA1_Update(&c->hmac_inner, pad, sizeof pad) == 1;
    memset(pad, 0x5c, sizeof pad);
    for (size_t i = 0; i < auth_len; i++) pad[i] ^= auth[i];
    ok = ok && SHA1_Init(&c->hmac_outer) == 1 && SHA1_Update(&c->hmac_outer, pad, sizeof pad) == 1;
  }
  if (!ok) {
    context_free(c);
    return openssl_error(env, "OpenSSL could not set up the SRTP context");
  }
  if (!make_tagged_external(env, c, context_finalize, &SRTP_CONTEXT_TAG, &result)) {
    context_free(c);
    return NULL;
  }
  return result;
}

static void roc_bytes(uint32_t roc, uint8_t out[4]) {
  out[0] = roc >> 24;
  out[1] = roc >> 16;
  out[2] = roc >> 8;
  out[3] = roc;
}

/* AES-CM (RFC 3711 §4.1.1): IV = salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16 (the 48-bit index as ROC and
 * sequence number), block counter from 0; the same keystream encrypts and decrypts buf[from, len). */
static int cm_crypt(srtp_context *c, uint8_t *buf, int64_t from, int64_t len, const uint8_t ssrc_be[4], const uint8_t roc_be[4], const uint8_t seq_be[2]) {
  uint8_t iv[16] = {0};
  int out_len;
  memcpy(iv, c->salt, 14);
  for (int i = 0; i < 4; i++) iv[4 + i] ^= ssrc_be[i];
  for (int i = 0; i < 4; i++) iv[8 + i] ^= roc_be[i];
  iv[12] ^= seq_be[0];
  iv[13] ^= seq_be[1];
  /* A NULL cipher and key keep the key schedule; only the IV (and the stream position) is reset. */
  if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1) return 0;
  return len <= from || EVP_EncryptUpdate(c->cipher, buf + from, &out_len, buf + from, (int)(len - from)) == 1;
}

/* An RTP packet's payload: the SSRC and sequence number come from its header. */
static int apply_cm(srtp_context *c, uint8_t *buf, int64_t len, int64_t header, const uint8_t roc_be[4]) { return cm_crypt(c, buf, header, len, buf + 8, roc_be, buf + 2); }

/* HMAC-SHA1 over buf[0, len) and then the ROC when there is one (RFC 3711 §4.2), the full 20 bytes into tag. */
static int tag_cm(const srtp_context *c, const uint8_t *buf, int64_t len, const uint8_t *roc_be, uint8_t tag[SHA_DIGEST_LENGTH]) {
  SHA_CTX h = c->hmac_inner;
  uint8_t inner[SHA_DIGEST_LENGTH];
  if (SHA1_Update(&h, buf, (size_t)len) != 1 || (roc_be && SHA1_Update(&h, roc_be, 4) != 1) || SHA1_Final(inner, &h) != 1) return 0;
  h = c->hmac_outer;
  return SHA1_Update(&h, inner, sizeof inner) == 1 && SHA1_Final(tag, &h) == 1;
}

static int protect_cm(srtp_context *c, uint8_t *buf, int64_t len, int64_t header, uint32_t roc) {
  uint8_t roc_be[4], tag[SHA_DIGEST_LENGTH];
  roc_bytes(roc, roc_be);
  if (!apply_cm(c, buf, len, header, roc_be) || !tag_cm(c, buf, len, roc_be, tag)) return 0;
  memcpy(buf + len, tag, CM_TAG);
  return 1;
}

/* GCM IV (RFC 7714 §8.1): 00 00 | SSRC | ROC | SEQ, XOR the 12-byte salt; the header is the AAD. SRTCP's
 * (§9.1), 00 00 | SSRC | 00 00 | index, is the same with ROC = index >> 16 and SEQ = its low 16 bits. */
static void gcm_iv_of(const srtp_context *c, const uint8_t ssrc_be[4], uint32_t roc, const uint8_t seq_be[2], uint8_t iv[12]) {
  iv[0] = iv[1] = 0;
  for (int i = 0; i < 4; i++) iv[2 + i] = ssrc_be[i];
  roc_bytes(roc, iv + 6);
  iv[10] = seq_be[0];
  iv[11] = seq_be[1];
  for (int i = 0; i < 12; i++) iv[i] ^= c->salt[i];
}

static void gcm_iv(const srtp_context *c, const uint8_t *buf, uint32_t roc, uint8_t iv[12]) { gcm_iv_of(c, buf + 8, roc, buf + 2, iv); }

static int protect_gcm(srtp_context *c, uint8_t *buf, int64_t len, int64_t header, uint32_t roc) {
  uint8_t iv[12], scratch[16];
  int out_len;
  gcm_iv(c, buf, roc, iv);
  if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1) return 0;
  if (EVP_EncryptUpdate(c->cipher, NULL, &out_len, buf, (int)header) != 1) return 0;
  if (len > header && EVP_EncryptUpdate(c->cipher, buf + header, &out_len, buf + header, (int)(len - header)) != 1) return 0;
  if (EVP_EncryptFinal_ex(c->cipher, scratch, &out_len) != 1) return 0;
  return EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_GET_TAG, GCM_TAG, buf + len) == 1;
}

/* Context argument check shared by the entry points (and out-stream.c). */
srtp_context *srtp_context_arg(napi_env env, napi_value value) { return arg_tagged(env, value, &SRTP_CONTEXT_TAG, "ctx must be a context made by srtpCreate"); }

int srtp_tag_length(const srtp_context *c) { return c->tag_length; }

int64_t srtp_protect_in_place(srtp_context *c, uint8_t *buf, int64_t len, uint32_t roc) {
  int64_t header = rtp_header_length(buf, len);
  if (header < 0) return -1;
  int ok = c->profile == PROFILE_AEAD_AES_128_GCM ? protect_gcm(c, buf, len, header, roc) : protect_cm(c, buf, len, header, roc);
  return ok ? len + c->tag_length : -2;
}

/* srtpProtect(ctx, buf, len, roc) -> len + tag length, or -1 for a malformed RTP header. Protects buf[0, len)
 * in place and writes the tag after it; buf must have room for the tag. */
napi_value srtp_protect(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  uint8_t *buf;
  size_t buf_len;
  int64_t len, roc;
  if (!get_args(env, info, 4, argv)) return NULL;
  srtp_context *c = srtp_context_arg(env, argv[0]);
  if (!c) return NULL;
  if (!arg_bytes(env, argv[1], "buf", &buf, &buf_len)) return NULL;
  if (!arg_int(env, argv[2], "len", 0, INT32_MAX - GCM_TAG, &len)) return NULL;
  if (!arg_int(env, argv[3], "roc", 0, UINT32_MAX, &roc)) return NULL;
  if ((uint64_t)len + (uint64_t)c->tag_length > buf_len) {
    throw_range(env, "buf (%zu bytes) has no room for %lld bytes and a %d-byte tag", buf_len, (long long)len, c->tag_length);
    return NULL;
  }
  int64_t n = srtp_protect_in_place(c, buf, len, (uint32_t)roc);
  if (n == -2) return openssl_error(env, "OpenSSL failed to protect an SRTP packet");
  return make_int(env, n);
}

#define SRTCP_INDEX_MAX 0x7fffffff
#define SRTCP_TRAILER_MAX (4 + GCM_TAG)

/* SRTCP (RFC 3711 §3.4, RFC 7714 §9) of a compound RTCP packet buf[0, len) in place, with the context keyed with
 * the SRTCP session keys: the first 8 bytes stay in the clear, the rest is encrypted, the E flag is set.
 * AES-CM: then E|index and an 80-bit tag over all before it. GCM: the 8 bytes and E|index are the AAD; the tag,
 * then E|index. Returns the SRTCP length. */
static int64_t srtcp_protect_in_place(srtp_context *c, uint8_t *buf, int64_t len, uint32_t index) {
  uint8_t e_index[4], roc_be[4], seq_be[2] = {(uint8_t)(index >> 8), (uint8_t)index};
  roc_bytes(0x80000000u | index, e_index);
  roc_bytes(index >> 16, roc_be);
  if (c->profile == PROFILE_AEAD_AES_128_GCM) {
    uint8_t iv[12], scratch[16];
    int out_len;
    gcm_iv_of(c, buf + 4, index >> 16, seq_be, iv);
    if (EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv) != 1) return -2;
    if (EVP_EncryptUpdate(c->cipher, NULL, &out_len, buf, 8) != 1 || EVP_EncryptUpdate(c->cipher, NULL, &out_len, e_index, 4) != 1) return -2;
    if (len > 8 && EVP_EncryptUpdate(c->cipher, buf + 8, &out_len, buf + 8, (int)(len - 8)) != 1) return -2;
    if (EVP_EncryptFinal_ex(c->cipher, scratch, &out_len) != 1) return -2;
    if (EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_GET_TAG, GCM_TAG, buf + len) != 1) return -2;
    memcpy(buf + len + GCM_TAG, e_index, 4);
    return len + GCM_TAG + 4;
  }
  uint8_t tag[SHA_DIGEST_LENGTH];
  if (!cm_crypt(c, buf, 8, len, buf + 4, roc_be, seq_be)) return -2;
  memcpy(buf + len, e_index, 4);
  if (!tag_cm(c, buf, len + 4, NULL, tag)) return -2;
  memcpy(buf + len + 4, tag, CM_TAG);
  return len + 4 + CM_TAG;
}

/* srtcpProtect(ctx, buf, len, index) -> the SRTCP packet's length, or -1 when buf[0, len) is not RTCP (shorter
 * than 8 bytes or not version 2). Protects in place: buf needs room for 20 bytes more (GCM; AES-CM takes 14).
 * index is the SRTCP index (31 bits) the caller keeps per SSRC. */
napi_value srtcp_protect(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  uint8_t *buf;
  size_t buf_len;
  int64_t len, index;
  if (!get_args(env, info, 4, argv)) return NULL;
  srtp_context *c = srtp_context_arg(env, argv[0]);
  if (!c) return NULL;
  if (!arg_bytes(env, argv[1], "buf", &buf, &buf_len)) return NULL;
  if (!arg_int(env, argv[2], "len", 0, INT32_MAX - SRTCP_TRAILER_MAX, &len)) return NULL;
  if (!arg_int(env, argv[3], "index", 0, SRTCP_INDEX_MAX, &index)) return NULL;
  if ((uint64_t)len + SRTCP_TRAILER_MAX > buf_len) {
    throw_range(env, "buf (%zu bytes) has no room for %lld bytes and the SRTCP trailer (%d)", buf_len, (long long)len, SRTCP_TRAILER_MAX);
    return NULL;
  }
  if (len < 8 || buf[0] >> 6 != 2) return make_int(env, -1);
  int64_t n = srtcp_protect_in_place(c, buf, len, (uint32_t)index);
  if (n == -2) return openssl_error(env, "OpenSSL failed to protect an SRTCP packet");
  return make_int(env, n);
}

/* Constant time: how far the tags differ is not told by how long the comparison took. */
static int tags_equal(const uint8_t *a, const uint8_t *b, int n) {
  uint8_t d = 0;
  for (int i = 0; i < n; i++) d |= a[i] ^ b[i];
  return d == 0;
}

static int unprotect_cm(srtp_context *c, uint8_t *buf, int64_t len, int64_t header, uint32_t roc, int tag_length) {
  uint8_t roc_be[4], tag[SHA_DIGEST_LENGTH];
  roc_bytes(roc, roc_be);
  if (!tag_cm(c, buf, len, roc_be, tag)) return -3;
  if (!tags_equal(tag, buf + len, tag_length)) return -2;
  return apply_cm(c, buf, len, header, roc_be) ? 1 : -3;
}

/* GCM: decrypts in place and checks the tag last; on a bad tag buf[header, len) holds garbage (the packet is dropped). */
/* The GCM decryption context, keyed at first use; false when OpenSSL could not make it. */
static bool gcm_decipher(srtp_context *c) {
  if (c->decipher) return true;
  c->decipher = EVP_CIPHER_CTX_new();
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
  int ok = c->decipher && cipher && EVP_DecryptInit_ex(c->decipher, cipher, NULL, c->key, NULL) == 1;
  EVP_CIPHER_free(cipher);
  if (!ok) {
    EVP_CIPHER_CTX_free(c->decipher);
    c->decipher = NULL;
  }
  return ok;
}

static int unprotect_gcm(srtp_context *c, uint8_t *buf, int64_t len, int64_t header, uint32_t roc) {
  uint8_t iv[12], scratch[16];
  int out_len;
  if (!gcm_decipher(c)) return -3;
  gcm_iv(c, buf, roc, iv);
  if (EVP_DecryptInit_ex(c->decipher, NULL, NULL, NULL, iv) != 1) return -3;
  if (EVP_DecryptUpdate(c->decipher, NULL, &out_len, buf, (int)header) != 1) return -3;
  if (len > header && EVP_DecryptUpdate(c->decipher, buf + header, &out_len, buf + header, (int)(len - header)) != 1) return -3;
  if (EVP_CIPHER_CTX_ctrl(c->decipher, EVP_CTRL_AEAD_SET_TAG, GCM_TAG, buf + len) != 1) return -3;
  return EVP_DecryptFinal_ex(c->decipher, scratch, &out_len) == 1 ? 1 : -2;
}

/* srtpUnprotect(ctx, buf, len, roc, tagLength) -> the RTP packet's length (len - tagLength), decrypted in place;
 * -1 for a malformed RTP header, -2 when the tag does not match. buf[0, len) is the SRTP packet, tag included;
 * tagLength is 10 or 4 for AES-CM (HMAC-SHA1-80/32) and must be 16 for GCM. */
napi_value srtp_unprotect(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  uint8_t *buf;
  size_t buf_len;
  int64_t len, roc, tag_length;
  if (!get_args(env, info, 5, argv)) return NULL;
  srtp_context *c = srtp_context_arg(env, argv[0]);
  if (!c) return NULL;
  if (!arg_bytes(env, argv[1], "buf", &buf, &buf_len)) return NULL;
  if (!arg_int(env, argv[2], "len", 0, INT32_MAX, &len)) return NULL;
  if (!arg_int(env, argv[3], "roc", 0, UINT32_MAX, &roc)) return NULL;
  if (!arg_int(env, argv[4], "tagLength", 0, GCM_TAG, &tag_length)) return NULL;
  bool gcm = c->profile == PROFILE_AEAD_AES_128_GCM;
  if (gcm ? tag_length != GCM_TAG : tag_length != CM_TAG && tag_length != 4) {
    throw_range(env, "tagLength %lld does not fit the context's profile", (long long)tag_length);
    return NULL;
  }
  if ((uint64_t)len > buf_len) {
    throw_range(env, "len %lld is beyond buf (%zu bytes)", (long long)len, buf_len);
    return NULL;
  }
  int64_t plain = len - tag_length;
  int64_t header = plain < 0 ? -1 : rtp_header_length(buf, plain);
  if (header < 0) return make_int(env, -1);
  int r = gcm ? unprotect_gcm(c, buf, plain, header, (uint32_t)roc) : unprotect_cm(c, buf, plain, header, (uint32_t)roc, (int)tag_length);
  if (r == -3) return openssl_error(env, "OpenSSL failed to unprotect an SRTP packet");
  return make_int(env, r == 1 ? plain : -2);
}

/* SRTCP tag check and decryption in place (RFC 3711 §3.4, RFC 7714 §9) of buf[0, len) with a context keyed with the
 * remote side's SRTCP session keys: 1 and the RTCP length in *plain, or -1 (too short for an SRTCP packet), -2 (the
 * tag does not match), -3 (OpenSSL failed). AES-CM: ... | E|index | 80-bit tag; GCM: ... | tag | E|index. */
static int srtcp_unprotect_in_place(srtp_context *c, uint8_t *buf, int64_t len, int64_t *plain) {
  bool gcm = c->profile == PROFILE_AEAD_AES_128_GCM;
  int64_t body = len - 4 - (gcm ? GCM_TAG : CM_TAG); /* the RTCP bytes, header included */
  if (body < 8) return -1;
  const uint8_t *e_index = gcm ? buf + len - 4 : buf + body;
  bool encrypted = e_index[0] & 0x80;
  uint32_t index = ((uint32_t)(e_index[0] & 0x7f) << 24) | (uint32_t)e_index[1] << 16 | (uint32_t)e_index[2] << 8 | e_index[3];
  uint8_t roc_be[4], seq_be[2] = {(uint8_t)(index >> 8), (uint8_t)index};
  roc_bytes(index >> 16, roc_be);
  if (gcm) {
    uint8_t iv[12], e_copy[4], tag[GCM_TAG], scratch[16];
    int out_len;
    if (!gcm_decipher(c)) return -3;
    memcpy(e_copy, e_index, 4);
    memcpy(tag, buf + body, GCM_TAG);
    gcm_iv_of(c, buf + 4, index >> 16, seq_be, iv);
    if (EVP_DecryptInit_ex(c->decipher, NULL, NULL, NULL, iv) != 1) return -3;
    /* Encrypted: the first 8 bytes and E|index are the AAD; not encrypted (E = 0): all of the RTCP is. */
    int64_t aad = encrypted ? 8 : body;
    if (EVP_DecryptUpdate(c->decipher, NULL, &out_len, buf, (int)aad) != 1 || EVP_DecryptUpdate(c->decipher, NULL, &out_len, e_copy, 4) != 1) return -3;
    if (encrypted && body > 8 && EVP_DecryptUpdate(c->decipher, buf + 8, &out_len, buf + 8, (int)(body - 8)) != 1) return -3;
    if (EVP_CIPHER_CTX_ctrl(c->decipher, EVP_CTRL_AEAD_SET_TAG, GCM_TAG, tag) != 1) return -3;
    if (EVP_DecryptFinal_ex(c->decipher, scratch, &out_len) != 1) return -2;
    *plain = body;
    return 1;
  }
  uint8_t tag[SHA_DIGEST_LENGTH];
  if (!tag_cm(c, buf, body + 4, NULL, tag)) return -3;
  if (!tags_equal(tag, buf + body + 4, CM_TAG)) return -2;
  if (encrypted && !cm_crypt(c, buf, 8, body, buf + 4, roc_be, seq_be)) return -3;
  *plain = body;
  return 1;
}

/* srtcpUnprotect(ctx, buf, len) -> the RTCP length (decrypted in place), -1 when buf[0, len) cannot be SRTCP (too
 * short), -2 when the tag does not match. ctx: keyed with the remote side's SRTCP session keys. No replay check. */
napi_value srtcp_unprotect(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint8_t *buf;
  size_t buf_len;
  int64_t len, plain = -1;
  if (!get_args(env, info, 3, argv)) return NULL;
  srtp_context *c = srtp_context_arg(env, argv[0]);
  if (!c) return NULL;
  if (!arg_bytes(env, argv[1], "buf", &buf, &buf_len)) return NULL;
  if (!arg_int(env, argv[2], "len", 0, INT32_MAX, &len)) return NULL;
  if ((uint64_t)len > buf_len) {
    throw_range(env, "len %lld is beyond buf (%zu bytes)", (long long)len, buf_len);
    return NULL;
  }
  int r = srtcp_unprotect_in_place(c, buf, len, &plain);
  if (r == -3) return openssl_error(env, "OpenSSL failed to unprotect an SRTCP packet");
  return make_int(env, r == 1 ? plain : r);
}
