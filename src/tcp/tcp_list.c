/* tcp_list.c - the socket listing behind pp_stack_list_sockets (`ss -tuna`
 * style): every socket in the demux tables with its TCP state. */
#include "tcp_internal.h"

struct list_ctx {
    void (*fn)(void *arg, const struct pp_socket_info *si);
    void *arg;
};

static void one(void *arg, const struct pp_dmx_entry *e)
{
    struct list_ctx *ctx = arg;
    struct pp_socket_info si;
    const struct pp_tcb *tcb = pp__tcp_of_entry(e);
    const struct pp_sock *s = tcb ? tcb->sock : e->kind == PP_DMX_TIMEWAIT ? NULL : e->owner;

    si.tcp = e->proto == PP_DMX_TCP;
    si.laddr = e->t.laddr;
    si.raddr = e->t.raddr;
    si.lport = e->t.lport;
    si.rport = e->t.rport;
    si.fd = s ? s->fd : -1;
    si.recv_q = si.send_q = 0;
    if (tcb && tcb->state == PP_TCP_LISTEN) {
        si.recv_q = (size_t)tcb->accept_len;
        si.send_q = (size_t)tcb->backlog;
    } else if (tcb) {
        si.recv_q = tcb->rcvq.len;
        si.send_q = tcb->sndq.len;
    } else if (s && !si.tcp) {
        si.recv_q = s->rx_bytes;
    }
    if (e->kind == PP_DMX_TIMEWAIT)
        si.state = "TIME-WAIT";
    else if (!si.tcp)
        si.state = e->kind == PP_DMX_CONNECTED ? "ESTAB" : "UNCONN";
    else if (tcb)
        si.state = tcb->state == PP_TCP_ESTABLISHED ? "ESTAB" : pp_tcp_state_name(tcb->state);
    else
        si.state = e->kind == PP_DMX_LISTEN ? "LISTEN" : "CLOSED";
    ctx->fn(ctx->arg, &si);
}

void pp_stack_list_sockets(struct pp_stack *st,
                           void (*fn)(void *arg, const struct pp_socket_info *si), void *arg)
{
    struct list_ctx ctx = {fn, arg};

    pthread_mutex_lock(&st->lock);
    pp_demux_foreach(st->demux, PP_DMX_UDP, one, &ctx);
    pp_demux_foreach(st->demux, PP_DMX_TCP, one, &ctx);
    pthread_mutex_unlock(&st->lock);
}
