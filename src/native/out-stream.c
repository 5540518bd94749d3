/* One outgoing RTP stream of a PeerConnection, natively: the per-viewer work of a forwarded packet in one call.
 * The header rewrite (our SSRC and payload type; sequence numbers and timestamps re-based when the source changes
 * or restarts; late packets numbered across the skips of their time), SRTP protection into the caller's buffer,
 * and the copy kept for NACKs. The same rules as RtpOutStream of rtp-out-stream.ts, which the differential test
 * holds it to; the packets it is given were checked in TypeScript first (version, length). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portunus.h"

#define HISTORY_SLOTS 128 /* power of two, as HISTORY_SLOTS of rtp-out-stream.ts */
#define HISTORY_MS 500.0
#define SKIP_MEMORY 64
#define IDLE_RELEASE_MS 2000.0
#define LASTSEC_WINDOW_MS 1000.0 /* rtp/last-second-bytes.ts: WINDOW_MS, IDLE_MS */
#define LASTSEC_IDLE_MS 2000.0
#define MAX_SPARES 16 /* buffers of expired packets kept for the next ones; beyond, they are freed */
#define MAX_PACKET 65535

typedef struct {
  uint8_t *buf; /* malloc'd, grown to slot_size of the packet */
  uint32_t capacity;
  uint32_t length;
  int32_t seq; /* -1: nothing to resend */
  double resent_at;
  double sent_at;
} history_slot;

struct out_stream {
  int holders; /* its external and each fan-out group that lists it */
  srtp_context *srtp; /* held (srtp_context_hold) for the stream's life */
  uint32_t ssrc;
  uint8_t payload_type;
  double clock_rate;
  bool keep_history;
  double packets, octets, retransmitted;
  /* The bytes of the last second, as rtp/last-second-bytes.ts counts them: the closed window's total, the open
   * window's start (-1 before the first packet) and what it holds so far. */
  double lastsec, lastsec_start, lastsec_open;
  uint32_t last_ts;
  double last_sent_at;
  int64_t last_in_ssrc; /* -1 before the first packet */
  uint32_t last_in_seq;
  uint64_t skip_count;
  uint32_t skip_after_seq[SKIP_MEMORY];
  uint32_t skip_offset_before[SKIP_MEMORY];
  bool restart_pending;
  uint32_t seq_offset;
  uint32_t ts_offset;
  int64_t highest; /* extended index of the highest sequence number sent, -1 before the first */
  history_slot history[HISTORY_SLOTS];
  /* Buffers go back to spares once their packet is older than HISTORY_MS, so a stream holds about HISTORY_MS of
   * packets (50 at 100 packets a second) rather than a buffer in each of its 128 slots. */
  uint32_t expire_next; /* the next sequence number to look at for expiry */
  bool expire_started;
  int spare_count;
  uint8_t *spare_buf[MAX_SPARES];
  uint32_t spare_capacity[MAX_SPARES];
};

static const napi_type_tag OUT_STREAM_TAG = {0x706f7274756e7573ULL, 0x6f757473747265ULL};

static void release_history(out_stream *s) {
  for (int i = 0; i < HISTORY_SLOTS; i++) {
    free(s->history[i].buf);
    s->history[i].buf = NULL;
    s->history[i].capacity = 0;
    s->history[i].seq = -1;
  }
  for (int i = 0; i < s->spare_count; i++) free(s->spare_buf[i]);
  s->spare_count = 0;
  s->expire_started = false;
}

/* Small packets (audio) share one size, video-sized ones another, so a slot is rarely regrown. */
static uint32_t slot_size(uint32_t n) { return n <= 320 ? 320 : n <= 1300 ? 1300 : n; }

/* A slot's buffer goes to the spares (or is freed when there are enough); the slot keeps nothing. */
static void retire_slot(out_stream *s, history_slot *slot) {
  if (s->spare_count < MAX_SPARES) {
    s->spare_buf[s->spare_count] = slot->buf;
    s->spare_capacity[s->spare_count] = slot->capacity;
    s->spare_count++;
  } else {
    free(slot->buf);
  }
  slot->buf = NULL;
  slot->capacity = 0;
  slot->seq = -1;
}

/* Retires the buffers of packets sent more than HISTORY_MS ago, oldest first, up to (not including) seq, the one
 * about to be kept: amortised one slot per packet. */
