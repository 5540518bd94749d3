/* Batched UDP send: one sendmmsg(2) hands the kernel up to MAX_DATAGRAMS_PER_CALL datagrams, instead of one
 * libuv send (and one syscall) per datagram. The JS side describes the batch in arrays it allocates once
 * (datagram offsets and lengths in one packet arena, and an index into a table of encoded socket addresses),
 * so a call allocates nothing. Writing to the fd directly bypasses libuv's send queue: the caller must not
 * mix this with dgram sends still queued in libuv if it needs their order kept (udp-send-batch.ts). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portunus.h"

/* The socklen of an encoded slot, or 0 when the slot holds neither family. */
socklen_t address_slot_length(const uint8_t *slot) {
  sa_family_t family;
  memcpy(&family, slot, sizeof family);
  if (family == AF_INET) return sizeof(struct sockaddr_in);
  if (family == AF_INET6) return sizeof(struct sockaddr_in6);
  return 0;
}

bool batch_args(napi_env env, const napi_value *argv, datagram_batch *b) {
  size_t n_offsets, n_lengths, n_slots;
  if (!arg_int(env, argv[0], "fd", 0, INT32_MAX, &b->fd) || !arg_bytes(env, argv[1], "packets", &b->packets, &b->packets_len) ||
      !arg_int32s(env, argv[2], "offsets", &b->offsets, &n_offsets) || !arg_int32s(env, argv[3], "lengths", &b->lengths, &n_lengths) ||
      !arg_bytes(env, argv[4], "addresses", &b->addresses, &b->addresses_len) || !arg_int32s(env, argv[5], "addressSlots", &b->slots, &n_slots))
    return false;
  size_t max_count = n_offsets < n_lengths ? n_offsets : n_lengths;
  if (n_slots < max_count) max_count = n_slots;
  if (!arg_int(env, argv[6], "count", 0, (int64_t)max_count, &b->count)) return false;
  for (int64_t i = 0; i < b->count; i++) {
    int64_t off = b->offsets[i], len = b->lengths[i], slot = b->slots[i];
    if (off < 0 || len < 0 || (uint64_t)(off + len) > b->packets_len) {
      throw_range(env, "datagram %lld: offset %lld + length %lld is outside packets (%zu bytes)", (long long)i, (long long)off, (long long)len, b->packets_len);
      return false;
    }
    if (slot < 0 || (uint64_t)(slot + 1) * ADDRESS_SLOT_BYTES > b->addresses_len) {
      throw_range(env, "datagram %lld: address slot %lld is outside addresses (%zu bytes)", (long long)i, (long long)slot, b->addresses_len);
      return false;
    }
    if (address_slot_length(b->addresses + slot * ADDRESS_SLOT_BYTES) == 0) {
      throw_range(env, "datagram %lld: address slot %lld holds no IPv4 or IPv6 address", (long long)i, (long long)slot);
      return false;
    }
  }
  return true;
}

/* sendBatch(fd, packets, offsets, lengths, addresses, addressSlots, count) -> datagrams the kernel took.
 * Everything is validated before the first byte is sent, so an error never leaves a batch half-sent. */
