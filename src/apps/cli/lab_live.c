/* lab_live.c - the live lab behind `portplex lab --serve` (see lab_live.h):
 * runs one scenario at a time on a fresh lab network and records, as JSON
 * events numbered in the order they happened,
 *   pkt   every packet put on the wire (addresses, ports, flags, seq/ack,
 *         length, what the wire did to it, the one-line description),
 *   dmx   every demultiplexing decision, tied to the packet it was about,
 *         with the rule and the socket (or "none") it chose,
 *   tbl   a host's socket table as `ss -tuna` shows it, each time it
 *         changes (a sampler thread looks every 2 ms; the wire's 10 ms
 *         delay means no state a packet meets goes unseen),
 *   note  the scenario's narration, run / end.
 * The page (lab_page/) replays them with its own controls. */
#include "lab_live.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab_scenarios.h"
#include "lab_world.h"
#include "portplex/portplex.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "portplex/vwire.h"
#include "portplex/wire/describe.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "portplex/wire/wire_err.h"
#include "scan/mono_clock.h"

#define MAX_EVENTS 200000 /* a run's events; beyond, the run notes that it stopped recording */
#define PKT_RING 8192     /* packets still waiting for their decision */
#define TABLE_JSON 16384  /* one host's table as JSON */
#define SAMPLE_US 2000
#define WIRE_DELAY_MS 10
#define SANDBOX_MAX 64

struct pkt_slot {
    unsigned long n;
    char to[16];
    int tcp, decided;
    uint16_t sport, dport;
};

struct rows;
struct lab_live;

/* One scenario's network and script.  When the page starts another run
 * while a script still waits in a socket call (a lossy wire makes those
 * long), the old run is cut off from the recorder and left to finish on its
 * own network; it is freed once its script returns. */
struct run {
    struct lab_live *lv;
    unsigned id;
    struct lab_world world;
    int have_world;
    struct lab_ctx ctx;
    volatile int stop;
    volatile int finished; /* the script returned */
    pthread_t script;
    int script_running;
    const struct lab_scenario *sc;
    struct run *next; /* lab_live.old: cut off, still finishing */
};

struct lab_live {
    pthread_mutex_t lock;
    pthread_cond_t more;
    char **ev; /* this run's events, JSON objects */
    size_t nev, cap;
    unsigned run;
    int truncated;
    struct timespec t0;
    unsigned long npkts;
    struct pkt_slot ring[PKT_RING];

    /* The run on show and the ones still finishing (under control). */
    struct run *cur, *old;
    pthread_t sampler;
    int sampler_running;
    volatile int sampling;
    char *last_table[LAB_HOSTS];
    struct rows *rows; /* the sampler's scratch (a thread-local would take 33 KB of every thread's stack) */
    pthread_mutex_t control; /* runs and sandbox calls, one at a time */
    struct {
        int host, fd;
    } sandbox[SANDBOX_MAX];
    int nsandbox;
};

/* --- events ------------------------------------------------------------------ */

static double since_ms(struct lab_live *lv)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - lv->t0.tv_sec) * 1e3 + (double)(now.tv_nsec - lv->t0.tv_nsec) / 1e6;
}

/* Appends s to buf as a JSON string (quotes included). */
static size_t json_str(char *buf, size_t cap, size_t at, const char *s)
{
    if (at + 2 >= cap)
        return at;
    buf[at++] = '"';
    for (; *s && at + 8 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            buf[at++] = '\\';
            buf[at++] = (char)ch;
        } else if (ch < 0x20 || ch > 0x7e) {
            at += (size_t)snprintf(buf + at, cap - at, "\\u%04x", ch);
        } else {
            buf[at++] = (char)ch;
        }
    }
    buf[at++] = '"';
    buf[at] = 0;
    return at;
}