static void expire_history(out_stream *s, uint32_t seq, double now) {
  if (!s->expire_started) {
    s->expire_next = seq;
    s->expire_started = true;
  }
  uint32_t distance = (seq - s->expire_next) & 0xffff;
  if (distance >= HISTORY_SLOTS) {
    /* A jump (or late packets): only the last HISTORY_SLOTS numbers can have a slot. */
    s->expire_next = (seq - (HISTORY_SLOTS - 1)) & 0xffff;
    distance = HISTORY_SLOTS - 1;
  }
  for (; distance > 0; distance--) {
    history_slot *slot = &s->history[s->expire_next & (HISTORY_SLOTS - 1)];
    if (slot->buf && slot->seq == (int32_t)s->expire_next) {
      if (now - slot->sent_at <= HISTORY_MS) return; /* still resendable, and so is all after it */
      retire_slot(s, slot);
    }
    s->expire_next = (s->expire_next + 1) & 0xffff;
  }
}

/* Gives slot a buffer of at least n bytes: its own, a spare, or a new one; false when memory ran out. */
static bool slot_room(out_stream *s, history_slot *slot, uint32_t n) {
  if (!slot->buf && s->spare_count > 0) {
    s->spare_count--;
    slot->buf = s->spare_buf[s->spare_count];
    slot->capacity = s->spare_capacity[s->spare_count];
  }
  if (slot->capacity >= n) return true;
  uint32_t size = slot_size(n);
  uint8_t *grown = realloc(slot->buf, size);
  if (!grown) return false;
  slot->buf = grown;
  slot->capacity = size;
  return true;
}

void out_stream_hold(out_stream *s) { s->holders++; }

void out_stream_release(out_stream *s) {
  if (--s->holders > 0) return;
  release_history(s);
  srtp_context_release(s->srtp);
  free(s);
}

static void stream_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  out_stream_release(data);
}

out_stream *out_stream_arg(napi_env env, napi_value value) { return arg_tagged(env, value, &OUT_STREAM_TAG, "stream must be a stream made by outStreamCreate"); }

static out_stream *stream_arg(napi_env env, napi_value value) { return out_stream_arg(env, value); }

