/* A fan-out group: every receiver of one stream whose packets can leave natively (an outgoing stream of
 * out-stream.c, the socket it goes out on, the receiver's encoded address). One call per source packet rewrites,
 * protects and keeps it for each member, and hands all of them to the kernel (sendmmsg, one call per run of
 * members on the same socket) or to the sender threads, instead of one JavaScript call chain and one native
 * crossing per receiver. TypeScript keeps the group current (media/relay-group.ts): who is in it, on which pair;
 * the packet was checked there (RTP version, length) before it gets here.
 *
 * A datagram the kernel does not take (a full socket buffer, an error) is dropped and counted, as the send pool
 * does: UDP may lose it anyway, and waiting would stall every other member. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portunus.h"

#define MAX_MEMBERS 65536
#define MAX_PACKET 65535
#define MAX_TAG 16 /* the longest SRTP tag (GCM) */

typedef struct {
  out_stream *stream; /* held while listed */
  int fd;
  uint8_t address[ADDRESS_SLOT_BYTES];
} fan_member;

typedef struct {
  fan_member *members;
  uint32_t count;
  /* Scratch of the last send, grown to the largest group and packet seen: the datagrams and their layout. */
  uint8_t *arena;
  size_t arena_size;
  int32_t *offsets, *lengths, *slots, *fds;
  uint32_t layout_capacity;
  uint8_t *addresses;
  double sent, dropped, failed;
} fan_group;

static const napi_type_tag FAN_OUT_TAG = {0x706f7274756e7573ULL, 0x66616e6f7574ULL};

static void release_members(fan_group *g) {
  for (uint32_t i = 0; i < g->count; i++) out_stream_release(g->members[i].stream);
  free(g->members);
  g->members = NULL;
  g->count = 0;
}

static void group_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  fan_group *g = data;
  release_members(g);
  free(g->arena);
  free(g->offsets);
  free(g->lengths);
  free(g->slots);
  free(g->fds);
  free(g->addresses);
  free(g);
}

static fan_group *group_arg(napi_env env, napi_value value) { return arg_tagged(env, value, &FAN_OUT_TAG, "group must be a group made by fanOutCreate"); }

/* fanOutCreate() -> an external; the streams it lists are let go when it is collected. */
napi_value fan_out_create(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  fan_group *g = calloc(1, sizeof *g);
  if (!g) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  if (!make_tagged_external(env, g, group_finalize, &FAN_OUT_TAG, &result)) {
    free(g);
    return NULL;
  }
  return result;
}

/* fanOutSet(group, streams, fds, addresses, count): the group's members become streams[i] sent on fds[i] to the
 * address in slot i of `addresses`, for i < count (best ordered by fd: a run of one fd is one sendmmsg). Everything
 * is checked before the old members are let go, so a bad argument leaves the group as it was. */
napi_value fan_out_set(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t *fds;
  size_t n_fds, addresses_len;
  uint8_t *addresses;
  int64_t count;
  uint32_t n_streams;
  bool is_array;
  if (!get_args(env, info, 5, argv)) return NULL;
  fan_group *g = group_arg(env, argv[0]);
  if (!g) return NULL;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[1], &n_streams) != napi_ok) {
    napi_throw_type_error(env, NULL, "streams must be an array");
    return NULL;
  }
  if (!arg_int32s(env, argv[2], "fds", &fds, &n_fds) || !arg_bytes(env, argv[3], "addresses", &addresses, &addresses_len)) return NULL;
  size_t max_count = n_streams < n_fds ? n_streams : n_fds;
  if (addresses_len / ADDRESS_SLOT_BYTES < max_count) max_count = addresses_len / ADDRESS_SLOT_BYTES;
  if (max_count > MAX_MEMBERS) max_count = MAX_MEMBERS;
  if (!arg_int(env, argv[4], "count", 0, (int64_t)max_count, &count)) return NULL;
  fan_member *members = count > 0 ? calloc((size_t)count, sizeof *members) : NULL;
  if (count > 0 && !members) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  for (int64_t i = 0; i < count; i++) {
    napi_value element;
    if (napi_get_element(env, argv[1], (uint32_t)i, &element) != napi_ok) {
      free(members);
      return NULL;
    }
    out_stream *s = out_stream_arg(env, element);
    if (!s) {
      free(members);
      return NULL;
    }
    const uint8_t *slot = addresses + (size_t)i * ADDRESS_SLOT_BYTES;
    if (fds[i] < 0 || address_slot_length(slot) == 0) {
      free(members);
      throw_range(env, "member %lld: fd %d or its address slot is unusable", (long long)i, fds[i]);
      return NULL;
    }
    members[i].stream = s;
    members[i].fd = fds[i];
    memcpy(members[i].address, slot, ADDRESS_SLOT_BYTES);
  }
  for (int64_t i = 0; i < count; i++) out_stream_hold(members[i].stream);
  release_members(g);
  g->members = members;
  g->count = (uint32_t)count;
  return NULL;
}

/* Room for n datagrams of up to `each` bytes; false when memory ran out (nothing is sent then). */
static bool make_room(fan_group *g, uint32_t n, size_t each) {
  if (g->layout_capacity < n) {
    int32_t *o = realloc(g->offsets, n * sizeof *o);
    if (o) g->offsets = o;
    int32_t *l = realloc(g->lengths, n * sizeof *l);
    if (l) g->lengths = l;
    int32_t *s = realloc(g->slots, n * sizeof *s);
    if (s) g->slots = s;
    int32_t *f = realloc(g->fds, n * sizeof *f);
    if (f) g->fds = f;
    uint8_t *a = realloc(g->addresses, (size_t)n * ADDRESS_SLOT_BYTES);
    if (a) g->addresses = a;
    if (!o || !l || !s || !f || !a) return false;
    g->layout_capacity = n;
  }
  size_t need = (size_t)n * each;
  if (g->arena_size < need) {
    uint8_t *grown = realloc(g->arena, need);
    if (!grown) return false;
    g->arena = grown;
    g->arena_size = need;
  }
  return true;
}

