/*
 * delayer: holds every packet of one NFQUEUE queue for a fixed time, then
 * accepts it. The lab's stand-in for `tc netem delay` on kernels without it.
 *
 *   delayer <queue-num> <delay-ms>
 *
 * <delay-ms> may be fractional (0.25 is 250 us). The program binds the
 * queue in metadata-only mode (the payload is never copied), stamps each
 * packet's arrival on CLOCK_MONOTONIC, and gives the verdict NF_ACCEPT
 * exactly <delay-ms> later. The delay is constant, so arrival order is
 * release order: pending packets sit in a FIFO, and the one wait of the
 * loop (ppoll, nanosecond timeout) ends at the head's due time or when
 * more packets arrive, whichever comes first; no packet waits on another.
 *
 * It runs at real-time priority (SCHED_FIFO) when allowed, so that a busy
 * machine does not add to the delay, and spins rather than sleeps for the
 * last fraction of a millisecond before a packet is due (see the loop).
 *
 * It prints "ready" on standard output once bound. On SIGTERM or SIGINT it
 * accepts whatever is still held, unbinds and exits with status 0. The
 * iptables rule should carry --queue-bypass, so that packets pass undelayed
 * whenever no delayer is bound; the queue itself is set to fail open (a
 * packet that finds the queue full is accepted rather than dropped).
 *
 * Build: gcc -O2 -Wall -Wextra -o delayer delayer.c -lnetfilter_queue
 * (Debian: libnetfilter-queue-dev).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Packets the kernel may hold for us before it fails open. */
#define QUEUE_MAXLEN 4096
/* Netlink receive buffer: room for a full queue of metadata messages. */
#define RCVBUF_BYTES (16 * 1024 * 1024)
/* Never wake, and then spin, more than this before a packet is due ... */
#define MAX_LATENESS_NS 500000
/* ... plus this margin, which absorbs most of the wake-up jitter. */
#define MARGIN_NS 50000
/* SCHED_FIFO priority: above every normal process, below the kernel's threads. */
#define REALTIME_PRIORITY 10
#define NS_PER_MS 1000000.0
#define NS_PER_S 1000000000LL

struct held {
	uint32_t id;
	int64_t due_ns;
};

/* Ring buffer of held packets, oldest first; grows by doubling. */
static struct {
	struct held *items;
	size_t capacity;
	size_t head;
	size_t count;
} fifo;

static struct nfq_q_handle *queue;
static int64_t delay_ns;
/* Arrival time of the messages being handled: stamped once per recv. */
static int64_t arrival_ns;
static unsigned long overflows;
static volatile sig_atomic_t stopping;
/* How late a timed ppoll wakes up, on average (learnt as it runs). */
static int64_t lateness_ns;

/* Averages timer lateness over about 8 wake-ups, within 0..MAX_LATENESS_NS. */
static void learn_lateness(int64_t late_ns)
{
	if (late_ns < 0)
		late_ns = 0;
	if (late_ns > MAX_LATENESS_NS)
		late_ns = MAX_LATENESS_NS;
	lateness_ns += (late_ns - lateness_ns) / 8;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void accept_packet(uint32_t id)
{
	if (nfq_set_verdict(queue, id, NF_ACCEPT, 0, NULL) < 0)
		fprintf(stderr, "delayer: verdict for packet %u: %s\n", id, strerror(errno));
}

static int fifo_push(uint32_t id, int64_t due_ns)
{
	if (fifo.count == fifo.capacity) {
		size_t capacity = fifo.capacity ? fifo.capacity * 2 : 1024;
		struct held *items = malloc(capacity * sizeof *items);
		if (items == NULL)
			return -1;
		for (size_t i = 0; i < fifo.count; i++)
			items[i] = fifo.items[(fifo.head + i) % fifo.capacity];
		free(fifo.items);
		fifo.items = items;
		fifo.capacity = capacity;
		fifo.head = 0;
	}
	fifo.items[(fifo.head + fifo.count) % fifo.capacity] = (struct held){ id, due_ns };
	fifo.count++;
	return 0;
}

/* Accepts every held packet due at or before `now` (all of them when now < 0). */
static void release_due(int64_t now)
{
	while (fifo.count > 0) {
		struct held *first = &fifo.items[fifo.head];
		if (now >= 0 && first->due_ns > now)
			break;
		accept_packet(first->id);
		fifo.head = (fifo.head + 1) % fifo.capacity;
		fifo.count--;
	}
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
		     void *data)
{
	(void)qh;
	(void)msg;
	(void)data;
	struct nfqnl_msg_packet_hdr *header = nfq_get_msg_packet_hdr(nfa);
	if (header == NULL)
		return 0;
	uint32_t id = ntohl(header->packet_id);
	if (delay_ns == 0 || fifo_push(id, arrival_ns + delay_ns) < 0)
		accept_packet(id);
	return 0;
}

/* Reads every message waiting on the socket without blocking. */
static int drain(struct nfq_handle *handle, int fd)
{
	static char buffer[256 * 1024] __attribute__((aligned));
	for (;;) {
		ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Messages were lost; their packets stay queued in the kernel. */
				if (overflows++ == 0)
					fprintf(stderr, "delayer: netlink receive buffer overflowed\n");
				continue;
			}
			fprintf(stderr, "delayer: recv: %s\n", strerror(errno));
			return -1;
		}
		arrival_ns = now_ns();
		nfq_handle_packet(handle, buffer, (int)n);
	}
}

