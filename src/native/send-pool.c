/* A pool of sender threads for the large batches of a shared socket (media.send_threads): the JS thread copies a
 * batch into blocks of native memory, one per thread, and returns; each thread hands its blocks to the kernel with
 * sendmmsg. All datagrams to one destination go to the same thread, so their order is kept.
 *
 * The hand-off takes no lock: each thread has a single-producer single-consumer ring of block pointers (the JS
 * thread is the only producer, the sender thread the only consumer; C11 acquire/release on the two indices) and a
 * semaphore the producer posts once per block, which costs a system call only when the thread sleeps. Nothing
 * waits while a send is in progress. A full ring drops the block, counted; the JS thread never blocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portunus.h"

#define MAX_THREADS 16
#define RING_SLOTS 256 /* blocks a thread may have waiting (power of two) */
#define EAGAIN_RETRIES 3
#define EAGAIN_WAIT_MS 5

typedef struct {
  int fd;
  uint32_t count;
  uint32_t *offsets;   /* into data */
  uint32_t *lengths;
  uint8_t *addresses;  /* count slots of ADDRESS_SLOT_BYTES */
  uint8_t *data;
} send_block;

typedef struct {
  pthread_t thread;
  bool started;
  sem_t ready;
  send_block *ring[RING_SLOTS];
  _Atomic uint64_t head; /* next slot the producer fills */
  _Atomic uint64_t tail; /* next slot the consumer empties */
  _Atomic uint64_t sent, dropped_error;
  _Atomic bool stop;
} sender;

struct send_pool {
  int threads;
  bool closed;
  uint64_t queued, dropped_full;
  sender senders[MAX_THREADS];
};

static const napi_type_tag SEND_POOL_TAG = {0x706f7274756e7573ULL, 0x73656e64706f6fULL};

/* Sends a block, retrying briefly when the socket buffer is full; what cannot be sent is counted. */
static void send_block_now(sender *s, send_block *b) {
  struct mmsghdr msgs[MAX_DATAGRAMS_PER_CALL];
  struct iovec iov[MAX_DATAGRAMS_PER_CALL];
  uint32_t done = 0;
  int retries = 0;
  while (done < b->count) {
    uint32_t n = b->count - done < MAX_DATAGRAMS_PER_CALL ? b->count - done : MAX_DATAGRAMS_PER_CALL;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t k = done + i;
      iov[i].iov_base = b->data + b->offsets[k];
      iov[i].iov_len = b->lengths[k];
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_name = b->addresses + (size_t)k * ADDRESS_SLOT_BYTES;
      msgs[i].msg_hdr.msg_namelen = address_slot_length(msgs[i].msg_hdr.msg_name);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(b->fd, msgs, n, MSG_DONTWAIT);
    if (r > 0) {
      done += (uint32_t)r;
      atomic_fetch_add_explicit(&s->sent, (uint64_t)r, memory_order_relaxed);
      retries = 0;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
      if (retries++ < EAGAIN_RETRIES) {
        struct pollfd p = {.fd = b->fd, .events = POLLOUT};
        poll(&p, 1, EAGAIN_WAIT_MS);
        continue;
      }
      /* A buffer that stays full: the rest of this block is dropped rather than waited for. */
      atomic_fetch_add_explicit(&s->dropped_error, b->count - done, memory_order_relaxed);
      return;
    }
    /* Another error on the first datagram (e.g. a closed socket, an unreachable address): skip it and go on. */
    atomic_fetch_add_explicit(&s->dropped_error, 1, memory_order_relaxed);
    done++;
    retries = 0;
  }
}

static void *sender_main(void *arg) {
  sender *s = arg;
  for (;;) {
    int waited;
    do
      waited = sem_wait(&s->ready);
    while (waited != 0 && errno == EINTR);
    uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
    if (tail == atomic_load_explicit(&s->head, memory_order_acquire)) {
      if (atomic_load_explicit(&s->stop, memory_order_acquire)) return NULL;
      continue;
    }
    send_block *b = s->ring[tail & (RING_SLOTS - 1)];
    atomic_store_explicit(&s->tail, tail + 1, memory_order_release);
    if (!atomic_load_explicit(&s->stop, memory_order_acquire)) send_block_now(s, b);
    free(b);
  }
}

/* Stops and joins the threads; blocks not yet sent are freed unsent. Idempotent. */
static void pool_close(send_pool *p) {
  if (p->closed) return;
  p->closed = true;
  for (int i = 0; i < p->threads; i++) {
    sender *s = &p->senders[i];
    if (!s->started) continue;
    atomic_store_explicit(&s->stop, true, memory_order_release);
    sem_post(&s->ready);
    pthread_join(s->thread, NULL);
    uint64_t tail = atomic_load(&s->tail), head = atomic_load(&s->head);
    for (; tail != head; tail++) free(s->ring[tail & (RING_SLOTS - 1)]);
    atomic_store(&s->tail, tail);
    sem_destroy(&s->ready);
    s->started = false;
  }
}

static void pool_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pool_close(data);
  free(data);
}

send_pool *send_pool_arg(napi_env env, napi_value value) { return arg_tagged(env, value, &SEND_POOL_TAG, "pool must be a pool made by sendPoolCreate"); }

static send_pool *pool_arg(napi_env env, napi_value value) { return send_pool_arg(env, value); }

