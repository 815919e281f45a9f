/*
 * hopwise shim: plain system calls, no packet parsing. See hopwise.h for the
 * ABI, the byte layouts and the clock. Dropping privileges is privileges.c's.
 */
#define _GNU_SOURCE
#include "hopwise.h"
#include "send_one.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/errqueue.h>
/* From linux/in6.h, which cannot be included beside netinet/in.h. */
#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR 32
#endif
#ifndef IPV6_FLOWINFO_SEND
#define IPV6_FLOWINFO_SEND 33
#endif
/* From linux/icmp.h (a raw IPv4 ICMP socket's filter of types), which clashes with glibc's. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif
#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif
#ifndef UDPLITE_SEND_CSCOV
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11
#endif
#ifndef IP_MTU
#define IP_MTU 14
#endif
#endif

_Static_assert(sizeof(struct pollfd) == HW_POLL_SIZE, "pollfd layout");
_Static_assert(offsetof(struct pollfd, events) == 4, "pollfd.events offset");

/* ---- clock ------------------------------------------------------------ */

static struct timespec epoch;
static int epoch_set;

static void ensure_epoch(void) {
  if (!epoch_set) {
    clock_gettime(CLOCK_REALTIME, &epoch);
    epoch_set = 1;
  }
}

static double ms_since_epoch(const struct timespec *ts) {
  return (double)(ts->tv_sec - epoch.tv_sec) * 1e3 +
         (double)(ts->tv_nsec - epoch.tv_nsec) / 1e6;
}

__attribute__((constructor)) static void hw_init(void) { ensure_epoch(); }

int32_t hw_abi_version(void) { return HW_ABI_VERSION; }

double hw_now(void) {
  struct timespec ts;
  ensure_epoch();
  clock_gettime(CLOCK_REALTIME, &ts);
  return ms_since_epoch(&ts);
}

/* ---- little helpers ---------------------------------------------------- */

static void put_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof v); }
static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static void put_i32(uint8_t *p, int32_t v) { memcpy(p, &v, sizeof v); }
static void put_f64(uint8_t *p, double v) { memcpy(p, &v, sizeof v); }
static uint16_t get_u16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static uint32_t get_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static int native_family(int32_t family) {
  if (family == 4) return AF_INET;
  if (family == 6) return AF_INET6;
  return -1;
}

/* hw_addr -> sockaddr; returns the sockaddr length or -EAFNOSUPPORT. */
static int to_sockaddr(const uint8_t *a, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  uint16_t family = get_u16(a);
  if (family == 4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(get_u16(a + 2));
    memcpy(&sin->sin_addr, a + 12, 4);
    return (int)sizeof *sin;
  }
  if (family == 6) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(get_u16(a + 2));
    sin6->sin6_flowinfo = htonl(get_u32(a + 4));
    sin6->sin6_scope_id = get_u32(a + 8);
    memcpy(&sin6->sin6_addr, a + 12, 16);
    return (int)sizeof *sin6;
  }
  return -EAFNOSUPPORT;
}

/* sockaddr -> hw_addr; an unknown family gives family 0. */
static void from_sockaddr(const struct sockaddr *sa, uint8_t *a) {
  memset(a, 0, HW_ADDR_SIZE);
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
    put_u16(a, 4);
    put_u16(a + 2, ntohs(sin->sin_port));
    memcpy(a + 12, &sin->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
    put_u16(a, 6);
    put_u16(a + 2, ntohs(sin6->sin6_port));
    put_u32(a + 4, ntohl(sin6->sin6_flowinfo));
    put_u32(a + 8, sin6->sin6_scope_id);
    memcpy(a + 12, &sin6->sin6_addr, 16);
  }
}

/* ---- sockets ----------------------------------------------------------- */

int32_t hw_socket(int32_t family, int32_t kind, int32_t protocol) {
  int af = native_family(family);
  int type;
  if (af < 0) return -EAFNOSUPPORT;
  switch (kind) {
    case HW_SOCK_DGRAM: type = SOCK_DGRAM; break;
    case HW_SOCK_RAW: type = SOCK_RAW; break;
    case HW_SOCK_STREAM: type = SOCK_STREAM; break;
#ifdef SOCK_DCCP
    case HW_SOCK_DCCP: type = SOCK_DCCP; break;
#endif
    default: return -EINVAL;
  }
#ifdef SOCK_NONBLOCK
  int fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return -errno;
#else
  int fd = socket(af, type, protocol);
  if (fd < 0) return -errno;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
#endif
  return fd;
}

