/*
 * hopwise shim, the outbox (outbox.c, built into the same library as
 * hopwise.c, same ABI version): datagrams handed over in batches and sent by
 * a thread of the shim's own, so that the kernel's work within each send
 * (over a virtual link it forwards the datagram, and its answer, inside the
 * send) runs beside the JavaScript thread. Every function returns >= 0 on
 * success or -errno on failure.
 *
 * Each datagram has a ticket, counted from 0 by the caller (mod 2^32). Its
 * send time (f64 ms, the hw_now clock) is stored in the time ring at slot
 * ticket % HW_OUTBOX_RING just before its sendmsg(2), then its ticket in the
 * tag ring, so both are there before any answer to it can be read; its result (bytes sent or -errno) is stored
 * in the result ring after the call, and then the count of datagrams done
 * moves past it.
 *
 *   send entries: HW_SEND_SIZE (48) bytes each
 *     0   i32  fd
 *     4   i16  TTL / hop limit (IP_TTL / IPV6_HOPLIMIT ancillary data; -1: the socket's)
 *     6   u16  family (4 or 6)
 *     8   u32  offset of the datagram in the data buffer
 *     12  u32  its length
 *     16  hw_addr  destination (family 0: the connected peer)
 */
#ifndef HOPWISE_OUTBOX_H
#define HOPWISE_OUTBOX_H

#include <stdint.h>

#define HW_SEND_SIZE 48
#define HW_OUTBOX_RING 131072u

/* Copies `count` entries and the data they point into, queues them as
 * tickets first_ticket.. for the sending thread (started on first use), and
 * returns `count` at once, or -errno (-ENOMEM, pthread_create's error). A
 * send that returns a pending socket error left by an earlier ICMP error
 * (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EPROTO) is tried again, up to
 * 32 times (a socket shared by many traces may have another pending by the
 * next try); one that finds the send buffer full (EAGAIN, ENOBUFS) is tried
 * again every 200 us; 50 tries in all at most. */
int32_t hw_outbox_push(const uint8_t *entries, uint32_t count,
                       const uint8_t *data, uint32_t data_length,
                       uint32_t first_ticket);
/* The time ring (HW_OUTBOX_RING f64s), the result ring (i32s), and the tag
 * ring (u32s): the ticket whose time a slot holds, stored after the time. */
void *hw_outbox_times(void);
void *hw_outbox_results(void);
void *hw_outbox_tags(void);
/* How many datagrams are done (mod 2^32). */
uint32_t hw_outbox_done(void);
/* Blocks until the datagrams before `ticket` are done (or nothing is left to send). */
int32_t hw_outbox_wait_done(uint32_t ticket);
/* Blocks until every datagram pushed is done. */
int32_t hw_outbox_drain(void);

#endif
