/* lab_scenarios.h - the live lab's scenarios (lab_scenarios.c): scripts of
 * socket calls run on a fresh lab network, narrated with notes that the
 * page shows between the packets. */
#ifndef PP_LAB_SCENARIOS_H
#define PP_LAB_SCENARIOS_H

#include <stdint.h>

#include "lab_world.h"

struct lab_ctx {
    struct lab_world *world;
    unsigned long long seed;
    volatile int *stop; /* set when the page starts another run */
    void *priv;         /* the recorder's */
};

struct lab_scenario {
    const char *id, *title, *teaches;
    void (*script)(struct lab_ctx *c);
    uint16_t eph_min, eph_max; /* client2's ephemeral ports, 0 0: default */
};

extern const struct lab_scenario lab_scenarios[];
extern const int lab_nscenarios;

/* A sentence for the page's narration (lab_live.c). */
void lab_note(struct lab_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Waits ms unless the run is being stopped; non-zero when it is. */
int lab_pause(struct lab_ctx *c, int ms);

#endif