int32_t hw_close(int32_t fd) { return close(fd) < 0 ? -errno : 0; }

/* Map an option id to (level, name) for the family; 0 on success. */
static int option_of(int32_t family, int32_t opt, int *level, int *name) {
  int v6 = family == 6;
  switch (opt) {
    case HW_OPT_TTL:
      *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
      *name = v6 ? IPV6_UNICAST_HOPS : IP_TTL;
      return 0;
    case HW_OPT_TOS:
      *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
      *name = v6 ? IPV6_TCLASS : IP_TOS;
      return 0;
    case HW_OPT_DONTROUTE: *level = SOL_SOCKET; *name = SO_DONTROUTE; return 0;
    case HW_OPT_DEBUG: *level = SOL_SOCKET; *name = SO_DEBUG; return 0;
    case HW_OPT_REUSEADDR: *level = SOL_SOCKET; *name = SO_REUSEADDR; return 0;
    case HW_OPT_RCVBUF: *level = SOL_SOCKET; *name = SO_RCVBUF; return 0;
#ifdef __linux__
    case HW_OPT_RCVBUFFORCE: *level = SOL_SOCKET; *name = SO_RCVBUFFORCE; return 0;
#endif
    case HW_OPT_HDRINCL:
      if (v6) return -ENOPROTOOPT;
      *level = IPPROTO_IP;
      *name = IP_HDRINCL;
      return 0;
    case HW_OPT_RECVTOS:
      *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
      *name = v6 ? IPV6_RECVTCLASS : IP_RECVTOS;
      return 0;
#ifdef __linux__
    case HW_OPT_RECVERR:
      *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
      *name = v6 ? IPV6_RECVERR : IP_RECVERR;
      return 0;
    case HW_OPT_RECVTTL:
      *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
      *name = v6 ? IPV6_RECVHOPLIMIT : IP_RECVTTL;
      return 0;
    case HW_OPT_TIMESTAMP: *level = SOL_SOCKET; *name = SO_TIMESTAMPNS; return 0;
    case HW_OPT_MTU_DISCOVER:
      *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
      *name = v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER;
      return 0;
    case HW_OPT_MARK: *level = SOL_SOCKET; *name = SO_MARK; return 0;
    case HW_OPT_FLOWINFO_SEND:
      if (!v6) return -ENOPROTOOPT;
      *level = IPPROTO_IPV6;
      *name = IPV6_FLOWINFO_SEND;
      return 0;
    case HW_OPT_BINDTODEVICE: *level = SOL_SOCKET; *name = SO_BINDTODEVICE; return 0;
    case HW_OPT_IP_OPTIONS:
      *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
      *name = v6 ? IPV6_RTHDR : IP_OPTIONS;
      return 0;
    case HW_OPT_FLOWLABEL_MGR:
      if (!v6) return -ENOPROTOOPT;
      *level = IPPROTO_IPV6;
      *name = IPV6_FLOWLABEL_MGR;
      return 0;
    case HW_OPT_UDPLITE_SEND_CSCOV: *level = IPPROTO_UDPLITE; *name = UDPLITE_SEND_CSCOV; return 0;
    case HW_OPT_UDPLITE_RECV_CSCOV: *level = IPPROTO_UDPLITE; *name = UDPLITE_RECV_CSCOV; return 0;
    case HW_OPT_MTU:
      *level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
      *name = v6 ? IPV6_MTU : IP_MTU;
      return 0;
#endif
#ifdef __linux__
    case HW_OPT_ICMP_FILTER:
      if (v6) return -ENOPROTOOPT;
      *level = SOL_RAW;
      *name = ICMP_FILTER;
      return 0;
#endif
    case HW_OPT_ICMP6_FILTER:
      if (!v6) return -ENOPROTOOPT;
      *level = IPPROTO_ICMPV6;
      *name = ICMP6_FILTER;
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

#ifdef __linux__
/* Linux's path-MTU modes: DONT 0, DO 2, PROBE 3; hopwise's: 0, 2, 1. */
static int mtu_mode(int32_t value) {
  if (value == 1) return IP_PMTUDISC_PROBE;
  if (value == 2) return IP_PMTUDISC_DO;
  return IP_PMTUDISC_DONT;
}
#endif

int32_t hw_setopt_int(int32_t fd, int32_t family, int32_t opt, int32_t value) {
  int level, name;
  int rc = option_of(family, opt, &level, &name);
  if (rc < 0) return rc;
  int v = value;
#ifdef __linux__
  if (opt == HW_OPT_MTU_DISCOVER) v = mtu_mode(value);
#endif
  if (setsockopt(fd, level, name, &v, sizeof v) < 0) return -errno;
  return 0;
}

int32_t hw_getopt_int(int32_t fd, int32_t family, int32_t opt) {
  int level, name;
  int rc = option_of(family, opt, &level, &name);
  if (rc < 0) return rc;
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, level, name, &v, &len) < 0) return -errno;
  return v < 0 ? -EINVAL : v;
}