/* Records one event: {"i":N,"t":ms,"k":kind,<body>} (lock held). */
static void emit_locked(struct lab_live *lv, const char *kind, const char *body)
{
    char head[96];
    size_t hl, bl = strlen(body);
    char *e;

    if (lv->nev >= MAX_EVENTS) {
        lv->truncated = 1;
        return;
    }
    if (lv->nev == lv->cap) {
        size_t nc = lv->cap ? lv->cap * 2 : 1024;
        char **ne = realloc(lv->ev, nc * sizeof *ne);
        if (!ne)
            return;
        lv->ev = ne;
        lv->cap = nc;
    }
    hl = (size_t)snprintf(head, sizeof head, "{\"i\":%zu,\"run\":%u,\"t\":%.3f,\"k\":\"%s\"%s", lv->nev,
                          lv->run, since_ms(lv), kind, bl ? "," : "");
    if (!(e = malloc(hl + bl + 2)))
        return;
    memcpy(e, head, hl);
    memcpy(e + hl, body, bl);
    e[hl + bl] = '}';
    e[hl + bl + 1] = 0;
    lv->ev[lv->nev++] = e;
    pthread_cond_broadcast(&lv->more);
}

static void emit(struct lab_live *lv, const char *kind, const char *body)
{
    pthread_mutex_lock(&lv->lock);
    emit_locked(lv, kind, body);
    pthread_mutex_unlock(&lv->lock);
}

void lab_note(struct lab_ctx *c, const char *fmt, ...)
{
    struct run *r = c->priv;
    struct lab_live *lv = r->lv;
    char text[512], body[1200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    memcpy(body, "\"text\":", 7);
    json_str(body, sizeof body, 7, text);
    pthread_mutex_lock(&lv->lock);
    if (r->id == lv->run) /* a run cut off says nothing more */
        emit_locked(lv, "note", body);
    pthread_mutex_unlock(&lv->lock);
}

int lab_pause(struct lab_ctx *c, int ms)
{
    for (; ms > 0 && !*c->stop; ms -= 10)
        usleep(10000);
    return *c->stop;
}

static const char *name_or_ip(uint32_t a, char *buf)
{
    const char *n = lab_host_name(a);
    return n ? n : pp_ipv4_ntoa(a, buf);
}

/* The wire's hook: every packet as it is sent (the wire's lock held). */
static void on_packet(void *arg, const char *from, const uint8_t *pkt, size_t len, const char *fate)
{
    struct run *run = arg;
    struct lab_live *lv = run->lv;
    struct pp_ipv4_hdr ip;
    char body[1024], desc[256], s[16], d[16], to[16];
    size_t at;
    int tcp = 0, ports = 0;
    uint16_t sport = 0, dport = 0;

    pp_describe_packet(pkt, len, desc, sizeof desc, 0);
    pthread_mutex_lock(&lv->lock);
    if (run->id != lv->run) {
        pthread_mutex_unlock(&lv->lock);
        return;
    }
    lv->npkts++;
    at = (size_t)snprintf(body, sizeof body, "\"n\":%lu,\"from\":", lv->npkts);
    at = json_str(body, sizeof body, at, from);
    if (pp_ipv4_parse(pkt, len, &ip, PP_WIRE_NO_CSUM) >= 0) {
        snprintf(to, sizeof to, "%s", name_or_ip(ip.dst, d));
        at += (size_t)snprintf(body + at, sizeof body - at,
                               ",\"to\":\"%s\",\"src\":\"%s\",\"dst\":\"%s\",\"ttl\":%u,\"iplen\":%u", to,
                               pp_ipv4_ntoa(ip.src, s), pp_ipv4_ntoa(ip.dst, d), ip.ttl, ip.total_len);
        if ((ip.proto == 6 || ip.proto == 17) && ip.payload_len >= 4 && ip.frag_off == 0) {
            sport = (uint16_t)(ip.payload[0] << 8 | ip.payload[1]);
            dport = (uint16_t)(ip.payload[2] << 8 | ip.payload[3]);
            ports = 1;
        }
        if (ip.proto == 6 && ip.payload_len >= 20 && ip.frag_off == 0) {
            struct pp_tcp_hdr t;
            char fl[10];
            tcp = 1;
            if (pp_tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &t, PP_WIRE_NO_CSUM) >= 0)
                at += (size_t)snprintf(body + at, sizeof body - at,
                                       ",\"proto\":\"tcp\",\"sport\":%u,\"dport\":%u,\"flags\":\"%s\","
                                       "\"seq\":%u,\"ack\":%u,\"win\":%u,\"len\":%zu",
                                       t.sport, t.dport, pp_tcp_flags_str(t.flags, fl), t.seq, t.ack,
                                       t.window, t.payload_len);
            else
                at += (size_t)snprintf(body + at, sizeof body - at, ",\"proto\":\"tcp\",\"sport\":%u,"
                                       "\"dport\":%u", sport, dport);
        } else if (ip.proto == 17 && ports) {
            at += (size_t)snprintf(body + at, sizeof body - at,
                                   ",\"proto\":\"udp\",\"sport\":%u,\"dport\":%u,\"len\":%u", sport, dport,
                                   ip.payload_len >= 8 ? ip.payload_len - 8 : 0);
        } else if (ip.proto == 1) {
            at += (size_t)snprintf(body + at, sizeof body - at, ",\"proto\":\"icmp\"");
        } else {
            at += (size_t)snprintf(body + at, sizeof body - at, ",\"proto\":\"ip%u\"", ip.proto);
        }
        if (ports && strcmp(fate, "lost") != 0 && strcmp(fate, "filtered") != 0) {
            struct pkt_slot *sl = &lv->ring[lv->npkts % PKT_RING];
            sl->n = lv->npkts;
            snprintf(sl->to, sizeof sl->to, "%s", to);
            sl->tcp = tcp;
            sl->sport = sport;
            sl->dport = dport;
            sl->decided = 0;
        }
    }
    if (at < sizeof body - 32) {
        at += (size_t)snprintf(body + at, sizeof body - at, ",\"fate\":");
        at = json_str(body, sizeof body, at, fate);
        at += (size_t)snprintf(body + at, sizeof body - at, ",\"desc\":");
        json_str(body, sizeof body, at, desc);
    }
    emit_locked(lv, "pkt", body);
    pthread_mutex_unlock(&lv->lock);
}

