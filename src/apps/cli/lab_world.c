/* lab_world.c - builds and takes down the lab's virtual network (see
 * lab_world.h): three stacks on one virtual wire, and the server's
 * services, the web server on a small generated site included. */
#include "lab_world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portplex/stack.h"
#include "portplex/vwire.h"
#include "scan/engine.h"
#include "scan/io.h"

static const char *const names[LAB_HOSTS] = {"server", "client1", "client2"};
static const uint32_t addrs[LAB_HOSTS] = {LAB_SERVER, LAB_CLIENT1, LAB_CLIENT2};

const char *lab_host_name(uint32_t addr)
{
    int i;
    for (i = 0; i < LAB_HOSTS; i++)
        if (addrs[i] == addr)
            return names[i];
    return NULL;
}

static struct pp_stack *host(int i, const struct lab_world_config *cfg)
{
    struct pp_stack_config c;
    memset(&c, 0, sizeof c);
    c.addr = addrs[i];
    c.prefix_len = 24;
    c.name = names[i];
    if (i == 0) {
        /* Linux sends about one port unreachable per second to a peer; the
         * lab's server is generous so a UDP scan takes a moment, not 17
         * minutes (the scanner copes with either). */
        c.icmp_rate = 1000000;
        c.icmp_burst = 100000;
    }
    if (i == 2) {
        c.ephemeral_min = cfg->eph_min;
        c.ephemeral_max = cfg->eph_max;
    }
    return pp_stack_new(&c);
}

