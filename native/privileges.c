/*
 * hopwise shim, privileges: leaving uid 0 or emptying the capability sets of
 * every thread of the process, and counting the threads still privileged.
 * Unlike hopwise.c this reads /proc and signals threads; see privileges.h.
 */
#define _GNU_SOURCE
#include "privileges.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#endif

int32_t hw_ids(uint8_t *out) {
  int32_t ids[4] = {(int32_t)getuid(), (int32_t)geteuid(), (int32_t)getgid(),
                    (int32_t)getegid()};
  memcpy(out, ids, sizeof ids);
  return 0;
}

#ifdef __linux__
int32_t hw_drop_to(int32_t uid, int32_t gid) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  if (setgroups(0, NULL) < 0) return -errno;
  if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0) return -errno;
  if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) return -errno;
  if (getresuid(&r, &e, &s) < 0 || getresgid(&gr, &ge, &gs) < 0) return -errno;
  if (r != (uid_t)uid || e != (uid_t)uid || s != (uid_t)uid) return -EPERM;
  if (gr != (gid_t)gid || ge != (gid_t)gid || gs != (gid_t)gid) return -EPERM;
  return 0;
}

static atomic_int caps_dropped;

static int clear_caps(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  return (int)syscall(SYS_capset, &header, data);
}

static void on_drop_signal(int sig) {
  int saved = errno;
  (void)sig;
  if (clear_caps() == 0) atomic_fetch_add(&caps_dropped, 1);
  errno = saved;
}

int32_t hw_drop_caps(void) {
  int sig = SIGRTMAX - 3;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_drop_signal;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (sigaction(sig, &action, NULL) < 0) return -errno;
  if (clear_caps() < 0) return -errno;
  pid_t pid = getpid();
  pid_t self = (pid_t)syscall(SYS_gettid);
  atomic_store(&caps_dropped, 0);
  int sent = 0;
  DIR *dir = opendir("/proc/self/task");
  if (!dir) return -errno;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    pid_t tid = (pid_t)atoi(entry->d_name);
    if (tid <= 0 || tid == self) continue;
    if (syscall(SYS_tgkill, pid, tid, sig) == 0) sent++;
  }
  closedir(dir);
  /* Wait, at most 2 s, for every thread signalled to run the handler. */
  for (int waited = 0; waited < 2000 && atomic_load(&caps_dropped) < sent; waited++) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  return atomic_load(&caps_dropped) + 1;
}

/* A line "Key:\t<hex>" of a status file: nonzero when the mask is. */
static int hex_nonzero(const char *status, const char *key) {
  const char *line = strstr(status, key);
  if (!line) return 1;
  line += strlen(key);
  while (*line == ' ' || *line == '\t') line++;
  for (; *line && *line != '\n'; line++)
    if (*line != '0') return 1;
  return 0;
}

int32_t hw_privileged_self(void) {
  if (geteuid() == 0) return 1;
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capget, &header, data) < 0) return -errno;
  for (int i = 0; i < 2; i++)
    if (data[i].permitted || data[i].effective) return 1;
  return 0;
}

int32_t hw_privileged_threads(void) {
  DIR *dir = opendir("/proc/self/task");
  if (!dir) return -errno;
  int held = 0;
  struct dirent *entry;
  char path[64];
  char status[4096];
  while ((entry = readdir(dir)) != NULL) {
    int tid = atoi(entry->d_name);
    if (tid <= 0) continue;
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue; /* the thread has exited */
    ssize_t n = read(fd, status, sizeof status - 1);
    close(fd);
    if (n <= 0) continue;
    status[n] = 0;
    unsigned real = 0, effective = 1;
    const char *uid = strstr(status, "\nUid:");
    if (uid) sscanf(uid + 5, "%u %u", &real, &effective);
    if (effective == 0 || hex_nonzero(status, "\nCapPrm:") || hex_nonzero(status, "\nCapEff:") ||
        hex_nonzero(status, "\nCapAmb:"))
      held++;
  }
  closedir(dir);
  return held;
}
#else
int32_t hw_drop_to(int32_t uid, int32_t gid) {
  (void)uid;
  (void)gid;
  return -ENOSYS;
}
int32_t hw_drop_caps(void) { return -ENOSYS; }
int32_t hw_privileged_self(void) { return geteuid() == 0 ? 1 : 0; }
int32_t hw_privileged_threads(void) { return -ENOSYS; }
#endif
