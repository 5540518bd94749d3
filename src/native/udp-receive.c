/* Batched UDP receive: recvmmsg(2) reads every datagram waiting on a socket in one call, and JavaScript handles
 * the media of a batch in one call (it stops early after any other datagram, and is called again from there),
 * instead of Node's one callback per datagram with a new buffer and two new strings (the sender's address) each
 * time. The datagrams land in one arena of fixed-size slots and their senders' addresses in a table
 * of socket-address slots, both buffers that JavaScript allocated once and reads after each call; what the bytes
 * mean is parsed there, never here.
 *
 * The receiver polls its own duplicate of the socket's descriptor (libuv allows one poll handle per descriptor
 * number, and the socket's libuv UDP handle keeps the original for its sends); the caller stops the UDP handle's
 * own reading. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "portunus.h"

/* recvmmsg calls per readable event at most: a flood waits for the next turn of the loop instead of starving
 * timers and the other sockets. */
#define ROUNDS_PER_WAKE 4

typedef struct {
  int fd; /* the duplicate; -1 once closed */
  uv_poll_t poll;
  bool poll_inited, poll_closed, finalized;
  napi_env env;
  napi_ref callback, arena_ref, lengths_ref, sources_ref; /* held while open: the buffers' memory stays put */
  napi_async_context async;
  uint8_t *arena, *sources;
  int32_t *lengths;
  int64_t slot_bytes, slots;
  struct mmsghdr *msgs;
  struct iovec *iov;
  double datagrams, batches, truncated; /* counters, read by udpReceiverStats */
} udp_receiver;

static const napi_type_tag UDP_RECEIVER_TAG = {0x706f7274756e7573ULL, 0x7564707265637621ULL};

static void free_receiver(udp_receiver *r) {
  free(r->msgs);
  free(r->iov);
  free(r);
}

static void free_if_done(udp_receiver *r) {
  if (r->finalized && (!r->poll_inited || r->poll_closed)) free_receiver(r);
}

static void on_poll_closed(uv_handle_t *handle) {
  udp_receiver *r = handle->data;
  r->poll_closed = true;
  free_if_done(r);
}

static void drop_ref(napi_env env, napi_ref *ref) {
  if (*ref) napi_delete_reference(env, *ref);
  *ref = NULL;
}

/* Stops polling, lets the callback and buffers go and closes the duplicate; idempotent. uv_close takes the
 * descriptor out of the loop's epoll set at once, so closing it right after is safe. */
static void close_receiver(napi_env env, udp_receiver *r) {
  if (r->poll_inited && !uv_is_closing((uv_handle_t *)&r->poll)) {
    uv_poll_stop(&r->poll);
    uv_close((uv_handle_t *)&r->poll, on_poll_closed);
  }
  drop_ref(env, &r->callback);
  drop_ref(env, &r->arena_ref);
  drop_ref(env, &r->lengths_ref);
  drop_ref(env, &r->sources_ref);
  if (r->async) {
    napi_async_destroy(env, r->async);
    r->async = NULL;
  }
  if (r->fd >= 0) {
    close(r->fd);
    r->fd = -1;
  }
}

static void receiver_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  udp_receiver *r = data;
  close_receiver(env, r);
  r->finalized = true;
  free_if_done(r);
}

/* Calls callback(count, start): datagrams start..count-1 of the batch are to be handled, or the socket failed
 * (count -errno, start 0). Returns the index the callback stopped before (it returns early after a datagram whose
 * handling may go on in promise jobs: each call is a callback of its own, after which Node runs those jobs, so the
 * next datagram is handled after them, as with one callback per datagram); -1 when the receiver was closed meanwhile
 * (by the callback itself) or the call could not be made. */
