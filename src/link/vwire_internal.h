/* vwire_internal.h - what the virtual wire offers its drivers
 * (src/driver/vwire_driver.c) beyond the public vwire.h: ports, the clock
 * they give it, and a way to sleep until a packet is sent. */
#ifndef PP_VWIRE_INTERNAL_H
#define PP_VWIRE_INTERNAL_H

#include <stdint.h>

struct pp_link;
struct pp_vwire;

#define PP_VWIRE_MAX_PORTS 64 /* stacks one wire joins */

/* A new port whose address is addr (packets to addr, and broadcasts, land
 * in its inbox); owner is the driver's, name labels its packets in hooks.
 * NULL when the wire is full. */
struct pp_link *pp__vwire_add_port(struct pp_vwire *w, uint32_t addr, const char *name, void *owner);
int pp__vwire_nports(struct pp_vwire *w);
/* Makes the port one of count shards at its address (index: which one). */
void pp__vwire_set_shard(struct pp_link *l, unsigned index, unsigned count);
/* The symmetric RSS key the wire steers among shards with. */
const uint8_t *pp__vwire_rss_key(struct pp_vwire *w);
void *pp__vwire_port_owner(struct pp_vwire *w, int i);
/* A slot the driver keeps its own state in. */
void **pp__vwire_driver(struct pp_vwire *w);
/* The clock: now() when the driver runs in real time (packets due at once
 * are then announced through pp_link.ready), or NULL and the stepped time
 * stepped_ms (tests: deterministic, announced to no one). */
void pp__vwire_set_clock(struct pp_vwire *w, uint64_t (*now)(void), uint64_t stepped_ms);
/* Whether any inbox holds a packet due by now_ms. */
int pp__vwire_due(struct pp_vwire *w, uint64_t now_ms);
/* Sleeps up to ms, less when a delayed packet is queued or on a wake. */
void pp__vwire_sleep(struct pp_vwire *w, uint64_t ms);
void pp__vwire_wake(struct pp_vwire *w);
/* Frees inboxes, tap and the wire itself (the driver detached the ports). */
void pp__vwire_destroy(struct pp_vwire *w);

#endif
