/* services.c - udp-echo and discard over the public socket API. */
#include "services.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portplex/socket.h"

const char *pp_service_name(const struct pp_service *s)
{
    return s->kind == PP_SVC_UDP_ECHO ? "udp-echo" : "discard";
}

int pp_service_parse(const char *spec, struct pp_service *s, char *err)
{
    const char *colon = strchr(spec, ':');
    char *end;
    long port;

    memset(s, 0, sizeof *s);
    if (!colon) {
        snprintf(err, 256, "service '%s' needs a port, as in udp-echo:7", spec);
        return -1;
    }
    if ((size_t)(colon - spec) == 8 && strncmp(spec, "udp-echo", 8) == 0)
        s->kind = PP_SVC_UDP_ECHO;
    else if ((size_t)(colon - spec) == 7 && strncmp(spec, "discard", 7) == 0)
        s->kind = PP_SVC_DISCARD;
    else {
        snprintf(err, 256, "unknown service '%.*s' (known: udp-echo, discard)", (int)(colon - spec),
                 spec);
        return -1;
    }
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == 0 || *end || errno || port < 1 || port > 65535) {
        snprintf(err, 256, "port '%s' of service %s is out of range (1-65535)", colon + 1,
                 pp_service_name(s));
        return -1;
    }
    s->port = (uint16_t)port;
    return 0;
}

static void *run(void *arg)
{
    struct pp_service *s = arg;
    char buf[65536];

    while (!*s->stop) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = pp_recvfrom(s->st, s->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n == -EAGAIN || n == -ETIMEDOUT || n == -ECONNREFUSED)
            continue; /* the timeout lets us see *stop */
        if (n < 0)
            break;
        s->handled++;
        if (s->kind == PP_SVC_UDP_ECHO)
            pp_sendto(s->st, s->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

int pp_service_start(struct pp_service *s, struct pp_stack *st, volatile sig_atomic_t *stop)
{
    struct sockaddr_in sin;
    int tmo = 200, rc;

    s->st = st;
    s->stop = stop;
    s->fd = pp_socket(st, PP_SOCK_DGRAM);
    if (s->fd < 0)
        return s->fd;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(s->port);
    pp_setsockopt(st, s->fd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
    rc = pp_bind(st, s->fd, (struct sockaddr *)&sin, sizeof sin);
    if (rc == 0)
        rc = -pthread_create(&s->thread, NULL, run, s);
    if (rc < 0) {
        pp_close(st, s->fd);
        s->fd = -1;
    }
    return rc;
}

void pp_service_join(struct pp_service *s)
{
    if (s->fd < 0)
        return;
    pthread_join(s->thread, NULL);
    pp_close(s->st, s->fd);
    s->fd = -1;
}