/* The row of the table a decision chose, as the sampler writes rows. */
static void row_of(const struct pp_demux_event *e, char *l, char *r)
{
    char a[16], b[16];
    const char *rule = e->rule;

    if (!strcmp(rule, "established") || !strcmp(rule, "time-wait") || !strcmp(rule, "udp-connected")) {
        snprintf(l, 24, "%s:%u", pp_ipv4_ntoa(e->daddr, a), e->dport);
        snprintf(r, 24, "%s:%u", pp_ipv4_ntoa(e->saddr, b), e->sport);
    } else if (!strcmp(rule, "listener-exact") || !strcmp(rule, "udp-exact")) {
        snprintf(l, 24, "%s:%u", pp_ipv4_ntoa(e->daddr, a), e->dport);
        snprintf(r, 24, "0.0.0.0:*");
    } else if (!strcmp(rule, "miss")) {
        l[0] = r[0] = 0;
    } else {
        snprintf(l, 24, "0.0.0.0:%u", e->dport);
        snprintf(r, 24, "0.0.0.0:*");
    }
}

/* A stack's demultiplexing hook (its lock held). */
static void on_demux(void *arg, const struct pp_demux_event *e)
{
    struct run *run = arg;
    struct lab_live *lv = run->lv;
    char body[512], s[16], d[16], l[24], r[24];
    unsigned long n = 0;
    unsigned long k;

    row_of(e, l, r);
    pthread_mutex_lock(&lv->lock);
    if (run->id != lv->run) {
        pthread_mutex_unlock(&lv->lock);
        return;
    }
    /* The packet this was about: the latest one to this host with these
     * ports that has no decision yet. */
    for (k = 0; k < PKT_RING && k < lv->npkts; k++) {
        struct pkt_slot *sl = &lv->ring[(lv->npkts - k) % PKT_RING];
        if (sl->n == lv->npkts - k && !sl->decided && sl->tcp == e->tcp && sl->sport == e->sport &&
            sl->dport == e->dport && strcmp(sl->to, e->stack) == 0) {
            sl->decided = 1;
            n = sl->n;
            break;
        }
    }
    snprintf(body, sizeof body,
             "\"pkt\":%lu,\"host\":\"%s\",\"proto\":\"%s\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\","
             "\"dport\":%u,\"rule\":\"%s\",\"fd\":%d,\"l\":\"%s\",\"r\":\"%s\"",
             n, e->stack, e->tcp ? "tcp" : "udp", pp_ipv4_ntoa(e->saddr, s), e->sport,
             pp_ipv4_ntoa(e->daddr, d), e->dport, e->rule, e->fd, l, r);
    emit_locked(lv, "dmx", body);
    pthread_mutex_unlock(&lv->lock);
}

