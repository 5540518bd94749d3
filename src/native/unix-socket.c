/* Unix domain sockets of the kinds Node lacks, SOCK_SEQPACKET and SOCK_DGRAM, for net/unix-socket.ts (the
 * Unix socket transport, janus.transport.pfunix). Each call is one system call on a non-blocking socket: it
 * never waits; "would block" is an answer (null or -1), and every other failure a thrown Error whose `code` is
 * the errno's name (ENOENT, ECONNREFUSED…), as Node's own errors have. libuv's poll handle on the socket's fd
 * calls back into JavaScript when the socket is readable or writable, on the main loop.
 *
 * The bytes received are handed to TypeScript as they are: what they mean (JSON, from a client we do not trust)
 * is parsed there, never here. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "portunus.h"

typedef struct {
  int fd; /* -1 once closed */
  uv_poll_t poll;
  bool poll_inited;     /* uv_poll_init done: the handle must be uv_close'd before the struct is freed */
  bool poll_closed;     /* its close callback ran */
  bool finalized;       /* the JS external is gone */
  napi_env env;
  napi_ref callback;    /* while polling: holds the JS callback (and so the object that owns this socket) */
  napi_async_context async;
} unix_socket;

static const napi_type_tag UNIX_SOCKET_TAG = {0x706f7274756e7573ULL, 0x756e6978736f636bULL};

/* Throws an Error like Node's system errors: message "<call> <path>: <strerror>", code "ENOENT", errno, syscall. */
static void throw_errno(napi_env env, const char *call, const char *path, int err) {
  char text[200 + sizeof(((struct sockaddr_un *)0)->sun_path)];
  snprintf(text, sizeof text, "%s%s%s: %s", call, path ? " " : "", path ? path : "", strerror(err));
  napi_value code, message, error, number, syscall;
  if (napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok || napi_create_error(env, code, message, &error) != napi_ok)
    return;
  if (napi_create_int32(env, -err, &number) == napi_ok) napi_set_named_property(env, error, "errno", number);
  if (napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &syscall) == napi_ok) napi_set_named_property(env, error, "syscall", syscall);
  napi_throw(env, error);
}

static void free_if_done(unix_socket *s) {
  if (s->finalized && (!s->poll_inited || s->poll_closed)) free(s);
}

static void on_poll_closed(uv_handle_t *handle) {
  unix_socket *s = handle->data;
  s->poll_closed = true;
  free_if_done(s);
}

/* Stops polling, drops the callback and closes the fd; idempotent. */
static void close_socket(napi_env env, unix_socket *s) {
  if (s->poll_inited && !uv_is_closing((uv_handle_t *)&s->poll)) {
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  }
  if (s->callback) {
    napi_delete_reference(env, s->callback);
    s->callback = NULL;
  }
  if (s->async) {
    napi_async_destroy(env, s->async);
    s->async = NULL;
  }
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
}

static void socket_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  unix_socket *s = data;
  close_socket(env, s);
  s->finalized = true;
  free_if_done(s);
}

static napi_value wrap_socket(napi_env env, int fd) {
  unix_socket *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  s->fd = fd;
  s->env = env;
  napi_value result;
  if (!make_tagged_external(env, s, socket_finalize, &UNIX_SOCKET_TAG, &result)) {
    close(fd);
    free(s);
    return NULL;
  }
  return result;
}

/* The socket behind an external made here, open; NULL with an exception pending otherwise. */
static unix_socket *open_socket_arg(napi_env env, napi_value value) {
  unix_socket *s = arg_tagged(env, value, &UNIX_SOCKET_TAG, "socket must be what unixSocketOpen returned");
  if (s && s->fd < 0) {
    throw_errno(env, "use", NULL, EBADF);
    return NULL;
  }
  return s;
}

/* A path (or, with a leading NUL, an abstract name) as a socket address; false with an exception pending. */
static bool path_arg(napi_env env, napi_value value, struct sockaddr_un *addr, socklen_t *len, char *shown, size_t shown_size) {
  size_t bytes = 0;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string || napi_get_value_string_utf8(env, value, NULL, 0, &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "path must be a string");
    return false;
  }
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  /* sun_path holds the name and, for a file path, its terminating NUL. */
  if (bytes == 0 || bytes >= sizeof addr->sun_path) {
    throw_errno(env, "bind", NULL, bytes == 0 ? EINVAL : ENAMETOOLONG);
    return false;
  }
  size_t copied = 0;
  char buf[sizeof addr->sun_path + 1];
  if (napi_get_value_string_utf8(env, value, buf, sizeof buf, &copied) != napi_ok || copied != bytes) {
    napi_throw_type_error(env, NULL, "path could not be read");
    return false;
  }
  memcpy(addr->sun_path, buf, bytes);
  bool abstract = buf[0] == '\0';
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + bytes + (abstract ? 0 : 1));
  snprintf(shown, shown_size, "%s%s", abstract ? "@" : "", abstract ? buf + 1 : buf);
  return true;
}

