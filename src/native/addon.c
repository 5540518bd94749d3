/* Module registration of the Portunus native addon (loaded by native-addon.ts). No global state: each Node
 * environment (main thread or worker) gets its own exports. */
#include "portunus.h"

static bool set_function(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value value;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value) == napi_ok && napi_set_named_property(env, exports, name, value) == napi_ok;
}

static bool set_int(napi_env env, napi_value exports, const char *name, int64_t v) {
  napi_value value;
  return napi_create_int64(env, v, &value) == napi_ok && napi_set_named_property(env, exports, name, value) == napi_ok;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  if (!set_int(env, exports, "abiVersion", PORTUNUS_ABI_VERSION) || !set_int(env, exports, "addressSlotBytes", ADDRESS_SLOT_BYTES) ||
      !set_int(env, exports, "maxDatagramsPerCall", MAX_DATAGRAMS_PER_CALL) || !set_function(env, exports, "sendBatch", send_batch) ||
      !set_function(env, exports, "encodeAddress", encode_address) ||
      !set_function(env, exports, "udpReceiverCreate", udp_receiver_create) || !set_function(env, exports, "udpReceiverClose", udp_receiver_close) ||
      !set_function(env, exports, "udpReceiverStats", udp_receiver_stats) || !set_function(env, exports, "udpSourceText", udp_source_text) ||
      !set_function(env, exports, "srtpCreate", srtp_create) ||
      !set_function(env, exports, "srtpProtect", srtp_protect) || !set_function(env, exports, "srtpUnprotect", srtp_unprotect) ||
      !set_function(env, exports, "srtcpProtect", srtcp_protect) ||
      !set_function(env, exports, "srtcpUnprotect", srtcp_unprotect) ||
      !set_function(env, exports, "outStreamCreate", out_stream_create) || !set_function(env, exports, "outStreamSend", out_stream_send) ||
      !set_function(env, exports, "outStreamSkip", out_stream_skip) || !set_function(env, exports, "outStreamRestart", out_stream_restart) ||
      !set_function(env, exports, "outStreamRecall", out_stream_recall) || !set_function(env, exports, "outStreamPrune", out_stream_prune) ||
      !set_function(env, exports, "outStreamCounters", out_stream_counters) || !set_function(env, exports, "sendPoolCreate", send_pool_create) ||
      !set_function(env, exports, "sendPoolQueue", send_pool_queue) || !set_function(env, exports, "sendPoolStats", send_pool_stats) ||
      !set_function(env, exports, "sendPoolClose", send_pool_close) || !set_function(env, exports, "fanOutCreate", fan_out_create) ||
      !set_function(env, exports, "fanOutSet", fan_out_set) || !set_function(env, exports, "fanOutSend", fan_out_send) ||
      !set_function(env, exports, "fanOutStats", fan_out_stats) || !set_function(env, exports, "opusLibrary", opus_library) ||
      !set_function(env, exports, "opusLibraryError", opus_library_error) || !set_function(env, exports, "opusEncoderCreate", opus_encoder_create) ||
      !set_function(env, exports, "opusEncoderSet", opus_encoder_set) || !set_function(env, exports, "opusEncode", opus_encode) ||
      !set_function(env, exports, "opusEncoderDestroy", opus_encoder_destroy) || !set_function(env, exports, "opusDecoderCreate", opus_decoder_create) ||
      !set_function(env, exports, "opusDecode", opus_decode) || !set_function(env, exports, "opusDecoderDestroy", opus_decoder_destroy) ||
      !set_function(env, exports, "unixSocketOpen", unix_socket_open) || !set_function(env, exports, "unixSocketBind", unix_socket_bind) ||
      !set_function(env, exports, "unixSocketListen", unix_socket_listen) || !set_function(env, exports, "unixSocketConnect", unix_socket_connect) ||
      !set_function(env, exports, "unixSocketAccept", unix_socket_accept) || !set_function(env, exports, "unixSocketReceive", unix_socket_receive) ||
      !set_function(env, exports, "unixSocketSend", unix_socket_send) || !set_function(env, exports, "unixSocketPoll", unix_socket_poll) ||
      !set_function(env, exports, "unixSocketFd", unix_socket_fd) || !set_function(env, exports, "unixSocketClose", unix_socket_close))
    return NULL;
  return exports;
}