static int call_back(udp_receiver *r, int count, int start) {
  napi_env env = r->env;
  napi_handle_scope scope;
  if (!r->callback || napi_open_handle_scope(env, &scope) != napi_ok) return -1;
  napi_value callback, recv, argv[2], result = NULL;
  int32_t next = count;
  bool ok = napi_get_reference_value(env, r->callback, &callback) == napi_ok && callback && napi_get_global(env, &recv) == napi_ok &&
            napi_create_int32(env, count, &argv[0]) == napi_ok && napi_create_int32(env, start, &argv[1]) == napi_ok;
  if (ok) {
    napi_status st = napi_make_callback(env, r->async, recv, callback, 2, argv, &result);
    if (st == napi_pending_exception) {
      /* The callback threw: that is an uncaught exception, as it would be from any other I/O callback. */
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
      result = NULL;
    }
    /* Anything but an index past start and within the batch means the whole batch was taken. */
    if (st != napi_ok || !result || napi_get_value_int32(env, result, &next) != napi_ok || next <= start || next > count) next = count;
  }
  napi_close_handle_scope(env, scope);
  return ok && r->fd >= 0 ? next : -1;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  udp_receiver *r = handle->data;
  if (r->fd < 0) return;
  if (status < 0) {
    call_back(r, status, 0);
    return;
  }
  for (int round = 0; round < ROUNDS_PER_WAKE; round++) {
    for (int64_t i = 0; i < r->slots; i++) {
      struct msghdr *h = &r->msgs[i].msg_hdr;
      h->msg_namelen = ADDRESS_SLOT_BYTES; /* the kernel shortens it to the sender's family */
      h->msg_flags = 0;
    }
    int n = recvmmsg(r->fd, r->msgs, (unsigned int)r->slots, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) call_back(r, -errno, 0);
      return;
    }
    if (n == 0) return;
    for (int i = 0; i < n; i++) {
      const struct mmsghdr *m = &r->msgs[i];
      /* Larger than a slot: cut by the kernel, so -1 (the caller counts and drops it). */
      r->lengths[i] = (m->msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)m->msg_len;
      if (m->msg_hdr.msg_flags & MSG_TRUNC) r->truncated++;
      /* A sender of neither family (cannot happen on an IP socket) reads as family 0: the caller drops it. */
      if (m->msg_hdr.msg_namelen == 0) memset(r->sources + (size_t)i * ADDRESS_SLOT_BYTES, 0, ADDRESS_SLOT_BYTES);
    }
    r->datagrams += n;
    r->batches++;
    for (int start = 0; start < n;)
      if ((start = call_back(r, n, start)) < 0) return;
    if (n < r->slots) return;
  }
}

/* udpReceiverCreate(fd, arena, slotBytes, lengths, sources, callback): starts reading the bound UDP socket fd
 * in batches on the main loop. Datagram i of a batch is at arena[i * slotBytes] with its length in lengths[i]
 * (-1 when it was larger than a slot) and its sender in sources slot i (a struct sockaddr, ADDRESS_SLOT_BYTES a
 * slot); callback(count, start) is called for the batch from datagram start on and returns the index it stopped
 * before (called again from there), callback(-errno, 0) when the socket fails. A batch holds at most
 * as many datagrams as every buffer has slots for. The buffers must not be written while the receiver is open. */
