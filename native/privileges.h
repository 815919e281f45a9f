/*
 * hopwise shim, privileges (privileges.c, built into the same library as
 * hopwise.c, same ABI version): every function returns >= 0 on success or
 * -errno on failure.
 */
#ifndef HOPWISE_PRIVILEGES_H
#define HOPWISE_PRIVILEGES_H

#include <stdint.h>

/* Dropping privileges, process-wide (Linux):
 *
 * hw_drop_to(uid, gid): setgroups(0), setresgid(gid x3), setresuid(uid x3),
 * through glibc, which applies them to every thread of the process; leaving
 * uid 0 clears all capabilities. Returns 0 or -errno (-EPERM if the ids did
 * not all change).
 *
 * hw_drop_caps(): empties the capability sets of every thread. capset(2)
 * changes only the calling thread, so a real-time signal whose handler calls
 * capset is sent to each thread listed in /proc/self/task; returns the number
 * of threads that confirmed (the caller checks /proc/self/task/<tid>/status
 * and repeats for threads created meanwhile), or -errno. */
int32_t hw_drop_to(int32_t uid, int32_t gid);
int32_t hw_drop_caps(void);
/* How many threads of this process still hold a capability (permitted,
 * effective or ambient) or run with effective uid 0; -errno on failure. */
int32_t hw_privileged_threads(void);
/* Whether the calling thread runs with effective uid 0 or holds a permitted
 * or effective capability (1 or 0; -errno on failure): what every thread
 * of a process that has changed nothing holds. */
int32_t hw_privileged_self(void);
/* The real and effective user and group ids, as four i32s: ruid euid rgid egid. */
int32_t hw_ids(uint8_t *out);

#endif