/* unixSocketOpen(dgram): a new unbound socket, SOCK_DGRAM when dgram is true, SOCK_SEQPACKET otherwise. */
napi_value unix_socket_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool dgram;
  if (!get_args(env, info, 1, argv) || !arg_bool(env, argv[0], "dgram", &dgram)) return NULL;
  int fd = socket(AF_UNIX, (dgram ? SOCK_DGRAM : SOCK_SEQPACKET) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, "socket", NULL, errno);
    return NULL;
  }
  return wrap_socket(env, fd);
}

/* unixSocketBind(socket, path) and unixSocketConnect(socket, path). */
static napi_value bind_or_connect(napi_env env, napi_callback_info info, bool connecting) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  unix_socket *s = open_socket_arg(env, argv[0]);
  struct sockaddr_un addr;
  socklen_t len;
  char shown[sizeof addr.sun_path + 2];
  if (!s || !path_arg(env, argv[1], &addr, &len, shown, sizeof shown)) return NULL;
  int r;
  do r = connecting ? connect(s->fd, (struct sockaddr *)&addr, len) : bind(s->fd, (struct sockaddr *)&addr, len);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    throw_errno(env, connecting ? "connect" : "bind", shown, errno);
    return NULL;
  }
  return NULL;
}

napi_value unix_socket_bind(napi_env env, napi_callback_info info) {
  return bind_or_connect(env, info, false);
}

napi_value unix_socket_connect(napi_env env, napi_callback_info info) {
  return bind_or_connect(env, info, true);
}

/* unixSocketListen(socket, backlog): a bound SOCK_SEQPACKET socket accepts connections. */
napi_value unix_socket_listen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t backlog;
  if (!get_args(env, info, 2, argv)) return NULL;
  unix_socket *s = open_socket_arg(env, argv[0]);
  if (!s || !arg_int(env, argv[1], "backlog", 1, 4096, &backlog)) return NULL;
  if (listen(s->fd, (int)backlog) < 0) throw_errno(env, "listen", NULL, errno);
  return NULL;
}

/* unixSocketAccept(socket): the next connection as a new socket, or null when none is waiting. */
napi_value unix_socket_accept(napi_env env, napi_callback_info info) {
  napi_value argv[1], none;
  if (!get_args(env, info, 1, argv)) return NULL;
  unix_socket *s = open_socket_arg(env, argv[0]);
  if (!s || napi_get_null(env, &none) != napi_ok) return NULL;
  int fd;
  do fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd >= 0) return wrap_socket(env, fd);
  /* A client that gave up before we accepted it is nobody's concern. */
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) return none;
  throw_errno(env, "accept", NULL, errno);
  return NULL;
}

/* unixSocketReceive(socket, buf): null when nothing waits; else { length, from } for one message read into buf.
 * length is the message's real size (MSG_TRUNC), so length > buf.length says it was cut; from is the sender's
 * bound path (a leading NUL for an abstract name) on SOCK_DGRAM, null for an unbound sender or a connection.
 * On SOCK_SEQPACKET a length of 0 is the peer's end. */
napi_value unix_socket_receive(napi_env env, napi_callback_info info) {
  napi_value argv[2], none;
  uint8_t *buf;
  size_t size;
  if (!get_args(env, info, 2, argv)) return NULL;
  unix_socket *s = open_socket_arg(env, argv[0]);
  if (!s || !arg_bytes(env, argv[1], "buf", &buf, &size) || napi_get_null(env, &none) != napi_ok) return NULL;
  struct sockaddr_un from;
  memset(&from, 0, sizeof from);
  struct iovec iov = {.iov_base = buf, .iov_len = size};
  struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
  ssize_t n;
  do n = recvmsg(s->fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return none;
    throw_errno(env, "recvmsg", NULL, errno);
    return NULL;
  }
  napi_value result, length, sender = none;
  if (napi_create_object(env, &result) != napi_ok || napi_create_int64(env, n, &length) != napi_ok) return NULL;
  size_t header = offsetof(struct sockaddr_un, sun_path);
  if (msg.msg_namelen > header && from.sun_family == AF_UNIX) {
    size_t max = msg.msg_namelen - header;
    if (max > sizeof from.sun_path) max = sizeof from.sun_path;
    /* An abstract name is every byte of the address; a path ends at its NUL. */
    size_t bytes = from.sun_path[0] == '\0' ? max : strnlen(from.sun_path, max);
    if (bytes > 0 && napi_create_string_utf8(env, from.sun_path, bytes, &sender) != napi_ok) return NULL;
  }
  if (napi_set_named_property(env, result, "length", length) != napi_ok || napi_set_named_property(env, result, "from", sender) != napi_ok) return NULL;
  return result;
}

/* unixSocketSend(socket, buf, length, path): sends buf[0, length) as one message, to `path` (SOCK_DGRAM) or on
 * the connection (path null). The bytes sent, or -1 when the socket (or the receiver's queue) is full. */
