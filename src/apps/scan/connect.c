/* connect.c - connect and socket-UDP scans on the kernel's sockets.  TCP:
 * connected = open (syn-ack), ECONNREFUSED = closed (conn-refused), ICMP
 * unreachable errors or silence = filtered.  UDP (a connected socket per
 * probe, so the kernel hands back ICMP errors): a datagram = open,
 * ECONNREFUSED = closed (port-unreach), other unreachables = filtered,
 * silence = open|filtered. */
#include "connect.h"
#include "stats.h"
#include "mono_clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct cprobe {
    int fd, rank, tries, udp;
    uint64_t host;
    double sent;
};

static void classify(int err, int udp, int *state, int *reason)
{
    switch (err) {
    case 0:
        *state = PP_PS_OPEN;
        *reason = udp ? PP_R_UDP_RESPONSE : PP_R_SYN_ACK;
        break;
    case ECONNREFUSED:
        *state = PP_PS_CLOSED;
        *reason = udp ? PP_R_PORT_UNREACH : PP_R_CONN_REFUSED;
        break;
    case EHOSTUNREACH: *state = PP_PS_FILTERED; *reason = PP_R_HOST_UNREACH; break;
    case ENETUNREACH: *state = PP_PS_FILTERED; *reason = PP_R_NET_UNREACH; break;
    case EACCES:
    case EPERM: *state = PP_PS_FILTERED; *reason = PP_R_ADMIN_PROHIBITED; break;
    default: *state = PP_PS_FILTERED; *reason = PP_R_NO_RESPONSE;
    }
}

static int start(struct cprobe *p, uint32_t addr, uint16_t port, int ep)
{
    struct sockaddr_in sa;
    struct epoll_event ev;
    int fd = socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc;

    if (fd < 0)
        return -errno;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(addr);
    sa.sin_port = htons(port);
    rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    if (rc < 0 && errno != EINPROGRESS) {
        rc = -errno;
        close(fd);
        return rc; /* the caller classifies an immediate failure */
    }
    if (p->udp) {
        uint8_t payload[512];
        size_t n = pp_scan_udp_payload(port, (uint32_t)rand(), payload);
        if (send(fd, payload, n, 0) < 0 && errno != EAGAIN) {
            rc = -errno;
            close(fd);
            return rc;
        }
    }
    memset(&ev, 0, sizeof ev);
    ev.events = p->udp ? EPOLLIN : EPOLLOUT;
    ev.data.ptr = p;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    p->fd = fd;
    p->sent = pp_mono_s();
    p->tries++;
    return 0;
}

static void set(struct pp_scan_result *res, const struct pp_scan_job *job, uint64_t h, int rank,
                int state, int reason)
{
    struct pp_scan_host *hs = &res->hosts[h];
    if (pp_scan_host_alloc(res, hs) < 0 || hs->state[rank])
        return;
    hs->state[rank] = (uint8_t)state;
    hs->reason[rank] = (uint8_t)reason;
    if (state == PP_PS_OPEN || state == PP_PS_CLOSED)
        hs->up = 1;
    if (job->on_port)
        job->on_port(job->arg, hs, rank >= res->ntcp, res->port_of[rank], rank);
}

static uint64_t same_item(const void *ctx, uint64_t step)
{
    (void)ctx;
    return step; /* host by host, ports in rank order */
}

