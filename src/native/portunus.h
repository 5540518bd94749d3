/* Shared declarations of the Portunus native addon: argument checks (args.c) and the entry points that
 * addon.c registers. Every entry point validates its arguments against the real sizes of the buffers it is
 * given and throws a TypeError or RangeError instead of ever reading or writing outside them. */
#ifndef PORTUNUS_H
#define PORTUNUS_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Bumped whenever an entry point changes shape, so that a stale build is refused by native-addon.ts. */
#define PORTUNUS_ABI_VERSION 12

/* Each of these returns false with a JS exception pending when the argument is unusable. */
bool arg_int(napi_env env, napi_value value, const char *name, int64_t min, int64_t max, int64_t *out);
bool arg_finite(napi_env env, napi_value value, const char *name, double *out);
bool arg_bool(napi_env env, napi_value value, const char *name, bool *out);
bool arg_bytes(napi_env env, napi_value value, const char *name, uint8_t **data, size_t *length);
bool arg_int32s(napi_env env, napi_value value, const char *name, int32_t **data, size_t *count);
bool arg_int16s(napi_env env, napi_value value, const char *name, int16_t **data, size_t *count);
/* A Float64Array of at least `min` numbers (out-of-range is a RangeError). */
bool arg_float64s(napi_env env, napi_value value, const char *name, size_t min, double **data);
/* The data of an external made by this addon with `tag`; NULL with a TypeError naming `what` otherwise. */
void *arg_tagged(napi_env env, napi_value value, const napi_type_tag *tag, const char *what);
/* An external for data, known to arg_tagged as of kind tag; finalize runs once when JS lets go of it. False (nothing
 * made, finalize not called) when it cannot be made. */
