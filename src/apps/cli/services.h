/* services.h - small network services written against the public socket
 * API: udp-echo and tcp-echo (RFC 862), discard on UDP and TCP (RFC 863).
 * TCP services run one thread per connection, all on the service's port;
 * dns is a tiny DNS-style responder (UDP) that answers every A query with
 * the address given to pp_service_parse as "dns:53:10.0.0.1"; hello is a
 * one-page HTTP/1.0 responder (TCP) that tells each client who it is and
 * which socket served it; http is the static web server on a directory,
 * "http:80:/srv/www". */
#ifndef PP_SERVICES_H
#define PP_SERVICES_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "http/httpd.h"

struct pp_stack;

enum pp_service_kind {
    PP_SVC_UDP_ECHO,
    PP_SVC_TCP_ECHO,
    PP_SVC_DISCARD,
    PP_SVC_DNS,
    PP_SVC_HELLO,
    PP_SVC_HTTP, /* the web server (src/http/httpd.h) on DIR */
};

struct pp_service {
    enum pp_service_kind kind;
    uint16_t port;
    uint32_t answer; /* dns: the address every A query gets */
    struct pp_stack *st;
    volatile sig_atomic_t *stop;
    int fd, tcp_fd;       /* UDP socket; TCP listener (tcp-echo, discard) */
    pthread_t thread, tcp_thread;
    unsigned long long handled; /* datagrams, or TCP connections accepted */
    unsigned long long bytes;   /* payload bytes received */
    int conns;            /* TCP connection threads still running */
    struct pp_httpd_config httpd; /* http: root and limits (defaults from parse) */
    struct pp_httpd *server;      /* http: the running server */
    int http_rc;                  /* http: what pp_httpd_run returned */
    pthread_mutex_t lock;
    pthread_cond_t idle;
};

/* Parses "udp-echo:7", "tcp-echo:7" or "discard:9" into s.  0, or -1 with a message in
 * err (>= 256 bytes). */
int pp_service_parse(const char *spec, struct pp_service *s, char *err);
/* Binds the service's socket and starts its thread.  0 or -errno (the
 * socket error, e.g. -EADDRINUSE). */
int pp_service_start(struct pp_service *s, struct pp_stack *st, volatile sig_atomic_t *stop);
/* Waits for the thread (after *stop was set) and closes the socket. */
void pp_service_join(struct pp_service *s);
const char *pp_service_name(const struct pp_service *s);

#endif