/* The web server's site: a page and a text file in a fresh directory. */
static int make_site(char *dir, char *err)
{
    static const char index_html[] =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>portplex lab</title></head>\n"
        "<body><h1>portplex lab</h1><p>This page came over one TCP connection of many on\n"
        "server port 80, each served by its own thread; the server's socket table told\n"
        "them apart by the client's address and port.</p></body></html>\n";
    static const char notes[] = "Multiplexing: many sockets, one link.  Demultiplexing: the right socket.\n";
    char path[128];
    FILE *f;

    snprintf(dir, 64, "%s/portplex-lab.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (strlen(dir) > 60 || !mkdtemp(dir)) {
        snprintf(err, 256, "cannot make a directory for the lab's site: %s", strerror(errno));
        dir[0] = 0;
        return -1;
    }
    snprintf(path, sizeof path, "%s/index.html", dir);
    if (!(f = fopen(path, "w")) || fputs(index_html, f) < 0 || fclose(f) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    if (!(f = fopen(path, "w")) || fputs(notes, f) < 0 || fclose(f) != 0)
        goto fail;
    return 0;
fail:
    snprintf(err, 256, "cannot write the lab's site in %s", dir);
    return -1;
}

static void remove_site(char *dir)
{
    char path[128];

    if (!dir[0])
        return;
    snprintf(path, sizeof path, "%s/index.html", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    unlink(path);
    rmdir(dir);
    dir[0] = 0;
}

int lab_world_new(struct lab_world *lw, const struct lab_world_config *cfg, char *err)
{
    struct pp_vwire_config wc;
    int i;

    memset(lw, 0, sizeof *lw);
    memset(&wc, 0, sizeof wc);
    wc.seed = cfg->seed;
    wc.loss = cfg->loss;
    wc.delay_ms = cfg->delay_ms;
    wc.pcap = cfg->pcap;
    if (!(lw->wire = pp_vwire_new(&wc, err)))
        return -1;
    for (i = 0; i < LAB_HOSTS; i++)
        if (!(lw->host[i] = host(i, cfg)) || pp_vwire_attach(lw->wire, lw->host[i]) < 0) {
            snprintf(err, 256, "cannot build the network");
            return -1;
        }
    if (pp_vwire_start(lw->wire) < 0) {
        snprintf(err, 256, "cannot start the wire");
        return -1;
    }
    return make_site(lw->site, err);
}

int lab_world_start_services(struct lab_world *lw, char *err)
{
    char spec[128];
    const char *specs[5] = {"udp-echo:7", "tcp-echo:7", "dns:53:10.0.0.1", spec, "discard:9"};
    int i;

    snprintf(spec, sizeof spec, "http:80:%s", lw->site);
    for (i = 0; i < 5; i++) {
        if (pp_service_parse(specs[i], &lw->svc[i], err) < 0)
            return -1;
        /* The tour opens its connections first and sends on each in turn:
         * under --loss a request can come a minute after its accept, and
         * the lab's server waits for it rather than close (10 s by default). */
        lw->svc[i].httpd.timeout_s = 120;
        if (pp_service_start(&lw->svc[i], lw->host[0], &lw->stop) < 0) {
            snprintf(err, 256, "cannot start the server's %s service", pp_service_name(&lw->svc[i]));
            return -1;
        }
        lw->started = i + 1;
    }
    return 0;
}

void lab_world_free(struct lab_world *lw)
{
    int i;

    lw->stop = 1;
    /* The web server waits for its connection threads too. */
    for (i = lw->started - 1; i >= 0; i--)
        pp_service_join(&lw->svc[i]);
    lw->started = 0;
    pp_vwire_free(lw->wire);
    lw->wire = NULL;
    for (i = 0; i < LAB_HOSTS; i++) {
        pp_stack_free(lw->host[i]);
        lw->host[i] = NULL;
    }
    remove_site(lw->site);
}

int lab_world_scan(struct pp_stack *from, const char *ports, unsigned long long seed,
                   struct pp_scan_result *res, char *err)
{
    /* Large, so on the heap; each call its own, so a run cut off while it
     * scans on a lossy wire never holds up the next run's scan. */
    struct pp_targets *tg = calloc(1, sizeof *tg);
    struct pp_portset *ps = calloc(1, sizeof *ps);
    struct pp_scan_io io;
    struct pp_scan_job job;
    uint32_t src;
    int rc;

    memset(&job, 0, sizeof job);
    if (!tg || !ps) {
        snprintf(err, 256, "out of memory");
        rc = -1;
        goto out;
    }
    if (pp_targets_add(tg, "10.0.0.1", err) < 0 || pp_ports_parse(ports, PP_PROTO_TCP_SET, ps, err) < 0) {
        rc = -1;
        goto out;
    }
    if (pp_scan_io_stack(&io, from, &src) < 0) {
        snprintf(err, 256, "cannot set up the scan's I/O");
        rc = -1;
        goto out;
    }
    job.targets = tg;
    job.ports = ps;
    job.tcp = ps->count[0] > 0;
    job.udp = ps->count[1] > 0;
    pp_scan_timing_template(4, &job.timing);
    job.timing.initial_rtt_ms = 100;
    /* nmap -T4's floor.  On this lossless wire answers come in well under
     * a millisecond, and a floor of 10 ms gave a probe's four tries 110 ms
     * in all: a lab starved of CPU that long (ASan beside a compile, in CI)
     * read hundreds of closed ports as filtered.  With 100 ms the tries span
     * 1.1 s; only the silent ports (udp 9) wait that long. */
    job.timing.min_rtt_ms = 100;
    job.timing.max_rtt_ms = 300;
    job.timing.max_retries = 3;
    job.timing.max_parallel = 512;
    job.slow_udp_interval = 0.05; /* this server does not rate-limit */
    job.io = &io;
    job.probe.key.k0 = seed * 0x9e3779b97f4a7c15ull + 1;
    job.probe.key.k1 = seed ^ 0x6c61622d7363616eull;
    job.probe.src = src;
    job.probe.sport_base = (uint16_t)(40000 + seed % 20000);
    job.probe.kind = PP_SCAN_SYN;
    job.probe.tcp_flags = pp_scan_kind_flags(PP_SCAN_SYN);
    rc = pp_scan_run(&job, res, err) < 0 ? -1 : 0;
    io.close(io.ctx);
out:
    free(tg);
    free(ps);
    return rc;
}