bool make_tagged_external(napi_env env, void *data, napi_finalize finalize, const napi_type_tag *tag, napi_value *result);
bool get_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv);
void throw_range(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
napi_value make_int(napi_env env, int64_t value);

/* udp-batch.c */
#define ADDRESS_SLOT_BYTES 28 /* sizeof(struct sockaddr_in6): one slot holds either family */
#define MAX_DATAGRAMS_PER_CALL 1024 /* UIO_MAXIOV: the kernel's cap on sendmmsg's vlen */
/* A batch as sendBatch and sendPoolQueue take it: argv[0..6] are fd, packets, offsets, lengths, addresses,
 * addressSlots, count. batch_args checks them all (every datagram inside its buffers, every slot an address) or
 * returns false with an exception pending. */
typedef struct {
  int64_t fd, count;
  uint8_t *packets, *addresses;
  size_t packets_len, addresses_len;
  int32_t *offsets, *lengths, *slots;
} datagram_batch;
bool batch_args(napi_env env, const napi_value *argv, datagram_batch *b);
socklen_t address_slot_length(const uint8_t *slot);
napi_value send_batch(napi_env env, napi_callback_info info);
napi_value encode_address(napi_env env, napi_callback_info info);

/* udp-receive.c */
napi_value udp_receiver_create(napi_env env, napi_callback_info info);
napi_value udp_receiver_close(napi_env env, napi_callback_info info);
napi_value udp_receiver_stats(napi_env env, napi_callback_info info);
napi_value udp_source_text(napi_env env, napi_callback_info info);

/* srtp.c */
typedef struct srtp_context srtp_context;
/* The context behind a srtpCreate external, or NULL with a TypeError pending. */
srtp_context *srtp_context_arg(napi_env env, napi_value value);
int srtp_tag_length(const srtp_context *c);
/* A bound out_stream keeps the context alive after its external is collected: hold, and release when done. */
void srtp_context_hold(srtp_context *c);
void srtp_context_release(srtp_context *c);
/* Protects buf[0, len) in place, the tag after it (room checked by the caller): the new length, -1 for a
 * malformed RTP header, -2 when OpenSSL failed. */
int64_t srtp_protect_in_place(srtp_context *c, uint8_t *buf, int64_t len, uint32_t roc);
napi_value srtp_create(napi_env env, napi_callback_info info);
napi_value srtp_protect(napi_env env, napi_callback_info info);
napi_value srtp_unprotect(napi_env env, napi_callback_info info);
napi_value srtcp_protect(napi_env env, napi_callback_info info);
napi_value srtcp_unprotect(napi_env env, napi_callback_info info);

/* send-pool.c */
typedef struct send_pool send_pool;
/* The pool behind a sendPoolCreate external, or NULL with a TypeError pending. */
send_pool *send_pool_arg(napi_env env, napi_value value);
/* Copies a checked batch into blocks for the pool's threads: datagrams queued (the rest dropped, counted), or -1
 * when the pool is closed. */
int64_t send_pool_enqueue(send_pool *p, const datagram_batch *b);
napi_value send_pool_create(napi_env env, napi_callback_info info);
napi_value send_pool_queue(napi_env env, napi_callback_info info);
napi_value send_pool_stats(napi_env env, napi_callback_info info);
napi_value send_pool_close(napi_env env, napi_callback_info info);

/* out-stream.c */
typedef struct out_stream out_stream;
/* The stream behind an outStreamCreate external, or NULL with a TypeError pending. */
out_stream *out_stream_arg(napi_env env, napi_value value);
/* A fan-out group keeps the streams it lists alive: hold, and release when it lets one go. */
void out_stream_hold(out_stream *s);
void out_stream_release(out_stream *s);
int out_stream_tag_length(const out_stream *s);
/* Rewrites src[0, len) (len >= 12) into out (room for len and a tag, not overlapping src), protects it there and
 * keeps a copy for NACKs: the SRTP length, -1 for a malformed header, -2 when OpenSSL failed. */
int64_t out_stream_send_into(out_stream *s, const uint8_t *src, int64_t len, double now, uint8_t *out);
napi_value out_stream_create(napi_env env, napi_callback_info info);
napi_value out_stream_send(napi_env env, napi_callback_info info);
napi_value out_stream_skip(napi_env env, napi_callback_info info);
napi_value out_stream_restart(napi_env env, napi_callback_info info);
napi_value out_stream_recall(napi_env env, napi_callback_info info);
napi_value out_stream_prune(napi_env env, napi_callback_info info);
napi_value out_stream_counters(napi_env env, napi_callback_info info);

/* fan-out.c */
napi_value fan_out_create(napi_env env, napi_callback_info info);
napi_value fan_out_set(napi_env env, napi_callback_info info);
napi_value fan_out_send(napi_env env, napi_callback_info info);
napi_value fan_out_stats(napi_env env, napi_callback_info info);

/* opus-library.c, opus-encoder.c, opus-decoder.c */
napi_value opus_library(napi_env env, napi_callback_info info);
napi_value opus_library_error(napi_env env, napi_callback_info info);
napi_value opus_decoder_create(napi_env env, napi_callback_info info);
napi_value opus_decode(napi_env env, napi_callback_info info);
napi_value opus_decoder_destroy(napi_env env, napi_callback_info info);
napi_value opus_encoder_create(napi_env env, napi_callback_info info);
napi_value opus_encoder_set(napi_env env, napi_callback_info info);
napi_value opus_encode(napi_env env, napi_callback_info info);
napi_value opus_encoder_destroy(napi_env env, napi_callback_info info);

/* unix-socket.c */
napi_value unix_socket_open(napi_env env, napi_callback_info info);
napi_value unix_socket_bind(napi_env env, napi_callback_info info);
napi_value unix_socket_listen(napi_env env, napi_callback_info info);
napi_value unix_socket_connect(napi_env env, napi_callback_info info);
napi_value unix_socket_accept(napi_env env, napi_callback_info info);
napi_value unix_socket_receive(napi_env env, napi_callback_info info);
napi_value unix_socket_send(napi_env env, napi_callback_info info);
napi_value unix_socket_poll(napi_env env, napi_callback_info info);
napi_value unix_socket_fd(napi_env env, napi_callback_info info);
napi_value unix_socket_close(napi_env env, napi_callback_info info);

#endif