int32_t hw_tcp_rtt(int32_t fd) {
#ifdef TCP_INFO
  struct tcp_info info;
  socklen_t len = sizeof info;
  memset(&info, 0, sizeof info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return -errno;
  return (int32_t)info.tcpi_rtt;
#else
  (void)fd;
  return -ENOPROTOOPT;
#endif
}

int32_t hw_setopt_bytes(int32_t fd, int32_t family, int32_t opt,
                        const uint8_t *value, uint32_t length) {
  int level, name;
  int rc = option_of(family, opt, &level, &name);
  if (rc < 0) return rc;
#ifdef __linux__
  if (opt == HW_OPT_FLOWLABEL_MGR) {
    /* value: u32 label (host order), then the 16-byte destination */
    struct in6_flowlabel_req {
      struct in6_addr flr_dst;
      uint32_t flr_label;
      uint8_t flr_action;
      uint8_t flr_share;
      uint16_t flr_flags;
      uint16_t flr_expires;
      uint16_t flr_linger;
      uint32_t __flr_pad;
    } req;
    if (length < 20) return -EINVAL;
    memset(&req, 0, sizeof req);
    req.flr_label = htonl(get_u32(value) & 0x000fffff);
    memcpy(&req.flr_dst, value + 4, 16);
    req.flr_action = 0; /* IPV6_FL_A_GET */
    req.flr_flags = 1;  /* IPV6_FL_F_CREATE */
    req.flr_share = 255; /* IPV6_FL_S_ANY */
    if (setsockopt(fd, level, name, &req, sizeof req) < 0) return -errno;
    return 0;
  }
#endif
  if (setsockopt(fd, level, name, value, length) < 0) return -errno;
  return 0;
}

int32_t hw_bind(int32_t fd, const uint8_t *addr) {
  struct sockaddr_storage ss;
  int len = to_sockaddr(addr, &ss);
  if (len < 0) return len;
  return bind(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0 ? -errno : 0;
}

int32_t hw_connect(int32_t fd, const uint8_t *addr) {
  struct sockaddr_storage ss;
  int len = to_sockaddr(addr, &ss);
  if (len < 0) return len;
  if (connect(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0) return -errno;
  return 0;
}

int32_t hw_getsockname(int32_t fd, uint8_t *addr_out) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -errno;
  from_sockaddr((struct sockaddr *)&ss, addr_out);
  return 0;
}

int32_t hw_take_error(int32_t fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
  return err;
}

int hw_send_one(int32_t fd, const uint8_t *data, uint32_t length,
                const uint8_t *addr, int32_t family, int32_t hop_limit,
                volatile double *sent_at, volatile uint32_t *tag, uint32_t tag_value) {
  struct sockaddr_storage ss;
  struct iovec iov;
  struct msghdr msg;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&msg, 0, sizeof msg);
  iov.iov_base = (void *)data;
  iov.iov_len = length;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (addr) {
    int len = to_sockaddr(addr, &ss);
    if (len < 0) return len;
    msg.msg_name = &ss;
    msg.msg_namelen = (socklen_t)len;
  }
  if (hop_limit >= 0) {
    /* This datagram's TTL / hop limit, without a setsockopt before it. */
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = family == 6 ? IPPROTO_IPV6 : IPPROTO_IP;
    cm->cmsg_type = family == 6 ? IPV6_HOPLIMIT : IP_TTL;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    int value = hop_limit;
    memcpy(CMSG_DATA(cm), &value, sizeof value);
  }
  struct timespec ts;
  ensure_epoch();
  clock_gettime(CLOCK_REALTIME, &ts);
  /* Stored before the send: its answer may be read while the send still runs. */
  *sent_at = ms_since_epoch(&ts);
  if (tag) __atomic_store_n(tag, tag_value, __ATOMIC_RELEASE);
  ssize_t n = sendmsg(fd, &msg, 0);
  return n < 0 ? -errno : (int)n;
}

int32_t hw_send(int32_t fd, const uint8_t *data, uint32_t length,
                const uint8_t *addr, int32_t family, int32_t hop_limit,
                uint8_t *sent_at_out) {
  volatile double at = 0;
  int rc = hw_send_one(fd, data, length, addr, family, hop_limit, &at, NULL, 0);
  if (rc < 0) return rc;
  if (sent_at_out) put_f64(sent_at_out, at);
  return rc;
}

#ifdef __linux__
/*
 * An IP_RECVERR or IPV6_RECVERR message (data, its cmsg_len) into meta: the
 * extended error, and its offender when the kernel gives one of family af.
 * Returns the HW_META_ flags it sets.
 */
static uint32_t read_extended_err(const uint8_t *data, size_t cmsg_len, int af,
                                  uint8_t *meta) {
  struct sock_extended_err ee;
  memcpy(&ee, data, sizeof ee);
  put_u32(meta + 56, ee.ee_errno);
  meta[60] = ee.ee_origin;
  meta[61] = ee.ee_type;
  meta[62] = ee.ee_code;
  put_u32(meta + 64, ee.ee_info);
  put_u32(meta + 68, ee.ee_data);
  uint32_t flags = HW_META_EXTERR;
  size_t size = af == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (cmsg_len >= CMSG_LEN(sizeof ee + size)) {
    struct sockaddr_storage off;
    memset(&off, 0, sizeof off);
    memcpy(&off, data + sizeof ee, size);
    if (off.ss_family == af) {
      from_sockaddr((const struct sockaddr *)&off, meta + 72);
      flags |= HW_META_OFFENDER;
    }
  }
  return flags;
}
#endif

int32_t hw_recv(int32_t fd, uint8_t *buf, uint32_t capacity, uint8_t *meta,
                int32_t flags) {
  struct sockaddr_storage from;
  struct iovec iov;
  struct msghdr msg;
  union {
    char buf[1024];
    struct cmsghdr align;
  } control;
  uint32_t mflags = 0;
  ssize_t n;

  memset(&msg, 0, sizeof msg);
  memset(&from, 0, sizeof from);
  memset(meta, 0, HW_META_SIZE);
  iov.iov_base = buf;
  iov.iov_len = capacity;
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;

  int rflags = MSG_DONTWAIT;
#ifdef __linux__
  if (flags & HW_RECV_ERRQUEUE) rflags |= MSG_ERRQUEUE;
#else
  if (flags & HW_RECV_ERRQUEUE) return -EAGAIN;
#endif
  n = recvmsg(fd, &msg, rflags);
  if (n < 0) return -errno;

  if (msg.msg_flags & MSG_TRUNC) mflags |= HW_META_TRUNC;
  if (msg.msg_flags & MSG_CTRUNC) mflags |= HW_META_CTRUNC;
  if (msg.msg_namelen > 0 &&
      (from.ss_family == AF_INET || from.ss_family == AF_INET6)) {
    from_sockaddr((struct sockaddr *)&from, meta + 24);
    mflags |= HW_META_FROM;
  }

  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    const uint8_t *data = CMSG_DATA(cm);
    if (cm->cmsg_level == SOL_SOCKET) {
#ifdef SO_TIMESTAMPNS
      if (cm->cmsg_type == SO_TIMESTAMPNS) {
        struct timespec ts;
        memcpy(&ts, data, sizeof ts);
        put_f64(meta, ms_since_epoch(&ts));
        mflags |= HW_META_TIMESTAMP;
      }
#endif
    } else if (cm->cmsg_level == IPPROTO_IP) {
#ifdef __linux__
      if (cm->cmsg_type == IP_TTL) {
        int v;
        memcpy(&v, data, sizeof v);
        put_i32(meta + 12, v);
        mflags |= HW_META_TTL;
      } else if (cm->cmsg_type == IP_TOS) {
        put_u32(meta + 16, data[0]);
        mflags |= HW_META_TOS;
      } else if (cm->cmsg_type == IP_RECVERR) {
        mflags |= read_extended_err(data, cm->cmsg_len, AF_INET, meta);
      }
#endif
    } else if (cm->cmsg_level == IPPROTO_IPV6) {
#ifdef __linux__
      if (cm->cmsg_type == IPV6_HOPLIMIT) {
        int v;
        memcpy(&v, data, sizeof v);
        put_i32(meta + 12, v);
        mflags |= HW_META_TTL;
      } else if (cm->cmsg_type == IPV6_TCLASS) {
        int v;
        memcpy(&v, data, sizeof v);
        put_u32(meta + 16, (uint32_t)v);
        mflags |= HW_META_TOS;
      } else if (cm->cmsg_type == IPV6_RECVERR) {
        mflags |= read_extended_err(data, cm->cmsg_len, AF_INET6, meta);
      }
#endif
    }
  }
  put_u32(meta + 8, mflags);
  return (int32_t)n;
}

