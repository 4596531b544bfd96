/* tun_qdisc.h - does the namespace's tun0 drop every packet it is given? */
#ifndef PP_PD_TUN_QDISC_H
#define PP_PD_TUN_QDISC_H

/* 1 when tun0's root qdisc is a pfifo or bfifo with limit 0 (a script's
 * `tc qdisc add dev tun0 root pfifo limit 0`), else 0 - also when there is
 * no tun0 or the kernel cannot be asked. */
int pp_pd_tun0_drops_all(void);

#endif
