/* stack.c - a stack instance: creation, the ingress entry point, timers,
 * tracing and counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stack_internal.h"
#include "portplex/wire/wire_err.h"

uint64_t pp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t pp_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The demux table's trace hook: feeds --trace and the public observer. */
static void on_decision(void *arg, const struct pp_demux_trace *ev)
{
    struct pp_stack *st = arg;
    uint8_t num = ev->proto == PP_DMX_TCP ? PP_IP_PROTO_TCP : PP_IP_PROTO_UDP;
    const struct pp_ip_proto *proto = st->proto_slot[num] ? st->protos[st->proto_slot[num] - 1] : NULL;
    int fd = ev->entry && proto && proto->fd_of ? proto->fd_of(ev->entry) : -1;
    struct pp_demux_event e = {st->name, ev->proto == PP_DMX_TCP, ev->saddr, ev->daddr,
                               ev->sport, ev->dport, pp_dmx_rule_name(ev->rule), fd};
    char a[16], b[16];

    if (st->demux_hook)
        st->demux_hook(st->demux_hook_arg, &e);
    if (!st->trace)
        return;
    fprintf(st->trace, "%s demux %s %s:%u -> %s:%u rule=%s socket=%d\n", st->name,
            e.tcp ? "tcp" : "udp", pp_ipv4_ntoa(e.saddr, a), e.sport, pp_ipv4_ntoa(e.daddr, b),
            e.dport, e.rule, e.fd);
    fflush(st->trace);
}

static void update_trace_hook(struct pp_stack *st)
{
    pp_demux_set_trace(st->demux, st->trace || st->demux_hook ? on_decision : NULL, st);
}

void pp_stack_on_demux(struct pp_stack *st, void (*fn)(void *arg, const struct pp_demux_event *ev),
                       void *arg)
{
    pthread_mutex_lock(&st->lock);
    st->demux_hook = fn;
    st->demux_hook_arg = arg;
    update_trace_hook(st);
    pthread_mutex_unlock(&st->lock);
}

void pp_stack_on_input(struct pp_stack *st, void (*fn)(void *arg, const uint8_t *pkt, size_t len),
                       void *arg)
{
    pthread_mutex_lock(&st->lock);
    st->input_tap = fn;
    st->input_tap_arg = arg;
    pthread_mutex_unlock(&st->lock);
}

int pp_stack_send_raw(struct pp_stack *st, const uint8_t *pkt, size_t len)
{
    int rc;

    /* Only packets from our own address: this is not a way to spoof. */
    if (len < 20 || ((uint32_t)pkt[12] << 24 | (uint32_t)pkt[13] << 16 | (uint32_t)pkt[14] << 8 |
                     pkt[15]) != st->addr)
        return -EINVAL;
    pthread_mutex_lock(&st->lock);
    rc = pp__ip_link_send(st, pkt, len);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/* Until the API registers its own (pp_stack_new): a stack with no socket
 * layer above it wakes no one and accepts no connection. */
static void no_wake(struct pp_stack *st, struct pp_sock *s) { (void)st, (void)s; }
static void no_flush(struct pp_stack *st) { (void)st; }
static void no_put(struct pp_sock *s) { (void)s; }
static struct pp_sock *no_child(struct pp_stack *st, const struct pp_sock *lis)
{
    (void)st, (void)lis;
    return NULL;
}
static const struct pp_sock_upcalls no_upcalls = {no_wake, no_flush, no_put, no_child};

struct pp_stack *pp__stack_create(const struct pp_stack_config *cfg)
{
    struct pp_stack *st;

    if (!cfg || cfg->addr == 0 || cfg->prefix_len == 0 || cfg->prefix_len > 32)
        return NULL;
    pp__stack_ready_init();
    /* Whole cache lines of its own: shards' stacks live side by side, each
     * written by its own core. */
    st = aligned_alloc(64, sizeof *st);
    if (!st)
        return NULL;
    memset(st, 0, sizeof *st);
    st->up = &no_upcalls;
#ifndef NDEBUG
    {
        pthread_mutexattr_t ma;
        pthread_mutexattr_init(&ma);
        pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
        pthread_mutex_init(&st->lock, &ma);
        pthread_mutexattr_destroy(&ma);
    }
#else
    pthread_mutex_init(&st->lock, NULL);
#endif
    pthread_cond_init(&st->poll_cv, NULL);
    snprintf(st->name, sizeof st->name, "%s", cfg->name ? cfg->name : "stack");
    st->addr = cfg->addr;
    st->prefix_len = cfg->prefix_len;
    st->mask = cfg->prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> cfg->prefix_len);
    st->mtu = cfg->mtu;
    st->icmp_rate = cfg->icmp_rate ? cfg->icmp_rate : 1000;
    st->icmp_burst = cfg->icmp_burst ? cfg->icmp_burst : 50;
    st->icmp_tokens = (uint64_t)st->icmp_burst * 1000;
    st->reass_max = cfg->reass_max_bytes ? cfg->reass_max_bytes : 256 * 1024;
    st->reass_timeout = cfg->reass_timeout_ms ? cfg->reass_timeout_ms : 30000;
    st->now_us = pp_now_us();
    st->now_ms = st->now_us / 1000u;
    st->icmp_last_ms = st->now_ms;
    st->ip_id = (uint16_t)(st->now_ms * 2654435761u >> 16);
    pp_sipkey_random(&st->isn_key);
    st->tcp_offers = PP_TCP_OFFER_ALL;
    st->tcp_idle_restart = 1;
    st->tcp_tlp = 1;
    st->tcp_frto = 1;
    st->tcp_ecn = PP_TCP_ECN_PASSIVE;
    {
        struct pp_demux_config dc;
        memset(&dc, 0, sizeof dc);
        dc.time_wait = cfg->time_wait_ms ? cfg->time_wait_ms : 60000;
        st->time_wait_ms = (uint32_t)dc.time_wait;
        dc.eph_min = cfg->ephemeral_min;
        dc.eph_max = cfg->ephemeral_max;
        st->demux = pp_demux_new(&dc);
    }
    if (!st->demux) {
        free(st);
        return NULL;
    }
    return st;
}

