/* lab_serve.c - `portplex lab --serve [ADDR:]PORT`: portplex's own web
 * server (kernel backend) serves the live lab's page, built into the
 * binary, and its API:
 *   GET  /                 the page (index.html, lab.css, lab.js)
 *   GET  /api/scenarios    the scenarios, JSON
 *   GET  /api/events       the current run's events as Server-Sent Events
 *   POST /api/run?scenario=ID&seed=N&loss=P       start a scenario
 *   POST /api/sandbox?op=...&host=...             a socket call (lab_live.c)
 * POSTs must carry "X-Portplex-Lab: 1" (a page on another origin cannot
 * send it without a preflight we never grant), and every request must name
 * this host by address or as localhost (no DNS rebinding). */
#include "lab_serve.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/httpd.h"
#include "lab_live.h"
#include "lab_page.h"
#include "portplex/wire/ipv4.h"

#define KEEPALIVE_POLLS 20 /* polls of 500 ms between ": keepalive" comments */

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return "application/octet-stream";
    if (!strcmp(dot, ".html"))
        return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    if (!strcmp(dot, ".svg"))
        return "image/svg+xml";
    return "application/octet-stream";
}

/* The Host header names this machine: an IPv4 or bracketed IPv6 literal, or
 * localhost, with an optional port. */
static int host_ok(const char *host)
{
    char name[128];
    const char *colon;
    size_t n;
    uint32_t a;

    if (!host || !*host)
        return 0;
    if (host[0] == '[')
        return strchr(host, ']') != NULL;
    colon = strrchr(host, ':');
    n = colon ? (size_t)(colon - host) : strlen(host);
    if (n == 0 || n >= sizeof name)
        return 0;
    memcpy(name, host, n);
    name[n] = 0;
    return strcmp(name, "localhost") == 0 || pp_ipv4_aton(name, &a) == 0;
}

/* A run or a sandbox call, done on a thread of its own: the web server's
 * connection threads have small stacks (PP_HTTPD_STACK), and building a
 * network needs more. */
struct call {
    struct lab_live *lv;
    const char *id, *query;
    unsigned long long seed;
    double loss;
    char *err, *reply;
    size_t cap;
    int rc;
};

static void *call_main(void *arg)
{
    struct call *c = arg;
    if (c->id)
        c->rc = lab_live_run(c->lv, c->id, c->seed, c->loss, c->err);
    else
        c->rc = lab_live_sandbox(c->lv, c->query, c->reply, c->cap);
    return NULL;
}

static int call(struct call *c)
{
    pthread_t t;
    if (pthread_create(&t, NULL, call_main, c) != 0) {
        if (c->err)
            snprintf(c->err, 256, "cannot start a thread");
        if (c->reply)
            snprintf(c->reply, c->cap, "{\"ok\":false,\"message\":\"cannot start a thread\"}");
        return c->id ? -1 : 500;
    }
    pthread_join(t, NULL);
    return c->rc;
}

static int json_reply(struct pp_httpd_exchange *x, int status, const char *json)
{
    pp_httpd_x_reply(x, status, "application/json", NULL, json, strlen(json));
    return 1;
}

static int stream_events(struct lab_live *lv, struct pp_httpd_exchange *x)
{
    unsigned run = 0;
    size_t from = 0;
    int idle = 0;

    if (pp_httpd_x_stream_begin(x, "text/event-stream") < 0)
        return 1;
    /* Reconnect after 1 s if the stream breaks (EventSource does so). */
    if (pp_httpd_x_write(x, "retry: 1000\n\n", 13) < 0)
        return 1;
    while (!pp_httpd_x_stopping(x)) {
        char *msgs;
        size_t n = lab_live_events(lv, &run, &from, 500, &msgs);
        int rc = 0;
        if (n) {
            rc = pp_httpd_x_write(x, msgs, n);
            idle = 0;
        } else if (++idle >= KEEPALIVE_POLLS) {
            rc = pp_httpd_x_write(x, ": keepalive\n\n", 13);
            idle = 0;
        }
        free(msgs);
        if (rc < 0)
            break; /* the page went away */
    }
    return 1;
}

