/* thread_state.h - the scheduler state of one of this process's threads, as
 * /proc shows it ('R' running or runnable, 'S' asleep, ...), or 0 when the
 * thread is gone.  packetdrill moves on only once its syscall thread sleeps;
 * the shim and pd_play both need to know the same. */
#ifndef PP_THREAD_STATE_H
#define PP_THREAD_STATE_H

#include <stdio.h>
#include <string.h>

static inline char pp_thread_state(int tid)
{
    char path[64], st[256], *rp;
    size_t n;
    FILE *f;

    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    if (!(f = fopen(path, "r")))
        return 0;
    n = fread(st, 1, sizeof st - 1, f);
    fclose(f);
    st[n] = '\0';
    rp = strrchr(st, ')'); /* the name in parentheses may hold anything */
    return rp && rp[1] == ' ' ? rp[2] : 0;
}

#endif