/* --- socket tables ------------------------------------------------------------ */

struct rows {
    struct row {
        int tcp;
        uint16_t lport, rport;
        uint32_t laddr, raddr;
        char json[160];
    } r[256];
    int n;
};

static void add_row(void *arg, const struct pp_socket_info *si)
{
    struct rows *rs = arg;
    struct row *r;
    char a[16], b[16];

    if (rs->n >= 256)
        return;
    r = &rs->r[rs->n++];
    r->tcp = si->tcp;
    r->lport = si->lport;
    r->rport = si->rport;
    r->laddr = si->laddr;
    r->raddr = si->raddr;
    snprintf(r->json, sizeof r->json,
             "{\"p\":\"%s\",\"st\":\"%s\",\"l\":\"%s:%u\",\"r\":\"%s:%s%.0u\",\"fd\":%d,\"rq\":%zu,\"sq\":%zu}",
             si->tcp ? "tcp" : "udp", si->state, pp_ipv4_ntoa(si->laddr, a), si->lport,
             pp_ipv4_ntoa(si->raddr, b), si->rport ? "" : "*", si->rport, si->fd, si->recv_q, si->send_q);
}

/* As ss sorts: TCP first, then by local port, then by peer. */
static int cmp_row(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    if (a->tcp != b->tcp)
        return b->tcp - a->tcp;
    if (a->lport != b->lport)
        return a->lport < b->lport ? -1 : 1;
    if (a->laddr != b->laddr)
        return a->laddr < b->laddr ? -1 : 1;
    if (a->raddr != b->raddr)
        return a->raddr < b->raddr ? -1 : 1;
    if (a->rport != b->rport)
        return a->rport < b->rport ? -1 : 1;
    return strcmp(a->json, b->json);
}

/* Records host i's table if it changed since it was last recorded. */
static void sample_table(struct lab_live *lv, int i)
{
    struct rows *rs = lv->rows; /* only one thread samples at a time */
    char *json;
    size_t at;
    int k;

    rs->n = 0;
    pp_stack_list_sockets(lv->cur->world.host[i], add_row, rs);
    qsort(rs->r, (size_t)rs->n, sizeof rs->r[0], cmp_row);
    if (!(json = malloc(TABLE_JSON)))
        return;
    at = (size_t)snprintf(json, TABLE_JSON, "\"host\":\"%s\",\"rows\":[", pp_stack_name(lv->cur->world.host[i]));
    for (k = 0; k < rs->n && at + 120 < TABLE_JSON; k++)
        at += (size_t)snprintf(json + at, TABLE_JSON - at, "%s%s", k ? "," : "", rs->r[k].json);
    snprintf(json + at, TABLE_JSON - at, "]");
    if (lv->last_table[i] && strcmp(lv->last_table[i], json) == 0) {
        free(json);
        return;
    }
    emit(lv, "tbl", json);
    free(lv->last_table[i]);
    lv->last_table[i] = json;
}

static void *sampler_main(void *arg)
{
    struct lab_live *lv = arg;
    int i;

    while (lv->sampling) {
        for (i = 0; i < LAB_HOSTS; i++)
            sample_table(lv, i);
        usleep(SAMPLE_US);
    }
    return NULL;
}

/* --- runs ------------------------------------------------------------------------ */

static void *script_main(void *arg)
{
    struct run *r = arg;
    struct lab_live *lv = r->lv;
    char body[600];

    r->sc->script(&r->ctx);
    usleep(50000); /* the last answers and table changes */
    pthread_mutex_lock(&lv->lock);
    if (r->id == lv->run) {
        snprintf(body, sizeof body, "\"stopped\":%s,\"truncated\":%s", r->stop ? "true" : "false",
                 lv->truncated ? "true" : "false");
        emit_locked(lv, "end", body);
    }
    pthread_mutex_unlock(&lv->lock);
    r->finished = 1;
    return NULL;
}

/* Frees a run whose script has returned (or never started). */
static void reap(struct run *r)
{
    if (r->script_running)
        pthread_join(r->script, NULL);
    if (r->have_world)
        lab_world_free(&r->world);
    free(r);
}

/* Frees the cut-off runs that have finished (control lock held). */
static void sweep(struct lab_live *lv)
{
    struct run **pp = &lv->old;
    while (*pp) {
        struct run *r = *pp;
        if (r->finished) {
            *pp = r->next;
            reap(r);
        } else {
            pp = &r->next;
        }
    }
}