napi_value udp_receiver_create(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t fd, slot_bytes;
  uint8_t *arena, *sources;
  size_t arena_len, sources_len, n_lengths;
  int32_t *lengths;
  napi_valuetype type;
  if (!get_args(env, info, 6, argv) || !arg_int(env, argv[0], "fd", 0, INT32_MAX, &fd) || !arg_bytes(env, argv[1], "arena", &arena, &arena_len) ||
      !arg_int(env, argv[2], "slotBytes", 1, 65536, &slot_bytes) || !arg_int32s(env, argv[3], "lengths", &lengths, &n_lengths) ||
      !arg_bytes(env, argv[4], "sources", &sources, &sources_len) || napi_typeof(env, argv[5], &type) != napi_ok)
    return NULL;
  if (type != napi_function) {
    napi_throw_type_error(env, NULL, "callback must be a function");
    return NULL;
  }
  int64_t slots = (int64_t)(arena_len / (size_t)slot_bytes);
  if ((int64_t)n_lengths < slots) slots = (int64_t)n_lengths;
  if ((int64_t)(sources_len / ADDRESS_SLOT_BYTES) < slots) slots = (int64_t)(sources_len / ADDRESS_SLOT_BYTES);
  if (slots > MAX_DATAGRAMS_PER_CALL) slots = MAX_DATAGRAMS_PER_CALL;
  if (slots < 1) {
    throw_range(env, "the buffers hold no slot (arena %zu bytes, slotBytes %lld, %zu lengths, sources %zu bytes)", arena_len, (long long)slot_bytes, n_lengths, sources_len);
    return NULL;
  }
  int type_value = 0;
  socklen_t type_len = sizeof type_value;
  if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type_value, &type_len) != 0 || type_value != SOCK_DGRAM) {
    throw_range(env, "fd %lld is not a datagram socket", (long long)fd);
    return NULL;
  }
  udp_receiver *r = calloc(1, sizeof *r);
  if (r) {
    r->msgs = calloc((size_t)slots, sizeof *r->msgs);
    r->iov = calloc((size_t)slots, sizeof *r->iov);
  }
  if (!r || !r->msgs || !r->iov) {
    if (r) free_receiver(r);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  r->env = env;
  r->arena = arena;
  r->sources = sources;
  r->lengths = lengths;
  r->slot_bytes = slot_bytes;
  r->slots = slots;
  for (int64_t i = 0; i < slots; i++) {
    r->iov[i].iov_base = arena + i * slot_bytes;
    r->iov[i].iov_len = (size_t)slot_bytes;
    r->msgs[i].msg_hdr.msg_iov = &r->iov[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
    r->msgs[i].msg_hdr.msg_name = sources + i * ADDRESS_SLOT_BYTES;
  }
  r->fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
  if (r->fd < 0) {
    free_receiver(r);
    throw_range(env, "fd %lld cannot be duplicated: %s", (long long)fd, strerror(errno));
    return NULL;
  }
  napi_value result, name;
  if (!make_tagged_external(env, r, receiver_finalize, &UDP_RECEIVER_TAG, &result)) {
    close(r->fd);
    free_receiver(r);
    return NULL;
  }
  /* From here the finalizer owns r: a failure below closes it and leaves the external to be collected. */
  uv_loop_t *loop;
  int err;
  if (napi_create_reference(env, argv[5], 1, &r->callback) != napi_ok || napi_create_reference(env, argv[1], 1, &r->arena_ref) != napi_ok ||
      napi_create_reference(env, argv[3], 1, &r->lengths_ref) != napi_ok || napi_create_reference(env, argv[4], 1, &r->sources_ref) != napi_ok ||
      napi_create_string_utf8(env, "portunus:udp-receiver", NAPI_AUTO_LENGTH, &name) != napi_ok || napi_async_init(env, NULL, name, &r->async) != napi_ok ||
      napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close_receiver(env, r);
    return NULL;
  }
  if ((err = uv_poll_init(loop, &r->poll, r->fd)) < 0) {
    close_receiver(env, r);
    throw_range(env, "uv_poll_init: %s", uv_strerror(err));
    return NULL;
  }
  r->poll.data = r;
  r->poll_inited = true;
  if ((err = uv_poll_start(&r->poll, UV_READABLE, on_readable)) < 0) {
    close_receiver(env, r);
    throw_range(env, "uv_poll_start: %s", uv_strerror(err));
    return NULL;
  }
  return result;
}

static udp_receiver *receiver_arg(napi_env env, napi_value value) {
  return arg_tagged(env, value, &UDP_RECEIVER_TAG, "receiver must be what udpReceiverCreate returned");
}

/* udpReceiverClose(receiver): stops reading and closes the duplicate descriptor; idempotent. The socket itself
 * stays open (its owner closes it). */
napi_value udp_receiver_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  udp_receiver *r = receiver_arg(env, argv[0]);
  if (r) close_receiver(env, r);
  return NULL;
}

/* udpReceiverStats(receiver, into): into[0..2] = datagrams read, batches (recvmmsg calls that read any), datagrams
 * cut (too large). */
napi_value udp_receiver_stats(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double *into;
  if (!get_args(env, info, 2, argv)) return NULL;
  udp_receiver *r = receiver_arg(env, argv[0]);
  if (!r || !arg_float64s(env, argv[1], "into", 3, &into)) return NULL;
  into[0] = r->datagrams;
  into[1] = r->batches;
  into[2] = r->truncated;
  return NULL;
}

/* udpSourceText(sources, slot): the IP address in a socket-address slot as text (as Node writes a sender's
 * address: dotted IPv4, RFC 5952 IPv6, an IPv4-mapped one as ::ffff:a.b.c.d), or undefined for neither family. */
napi_value udp_source_text(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  uint8_t *table;
  size_t table_len;
  int64_t slot;
  if (!get_args(env, info, 2, argv) || !arg_bytes(env, argv[0], "sources", &table, &table_len) || !arg_int(env, argv[1], "slot", 0, INT32_MAX, &slot))
    return NULL;
  if ((uint64_t)(slot + 1) * ADDRESS_SLOT_BYTES > table_len) {
    throw_range(env, "slot %lld is outside the table (%zu bytes)", (long long)slot, table_len);
    return NULL;
  }
  const uint8_t *p = table + slot * ADDRESS_SLOT_BYTES;
  sa_family_t family;
  memcpy(&family, p, sizeof family);
  char text[INET6_ADDRSTRLEN];
  const char *ok = NULL;
  if (family == AF_INET) {
    struct sockaddr_in sin;
    memcpy(&sin, p, sizeof sin);
    ok = inet_ntop(AF_INET, &sin.sin_addr, text, sizeof text);
  } else if (family == AF_INET6) {
    struct sockaddr_in6 sin6;
    memcpy(&sin6, p, sizeof sin6);
    ok = inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof text);
  }
  if (!ok) {
    napi_get_undefined(env, &result);
    return result;
  }
  return napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result) == napi_ok ? result : NULL;
}