int out_stream_tag_length(const out_stream *s) { return srtp_tag_length(s->srtp); }

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void put32(uint8_t *p, uint32_t v) {
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* x modulo 2^32 for an integer-valued double (JavaScript's >>> 0), exact below 2^53. */
static uint32_t to_uint32(double x) {
  double m = fmod(x, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return (uint32_t)m;
}


/* outStreamCreate(srtpCtx, ssrc, payloadType, clockRate, keepHistory) -> an external freed with its history when
 * collected. Bound to the SRTP context it protects with, so a send checks one argument's type, not two. */
napi_value out_stream_create(napi_env env, napi_callback_info info) {
  napi_value argv[5], result;
  int64_t ssrc, pt, clock_rate;
  bool keep;
  if (!get_args(env, info, 5, argv)) return NULL;
  srtp_context *c = srtp_context_arg(env, argv[0]);
  if (!c) return NULL;
  if (!arg_int(env, argv[1], "ssrc", 0, UINT32_MAX, &ssrc) || !arg_int(env, argv[2], "payloadType", 0, 127, &pt) || !arg_int(env, argv[3], "clockRate", 1, 10000000, &clock_rate) ||
      !arg_bool(env, argv[4], "keepHistory", &keep))
    return NULL;
  out_stream *s = calloc(1, sizeof *s);
  if (!s) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  s->holders = 1;
  s->srtp = c;
  srtp_context_hold(c);
  s->ssrc = (uint32_t)ssrc;
  s->payload_type = (uint8_t)pt;
  s->clock_rate = (double)clock_rate;
  s->keep_history = keep;
  s->last_sent_at = -1;
  s->lastsec_start = -1;
  s->last_in_ssrc = -1;
  s->highest = -1;
  for (int i = 0; i < HISTORY_SLOTS; i++) s->history[i].seq = -1;
  if (!make_tagged_external(env, s, stream_finalize, &OUT_STREAM_TAG, &result)) {
    srtp_context_release(c);
    free(s);
    return NULL;
  }
  return result;
}

/* The sequence offset that applied when source packet in_seq (older than the newest seen) was due. */
static uint32_t offset_for_late(const out_stream *s, uint32_t in_seq) {
  uint32_t offset = s->seq_offset;
  uint64_t n = s->skip_count < SKIP_MEMORY ? s->skip_count : SKIP_MEMORY;
  for (uint64_t k = 1; k <= n; k++) {
    unsigned at = (unsigned)((s->skip_count - k) & (SKIP_MEMORY - 1));
    /* Serial-number comparison: was in_seq at or before the packet after which this skip happened? */
    if (((s->skip_after_seq[at] - in_seq) & 0xffff) >= 0x8000) break;
    offset = s->skip_offset_before[at];
  }
  return offset;
}

/* Copies src into out with our header fields; returns the rollover counter to protect it with. */
static uint32_t rewrite(out_stream *s, const uint8_t *src, int64_t len, uint8_t *out, double now) {
  uint32_t in_ssrc = be32(src + 8), in_seq = (uint32_t)src[2] << 8 | src[3], in_ts = be32(src + 4);
  if ((int64_t)in_ssrc != s->last_in_ssrc || s->restart_pending) {
    if (s->highest >= 0) {
      /* Continue right after what the receiver last saw; advance the clock by the wall time that passed. */
      uint32_t next_seq = (uint32_t)(s->highest + 1) & 0xffff;
      double elapsed = round((now - s->last_sent_at) * s->clock_rate / 1000);
      if (!(elapsed >= 1)) elapsed = 1;
      s->seq_offset = (next_seq - in_seq) & 0xffff;
      s->ts_offset = to_uint32((double)s->last_ts + elapsed - (double)in_ts);
    }
    s->last_in_ssrc = in_ssrc;
    s->restart_pending = false;
    s->skip_count = 0;
    s->last_in_seq = in_seq;
  }
  memcpy(out, src, (size_t)len);
  uint32_t ahead = (in_seq - s->last_in_seq) & 0xffff;
  bool late = ahead == 0 || ahead >= 0x8000;
  if (!late) s->last_in_seq = in_seq;
  uint32_t seq = (in_seq + (late && s->skip_count > 0 ? offset_for_late(s, in_seq) : s->seq_offset)) & 0xffff;
  uint32_t ts = in_ts + s->ts_offset;
  out[1] = (src[1] & 0x80) | s->payload_type;
  out[2] = seq >> 8;
  out[3] = seq & 0xff;
  put32(out + 4, ts);
  put32(out + 8, s->ssrc);
  int64_t index;
  if (s->highest < 0) {
    index = seq;
    s->highest = index;
  } else {
    int64_t delta = (int64_t)((seq - ((uint32_t)s->highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    index = s->highest + delta;
    if (index < 0) index += 65536;
    if (delta > 0) s->highest = index;
  }
  s->last_ts = ts;
  s->last_sent_at = now;
  s->packets++;
  s->octets += (double)(len - 12);
  if (s->lastsec_start < 0) {
    s->lastsec_start = now;
  } else if (now - s->lastsec_start >= LASTSEC_IDLE_MS) {
    s->lastsec = 0;
    s->lastsec_open = 0;
    s->lastsec_start = now;
  } else if (now - s->lastsec_start >= LASTSEC_WINDOW_MS) {
    s->lastsec = s->lastsec_open;
    s->lastsec_open = 0;
    s->lastsec_start = now;
  }
  s->lastsec_open += (double)len;
  return (uint32_t)(index >> 16);
}

/* Rewrites src[0, len) (len >= 12, checked by the caller, as the room in out for it and a tag) into out, protects
 * it there and keeps a copy for NACKs: the SRTP length, -1 for a malformed header, -2 when OpenSSL failed. */
int64_t out_stream_send_into(out_stream *s, const uint8_t *src, int64_t len, double now, uint8_t *out) {
  uint32_t roc = rewrite(s, src, len, out, now);
  uint32_t seq = (uint32_t)out[2] << 8 | out[3];
  history_slot *slot = s->keep_history ? &s->history[seq & (HISTORY_SLOTS - 1)] : NULL;
  if (slot) slot->seq = -1; /* whatever it held is gone, protected or not */
  int64_t n = srtp_protect_in_place(s->srtp, out, len, roc);
  if (n < 0 || !slot) return n;
  expire_history(s, seq, now);
  if (!slot_room(s, slot, (uint32_t)n)) return n; /* sent, just not kept */
  memcpy(slot->buf, out, (size_t)n);
  slot->length = (uint32_t)n;
  slot->seq = (int32_t)seq;
  slot->resent_at = 0;
  slot->sent_at = now;
  return n;
}

/* outStreamSend(stream, src, srcLen, now, out) -> length of the SRTP packet written at out[0], or -1 for a
 * malformed RTP header. Rewrites src[0, srcLen) into out, protects it there and keeps a copy for NACKs. */
napi_value out_stream_send(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  uint8_t *src, *out;
  size_t src_size, out_size;
  int64_t len;
  double now;
  if (!get_args(env, info, 5, argv)) return NULL;
  out_stream *s = stream_arg(env, argv[0]);
  if (!s) return NULL;
  if (!arg_bytes(env, argv[1], "src", &src, &src_size) || !arg_int(env, argv[2], "srcLen", 0, MAX_PACKET, &len) || !arg_finite(env, argv[3], "now", &now) ||
      !arg_bytes(env, argv[4], "out", &out, &out_size))
    return NULL;
  if ((uint64_t)len > src_size || (uint64_t)len + (uint64_t)srtp_tag_length(s->srtp) > out_size) {
    throw_range(env, "srcLen %lld is beyond src (%zu bytes), or out (%zu bytes) has no room for it and a tag", (long long)len, src_size, out_size);
    return NULL;
  }
  /* Overlapping src and out would be rewritten while read. */
  if (out < src + src_size && src < out + out_size) {
    throw_range(env, "src and out overlap");
    return NULL;
  }
  if (len < 12) return make_int(env, -1);
  int64_t n = out_stream_send_into(s, src, len, now, out);
  if (n == -2) {
    napi_throw_error(env, NULL, "OpenSSL failed to protect an SRTP packet");
    return NULL;
  }
  return make_int(env, n);
}

/* outStreamSkip(stream): one packet of the current source was dropped on purpose; the next ones take its number. */
napi_value out_stream_skip(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  out_stream *s = stream_arg(env, argv[0]);
  if (!s) return NULL;
  if (s->highest >= 0 && !s->restart_pending) {
    unsigned at = (unsigned)(s->skip_count++ & (SKIP_MEMORY - 1));
    s->skip_after_seq[at] = s->last_in_seq;
    s->skip_offset_before[at] = s->seq_offset;
    s->seq_offset = (s->seq_offset - 1) & 0xffff;
  }
  return NULL;
}

/* outStreamRestart(stream): the next packet starts a new run, re-based as for a new source. */
napi_value out_stream_restart(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  out_stream *s = stream_arg(env, argv[0]);
  if (!s) return NULL;
  s->restart_pending = true;
  return NULL;
}

/* outStreamRecall(stream, seq, now, minGapMs, out) -> length of the kept SRTP packet `seq` copied to out, or 0 when
 * it is not kept, older than HISTORY_MS or resent less than minGapMs ago. */
napi_value out_stream_recall(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int64_t seq;
  double now, min_gap;
  uint8_t *out;
  size_t out_size;
  if (!get_args(env, info, 5, argv)) return NULL;
  out_stream *s = stream_arg(env, argv[0]);
  if (!s) return NULL;
  if (!arg_int(env, argv[1], "seq", 0, 0xffff, &seq) || !arg_finite(env, argv[2], "now", &now) || !arg_finite(env, argv[3], "minGapMs", &min_gap) || !arg_bytes(env, argv[4], "out", &out, &out_size))
    return NULL;
  if (!s->keep_history) return make_int(env, 0);
  history_slot *slot = &s->history[seq & (HISTORY_SLOTS - 1)];
  if (slot->seq != seq || !slot->buf || now - slot->resent_at < min_gap || now - slot->sent_at > HISTORY_MS) return make_int(env, 0);
  if (slot->length > out_size) {
    throw_range(env, "out (%zu bytes) cannot hold the %u-byte packet", out_size, slot->length);
    return NULL;
  }
  memcpy(out, slot->buf, slot->length);
  slot->resent_at = now;
  s->retransmitted++;
  return make_int(env, slot->length);
}

/* outStreamPrune(stream, now): a stream idle for IDLE_RELEASE_MS gives its history buffers back. */
napi_value out_stream_prune(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double now;
  if (!get_args(env, info, 2, argv)) return NULL;
  out_stream *s = stream_arg(env, argv[0]);
  if (!s || !arg_finite(env, argv[1], "now", &now)) return NULL;
  if (s->keep_history && now - s->last_sent_at >= IDLE_RELEASE_MS) release_history(s);
  return NULL;
}

/* outStreamCounters(stream, into: Float64Array of 8) <- packets, octets, retransmitted, lastTs, lastSentAt, the
 * bytes of buffers its history holds (kept packets and spares), the last second's bytes and its window's start. */
napi_value out_stream_counters(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double *into;
  if (!get_args(env, info, 2, argv)) return NULL;
  out_stream *s = stream_arg(env, argv[0]);
  if (!s || !arg_float64s(env, argv[1], "into", 8, &into)) return NULL;
  into[0] = s->packets;
  into[1] = s->octets;
  into[2] = s->retransmitted;
  into[3] = s->last_ts;
  into[4] = s->last_sent_at;
  double held = 0;
  for (int i = 0; i < HISTORY_SLOTS; i++) held += s->history[i].capacity;
  for (int i = 0; i < s->spare_count; i++) held += s->spare_capacity[i];
  into[5] = held;
  into[6] = s->lastsec;
  into[7] = s->lastsec_start;
  return NULL;
}