/* Ends the current run (control lock held): the sampler stops, the run is
 * cut off from the recorder, and it is freed now if its script is done,
 * else when it is. */
static void end_run(struct lab_live *lv)
{
    struct run *r = lv->cur;
    int i;

    lv->sampling = 0;
    if (lv->sampler_running)
        pthread_join(lv->sampler, NULL);
    lv->sampler_running = 0;
    lv->cur = NULL;
    if (r) {
        r->stop = 1;
        if (r->have_world) {
            pp_vwire_on_packet(r->world.wire, NULL, NULL);
            for (i = 0; i < LAB_HOSTS; i++)
                pp_stack_on_demux(r->world.host[i], NULL, NULL);
        }
        if (!r->script_running || r->finished) {
            reap(r);
        } else {
            r->next = lv->old;
            lv->old = r;
        }
    }
    sweep(lv);
    for (i = 0; i < LAB_HOSTS; i++) {
        free(lv->last_table[i]);
        lv->last_table[i] = NULL;
    }
    lv->nsandbox = 0;
}

struct lab_live *lab_live_new(void)
{
    struct lab_live *lv = calloc(1, sizeof *lv);
    if (!lv)
        return NULL;
    if (!(lv->rows = malloc(sizeof *lv->rows))) {
        free(lv);
        return NULL;
    }
    pthread_mutex_init(&lv->lock, NULL);
    pthread_mutex_init(&lv->control, NULL);
    pthread_cond_init(&lv->more, NULL);
    clock_gettime(CLOCK_MONOTONIC, &lv->t0);
    return lv;
}

static void clear_events(struct lab_live *lv)
{
    size_t i;
    for (i = 0; i < lv->nev; i++)
        free(lv->ev[i]);
    lv->nev = 0;
    lv->truncated = 0;
}

void lab_live_free(struct lab_live *lv)
{
    if (!lv)
        return;
    pthread_mutex_lock(&lv->control);
    end_run(lv);
    /* Runs still finishing get a few seconds; one stuck in a long socket
     * call past that is left to the end of the process. */
    {
        int waited;
        for (waited = 0; lv->old && waited < 300; waited++) {
            sweep(lv);
            if (lv->old)
                usleep(10000);
        }
        sweep(lv);
    }
    pthread_mutex_unlock(&lv->control);
    if (lv->old) {
        /* Their scripts still use lv: leave it (and them) allocated. */
        return;
    }
    clear_events(lv);
    free(lv->ev);
    free(lv->rows);
    pthread_cond_destroy(&lv->more);
    pthread_mutex_destroy(&lv->control);
    pthread_mutex_destroy(&lv->lock);
    free(lv);
}

const char *lab_live_scenarios_json(void)
{
    static char json[8192];
    static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;

    pthread_mutex_lock(&once);
    if (!json[0]) {
        size_t at = 0;
        int i;
        json[at++] = '[';
        for (i = 0; i < lab_nscenarios && at < sizeof json - 1200; i++) {
            at += (size_t)snprintf(json + at, sizeof json - at, "%s{\"id\":", i ? "," : "");
            at = json_str(json, sizeof json, at, lab_scenarios[i].id);
            at += (size_t)snprintf(json + at, sizeof json - at, ",\"title\":");
            at = json_str(json, sizeof json, at, lab_scenarios[i].title);
            at += (size_t)snprintf(json + at, sizeof json - at, ",\"teaches\":");
            at = json_str(json, sizeof json, at, lab_scenarios[i].teaches);
            json[at++] = '}';
        }
        json[at++] = ']';
        json[at] = 0;
    }
    pthread_mutex_unlock(&once);
    return json;
}

