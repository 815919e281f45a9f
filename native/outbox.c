/*
 * hopwise shim, the outbox: see outbox.h. One sending thread, a queue of
 * batches under one mutex, and two rings the JavaScript thread reads.
 */
#define _GNU_SOURCE
#include "outbox.h"

#include "send_one.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A batch: its entries and data in one allocation after it. */
struct batch {
  struct batch *next;
  uint32_t count;
  uint32_t first_ticket;
  uint8_t *entries;
  uint8_t *data;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static pthread_cond_t progress = PTHREAD_COND_INITIALIZER;
static struct batch *queue, *queue_tail;
static int sending;
static int started;
static volatile double times[HW_OUTBOX_RING];
static volatile int32_t results[HW_OUTBOX_RING];
static volatile uint32_t tags[HW_OUTBOX_RING];
static uint32_t done; /* atomic */

/* Sends of one datagram that may return another trace's pending socket error instead. */
#define PENDING_ERRORS_MAX 32

static uint32_t get_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static void send_batch(const struct batch *b) {
  for (uint32_t i = 0; i < b->count; i++) {
    const uint8_t *e = b->entries + (size_t)i * HW_SEND_SIZE;
    uint32_t slot = (b->first_ticket + i) % HW_OUTBOX_RING;
    int32_t fd;
    int16_t ttl;
    uint16_t family;
    memcpy(&fd, e, sizeof fd);
    memcpy(&ttl, e + 4, sizeof ttl);
    memcpy(&family, e + 6, sizeof family);
    uint16_t to_family;
    memcpy(&to_family, e + 16, sizeof to_family);
    int rc = 0;
    int pending_errors = 0;
    for (int attempt = 0; attempt < 50; attempt++) {
      rc = hw_send_one(fd, b->data + get_u32(e + 8), get_u32(e + 12),
                       to_family ? e + 16 : NULL, family, ttl, &times[slot], &tags[slot],
                       b->first_ticket + i);
      if (rc == -EAGAIN || rc == -ENOBUFS) {
        /* The socket's send buffer is full: the kernel is behind; give it a moment (at most
         * 50 x 200 us), as a probe sent at once would wait to be sent again. */
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
        continue;
      }
      if (pending_errors < PENDING_ERRORS_MAX &&
          (rc == -ECONNREFUSED || rc == -EHOSTUNREACH || rc == -ENETUNREACH || rc == -EPROTO)) {
        /* With IP_RECVERR every ICMP error also leaves a pending error on the socket, and a
         * send returns (and clears) it instead of sending. A socket shared by many traces gets
         * those errors all the time, so another may be pending by the next try: try again
         * while that is all it is (a real send error comes back every time, PENDING_ERRORS_MAX
         * times at most). */
        pending_errors++;
        continue;
      }
      break;
    }
    results[slot] = rc;
    __atomic_store_n(&done, b->first_ticket + i + 1, __ATOMIC_RELEASE);
  }
}

static void *sender(void *unused) {
  (void)unused;
  pthread_mutex_lock(&lock);
  for (;;) {
    while (!queue) pthread_cond_wait(&work, &lock);
    struct batch *b = queue;
    queue = b->next;
    if (!queue) queue_tail = NULL;
    sending = 1;
    pthread_mutex_unlock(&lock);
    send_batch(b);
    free(b);
    pthread_mutex_lock(&lock);
    sending = 0;
    pthread_cond_broadcast(&progress);
    if (!queue) pthread_cond_broadcast(&idle);
  }
  return NULL;
}

int32_t hw_outbox_push(const uint8_t *entries, uint32_t count,
                       const uint8_t *data, uint32_t data_length,
                       uint32_t first_ticket) {
  if (count == 0) return 0;
  size_t entries_size = (size_t)count * HW_SEND_SIZE;
  struct batch *b = malloc(sizeof *b + entries_size + data_length);
  if (!b) return -ENOMEM;
  b->next = NULL;
  b->count = count;
  b->first_ticket = first_ticket;
  b->entries = (uint8_t *)(b + 1);
  b->data = b->entries + entries_size;
  memcpy(b->entries, entries, entries_size);
  memcpy(b->data, data, data_length);
  pthread_mutex_lock(&lock);
  if (!started) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&thread, &attr, sender, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      pthread_mutex_unlock(&lock);
      free(b);
      return -rc;
    }
    started = 1;
  }
  if (queue_tail) queue_tail->next = b;
  else queue = b;
  queue_tail = b;
  pthread_cond_signal(&work);
  pthread_mutex_unlock(&lock);
  return (int32_t)count;
}

void *hw_outbox_times(void) { return (void *)times; }
void *hw_outbox_results(void) { return (void *)results; }
void *hw_outbox_tags(void) { return (void *)tags; }
uint32_t hw_outbox_done(void) { return __atomic_load_n(&done, __ATOMIC_ACQUIRE); }

int32_t hw_outbox_wait_done(uint32_t ticket) {
  pthread_mutex_lock(&lock);
  while ((int32_t)(__atomic_load_n(&done, __ATOMIC_ACQUIRE) - ticket) < 0 && (queue || sending))
    pthread_cond_wait(&progress, &lock);
  pthread_mutex_unlock(&lock);
  return 0;
}

int32_t hw_outbox_drain(void) {
  pthread_mutex_lock(&lock);
  while (queue || sending) pthread_cond_wait(&idle, &lock);
  pthread_mutex_unlock(&lock);
  return 0;
}
