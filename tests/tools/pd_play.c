/* pd_play.c - plays packetdrill scripts against libportplex-packetdrill.so
 * the way packetdrill's so-mode drives it (dlopen, packetdrill_interface_init
 * with the flags packetdrill-run passes, the socket calls, netdev_send /
 * netdev_receive, the .so's own clock), so CI, which cannot fetch
 * packetdrill, still has a player.  It is held to packetdrill's verdicts:
 * tests/tools/pd_agree.sh runs both over the public scripts and counts the
 * scripts where they differ.  What it follows from packetdrill (commit
 * 2c4001c: run.c, run_packet.c, run_system_call.c, parser.y):
 *
 *   - events: [time] then a packet (< or >), a system call, a `shell
 *     command` or a %{ python }% block; comments // and slash-star.
 *   - time: absolute, +relative, ranges a~b, * (any), and a blocking call's
 *     ...end; a relative time counts from the previous event's live time,
 *     except between two inbound packets (anchored to the script); every
 *     time is checked with --tolerance_usecs (4 ms) or --tolerance_percent
 *     (12.5%) of the gap since the previous event, whichever is larger.
 *   - outbound packets: merged up to the scripted payload, then flags,
 *     sequence and ACK numbers, window if given, option kinds and bytes
 *     (TS values not), ECN field if given, checksums, time (pd_packets.c).
 *   - inbound packets: TS echoes name our TS values as the script wrote them.
 *   - system calls: result, errno, values written back (pd_calls.c); a
 *     blocking call runs on its own thread and must end at its end time.
 *   - shell commands: only their net.ipv4 sysctls matter to the .so, which
 *     reads them from PD_SYSCTL_DIR (common/defaults.sh stands for Linux's
 *     settings packetdrill's defaults.sh makes); python blocks are skipped,
 *     as PD_STRIP_CODE=1 makes packetdrill-run skip them.
 *
 *   pd_play [--tolerance_usecs=N] LIB.so SCRIPT.pkt...
 * prints PASS / FAIL / UNSUPPORTED per script; exits 0 when none failed
 * (unsupported ones are no verdict), 1 when one failed, 2 on usage. */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "packetdrill/thread_state.h"
#include "pd_play.h"

struct packetdrill_interface pd_ifc;
const char *pd_script;
int pd_line;
struct pd_conn pd_conn;
long long pd_start_us;
long long pd_tolerance_us = 4000;
double pd_tolerance_pct = 12.5;
long pd_ts_tick_us;
static long long cli_tolerance_us = -1;

static _Noreturn void vexit(int code, const char *what, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s:%d: %s", pd_script, pd_line, what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    exit(code);
}

_Noreturn void pd_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vexit(1, "", fmt, ap);
}

_Noreturn void pd_unsupported(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vexit(2, "not played by pd_play: ", fmt, ap);
}