int32_t hw_poll(uint8_t *entries, uint32_t count, int32_t timeout_ms) {
  int n = poll((struct pollfd *)entries, (nfds_t)count, timeout_ms);
  if (n < 0) return -errno;
  return n;
}

/* ---- plain file descriptors (the wake-up pipe) -------------------------- */

int32_t hw_pipe(uint8_t *fds_out) {
  int fds[2];
#ifdef __linux__
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) return -errno;
#else
  if (pipe(fds) < 0) return -errno;
  for (int i = 0; i < 2; i++) {
    fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
  }
#endif
  put_i32(fds_out, fds[0]);
  put_i32(fds_out + 4, fds[1]);
  return 0;
}

int32_t hw_write(int32_t fd, const uint8_t *data, uint32_t length) {
  ssize_t n = write(fd, data, length);
  return n < 0 ? -errno : (int32_t)n;
}

int32_t hw_read(int32_t fd, uint8_t *buf, uint32_t capacity) {
  ssize_t n = read(fd, buf, capacity);
  return n < 0 ? -errno : (int32_t)n;
}

int32_t hw_strerror(int32_t errnum, uint8_t *buf, uint32_t capacity) {
  if (capacity == 0) return -EINVAL;
  const char *s = strerror(errnum);
  size_t len = strlen(s);
  if (len >= capacity) len = capacity - 1;
  memcpy(buf, s, len);
  buf[len] = 0;
  return (int32_t)len;
}