static void on_signal(int signo)
{
	(void)signo;
	stopping = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: delayer <queue-num> <delay-ms>\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return usage();
	char *end;
	errno = 0;
	unsigned long queue_num = strtoul(argv[1], &end, 10);
	if (errno || *end != '\0' || end == argv[1] || argv[1][0] == '-' || queue_num > 65535) {
		fprintf(stderr, "delayer: invalid queue number '%s'\n", argv[1]);
		return usage();
	}
	errno = 0;
	double delay_ms = strtod(argv[2], &end);
	if (errno || *end != '\0' || end == argv[2] || !isfinite(delay_ms) || delay_ms < 0 ||
	    delay_ms > 3600000) {
		fprintf(stderr, "delayer: invalid delay '%s' (milliseconds, 0 to 3600000)\n", argv[2]);
		return usage();
	}
	delay_ns = (int64_t)(delay_ms * NS_PER_MS + 0.5);

	/* Wake at the requested nanosecond, not up to 50 us later. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/*
	 * Real-time priority where allowed (root): on a busy machine a delayer
	 * of normal priority waits for a CPU, and its packets with it (ping
	 * through 8 delayed passes with both CPUs busy: 80.9 to 105 ms instead
	 * of 80.6 to 80.7). It sleeps nearly all the time, so it takes little.
	 */
	struct sched_param priority = { .sched_priority = REALTIME_PRIORITY };
	sched_setscheduler(0, SCHED_FIFO, &priority);

	/* SIGTERM and SIGINT are blocked except inside ppoll: no lost wake-up. */
	sigset_t blocked, during_wait;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigprocmask(SIG_BLOCK, &blocked, &during_wait);
	sigdelset(&during_wait, SIGTERM);
	sigdelset(&during_wait, SIGINT);
	struct sigaction action;
	memset(&action, 0, sizeof action);
	action.sa_handler = on_signal;
	sigemptyset(&action.sa_mask);
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);

	struct nfq_handle *handle = nfq_open();
	if (handle == NULL) {
		fprintf(stderr, "delayer: nfq_open: %s (is nfnetlink_queue available?)\n",
			strerror(errno));
		return 1;
	}
	queue = nfq_create_queue(handle, (uint16_t)queue_num, on_packet, NULL);
	if (queue == NULL) {
		fprintf(stderr, "delayer: cannot bind queue %lu: %s\n", queue_num, strerror(errno));
		nfq_close(handle);
		return 1;
	}
	if (nfq_set_mode(queue, NFQNL_COPY_META, 0) < 0) {
		fprintf(stderr, "delayer: metadata-only copy mode: %s\n", strerror(errno));
		goto fail;
	}
	if (nfq_set_queue_maxlen(queue, QUEUE_MAXLEN) < 0)
		fprintf(stderr, "delayer: queue length %d: %s\n", QUEUE_MAXLEN, strerror(errno));
	if (nfq_set_queue_flags(queue, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN) < 0)
		fprintf(stderr, "delayer: fail-open: %s\n", strerror(errno));

	int fd = nfq_fd(handle);
	int size = RCVBUF_BYTES;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0)
		fprintf(stderr, "delayer: receive buffer: %s\n", strerror(errno));

	printf("ready\n");
	fflush(stdout);

	int status = 0;
	while (!stopping) {
		int64_t now = now_ns();
		release_due(now);
		/*
		 * A timed ppoll wakes up late (0.1 ms or more on a virtual machine),
		 * so it is set to end early by the lateness learnt so far plus a
		 * margin, and what is left until the head packet is due is spent
		 * spinning, reading the socket meanwhile.
		 */
		struct timespec timeout;
		struct timespec *wait = NULL;
		int64_t wake_ns = 0;
		if (fifo.count > 0) {
			wake_ns = fifo.items[fifo.head].due_ns - lateness_ns - MARGIN_NS;
			int64_t left = wake_ns - now;
			if (left <= 0) {
				if (drain(handle, fd) < 0) {
					status = 1;
					break;
				}
				continue;
			}
			timeout.tv_sec = (time_t)(left / NS_PER_S);
			timeout.tv_nsec = (long)(left % NS_PER_S);
			wait = &timeout;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };
		int ready = ppoll(&pfd, 1, wait, &during_wait);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "delayer: ppoll: %s\n", strerror(errno));
			status = 1;
			break;
		}
		if (ready == 0 && wait != NULL)
			learn_lateness(now_ns() - wake_ns);
		if (ready > 0 && (pfd.revents & (POLLIN | POLLERR)) && drain(handle, fd) < 0) {
			status = 1;
			break;
		}
	}
	/* Let everything still held go at once rather than drop it. */
	release_due(-1);
	nfq_destroy_queue(queue);
	nfq_close(handle);
	free(fifo.items);
	return status;

fail:
	nfq_destroy_queue(queue);
	nfq_close(handle);
	return 1;
}
