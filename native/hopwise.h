/*
 * hopwise shim: the socket system calls hopwise needs, as flat C functions.
 *
 * Every function returns >= 0 on success or -errno on failure. Nothing here
 * parses packets: bytes go in and come out, and TypeScript does the rest.
 * The same library also holds privileges.c (privileges.h): dropping
 * privileges process-wide, which reads /proc and signals threads.
 * Exactly one function waits: hw_poll (bound `nonblocking: true` in ffi/).
 *
 * Byte layouts (all integers in host byte order; every supported target is
 * little-endian, which ffi/ checks at load time):
 *
 *   hw_addr, HW_ADDR_SIZE (32) bytes
 *     0   u16  family: 4 (IPv4), 6 (IPv6), 0 (none)
 *     2   u16  port
 *     4   u32  IPv6 flow information (traffic class and flow label)
 *     8   u32  IPv6 scope id
 *     12  u8[16] address in network byte order (IPv4 uses the first 4)
 *     28  u32  reserved, zero
 *
 *   hw_meta, HW_META_SIZE (128) bytes, filled by hw_recv
 *     0   f64  kernel receive time, milliseconds on the hw_now clock
 *     8   u32  flags (HW_META_*)
 *     12  i32  TTL / hop limit of the received packet (IP_TTL, IPV6_HOPLIMIT)
 *     16  u32  IPv4 TOS / IPv6 traffic class of the received packet
 *     20  u32  reserved
 *     24  hw_addr  sender (msg_name); for the error queue, the original
 *                  destination of the packet the error is about
 *     56  u32  ee_errno     (sock_extended_err, when HW_META_EXTERR)
 *     60  u8   ee_origin    (HW_ORIGIN_*)
 *     61  u8   ee_type
 *     62  u8   ee_code
 *     63  u8   reserved
 *     64  u32  ee_info
 *     68  u32  ee_data
 *     72  hw_addr  offender (SO_EE_OFFENDER), when HW_META_OFFENDER
 *     104 ..127 reserved
 *
 *   poll entries: HW_POLL_SIZE (8) bytes each, the layout of struct pollfd
 *     0   i32  fd
 *     4   i16  requested events (HW_POLLIN | HW_POLLERR)
 *     6   i16  returned events
 *
 * Times: hw_now, hw_send and hw_recv all use one clock, CLOCK_REALTIME (the
 * clock of SO_TIMESTAMPNS), expressed as f64 milliseconds since the moment
 * the library was loaded, so that no precision is lost in a double.
 */
#ifndef HOPWISE_H
#define HOPWISE_H

#include <stdint.h>

#define HW_ABI_VERSION 8

#define HW_ADDR_SIZE 32
#define HW_META_SIZE 128
#define HW_POLL_SIZE 8

/* hw_socket kinds */
#define HW_SOCK_DGRAM 1
#define HW_SOCK_RAW 2
#define HW_SOCK_STREAM 3
#define HW_SOCK_DCCP 4 /* SOCK_DCCP, where the kernel has it */

/* hw_meta flags */
#define HW_META_TIMESTAMP 0x01
#define HW_META_TTL 0x02
#define HW_META_EXTERR 0x04
#define HW_META_OFFENDER 0x08
#define HW_META_TRUNC 0x10
#define HW_META_CTRUNC 0x20
#define HW_META_FROM 0x40
#define HW_META_TOS 0x80

/* ee_origin values, as Linux defines them */
#define HW_ORIGIN_NONE 0
#define HW_ORIGIN_LOCAL 1
#define HW_ORIGIN_ICMP 2
#define HW_ORIGIN_ICMP6 3

/* hw_recv flags */
#define HW_RECV_ERRQUEUE 0x01

/* poll events (the values of Linux and the BSDs) */
#define HW_POLLIN 0x01
#define HW_POLLOUT 0x04
#define HW_POLLERR 0x08
#define HW_POLLHUP 0x10