char *pd_skip_ws(char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

int pd_split_args(char *s, char **out, int max)
{
    int n = 0, depth = 0, quote = 0;
    char *start = s;
    for (;; s++) {
        if (*s == '"')
            quote ^= 1;
        else if (!quote && (*s == '[' || *s == '{' || *s == '('))
            depth++;
        else if (!quote && (*s == ']' || *s == '}' || *s == ')'))
            depth--;
        if ((*s == ',' && depth == 0 && !quote) || *s == '\0') {
            char *e = s, *b = pd_skip_ws(start);
            int last = *s == '\0';
            while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
                e--;
            *e = '\0';
            if (n < max && (*b || n > 0 || !last))
                out[n++] = b;
            if (last)
                break;
            start = s + 1;
        }
    }
    return n;
}

long long pd_now_us(void)
{
    struct timeval tv;
    pd_ifc.gettimeofday(pd_ifc.userdata, &tv, NULL);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void wait_until(long long script_us)
{
    long long t = pd_start_us + script_us - pd_now_us();
    if (t > 0)
        pd_ifc.usleep(pd_ifc.userdata, (useconds_t)t);
}

/* run.c verify_time(): script_us and end_us (-1: no range) are script
 * times; live_us on the .so's clock; last_us the previous event's script
 * time, which widens the tolerance by tolerance_percent of the gap. */
void pd_verify_time(const char *what, long long script_us, long long end_us, long long live_us,
                    long long last_us)
{
    long long actual = live_us - pd_start_us, tol = pd_tolerance_us;
    if (last_us >= 0) {
        long long dyn = (long long)(pd_tolerance_pct / 100.0 * (double)(script_us - last_us));
        if (dyn > tol)
            tol = dyn;
    }
    if (end_us >= 0) {
        if (actual < script_us - tol || actual > end_us + tol)
            pd_fail("timing error: expected %s in time range %.6f~%.6f sec but happened at "
                    "%.6f sec",
                    what, script_us / 1e6, end_us / 1e6, actual / 1e6);
    } else if (actual < script_us - tol || actual > script_us + tol) {
        pd_fail("timing error: expected %s at %.6f sec but happened at %.6f sec; tolerance %.6f "
                "sec",
                what, script_us / 1e6, actual / 1e6, tol / 1e6);
    }
}

/* --- blocking calls -------------------------------------------------------- */
struct pending {
    pthread_t th;
    int active, line;
    char call[1024], result[128];
    long long start_us, end_us;
    long long ret;
    int err;
    long long done_us;
    volatile int tid, done;
};
static struct pending pend;

static void *blocking_call(void *arg)
{
    struct pending *p = arg;
    p->tid = (int)syscall(SYS_gettid);
    p->ret = pd_run_call(p->call, &p->err);
    p->done_us = pd_now_us();
    p->done = 1;
    return NULL;
}

/* packetdrill goes on only once its syscall thread sleeps in the kernel
 * (state S in /proc) or has returned; so does this. */
static void wait_blocked(struct pending *p)
{
    int i;
    for (i = 0; i < 1000000 && !p->done; i++) {
        if (p->tid && pp_thread_state(p->tid) == 'S')
            return;
        sched_yield();
    }
}

static void finish_pending(void)
{
    int line = pd_line;
    if (!pend.active)
        return;
    pthread_join(pend.th, NULL);
    pend.active = 0;
    pd_line = pend.line;
    pd_check_result(pend.call, pend.ret, pend.err, pend.result);
    /* The tolerance of a blocking call grows with its own span. */
    pd_verify_time("system call return", pend.end_us, -1, pend.done_us, pend.start_us);
    pd_line = line;
}

/* --- shell commands: the sysctls they set ----------------------------------- */
static void set_sysctl(const char *name, const char *value)
{
    const char *dir = getenv("PD_SYSCTL_DIR");
    char path[320];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "/nonexistent", name);
    if (!dir || !(f = fopen(path, "w")))
        pd_fail("cannot set %s", name);
    fprintf(f, "%s\n", value);
    fclose(f);
}

/* Linux's settings as packetdrill's common/defaults.sh makes them, those
 * the .so reads. */
static void linux_defaults(void)
{
    set_sysctl("tcp_timestamps", "1");
    set_sysctl("tcp_sack", "1");
    set_sysctl("tcp_window_scaling", "1");
    set_sysctl("tcp_slow_start_after_idle", "0");
    set_sysctl("tcp_early_retrans", "4");
    set_sysctl("tcp_ecn", "0");
}

/* Each "net.ipv4.NAME=VALUE" (sysctl) or "/proc/sys/net/ipv4/NAME=VALUE"
 * (set_sysctls.py) in a command; "quoted values" allowed. */
static void command(const char *text)
{
    const char *p = text, *q;
    /* Module parameters and files the script's command depends on are
     * Linux's own; pd_play cannot stand in for them (nor for whether the
     * command itself succeeds). */
    if (strstr(text, "/sys/module") || strstr(text, "/sys/class") || strstr(text, "python") ||
        strstr(text, "nstat"))
        pd_unsupported("the command '%.60s'", text);
    if (strstr(text, "defaults.sh"))
        linux_defaults();
    while ((q = strstr(p, "net.ipv4.")) || (q = strstr(p, "net/ipv4/"))) {
        char name[64], value[128];
        size_t k = 0, v = 0;
        const char *r = q + 9;
        while (*r && (isalnum((unsigned char)*r) || *r == '_') && k + 1 < sizeof name)
            name[k++] = *r++;
        name[k] = '\0';
        p = r;
        if (*r != '=')
            continue;
        r++;
        if (*r == '"') {
            r++;
            while (*r && *r != '"' && v + 1 < sizeof value)
                value[v++] = *r++;
        } else {
            while (*r && !isspace((unsigned char)*r) && *r != ';' && *r != '`' && v + 1 < sizeof value)
                value[v++] = *r++;
        }
        value[v] = '\0';
        set_sysctl(name, value);
        p = r;
    }
}

/* --- the script ------------------------------------------------------------ */
enum ttype { T_ABS, T_REL, T_ABS_RANGE, T_REL_RANGE, T_ANY };

static long long parse_secs(char **pp)
{
    char num[32], *end;
    size_t n = 0;
    double v;
    while (n < sizeof num - 1 && (isdigit((unsigned char)(*pp)[n]) || ((*pp)[n] == '.' &&
                                  strncmp(*pp + n, "...", 3) != 0)))
        n++;
    memcpy(num, *pp, n);
    num[n] = '\0';
    v = strtod(num, &end);
    if (end == num)
        pd_unsupported("a time was expected at '%.20s'", *pp);
    *pp += end - num;
    return (long long)(v * 1e6 + (v >= 0 ? 0.5 : -0.5));
}

/* Strips comments (slash-star and //) in place, keeping newlines. */
static void strip_comments(char *s)
{
    char *p = s;
    int quote = 0;
    while (*p) {
        if (*p == '"')
            quote ^= 1;
        if (!quote && p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            char *stop = e ? e + 2 : p + strlen(p);
            for (; p < stop; p++)
                if (*p != '\n')
                    *p = ' ';
            continue;
        }
        if (!quote && p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n')
                *p++ = ' ';
            continue;
        }
        p++;
    }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;
    if (!f)
        pd_fail("cannot open: %s", strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        pd_fail("cannot read the script");
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int line_of(const char *base, const char *p)
{
    int n = 1;
    for (; base < p; base++)
        n += *base == '\n';
    return n;
}

static void play(const char *path)
{
    char *src = read_file(path), *orig, *p;
    long long last_script = -1; /* the previous event's script time */
    int last_inbound = 0, first = 1, i;

    pd_script = path;
    for (i = 0; i < PD_MAX_FD; i++)
        pd_conn.fd_map[i] = -1;
    strip_comments(src);
    if (!(orig = strdup(src)))
        pd_fail("out of memory");
    p = src;
    for (;;) {
        enum ttype tt = T_ABS;
        long long t = 0, t_end = -1, block_end = -1;
        char *stmt, *e;
        int inbound;

        p = pd_skip_ws(p);
        if (!*p)
            break;
        pd_line = line_of(orig, orig + (p - src)); /* src loses its newlines as we go */
        if (p[0] == '-' && p[1] == '-') { /* --option=value lines */
            char *eol = strchr(p, '\n');
            if (eol)
                *eol = '\0';
            if (!strncmp(p, "--tolerance_usecs=", 18))
                pd_tolerance_us = atoll(p + 18);
            else if (!strncmp(p, "--tolerance_percent=", 20))
                pd_tolerance_pct = atof(p + 20);
            else if (!strncmp(p, "--tcp_ts_tick_usecs=", 20))
                pd_ts_tick_us = atol(p + 20);
            else if (strncmp(p, "--ip_version", 12) && strncmp(p, "--local_ip", 10) &&
                     strncmp(p, "--remote_ip", 11) && strncmp(p, "--mss", 5))
                pd_unsupported("the option %s", p);
            p = eol ? eol + 1 : p + strlen(p);
            continue;
        }
        if (*p == '`') { /* the init command, or a command without a time (cleanup) */
            e = strchr(p + 1, '`');
            if (!e)
                pd_unsupported("an unclosed command");
            *e = '\0';
            command(p + 1);
            p = e + 1;
            continue;
        }
        /* The time. */
        if (*p == '*') {
            tt = T_ANY;
            p++;
        } else {
            int rel = *p == '+';
            if (rel)
                p++;
            t = parse_secs(&p);
            tt = rel ? T_REL : T_ABS;
            if (*p == '~') {
                p++;
                if (*p == '+')
                    p++;
                t_end = parse_secs(&p);
                tt = rel ? T_REL_RANGE : T_ABS_RANGE;
            }
            p = pd_skip_ws(p);
            if (!strncmp(p, "...", 3)) {
                p = pd_skip_ws(p + 3);
                block_end = parse_secs(&p);
            }
        }
        p = pd_skip_ws(p);
        /* The statement. */
        if (*p == '`') {
            e = strchr(p + 1, '`');
            if (!e)
                pd_unsupported("an unclosed command");
            *e = '\0';
            stmt = p + 1;
            p = e + 1;
        } else if (p[0] == '%' && p[1] == '{') {
            e = strstr(p, "}%");
            if (!e)
                pd_unsupported("an unclosed python block");
            *e = '\0';
            stmt = p;
            p = e + 2;
        } else {
            e = strchr(p, '\n');
            if (e)
                *e = '\0';
            stmt = p;
            p = e ? e + 1 : p + strlen(p);
            /* a statement may continue over lines inside brackets */
        }
        inbound = stmt[0] == '<';
        /* Relative times (run.c adjust_relative_event_times): from the
         * previous event's live time, except inbound after inbound. */
        if (tt == T_REL || tt == T_REL_RANGE) {
            long long off = last_inbound && inbound && last_script >= 0
                                ? last_script : pd_now_us() - pd_start_us;
            if (first)
                off = 0;
            t += off;
            if (t_end >= 0)
                t_end += off;
            if (block_end >= 0)
                block_end += off;
        }
        if (first) {
            if (tt == T_ANY || t != 0)
                pd_fail("first event should be at time 0");
            pd_start_us = pd_now_us();
            first = 0;
        }
        if (tt == T_ANY)
            t = pd_now_us() - pd_start_us;
        if (stmt[0] == '>') {
            pd_outbound(stmt + 1, t, t_end, last_script, tt == T_ANY);
        } else {
            /* Inbound packets, calls and commands wait for their time,
             * which is then checked (run.c wait_for_event). */
            wait_until(t);
            if (tt != T_ANY)
                pd_verify_time(inbound ? "inbound packet" : "event", t, t_end, pd_now_us(),
                               last_script);
            if (inbound) {
                pd_inbound(stmt + 1);
            } else if (stmt[0] == '%') {
                /* a python block: skipped (packetdrill-run's PD_STRIP_CODE) */
            } else if (stmt - 1 >= src && stmt[-1] == '`') {
                command(stmt);
            } else {
                char *eq = strstr(stmt, ") =");
                if (!eq)
                    pd_unsupported("the statement '%.60s'", stmt);
                finish_pending();
                if (block_end >= 0) {
                    snprintf(pend.call, sizeof pend.call, "%.*s", (int)(eq + 1 - stmt), stmt);
                    snprintf(pend.result, sizeof pend.result, "%s", eq + 1);
                    pend.start_us = t;
                    pend.end_us = block_end;
                    pend.line = pd_line;
                    pend.active = 1;
                    pend.tid = 0;
                    pend.done = 0;
                    pthread_create(&pend.th, NULL, blocking_call, &pend);
                    wait_blocked(&pend);
                } else {
                    char call[1024];
                    long long rc;
                    int err;
                    snprintf(call, sizeof call, "%.*s", (int)(eq + 1 - stmt), stmt);
                    rc = pd_run_call(call, &err);
                    snprintf(call, sizeof call, "%.*s", (int)(eq + 1 - stmt), stmt);
                    pd_check_result(call, rc, err, eq + 1);
                }
            }
        }
        last_script = t;
        last_inbound = inbound;
    }
    finish_pending();
    for (i = 0; i < PD_MAX_FD; i++)
        if (pd_conn.fd_map[i] >= 0)
            pd_ifc.close(pd_ifc.userdata, pd_conn.fd_map[i]);
    free(src);
    free(orig);
}

int main(int argc, char **argv)
{
    void (*init)(const char *, struct packetdrill_interface *);
    int i, failed = 0, unsupported = 0;

    if (argc > 1 && !strncmp(argv[1], "--tolerance_usecs=", 18)) {
        char *end;
        cli_tolerance_us = strtoll(argv[1] + 18, &end, 10);
        if (*end || cli_tolerance_us < 0) {
            fprintf(stderr, "pd_play: --tolerance_usecs wants a number of microseconds\n");
            return 2;
        }
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: pd_play [--tolerance_usecs=N] LIB.so SCRIPT.pkt...\n");
        return 2;
    }
    /* One process per script: the shim's state is per process, as with packetdrill. */
    for (i = 2; i < argc; i++) {
        pid_t pid;
        int status;
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
            char dir[] = "/tmp/pd_play.XXXXXX";
            void *so;
            if (!mkdtemp(dir)) {
                perror("pd_play: mkdtemp");
                _exit(3);
            }
            setenv("PD_SYSCTL_DIR", dir, 1);
            if (cli_tolerance_us >= 0)
                pd_tolerance_us = cli_tolerance_us;
            so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
            if (!so) {
                fprintf(stderr, "pd_play: %s\n", dlerror());
                _exit(3);
            }
            *(void **)&init = dlsym(so, "packetdrill_interface_init");
            if (!init) {
                fprintf(stderr, "pd_play: no packetdrill_interface_init in %s\n", argv[1]);
                _exit(3);
            }
            init("ip_version=ipv4,local_ip=192.168.0.1,remote_ip=192.0.2.1,gateway_ip=192.168.0.1,"
                 "netmask_ip=255.255.0.0,mtu=1500",
                 &pd_ifc);
            play(argv[i]);
            pd_ifc.free(pd_ifc.userdata);
            {
                char cmd[64];
                snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
                if (system(cmd) != 0)
                    _exit(3);
            }
            _exit(0);
        }
        if (pid < 0 || waitpid(pid, &status, 0) < 0) {
            perror("pd_play");
            return 1;
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("PASS %s\n", argv[i]);
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
            printf("UNSUPPORTED %s\n", argv[i]);
            unsupported++;
        } else {
            printf("FAIL %s\n", argv[i]);
            failed++;
        }
    }
    printf("%d passed, %d failed, %d not played\n", argc - 2 - failed - unsupported, failed,
           unsupported);
    return failed ? 1 : 0;
}