int lab_live_run(struct lab_live *lv, const char *id, unsigned long long seed, double loss, char *err)
{
    struct lab_world_config wc;
    const struct lab_scenario *sc = NULL;
    struct run *r;
    char body[1024];
    size_t at;
    int i, run;

    for (i = 0; i < lab_nscenarios; i++)
        if (strcmp(lab_scenarios[i].id, id) == 0)
            sc = &lab_scenarios[i];
    if (!sc) {
        snprintf(err, 256, "no scenario '%.64s'", id);
        return -1;
    }
    if (!(loss >= 0 && loss <= 0.5)) {
        snprintf(err, 256, "loss must be 0..0.5");
        return -1;
    }
    if (!(r = calloc(1, sizeof *r))) {
        snprintf(err, 256, "out of memory");
        return -1;
    }
    pthread_mutex_lock(&lv->control);
    end_run(lv);
    pthread_mutex_lock(&lv->lock);
    clear_events(lv);
    run = (int)++lv->run;
    r->lv = lv;
    r->id = (unsigned)run;
    lv->npkts = 0;
    memset(lv->ring, 0, sizeof lv->ring);
    clock_gettime(CLOCK_MONOTONIC, &lv->t0);
    at = (size_t)snprintf(body, sizeof body, "\"id\":");
    at = json_str(body, sizeof body, at, sc->id);
    at += (size_t)snprintf(body + at, sizeof body - at, ",\"title\":");
    at = json_str(body, sizeof body, at, sc->title);
    at += (size_t)snprintf(body + at, sizeof body - at, ",\"teaches\":");
    at = json_str(body, sizeof body, at, sc->teaches);
    snprintf(body + at, sizeof body - at,
             ",\"seed\":%llu,\"loss\":%g,\"delay_ms\":%d,\"hosts\":[{\"name\":\"server\",\"ip\":\"10.0.0.1\"},"
             "{\"name\":\"client1\",\"ip\":\"10.0.0.2\"},{\"name\":\"client2\",\"ip\":\"10.0.0.3\"}]",
             seed, loss, WIRE_DELAY_MS);
    emit_locked(lv, "run", body);
    pthread_mutex_unlock(&lv->lock);

    memset(&wc, 0, sizeof wc);
    wc.seed = seed;
    wc.loss = loss;
    wc.delay_ms = WIRE_DELAY_MS;
    wc.eph_min = sc->eph_min;
    wc.eph_max = sc->eph_max;
    if (lab_world_new(&r->world, &wc, err) < 0) {
        lab_world_free(&r->world);
        free(r);
        pthread_mutex_unlock(&lv->control);
        return -1;
    }
    r->have_world = 1;
    r->sc = sc;
    r->ctx.world = &r->world;
    r->ctx.seed = seed;
    r->ctx.stop = &r->stop;
    r->ctx.priv = r;
    lv->cur = r;
    pp_vwire_on_packet(r->world.wire, on_packet, r);
    for (i = 0; i < LAB_HOSTS; i++)
        pp_stack_on_demux(r->world.host[i], on_demux, r);
    if (lab_world_start_services(&r->world, err) < 0) {
        end_run(lv);
        pthread_mutex_unlock(&lv->control);
        return -1;
    }
    lv->sampling = 1;
    for (i = 0; i < LAB_HOSTS; i++)
        sample_table(lv, i); /* the tables before the first packet */
    if (pthread_create(&lv->sampler, NULL, sampler_main, lv) == 0)
        lv->sampler_running = 1;
    if (pthread_create(&r->script, NULL, script_main, r) == 0)
        r->script_running = 1;
    pthread_mutex_unlock(&lv->control);
    if (!r->script_running || !lv->sampler_running) {
        snprintf(err, 256, "cannot start a thread");
        return -1;
    }
    return run;
}

size_t lab_live_events(struct lab_live *lv, unsigned *run, size_t *from, int wait_ms, char **out)
{
    char *buf = NULL;
    size_t len = 0, cap = 0, i;

    *out = NULL;
    pthread_mutex_lock(&lv->lock);
    if (*run != lv->run) {
        *run = lv->run;
        *from = 0;
    }
    if (*from >= lv->nev && wait_ms > 0) {
        struct timespec until = pp_realtime_after_ms(wait_ms);
        pthread_cond_timedwait(&lv->more, &lv->lock, &until);
        if (*run != lv->run) {
            *run = lv->run;
            *from = 0;
        }
    }
    for (i = *from; i < lv->nev && len < (1u << 20); i++) {
        size_t el = strlen(lv->ev[i]);
        if (len + el + 16 > cap) {
            size_t nc = (len + el + 16) * 2;
            char *nb = realloc(buf, nc);
            if (!nb)
                break;
            buf = nb;
            cap = nc;
        }
        memcpy(buf + len, "data: ", 6);
        memcpy(buf + len + 6, lv->ev[i], el);
        memcpy(buf + len + 6 + el, "\n\n", 2);
        len += el + 8;
    }
    *from = i;
    pthread_mutex_unlock(&lv->lock);
    *out = buf;
    return len;
}