napi_value unix_socket_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  uint8_t *buf;
  size_t size;
  int64_t length;
  napi_valuetype path_type;
  if (!get_args(env, info, 4, argv)) return NULL;
  unix_socket *s = open_socket_arg(env, argv[0]);
  if (!s || !arg_bytes(env, argv[1], "buf", &buf, &size) || !arg_int(env, argv[2], "length", 0, (int64_t)size, &length) || napi_typeof(env, argv[3], &path_type) != napi_ok) return NULL;
  struct sockaddr_un addr;
  socklen_t addr_len = 0;
  char shown[sizeof addr.sun_path + 2] = "";
  bool addressed = path_type != napi_null && path_type != napi_undefined;
  if (addressed && !path_arg(env, argv[3], &addr, &addr_len, shown, sizeof shown)) return NULL;
  ssize_t n;
  do n = sendto(s->fd, buf, (size_t)length, MSG_NOSIGNAL | MSG_DONTWAIT, addressed ? (struct sockaddr *)&addr : NULL, addressed ? addr_len : 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return make_int(env, -1);
    throw_errno(env, "sendto", addressed ? shown : NULL, errno);
    return NULL;
  }
  return make_int(env, n);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  unix_socket *s = handle->data;
  if (!s->callback) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, recv, argv[2], result;
  int bits = status < 0 ? 0 : ((events & UV_READABLE) ? 1 : 0) | ((events & UV_WRITABLE) ? 2 : 0) | ((events & UV_DISCONNECT) ? 4 : 0);
  if (napi_get_reference_value(env, s->callback, &callback) == napi_ok && callback && napi_get_global(env, &recv) == napi_ok &&
      napi_create_int32(env, status < 0 ? status : 0, &argv[0]) == napi_ok && napi_create_int32(env, bits, &argv[1]) == napi_ok) {
    if (napi_make_callback(env, s->async, recv, callback, 2, argv, &result) == napi_pending_exception) {
      /* The callback threw: that is an uncaught exception, as it would be from any other I/O callback. */
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* unixSocketPoll(socket, events, callback): calls callback(status, events) on the main loop while the socket is
 * readable (events bit 1) or writable (bit 2), as asked; bit 4 in the answer is the peer's hang-up, a negative
 * status a poll error. events 0 stops polling (and no longer keeps the loop alive). callback may be null after
 * the first call, to keep the one given before. */
napi_value unix_socket_poll(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t events;
  napi_valuetype callback_type;
  if (!get_args(env, info, 3, argv)) return NULL;
  unix_socket *s = open_socket_arg(env, argv[0]);
  if (!s || !arg_int(env, argv[1], "events", 0, 3, &events) || napi_typeof(env, argv[2], &callback_type) != napi_ok) return NULL;
  if (callback_type == napi_function) {
    if (s->callback) napi_delete_reference(env, s->callback);
    s->callback = NULL;
    if (napi_create_reference(env, argv[2], 1, &s->callback) != napi_ok) return NULL;
    if (!s->async) {
      napi_value name;
      if (napi_create_string_utf8(env, "portunus:unix-socket", NAPI_AUTO_LENGTH, &name) != napi_ok || napi_async_init(env, NULL, name, &s->async) != napi_ok) return NULL;
    }
  } else if (callback_type != napi_null && callback_type != napi_undefined) {
    napi_throw_type_error(env, NULL, "callback must be a function or null");
    return NULL;
  }
  if (!s->poll_inited) {
    if (events == 0) return NULL;
    if (!s->callback) {
      napi_throw_type_error(env, NULL, "the first poll needs a callback");
      return NULL;
    }
    uv_loop_t *loop;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
    int r = uv_poll_init(loop, &s->poll, s->fd);
    if (r < 0) {
      throw_errno(env, "uv_poll_init", NULL, -r);
      return NULL;
    }
    s->poll.data = s;
    s->poll_inited = true;
  }
  int r = events == 0 ? uv_poll_stop(&s->poll) : uv_poll_start(&s->poll, ((events & 1) ? UV_READABLE : 0) | ((events & 2) ? UV_WRITABLE : 0), on_poll);
  if (r < 0) throw_errno(env, "uv_poll_start", NULL, -r);
  return NULL;
}

/* unixSocketFd(socket): the socket's descriptor number (-1 once closed), for logs and transport events. */
napi_value unix_socket_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  unix_socket *s = arg_tagged(env, argv[0], &UNIX_SOCKET_TAG, "socket must be what unixSocketOpen returned");
  return s ? make_int(env, s->fd) : NULL;
}

/* unixSocketClose(socket): stops polling and closes the fd; idempotent. The path a socket was bound to stays
 * until it is unlinked (net/unix-socket.ts does that). */
napi_value unix_socket_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  unix_socket *s = arg_tagged(env, argv[0], &UNIX_SOCKET_TAG, "socket must be what unixSocketOpen returned");
  if (s) close_socket(env, s);
  return NULL;
}
