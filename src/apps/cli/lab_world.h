/* lab_world.h - the lab's virtual network: a server (10.0.0.1) running
 * udp-echo and tcp-echo on 7, discard on 9, a DNS-style responder on 53 and
 * the web server on 80, and two clients (10.0.0.2, 10.0.0.3), joined by one
 * virtual wire.  The tour (cmd_lab.c) and the live page (lab_live.c) each
 * build one. */
#ifndef PP_LAB_WORLD_H
#define PP_LAB_WORLD_H

#include <signal.h>
#include <stdint.h>

#include "services.h"

#define LAB_SERVER 0x0a000001u
#define LAB_CLIENT1 0x0a000002u
#define LAB_CLIENT2 0x0a000003u
#define LAB_HOSTS 3

struct pp_vwire;
struct pp_stack;

struct lab_world_config {
    unsigned long long seed;
    double loss;
    uint32_t delay_ms;       /* the wire's one-way delay */
    const char *pcap;        /* NULL or a capture file */
    uint16_t eph_min, eph_max; /* client2's ephemeral ports (0, 0: the default) */
};

struct lab_world {
    struct pp_vwire *wire;
    struct pp_stack *host[LAB_HOSTS]; /* server, client1, client2 */
    struct pp_service svc[5];
    int started;                      /* services running */
    char site[64];                    /* the web server's directory */
    volatile sig_atomic_t stop;       /* the services' stop flag */
};

/* Builds the network and starts the wire (not yet the services: hooks can
 * be set first).  0, or -1 with a message in err (256 bytes). */
int lab_world_new(struct lab_world *lw, const struct lab_world_config *cfg, char *err);
/* Starts the server's services.  0 or -1 with a message in err. */
int lab_world_start_services(struct lab_world *lw, char *err);
/* Stops the services, then frees the wire and the stacks.  Accepts a world
 * that lab_world_new failed to build. */
void lab_world_free(struct lab_world *lw);
/* The scanner run from stack `from` on the server (10.0.0.1), SYN and UDP
 * as ports says ("T:1-1024,U:1-1024"), paced for the lab's generous
 * server.  0 (free res with pp_scan_result_free), or -1 with err. */
struct pp_scan_result;
int lab_world_scan(struct pp_stack *from, const char *ports, unsigned long long seed,
                   struct pp_scan_result *res, char *err);
/* "server", "client1", "client2" for the hosts' addresses, else NULL. */
const char *lab_host_name(uint32_t addr);

#endif