static int handle(void *arg, struct pp_httpd_exchange *x)
{
    struct lab_live *lv = arg;
    const char *method = pp_httpd_x_method(x), *target = pp_httpd_x_target(x), *query;
    char host[160], hdr[8], path[128], reply[1024], err[256];
    size_t pl;
    int i;

    if (!host_ok(pp_httpd_x_header(x, "Host", host, sizeof host)))
        return json_reply(x, 421, "{\"error\":\"this server answers only to its address or localhost\"}");
    query = strchr(target, '?');
    pl = query ? (size_t)(query - target) : strlen(target);
    query = query ? query + 1 : "";
    if (pl >= sizeof path)
        return json_reply(x, 404, "{\"error\":\"no such page\"}");
    memcpy(path, target, pl);
    path[pl] = 0;
    if (!strcmp(method, "POST")) {
        const char *h = pp_httpd_x_header(x, "X-Portplex-Lab", hdr, sizeof hdr);
        if (!h || strcmp(h, "1") != 0)
            return json_reply(x, 403, "{\"error\":\"POST needs the header X-Portplex-Lab: 1\"}");
        if (!strcmp(path, "/api/run")) {
            char id[32], num[32];
            unsigned long long seed = 1;
            double loss = 0;
            char *end;
            int run;
            if (!lab_query_get(query, "scenario", id, sizeof id))
                return json_reply(x, 400, "{\"error\":\"scenario= is missing\"}");
            if (lab_query_get(query, "seed", num, sizeof num)) {
                seed = strtoull(num, &end, 10);
                if (!num[0] || *end || num[0] == '-')
                    return json_reply(x, 400, "{\"error\":\"seed= wants a number\"}");
            }
            if (lab_query_get(query, "loss", num, sizeof num)) {
                loss = strtod(num, &end);
                if (!num[0] || *end || !(loss >= 0 && loss <= 0.5))
                    return json_reply(x, 400, "{\"error\":\"loss= wants 0..0.5\"}");
            }
            struct call c = {lv, id, NULL, seed, loss, err, NULL, 0, 0};
            if ((run = call(&c)) < 0) {
                snprintf(reply, sizeof reply, "{\"error\":\"%s\"}", err);
                return json_reply(x, 400, reply);
            }
            snprintf(reply, sizeof reply, "{\"run\":%d}", run);
            return json_reply(x, 200, reply);
        }
        if (!strcmp(path, "/api/sandbox")) {
            struct call c = {lv, NULL, query, 0, 0, NULL, reply, sizeof reply, 0};
            int status = call(&c);
            return json_reply(x, status, reply);
        }
        return json_reply(x, 404, "{\"error\":\"no such call\"}");
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        pp_httpd_x_reply(x, 405, "application/json", "Allow: GET, HEAD, POST\r\n",
                         "{\"error\":\"method not allowed\"}", 30);
        return 1;
    }
    if (!strcmp(path, "/api/scenarios"))
        return json_reply(x, 200, lab_live_scenarios_json());
    if (!strcmp(path, "/api/events"))
        return stream_events(lv, x);
    if (!strcmp(path, "/"))
        snprintf(path, sizeof path, "/index.html");
    for (i = 0; i < lab_nassets; i++)
        if (!strcmp(path, lab_assets[i].path)) {
            pp_httpd_x_reply(x, 200, type_of(path),
                             "Content-Security-Policy: default-src 'self'; img-src 'self' data:\r\n",
                             lab_assets[i].data, lab_assets[i].len);
            return 1;
        }
    return json_reply(x, 404, "{\"error\":\"no such page\"}");
}

static volatile sig_atomic_t serve_stop;

static void on_signal(int sig)
{
    (void)sig;
    serve_stop = 1;
}

int lab_serve(const char *spec, unsigned long long seed, double loss, char *err)
{
    struct pp_httpd_config cfg;
    struct pp_httpd_net net;
    struct pp_httpd *h;
    struct lab_live *lv;
    struct sigaction sa;
    char listen_on[160];
    int rc, port;

    /* A bare port listens on loopback: the lab is a local tool. */
    snprintf(listen_on, sizeof listen_on, "%s%s", strchr(spec, ':') ? "" : "127.0.0.1:", spec);
    if ((rc = pp_httpd_net_kernel(listen_on, &net, err)) < 0) {
        if (strncmp(err, "--listen: ", 10) == 0) /* the web server's option; here it is --serve's */
            memmove(err, err + 10, strlen(err + 10) + 1);
        return rc == -2 ? -2 : -1;
    }
    if (!(lv = lab_live_new())) {
        net.free(net.ctx);
        snprintf(err, 256, "out of memory");
        return -1;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.max_conns = 64;
    cfg.timeout_s = 30;
    cfg.grace_s = 2;
    cfg.log_fd = -1;
    cfg.no_cache = 1;
    cfg.handler = handle;
    cfg.handler_arg = lv;
    port = pp_httpd_net_kernel_port(&net);
    if (!(h = pp_httpd_new(&cfg, &net, err))) {
        lab_live_free(lv);
        return -1;
    }
    if (lab_live_run(lv, "tour", seed, loss, err) < 0) {
        pp_httpd_free(h);
        lab_live_free(lv);
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    {
        char host[128];
        const char *colon = strrchr(listen_on, ':');
        snprintf(host, sizeof host, "%.*s", (int)(colon - listen_on), listen_on);
        printf("portplex lab: the live lab is at http://%s:%d/ (seed %llu, loss %g; Ctrl-C stops)\n",
               strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host, port, seed, loss);
        fflush(stdout);
    }
    rc = pp_httpd_run(h, &serve_stop);
    if (rc == 0) { /* else a stream's thread may still read the events */
        lab_live_free(lv);
        pp_httpd_free(h);
    }
    return 0;
}