/* Sends datagrams [from, to) of the layout, all on fd, with sendmmsg on this thread: how many the kernel took. */
static uint32_t send_run(fan_group *g, int fd, uint32_t from, uint32_t to) {
  struct mmsghdr msgs[MAX_DATAGRAMS_PER_CALL];
  struct iovec iovs[MAX_DATAGRAMS_PER_CALL];
  uint32_t done = from, taken = 0;
  while (done < to) {
    uint32_t n = to - done > MAX_DATAGRAMS_PER_CALL ? MAX_DATAGRAMS_PER_CALL : to - done;
    for (uint32_t k = 0; k < n; k++) {
      uint32_t i = done + k;
      uint8_t *slot = g->addresses + (size_t)g->slots[i] * ADDRESS_SLOT_BYTES;
      iovs[k].iov_base = g->arena + g->offsets[i];
      iovs[k].iov_len = (size_t)g->lengths[i];
      memset(&msgs[k], 0, sizeof msgs[k]);
      msgs[k].msg_hdr.msg_name = slot;
      msgs[k].msg_hdr.msg_namelen = address_slot_length(slot);
      msgs[k].msg_hdr.msg_iov = &iovs[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(fd, msgs, n, MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == ENOBUFS)) break; /* the buffer is full: the rest is dropped */
    if (r <= 0) {
      done++; /* an error on this datagram (an unreachable address, say): skip it, go on with the others */
      continue;
    }
    done += (uint32_t)r;
    taken += (uint32_t)r;
  }
  return taken;
}

/* fanOutSend(group, src, srcLen, now, pool) -> datagrams sent (or queued for the sender threads when pool is a
 * sendPoolCreate external; undefined or null sends on this thread). src[0, srcLen) is the packet every member gets,
 * each with its own header fields and SRTP. */
napi_value fan_out_send(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  uint8_t *src;
  size_t src_size;
  int64_t len;
  double now;
  napi_valuetype pool_type;
  send_pool *pool = NULL;
  if (!get_args(env, info, 5, argv)) return NULL;
  fan_group *g = group_arg(env, argv[0]);
  if (!g) return NULL;
  if (!arg_bytes(env, argv[1], "src", &src, &src_size) || !arg_int(env, argv[2], "srcLen", 0, MAX_PACKET, &len) || !arg_finite(env, argv[3], "now", &now)) return NULL;
  if ((uint64_t)len > src_size) {
    throw_range(env, "srcLen %lld is beyond src (%zu bytes)", (long long)len, src_size);
    return NULL;
  }
  if (napi_typeof(env, argv[4], &pool_type) != napi_ok) return NULL;
  if (pool_type != napi_undefined && pool_type != napi_null && !(pool = send_pool_arg(env, argv[4]))) return NULL;
  if (len < 12 || g->count == 0) return make_int(env, 0);
  if (!make_room(g, g->count, (size_t)len + MAX_TAG)) {
    g->dropped += g->count;
    return make_int(env, 0);
  }
  /* Every member's datagram, in member order; a failed protection leaves that one out. */
  uint32_t built = 0;
  size_t used = 0;
  for (uint32_t i = 0; i < g->count; i++) {
    fan_member *m = &g->members[i];
    int64_t n = out_stream_send_into(m->stream, src, len, now, g->arena + used);
    if (n < 0) {
      g->failed++;
      continue;
    }
    g->offsets[built] = (int32_t)used;
    g->lengths[built] = (int32_t)n;
    g->slots[built] = (int32_t)built;
    g->fds[built] = m->fd;
    memcpy(g->addresses + (size_t)built * ADDRESS_SLOT_BYTES, m->address, ADDRESS_SLOT_BYTES);
    used += (size_t)n;
    built++;
  }
  /* One hand-off per run of datagrams on the same socket. */
  uint32_t sent = 0;
  for (uint32_t from = 0; from < built;) {
    uint32_t to = from + 1;
    while (to < built && g->fds[to] == g->fds[from]) to++;
    if (pool) {
      datagram_batch b = {.fd = g->fds[from],
                          .count = to - from,
                          .packets = g->arena,
                          .packets_len = used,
                          .addresses = g->addresses,
                          .addresses_len = (size_t)built * ADDRESS_SLOT_BYTES,
                          .offsets = g->offsets + from,
                          .lengths = g->lengths + from,
                          .slots = g->slots + from};
      int64_t queued = send_pool_enqueue(pool, &b);
      if (queued > 0) sent += (uint32_t)queued;
    } else {
      sent += send_run(g, g->fds[from], from, to);
    }
    from = to;
  }
  g->sent += sent;
  g->dropped += built - sent;
  return make_int(env, sent);
}

/* fanOutStats(group, into: Float64Array of 4) <- members, datagrams sent (or queued), dropped (not taken by the
 * kernel or the threads' queues), failed (not protected). */
napi_value fan_out_stats(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double *into;
  if (!get_args(env, info, 2, argv)) return NULL;
  fan_group *g = group_arg(env, argv[0]);
  if (!g || !arg_float64s(env, argv[1], "into", 4, &into)) return NULL;
  into[0] = g->count;
  into[1] = g->sent;
  into[2] = g->dropped;
  into[3] = g->failed;
  return NULL;
}