napi_value send_batch(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  datagram_batch b;
  if (!get_args(env, info, 7, argv) || !batch_args(env, argv, &b)) return NULL;
  int64_t fd = b.fd, count = b.count;
  uint8_t *packets = b.packets, *addresses = b.addresses;
  int32_t *offsets = b.offsets, *lengths = b.lengths, *slots = b.slots;

  struct mmsghdr msgs[MAX_DATAGRAMS_PER_CALL];
  struct iovec iovs[MAX_DATAGRAMS_PER_CALL];
  int64_t sent = 0;
  while (sent < count) {
    unsigned int n = (count - sent) > MAX_DATAGRAMS_PER_CALL ? MAX_DATAGRAMS_PER_CALL : (unsigned int)(count - sent);
    for (unsigned int k = 0; k < n; k++) {
      int64_t i = sent + k;
      uint8_t *slot = addresses + (size_t)slots[i] * ADDRESS_SLOT_BYTES;
      iovs[k].iov_base = packets + offsets[i];
      iovs[k].iov_len = (size_t)lengths[i];
      memset(&msgs[k], 0, sizeof msgs[k]);
      msgs[k].msg_hdr.msg_name = slot;
      msgs[k].msg_hdr.msg_namelen = address_slot_length(slot);
      msgs[k].msg_hdr.msg_iov = &iovs[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg((int)fd, msgs, n, MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    /* EAGAIN, ENOBUFS, EMSGSIZE, a closed fd...: stop here; the caller sends the rest through dgram, which
     * reports the error the usual way if it persists. */
    if (r <= 0) break;
    sent += r;
    if ((unsigned int)r < n) break;
  }
  return make_int(env, sent);
}

/* encodeAddress(table, slot, host, port, ipv6Socket) -> whether `host` (a numeric IPv4 or IPv6 address, an
 * IPv6 one with an optional %scope) could be encoded into table slot `slot`. On an IPv6 socket an IPv4
 * destination is written v4-mapped (::ffff:a.b.c.d); on an IPv4 socket an IPv6 one cannot be sent (false). */
napi_value encode_address(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  uint8_t *table;
  size_t table_len, host_len = 0;
  int64_t slot, port;
  bool ipv6_socket;
  napi_valuetype type;
  napi_value result;
  char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (!get_args(env, info, 5, argv)) return NULL;
  if (!arg_bytes(env, argv[0], "table", &table, &table_len)) return NULL;
  if (!arg_int(env, argv[1], "slot", 0, INT32_MAX, &slot)) return NULL;
  if ((uint64_t)(slot + 1) * ADDRESS_SLOT_BYTES > table_len) {
    throw_range(env, "slot %lld is outside the table (%zu bytes)", (long long)slot, table_len);
    return NULL;
  }
  if (napi_typeof(env, argv[2], &type) != napi_ok || type != napi_string) {
    napi_throw_type_error(env, NULL, "host must be a string");
    return NULL;
  }
  if (!arg_int(env, argv[3], "port", 0, 65535, &port)) return NULL;
  if (!arg_bool(env, argv[4], "ipv6Socket", &ipv6_socket)) return NULL;

  bool ok = false;
  /* Measure first: a longer string is no numeric address, and must not be silently cut to one. */
  if (napi_get_value_string_utf8(env, argv[2], NULL, 0, &host_len) == napi_ok && host_len < sizeof host && port != 0 &&
      napi_get_value_string_utf8(env, argv[2], host, sizeof host, &host_len) == napi_ok && strlen(host) == host_len /* no embedded NUL */) {
    uint8_t *out = table + slot * ADDRESS_SLOT_BYTES;
    struct in_addr v4;
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof sin6);
    if (inet_pton(AF_INET, host, &v4) == 1) {
      if (ipv6_socket) {
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons((uint16_t)port);
        sin6.sin6_addr.s6_addr[10] = 0xff;
        sin6.sin6_addr.s6_addr[11] = 0xff;
        memcpy(&sin6.sin6_addr.s6_addr[12], &v4, 4);
        memcpy(out, &sin6, sizeof sin6);
      } else {
        struct sockaddr_in sin;
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)port);
        sin.sin_addr = v4;
        memset(out, 0, ADDRESS_SLOT_BYTES);
        memcpy(out, &sin, sizeof sin);
      }
      ok = true;
    } else if (ipv6_socket) {
      char *scope = strchr(host, '%');
      if (scope) *scope++ = '\0';
      if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
        ok = true;
        if (scope) {
          char *end;
          unsigned long id = strtoul(scope, &end, 10);
          if (*scope != '\0' && *end == '\0' && id <= UINT32_MAX) sin6.sin6_scope_id = (uint32_t)id;
          else if ((sin6.sin6_scope_id = if_nametoindex(scope)) == 0) ok = false;
        }
        if (ok) {
          sin6.sin6_family = AF_INET6;
          sin6.sin6_port = htons((uint16_t)port);
          memcpy(out, &sin6, sizeof sin6);
        }
      }
    }
  }
  napi_get_boolean(env, ok, &result);
  return result;
}