int32_t hw_errno_table(uint8_t *out, uint32_t capacity) {
  static const int32_t table[] = {
      EPERM,        EACCES,         EAGAIN,          EINTR,      ENOBUFS,
      EMSGSIZE,     EHOSTUNREACH,   ENETUNREACH,     ECONNREFUSED,
      EADDRNOTAVAIL, ENODEV,        EADDRINUSE,      EINVAL,     EAFNOSUPPORT,
      EPROTONOSUPPORT, ENOPROTOOPT, ETIMEDOUT,       EHOSTDOWN,  ENETDOWN,
      ECONNRESET,   EBADF,          EPIPE,           ENOENT,     EOPNOTSUPP,
      EPROTOTYPE,   ESOCKTNOSUPPORT, EMFILE,         ENFILE,     EINPROGRESS,
      EISCONN,      EALREADY,        EDESTADDRREQ};
  uint32_t n = sizeof table / sizeof table[0];
  if (n > capacity) n = capacity;
  for (uint32_t i = 0; i < n; i++) put_i32(out + 4 * i, table[i]);
  return (int32_t)n;
}

/* ---- descriptors -------------------------------------------------------- */

int32_t hw_raise_nofile(uint32_t want) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) < 0) return -errno;
  if (limit.rlim_cur < want) {
    rlim_t raised = want;
    if (limit.rlim_max != RLIM_INFINITY && raised > limit.rlim_max) raised = limit.rlim_max;
    if (raised > limit.rlim_cur) {
      struct rlimit next = {raised, limit.rlim_max};
      if (setrlimit(RLIMIT_NOFILE, &next) == 0) limit.rlim_cur = raised;
    }
  }
  return limit.rlim_cur > INT32_MAX ? INT32_MAX : (int32_t)limit.rlim_cur;
}