/* The link stops announcing packets to st (lock held). */
/* Takes the stack's callback off its link - only if it is still there: a
 * wrapper made around the link since (include/portplex/link_wrap.h) has
 * put its own in its place, which stays. */
static void unhook_link(struct pp_stack *st)
{
    if (st->link && st->link->ready == pp__stack_link_ready && st->link->ready_arg == st) {
        st->link->ready = NULL;
        st->link->ready_arg = NULL;
    }
}

void pp__stack_destroy(struct pp_stack *st)
{
    int i;

    pthread_mutex_lock(&st->lock);
    for (i = 0; i < st->nprotos; i++)
        if (st->protos[i]->free_all)
            st->protos[i]->free_all(st);
    pp__ip_reass_free_all(st);
    unhook_link(st);
    pthread_mutex_unlock(&st->lock);
    pp__stack_unready(st);
    pp_demux_free(st->demux);
    free(st->socks);
    free(st->rss);
    pthread_cond_destroy(&st->poll_cv);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

void pp_stack_attach(struct pp_stack *st, struct pp_link *link)
{
    pthread_mutex_lock(&st->lock);
    if (st->link != link)
        unhook_link(st);
    st->link = link;
    if (link) {
        link->ready_arg = st;
        link->ready = pp__stack_link_ready;
    }
    if (!st->mtu || (link && link->mtu && link->mtu < st->mtu))
        st->mtu = link && link->mtu ? link->mtu : 1500;
    pthread_mutex_unlock(&st->lock);
}

struct pp_link *pp_stack_link(struct pp_stack *st)
{
    struct pp_link *l;

    if (!st)
        return NULL;
    pthread_mutex_lock(&st->lock);
    l = st->link;
    pthread_mutex_unlock(&st->lock);
    return l;
}

uint32_t pp_stack_addr(const struct pp_stack *st) { return st->addr; }
const char *pp_stack_name(const struct pp_stack *st) { return st->name; }

void pp_stack_set_tcp_idle_restart(struct pp_stack *st, int on)
{
    pthread_mutex_lock(&st->lock);
    st->tcp_idle_restart = on != 0;
    pthread_mutex_unlock(&st->lock);
}

void pp_stack_set_tcp_tlp(struct pp_stack *st, int on)
{
    pthread_mutex_lock(&st->lock);
    st->tcp_tlp = on != 0;
    pthread_mutex_unlock(&st->lock);
}

void pp_stack_set_tcp_frto(struct pp_stack *st, int on)
{
    pthread_mutex_lock(&st->lock);
    st->tcp_frto = on != 0;
    pthread_mutex_unlock(&st->lock);
}

void pp_stack_set_tcp_ecn(struct pp_stack *st, int mode)
{
    pthread_mutex_lock(&st->lock);
    st->tcp_ecn = mode == PP_TCP_ECN_ON || mode == PP_TCP_ECN_PASSIVE ? mode : PP_TCP_ECN_OFF;
    pthread_mutex_unlock(&st->lock);
}

void pp_stack_set_tcp_offers(struct pp_stack *st, unsigned offers)
{
    pthread_mutex_lock(&st->lock);
    st->tcp_offers = offers & PP_TCP_OFFER_ALL;
    pthread_mutex_unlock(&st->lock);
}

void pp_stack_trace_to(struct pp_stack *st, FILE *f)
{
    pthread_mutex_lock(&st->lock);
    st->trace = f;
    update_trace_hook(st);
    pthread_mutex_unlock(&st->lock);
}

/* One packet in its own buffer, lock held; consumes p. */
static void input_pbuf_locked(struct pp_stack *st, struct pp_pbuf *p)
{
    if (st->input_tap) {
        pp_pbuf_csum_fill(p); /* what is shown carries its real checksum */
        st->input_tap(st->input_tap_arg, p->data, p->len);
    }
    pp__ip_input(st, p); /* consumes p */
}

/* One packet in, lock held. */
static void input_locked(struct pp_stack *st, const uint8_t *pkt, size_t len)
{
    struct pp_pbuf *p;

    if (len > 65535)
        len = 65535; /* a larger frame cannot be one IPv4 packet; parse rejects it */
    p = pp_pbuf_alloc(len);
    if (!p) {
        CNT(st, ip, in_receives);
        CNT(st, ip, out_discards);
        return;
    }
    memcpy(p->data, pkt, len);
    input_pbuf_locked(st, p);
}

void pp_stack_input(struct pp_stack *st, const uint8_t *pkt, size_t len)
{
    pthread_mutex_lock(&st->lock);
    input_locked(st, pkt, len);
    pthread_mutex_unlock(&st->lock);
}

void pp_stack_input_many(struct pp_stack *st, const uint8_t *const *pkts, const size_t *lens,
                         size_t n)
{
    size_t i;

    pthread_mutex_lock(&st->lock);
    st->batching = 1;
    for (i = 0; i < n; i++)
        input_locked(st, pkts[i], lens[i]);
    st->batching = 0;
    st->up->flush_wakes(st);
    pthread_mutex_unlock(&st->lock);
}

/* Receives what the link holds for us by now_ms, the driver's clock (lock held): a burst at a
 * time, wakes deferred to its end.  At most POLL_BUDGET packets, so a
 * flood cannot starve the timers; returns 1 when the link may hold more. */
#define POLL_BUDGET 256
static int pull_link(struct pp_stack *st, uint64_t now_ms)
{
    const struct pp_link_ops *ops = st->link ? st->link->ops : NULL;
    int n;

    if (!ops || (!ops->recv && !ops->recv_pbuf))
        return 0;
    st->batching = 1;
    for (n = 0; n < POLL_BUDGET; n++) {
        if (ops->recv_pbuf) { /* the buffer itself, no copy */
            struct pp_pbuf *p = ops->recv_pbuf(st->link, now_ms);
            if (!p)
                break;
            input_pbuf_locked(st, p);
        } else {
            size_t len = 0;
            const uint8_t *pkt = ops->recv(st->link, &len, now_ms);
            if (!pkt)
                break;
            input_locked(st, pkt, len);
        }
    }
    st->batching = 0;
    st->polled = (unsigned)n;
    st->up->flush_wakes(st);
    return n == POLL_BUDGET;
}

/* now_us from a driver in milliseconds (coarse): the stack's microseconds
 * stay where they are within that millisecond. */
static uint64_t poll_at(struct pp_stack *st, uint64_t now_us, int coarse)
{
    uint64_t next = UINT64_MAX, now_ms = now_us / 1000u;
    int more, i;

    pthread_mutex_lock(&st->lock);
    st->poll_next = 0; /* the driver is awake: no wakeup while it polls */
    st->clock_fine = !coarse;
    if (now_us > st->now_us && !(coarse && now_ms == st->now_ms)) { /* never back */
        st->now_us = now_us;
        st->now_ms = now_ms;
    }
    more = pull_link(st, now_ms);
    pp__ip_reass_timer(st);
    for (i = 0; i < st->nprotos; i++)
        if (st->protos[i]->timers)
            st->protos[i]->timers(st);
    if (st->reass)
        next = st->now_ms + 1000;
    for (i = 0; i < st->nprotos; i++) {
        uint64_t d = st->protos[i]->next_deadline ? st->protos[i]->next_deadline(st) : UINT64_MAX;
        if (d < next)
            next = d;
    }
    if (more)
        next = now_ms;
    else if (st->link && st->link->ops->next_due && st->link->ops->next_due(st->link) < next)
        next = st->link->ops->next_due(st->link);
    st->poll_next = next;
    pthread_mutex_unlock(&st->lock);
    return next;
}

uint64_t pp_stack_poll(struct pp_stack *st, uint64_t now_ms)
{
    return poll_at(st, now_ms * 1000u, 1);
}

uint64_t pp_stack_poll_us(struct pp_stack *st, uint64_t now_us)
{
    return poll_at(st, now_us, 0);
}

void pp_stack_set_clock(struct pp_stack *st, uint64_t (*now_us)(void))
{
    if (!st)
        return;
    pthread_mutex_lock(&st->lock);
    st->clock_us = now_us;
    pthread_mutex_unlock(&st->lock);
}

void pp_stack_set_wakeup(struct pp_stack *st, void (*fn)(void *arg), void *arg)
{
    if (!st)
        return;
    pthread_mutex_lock(&st->lock);
    st->wakeup = fn;
    st->wakeup_arg = arg;
    st->poll_next = 0;
    pthread_mutex_unlock(&st->lock);
}

static const struct {
    const char *layer, *name, *text;
} counter_info[PP_CNT_COUNT] = {
#define PP_CNT_INFO(layer, name, text) {#layer, #name, text},
    PP_COUNTERS(PP_CNT_INFO)
#undef PP_CNT_INFO
};

static const char *const err_layer_names[PP_ERRL_COUNT] = {"ip", "icmp", "udp", "tcp"};

long long pp_stack_counter(struct pp_stack *st, const char *name)
{
    char full[64];
    int i, l;
    long long v = -1;

    pthread_mutex_lock(&st->lock);
    for (i = 0; i < PP_CNT_COUNT && v < 0; i++) {
        snprintf(full, sizeof full, "%s.%s", counter_info[i].layer, counter_info[i].name);
        if (strcmp(full, name) == 0)
            v = (long long)st->cnt.c[i];
    }
    /* "ip.err.CSUM" style names for drop reasons. */
    for (l = 0; l < PP_ERRL_COUNT && v < 0; l++)
        for (i = 1; i < PP_WERR_COUNT && v < 0; i++) {
            snprintf(full, sizeof full, "%s.err.%s", err_layer_names[l], pp_wire_errname(i));
            if (strcmp(full, name) == 0)
                v = (long long)st->cnt.err[l][i];
        }
    pthread_mutex_unlock(&st->lock);
    return v;
}

void pp_stack_print_counters(struct pp_stack *st, FILE *f)
{
    const char *layer = "";
    int i, l;

    pthread_mutex_lock(&st->lock);
    for (i = 0; i < PP_CNT_COUNT; i++) {
        if (strcmp(layer, counter_info[i].layer) != 0) {
            layer = counter_info[i].layer;
            fprintf(f, "%s:\n", layer);
            for (l = 0; l < PP_ERRL_COUNT; l++)
                if (strcmp(err_layer_names[l], layer) == 0) {
                    int e;
                    for (e = 1; e < PP_WERR_COUNT; e++)
                        if (st->cnt.err[l][e])
                            fprintf(f, "    %llu malformed: %s (%s.err.%s)\n",
                                    (unsigned long long)st->cnt.err[l][e], pp_wire_strerror(e),
                                    layer, pp_wire_errname(e));
                }
        }
        fprintf(f, "    %llu %s (%s.%s)\n", (unsigned long long)st->cnt.c[i], counter_info[i].text,
                counter_info[i].layer, counter_info[i].name);
    }
    pthread_mutex_unlock(&st->lock);
}

#ifndef NDEBUG
void pp__stack_assert_locked(struct pp_stack *st, const char *where)
{
    int e = pthread_mutex_lock(&st->lock);

    if (e == EDEADLK)
        return; /* ours, as it must be */
    if (e == 0)
        pthread_mutex_unlock(&st->lock);
    fprintf(stderr, "portplex: %s entered without the stack lock held (%s)\n", where, st->name);
    abort();
}
#endif
