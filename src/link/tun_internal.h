/* tun_internal.h - what the TUN link tells its driver (src/driver/tun_driver.c)
 * beyond the public tun.h. */
#ifndef PP_TUN_INTERNAL_H
#define PP_TUN_INTERNAL_H

struct pp_tun;

/* 0, or the -errno of a read on queue q that failed (the device went away). */
int pp__tun_error(const struct pp_tun *t, unsigned q);
/* How long the driver watches the device before it sleeps, in us. */
unsigned pp__tun_busy_us(const struct pp_tun *t);

#endif