/* --- the sandbox ------------------------------------------------------------------ */

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

const char *lab_query_get(const char *query, const char *key, char *buf, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = query;

    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t n = end ? (size_t)(end - p) : strlen(p), o = 0, i;
        if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            for (i = kl + 1; i < n; i++) {
                int ch = (unsigned char)p[i];
                if (o + 1 >= cap)
                    return NULL;
                if (ch == '+') {
                    ch = ' ';
                } else if (ch == '%') {
                    int hi, lo;
                    if (i + 2 >= n || (hi = hexval(p[i + 1])) < 0 || (lo = hexval(p[i + 2])) < 0)
                        return NULL;
                    ch = hi << 4 | lo;
                    if (ch == 0)
                        return NULL; /* no NUL inside a C string */
                    i += 2;
                }
                buf[o++] = (char)ch;
            }
            buf[o] = 0;
            return buf;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

static int host_index(const char *name)
{
    int i;
    static const char *const names[LAB_HOSTS] = {"server", "client1", "client2"};
    for (i = 0; i < LAB_HOSTS; i++)
        if (name && strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

static int sandbox_owns(struct lab_live *lv, int host, int fd)
{
    int i;
    for (i = 0; i < lv->nsandbox; i++)
        if (lv->sandbox[i].host == host && lv->sandbox[i].fd == fd)
            return i;
    return -1;
}

static int parse_port(const char *s, uint16_t *port)
{
    char *end;
    long v;
    if (!s || !*s)
        return -1;
    v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

static int sandbox_answer(char *reply, size_t cap, int status, int rc, const char *what)
{
    char msg[640];
    size_t at;
    if (rc < 0)
        snprintf(msg, sizeof msg, "%s: %s", what, strerror(-rc));
    else
        snprintf(msg, sizeof msg, "%s", what);
    at = (size_t)snprintf(reply, cap, "{\"ok\":%s,\"rc\":%d,\"message\":", rc < 0 ? "false" : "true", rc);
    at = json_str(reply, cap, at, msg);
    if (at + 2 < cap) {
        reply[at++] = '}';
        reply[at] = 0;
    }
    return status;
}

int lab_live_sandbox(struct lab_live *lv, const char *query, char *reply, size_t cap)
{
    char op[16], hn[16], fds[16], pbuf[16], abuf[32], text[256], what[400];
    struct pp_stack *st;
    struct sockaddr_in sa;
    struct lab_ctx *c;
    int h, fd = -1, rc = 0, k;
    uint16_t port = 0;

    if (!lab_query_get(query, "op", op, sizeof op) || !lab_query_get(query, "host", hn, sizeof hn) ||
        (h = host_index(hn)) < 0)
        return sandbox_answer(reply, cap, 400, -EINVAL, "want op= and host=server|client1|client2");
    pthread_mutex_lock(&lv->control);
    if (!lv->cur || !lv->cur->have_world) {
        pthread_mutex_unlock(&lv->control);
        return sandbox_answer(reply, cap, 409, -ENOTCONN, "no network: run a scenario first");
    }
    c = &lv->cur->ctx;
    st = lv->cur->world.host[h];
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (strcmp(op, "socket") != 0) {
        char *end;
        long v;
        if (!lab_query_get(query, "fd", fds, sizeof fds) || (v = strtol(fds, &end, 10), *end) ||
            sandbox_owns(lv, h, (int)v) < 0) {
            pthread_mutex_unlock(&lv->control);
            return sandbox_answer(reply, cap, 400, -EBADF, "fd= must be a socket the sandbox opened on that host");
        }
        fd = (int)v;
    }
    if (lab_query_get(query, "port", pbuf, sizeof pbuf) && parse_port(pbuf, &port) < 0) {
        pthread_mutex_unlock(&lv->control);
        return sandbox_answer(reply, cap, 400, -EINVAL, "port= wants 0..65535");
    }
    sa.sin_port = htons(port);
    if (lab_query_get(query, "addr", abuf, sizeof abuf)) {
        uint32_t a;
        if (pp_ipv4_aton(abuf, &a) < 0) {
            pthread_mutex_unlock(&lv->control);
            return sandbox_answer(reply, cap, 400, -EINVAL, "addr= wants an IPv4 address");
        }
        sa.sin_addr.s_addr = htonl(a);
    }
    if (!strcmp(op, "socket")) {
        int tcp;
        if (!lab_query_get(query, "proto", text, sizeof text) ||
            (strcmp(text, "tcp") != 0 && strcmp(text, "udp") != 0))
            rc = -EINVAL;
        else if (lv->nsandbox >= SANDBOX_MAX)
            rc = -EMFILE;
        else {
            tcp = strcmp(text, "tcp") == 0;
            rc = fd = pp_socket(st, (tcp ? PP_SOCK_STREAM : PP_SOCK_DGRAM) | PP_SOCK_NONBLOCK);
            if (fd >= 0) {
                lv->sandbox[lv->nsandbox].host = h;
                lv->sandbox[lv->nsandbox++].fd = fd;
            }
        }
        snprintf(what, sizeof what, "%s: socket(%s) = %d", hn, text, fd);
    } else if (!strcmp(op, "bind")) {
        rc = pp_bind(st, fd, (struct sockaddr *)&sa, sizeof sa);
        snprintf(what, sizeof what, "%s: bind(socket %d, %s:%u)", hn, fd, abuf[0] ? abuf : "0.0.0.0", port);
    } else if (!strcmp(op, "listen")) {
        rc = pp_listen(st, fd, 8);
        snprintf(what, sizeof what, "%s: listen(socket %d)", hn, fd);
    } else if (!strcmp(op, "connect")) {
        rc = pp_connect(st, fd, (struct sockaddr *)&sa, sizeof sa);
        if (rc == -EINPROGRESS)
            rc = 0; /* the table shows SYN-SENT, then ESTAB (or the socket's error) */
        snprintf(what, sizeof what, "%s: connect(socket %d, %s:%u)", hn, fd, abuf, port);
    } else if (!strcmp(op, "send")) {
        if (!lab_query_get(query, "text", text, sizeof text))
            snprintf(text, sizeof text, "hello");
        if (sa.sin_port)
            rc = (int)pp_sendto(st, fd, text, strlen(text), 0, (struct sockaddr *)&sa, sizeof sa);
        else
            rc = (int)pp_send(st, fd, text, strlen(text), 0);
        snprintf(what, sizeof what, "%s: send(socket %d, \"%.64s\")", hn, fd, text);
    } else if (!strcmp(op, "recv")) {
        char got[200];
        ssize_t n = pp_recv(st, fd, got, sizeof got - 1, 0);
        rc = (int)n;
        if (n >= 0) {
            for (k = 0; k < n; k++)
                if (got[k] < 0x20 || got[k] > 0x7e)
                    got[k] = '.';
            got[n] = 0;
        }
        snprintf(what, sizeof what, "%s: recv(socket %d) = \"%s\"", hn, fd, n >= 0 ? got : "");
    } else if (!strcmp(op, "accept")) {
        rc = pp_accept(st, fd, NULL, NULL);
        if (rc >= 0 && lv->nsandbox < SANDBOX_MAX) {
            lv->sandbox[lv->nsandbox].host = h;
            lv->sandbox[lv->nsandbox++].fd = rc;
        } else if (rc >= 0) {
            pp_close(st, rc);
            rc = -EMFILE;
        }
        snprintf(what, sizeof what, "%s: accept(socket %d) = %d", hn, fd, rc);
    } else if (!strcmp(op, "close")) {
        rc = pp_close(st, fd);
        k = sandbox_owns(lv, h, fd);
        lv->sandbox[k] = lv->sandbox[--lv->nsandbox];
        snprintf(what, sizeof what, "%s: close(socket %d)", hn, fd);
    } else {
        pthread_mutex_unlock(&lv->control);
        return sandbox_answer(reply, cap, 400, -EINVAL, "op= wants socket, bind, listen, connect, send, recv, accept or close");
    }
    if (rc < 0)
        lab_note(c, "sandbox %s: %s", what, strerror(-rc));
    else
        lab_note(c, "sandbox %s", what);
    pthread_mutex_unlock(&lv->control);
    return sandbox_answer(reply, cap, 200, rc, what);
}