/* Integer socket options for hw_setopt_int; the family picks IPv4 or IPv6. */
#define HW_OPT_TTL 1           /* IP_TTL / IPV6_UNICAST_HOPS */
#define HW_OPT_TOS 2           /* IP_TOS / IPV6_TCLASS */
#define HW_OPT_RECVERR 3       /* IP_RECVERR / IPV6_RECVERR */
#define HW_OPT_RECVTTL 4       /* IP_RECVTTL / IPV6_RECVHOPLIMIT */
#define HW_OPT_TIMESTAMP 5     /* SO_TIMESTAMPNS */
#define HW_OPT_MTU_DISCOVER 6  /* IP(V6)_MTU_DISCOVER: 0 DONT, 1 PROBE, 2 DO */
#define HW_OPT_DONTROUTE 7     /* SO_DONTROUTE */
#define HW_OPT_DEBUG 8         /* SO_DEBUG */
#define HW_OPT_MARK 9          /* SO_MARK */
#define HW_OPT_FLOWINFO_SEND 10 /* IPV6_FLOWINFO_SEND */
#define HW_OPT_REUSEADDR 11    /* SO_REUSEADDR */
#define HW_OPT_RCVBUF 12       /* SO_RCVBUF */
#define HW_OPT_HDRINCL 13      /* IP_HDRINCL */
#define HW_OPT_RECVTOS 14      /* IP_RECVTOS / IPV6_RECVTCLASS */
#define HW_OPT_UDPLITE_SEND_CSCOV 15 /* UDPLITE_SEND_CSCOV */
#define HW_OPT_UDPLITE_RECV_CSCOV 16 /* UDPLITE_RECV_CSCOV */
#define HW_OPT_MTU 17          /* IP_MTU / IPV6_MTU (read only: hw_getopt_int) */
#define HW_OPT_RCVBUFFORCE 19  /* SO_RCVBUFFORCE (Linux, CAP_NET_ADMIN): past net.core.rmem_max */
#define HW_OPT_ICMP_FILTER 18  /* ICMP_FILTER (raw IPv4 ICMP, Linux): ICMP types blocked, a bit each */

/* Byte-string socket options for hw_setopt_bytes. */
#define HW_OPT_BINDTODEVICE 20 /* SO_BINDTODEVICE: interface name */
#define HW_OPT_IP_OPTIONS 21   /* IP_OPTIONS / IPV6_RTHDR */
#define HW_OPT_FLOWLABEL_MGR 22 /* IPV6_FLOWLABEL_MGR: u32 label, 16-byte dst */
#define HW_OPT_ICMP6_FILTER 23 /* ICMP6_FILTER: 32-byte filter */

int32_t hw_abi_version(void);
double hw_now(void);
int32_t hw_socket(int32_t family, int32_t kind, int32_t protocol);
int32_t hw_close(int32_t fd);
int32_t hw_setopt_int(int32_t fd, int32_t family, int32_t opt, int32_t value);
/* getsockopt of an integer option; returns the value (>= 0) or -errno. */
int32_t hw_getopt_int(int32_t fd, int32_t family, int32_t opt);
/* The smoothed round-trip time of a TCP socket (TCP_INFO tcpi_rtt), in
 * microseconds: after a handshake, the kernel's measurement of it. */
int32_t hw_tcp_rtt(int32_t fd);
int32_t hw_setopt_bytes(int32_t fd, int32_t family, int32_t opt,
                        const uint8_t *value, uint32_t length);
int32_t hw_bind(int32_t fd, const uint8_t *addr);
int32_t hw_connect(int32_t fd, const uint8_t *addr);
int32_t hw_getsockname(int32_t fd, uint8_t *addr_out);
/* getsockopt(SO_ERROR): returns the pending error (0 if none) and clears it. */
int32_t hw_take_error(int32_t fd);
/* Sends one datagram (to `addr`, or the connected peer when NULL); with
 * hop_limit >= 0 it goes with that TTL / hop limit as IP_TTL or IPV6_HOPLIMIT
 * ancillary data (family 4 or 6), else with the socket's. Writes the time
 * just before the call (f64) to sent_at_out. */
int32_t hw_send(int32_t fd, const uint8_t *data, uint32_t length,
                const uint8_t *addr, int32_t family, int32_t hop_limit,
                uint8_t *sent_at_out);
int32_t hw_recv(int32_t fd, uint8_t *buf, uint32_t capacity, uint8_t *meta_out,
                int32_t flags);
int32_t hw_poll(uint8_t *entries, uint32_t count, int32_t timeout_ms);
int32_t hw_pipe(uint8_t *fds_out);
int32_t hw_write(int32_t fd, const uint8_t *data, uint32_t length);
int32_t hw_read(int32_t fd, uint8_t *buf, uint32_t capacity);
int32_t hw_strerror(int32_t errnum, uint8_t *buf, uint32_t capacity);

/* The errno values of this platform, in this order, as i32s: EPERM EACCES
 * EAGAIN EINTR ENOBUFS EMSGSIZE EHOSTUNREACH ENETUNREACH ECONNREFUSED
 * EADDRNOTAVAIL ENODEV EADDRINUSE EINVAL EAFNOSUPPORT EPROTONOSUPPORT
 * ENOPROTOOPT ETIMEDOUT EHOSTDOWN ENETDOWN ECONNRESET EBADF EPIPE ENOENT
 * EOPNOTSUPP EPROTOTYPE ESOCKTNOSUPPORT EMFILE ENFILE EINPROGRESS EISCONN
 * EALREADY EDESTADDRREQ. Returns how many were
 * written (at most capacity). */
int32_t hw_errno_table(uint8_t *out, uint32_t capacity);

/* Raises the soft limit of open descriptors (RLIMIT_NOFILE) towards `want`,
 * no higher than the hard limit; returns the soft limit now, or -errno. */
int32_t hw_raise_nofile(uint32_t want);

#endif
