/*
 * hopwise shim, inside the library only: one datagram sent, for the files of
 * the shim that send (hopwise.c's hw_send, outbox.c's thread).
 */
#ifndef HOPWISE_SEND_ONE_H
#define HOPWISE_SEND_ONE_H

#include <stdint.h>

/* sendmsg(2) of `data` to `addr` (a hw_addr, or NULL for the connected
 * peer), with hop_limit >= 0 as IP_TTL / IPV6_HOPLIMIT ancillary data
 * (family 4 or 6). Stores the hw_now time into *sent_at just before the
 * call, and then, when `tag` is not NULL, tag_value into *tag (so a reader
 * that finds the tag knows the time is this datagram's). Returns the bytes
 * sent or -errno. */
int hw_send_one(int32_t fd, const uint8_t *data, uint32_t length,
                const uint8_t *addr, int32_t family, int32_t hop_limit,
                volatile double *sent_at, volatile uint32_t *tag, uint32_t tag_value);

#endif