int pp_scan_connect_run(const struct pp_scan_job *job, struct pp_scan_result *res, char *err)
{
    int par = job->timing.max_parallel > 0 ? job->timing.max_parallel : 256, rc, i, active = 0;
    double timeout = job->timing.initial_rtt_ms / 1000.0, t0 = pp_mono_s(), last_stats = t0;
    struct cprobe *pr;
    struct { uint64_t host; int rank; } *retry;
    size_t nretry = 0;
    uint64_t next = 0, total;
    struct epoll_event evs[64];
    int ep;

    if ((rc = pp_scan_result_init(res, job->targets, job->ports, job->tcp, job->udp, err)) < 0)
        return rc;
    total = res->nhosts * (uint64_t)res->nports;
    pr = calloc((size_t)par, sizeof *pr);
    retry = calloc((size_t)par + 1, sizeof *retry);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (!pr || !retry || ep < 0) {
        snprintf(err, 256, "out of memory or descriptors");
        free(pr);
        free(retry);
        if (ep >= 0)
            close(ep);
        return -ENOMEM;
    }
    for (i = 0; i < par; i++)
        pr[i].fd = -1;
    if (job->start_step)
        next = job->start_step < total ? job->start_step : total;
    for (;;) {
        if (pp_scan_stopped(job))
            break; /* interrupted: report what is finished (below) */
        for (i = 0; i < par; i++) {
            struct cprobe *p = &pr[i];
            if (p->fd >= 0)
                continue;
            if (nretry) {
                nretry--;
                p->host = retry[nretry].host;
                p->rank = retry[nretry].rank;
            } else if (next < total) {
                p->host = next / (uint64_t)res->nports;
                p->rank = (int)(next % (uint64_t)res->nports);
                p->tries = 0;
                next++;
            } else {
                break;
            }
            p->udp = p->rank >= res->ntcp;
            rc = start(p, res->hosts[p->host].addr, res->port_of[p->rank], ep);
            if (rc == -EMFILE || rc == -ENFILE) {
                /* Out of descriptors: do this one later. */
                retry[nretry].host = p->host;
                retry[nretry++].rank = p->rank;
                break;
            }
            if (rc < 0) {
                int st, why;
                classify(-rc, p->udp, &st, &why);
                set(res, job, p->host, p->rank, st, why);
            } else {
                active++;
            }
        }
        if (!active && !nretry && next >= total)
            break;
        {
            int n = epoll_wait(ep, evs, 64, 20);
            double t = pp_mono_s();
            if (pp_scan_job_tick(job) || (job->stats_every > 0 && t - last_stats >= job->stats_every)) {
                uint64_t h, up = 0;
                last_stats = t;
                for (h = 0; h < res->nhosts; h++)
                    up += res->hosts[h].up != 0;
                pp_scan_stats_write(stdout, pp_scan_phase_name(PP_SCAN_CONNECT, !job->tcp), t - t0,
                                    (double)next / (double)(total ? total : 1), 0, up,
                                    res->nhosts);
            }
            for (i = 0; i < n; i++) {
                struct cprobe *p = evs[i].data.ptr;
                int e = 0, st, why;
                socklen_t el = sizeof e;
                if (p->udp) {
                    uint8_t buf[512];
                    e = recv(p->fd, buf, sizeof buf, 0) >= 0 ? 0 : errno;
                } else {
                    getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el);
                }
                classify(e, p->udp, &st, &why);
                set(res, job, p->host, p->rank, st, why);
                /* A connection's answer (accept or refusal) is one round
                 * trip: the host's latency, as nmap reports it. */
                if (!p->udp && p->tries == 1 && !res->hosts[p->host].latency)
                    res->hosts[p->host].latency = t - p->sent;
                close(p->fd);
                p->fd = -1;
                active--;
            }
            for (i = 0; i < par; i++) {
                struct cprobe *p = &pr[i];
                if (p->fd < 0 || t - p->sent < timeout)
                    continue;
                close(p->fd); /* silence: try again, or give up */
                p->fd = -1;
                active--;
                if (p->tries <= job->timing.max_retries && nretry < (size_t)par) {
                    retry[nretry].host = p->host;
                    retry[nretry++].rank = p->rank;
                } else {
                    set(res, job, p->host, p->rank, p->udp ? PP_PS_OPEN_FILTERED : PP_PS_FILTERED,
                        PP_R_NO_RESPONSE);
                }
            }
        }
    }
    for (i = 0; i < par; i++)
        if (pr[i].fd >= 0)
            close(pr[i].fd);
    close(ep);
    free(pr);
    free(retry);
    if (pp_scan_stopped(job))
        pp_scan_cut_at_first_gap(res, job->start_step, total, same_item, NULL);
    res->seconds = pp_mono_s() - t0;
    return 0;
}