/* sendPoolCreate(threads) -> an external; its threads are joined by sendPoolClose or when it is collected. */
napi_value send_pool_create(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int64_t threads;
  if (!get_args(env, info, 1, argv) || !arg_int(env, argv[0], "threads", 1, MAX_THREADS, &threads)) return NULL;
  send_pool *p = calloc(1, sizeof *p);
  if (!p) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  p->threads = (int)threads;
  for (int i = 0; i < p->threads; i++) {
    sender *s = &p->senders[i];
    if (sem_init(&s->ready, 0, 0) != 0) break;
    if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
      sem_destroy(&s->ready);
      break;
    }
    s->started = true;
  }
  if (!p->senders[p->threads - 1].started) {
    pool_close(p);
    free(p);
    napi_throw_error(env, NULL, "could not start the sender threads");
    return NULL;
  }
  if (!make_tagged_external(env, p, pool_finalize, &SEND_POOL_TAG, &result)) {
    pool_close(p);
    free(p);
    return NULL;
  }
  return result;
}

/* The sender of a destination: a hash of its address bytes, so one destination always has the same thread. */
static unsigned sender_of(const uint8_t *slot, int threads) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < ADDRESS_SLOT_BYTES; i++) h = (h ^ slot[i]) * 16777619u;
  return h % (unsigned)threads;
}

int64_t send_pool_enqueue(send_pool *p, const datagram_batch *batch) {
  if (p->closed) return -1;
  int64_t fd = batch->fd, count = batch->count;
  const uint8_t *packets = batch->packets, *addresses = batch->addresses;
  const int32_t *offsets = batch->offsets, *lengths = batch->lengths, *slots = batch->slots;
  size_t bytes[MAX_THREADS] = {0};
  uint32_t per[MAX_THREADS] = {0};
  for (int64_t i = 0; i < count; i++) {
    unsigned t = sender_of(addresses + (size_t)slots[i] * ADDRESS_SLOT_BYTES, p->threads);
    bytes[t] += (size_t)lengths[i];
    per[t]++;
  }
  send_block *blocks[MAX_THREADS] = {0};
  uint32_t filled[MAX_THREADS] = {0};
  size_t used[MAX_THREADS] = {0};
  for (int t = 0; t < p->threads; t++) {
    if (per[t] == 0) continue;
    size_t n = per[t];
    send_block *b = malloc(sizeof *b + n * (2 * sizeof(uint32_t) + ADDRESS_SLOT_BYTES) + bytes[t]);
    if (!b) continue; /* counted as dropped below */
    b->fd = (int)fd;
    b->count = (uint32_t)n;
    b->offsets = (uint32_t *)(b + 1);
    b->lengths = b->offsets + n;
    b->addresses = (uint8_t *)(b->lengths + n);
    b->data = b->addresses + n * ADDRESS_SLOT_BYTES;
    blocks[t] = b;
  }
  for (int64_t i = 0; i < count; i++) {
    const uint8_t *address = addresses + (size_t)slots[i] * ADDRESS_SLOT_BYTES;
    unsigned t = sender_of(address, p->threads);
    send_block *b = blocks[t];
    if (!b) continue;
    uint32_t k = filled[t]++;
    b->offsets[k] = (uint32_t)used[t];
    b->lengths[k] = (uint32_t)lengths[i];
    memcpy(b->addresses + (size_t)k * ADDRESS_SLOT_BYTES, address, ADDRESS_SLOT_BYTES);
    memcpy(b->data + used[t], packets + offsets[i], (size_t)lengths[i]);
    used[t] += (size_t)lengths[i];
  }
  uint64_t queued = 0;
  for (int t = 0; t < p->threads; t++) {
    if (per[t] == 0) continue;
    sender *s = &p->senders[t];
    uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
    if (!blocks[t] || head - atomic_load_explicit(&s->tail, memory_order_acquire) >= RING_SLOTS) {
      free(blocks[t]);
      p->dropped_full += per[t];
      continue;
    }
    s->ring[head & (RING_SLOTS - 1)] = blocks[t];
    atomic_store_explicit(&s->head, head + 1, memory_order_release);
    sem_post(&s->ready);
    queued += per[t];
  }
  p->queued += queued;
  return (int64_t)queued;
}

/* sendPoolQueue(pool, fd, packets, offsets, lengths, addresses, addressSlots, count) -> datagrams queued (the rest
 * dropped because a thread's ring was full). Arguments as sendBatch's, checked the same way before anything is
 * copied; the datagrams are copied, so the caller may reuse its buffers at once. */
napi_value send_pool_queue(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  datagram_batch batch;
  if (!get_args(env, info, 8, argv)) return NULL;
  send_pool *p = pool_arg(env, argv[0]);
  if (!p || !batch_args(env, argv + 1, &batch)) return NULL;
  int64_t queued = send_pool_enqueue(p, &batch);
  if (queued < 0) {
    napi_throw_error(env, NULL, "the send pool is closed");
    return NULL;
  }
  return make_int(env, queued);
}

/* sendPoolStats(pool, into: Float64Array of 4 + threads) <- threads, queued, dropped (ring full), dropped (send
 * errors), then each thread's sent count. */
napi_value send_pool_stats(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double *into;
  if (!get_args(env, info, 2, argv)) return NULL;
  send_pool *p = pool_arg(env, argv[0]);
  if (!p || !arg_float64s(env, argv[1], "into", (size_t)(4 + p->threads), &into)) return NULL;
  uint64_t errors = 0;
  for (int t = 0; t < p->threads; t++) {
    into[4 + t] = (double)atomic_load_explicit(&p->senders[t].sent, memory_order_relaxed);
    errors += atomic_load_explicit(&p->senders[t].dropped_error, memory_order_relaxed);
  }
  into[0] = p->threads;
  into[1] = (double)p->queued;
  into[2] = (double)p->dropped_full;
  into[3] = (double)errors;
  return NULL;
}

/* sendPoolClose(pool): stops and joins the threads; blocks still waiting are dropped. Idempotent. */
napi_value send_pool_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  send_pool *p = pool_arg(env, argv[0]);
  if (p) pool_close(p);
  return NULL;
}
