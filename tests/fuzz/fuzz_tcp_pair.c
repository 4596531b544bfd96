/* fuzz_tcp_pair.c - libFuzzer target: a TCP conversation between two
 * stacks whose segments the fuzzer mutates in flight.  Client A connects
 * to B's listener, sends, B echoes, both close; every packet crossing the
 * link is dropped, delivered, duplicated, truncated or has a byte
 * changed, as the input says.  The stacks run on a simulated clock, so
 * timers (retransmission, TIME_WAIT) fire too.  Nothing may crash, hang or
 * leak.  (Fuzz builds skip checksums - PP_FUZZING - so a changed payload
 * byte is undetectable by design and the data itself is not checked; a
 * normal build's tests check data under corruption on the virtual wire.) */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "portplex/link.h"
#include "portplex/socket.h"
#include "portplex/stack.h"

#define QMAX 64

struct q {
    uint8_t pkt[QMAX][1600];
    size_t len[QMAX];
    int n;
};

struct side {
    struct pp_link link;
    struct q out;
};

static int q_send(struct pp_link *l, const uint8_t *pkt, size_t len)
{
    struct side *s = l->priv;
    if (s->out.n == QMAX || len > sizeof s->out.pkt[0])
        return 0; /* the wire is full: lost */
    memcpy(s->out.pkt[s->out.n], pkt, len);
    s->out.len[s->out.n++] = len;
    return 0;
}
static const struct pp_link_ops q_ops = {.send = q_send};

static const uint8_t *in;
static size_t in_left;
static uint8_t next_byte(void)
{
    if (!in_left)
        return 0;
    in_left--;
    return *in++;
}

/* Moves what side s sent into stack to, mutated as the input says. */
static void carry(struct side *s, struct pp_stack *to)
{
    int i, n = s->out.n;
    static uint8_t p[1600];
    s->out.n = 0;
    for (i = 0; i < n; i++) {
        size_t len = s->out.len[i];
        uint8_t op = next_byte();
        memcpy(p, s->out.pkt[i], len);
        switch (op & 7) {
        case 0: continue; /* dropped */
        case 1: p[next_byte() % len] ^= (uint8_t)(1 + next_byte()); break;
        case 2: len = 1 + next_byte() % len; break; /* truncated */
        case 3: pp_stack_input(to, p, len); break;  /* duplicated */
        default: break;                            /* delivered */
        }
        pp_stack_input(to, p, len);
    }
}

static struct pp_stack *make(uint32_t addr, struct side *s)
{
    struct pp_stack_config c;
    struct pp_stack *st;
    memset(&c, 0, sizeof c);
    c.addr = addr;
    c.prefix_len = 24;
    c.time_wait_ms = 2000;
    st = pp_stack_new(&c);
    s->link.ops = &q_ops;
    s->link.mtu = 1500;
    s->link.priv = s;
    s->out.n = 0;
    if (st)
        pp_stack_attach(st, &s->link);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct side sa, sb;
    static const char msg[] = "a conversation the fuzzer gets to spoil, segment by segment";
    struct pp_stack *a, *b;
    struct sockaddr_in sin;
    char buf[256];
    size_t got_a = 0, sent_a = 0;
    int lis, cli, srv = -1, step, closed = 0;
    uint64_t now = 1000000;

    in = data;
    in_left = size;
    a = make(0x0a000001, &sa);
    b = make(0x0a000002, &sb);
    if (!a || !b)
        goto out;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(80);
    lis = pp_socket(b, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    pp_bind(b, lis, (struct sockaddr *)&sin, sizeof sin);
    pp_listen(b, lis, 4);
    cli = pp_socket(a, PP_SOCK_STREAM | PP_SOCK_NONBLOCK);
    sin.sin_addr.s_addr = htonl(0x0a000002);
    pp_connect(a, cli, (struct sockaddr *)&sin, sizeof sin);
    for (step = 0; step < 200; step++) {
        ssize_t n;
        carry(&sa, b);
        carry(&sb, a);
        if (srv < 0)
            srv = pp_accept(b, lis, NULL, NULL);
        if (sent_a < sizeof msg) {
            n = pp_send(a, cli, msg + sent_a, sizeof msg - sent_a, PP_MSG_DONTWAIT);
            if (n > 0)
                sent_a += (size_t)n;
        }
        if (srv >= 0 && (n = pp_recv(b, srv, buf, sizeof buf, PP_MSG_DONTWAIT)) > 0) {
            pp_send(b, srv, buf, (size_t)n, PP_MSG_DONTWAIT); /* the echo */
        }
        if (cli >= 0 && (n = pp_recv(a, cli, buf, sizeof buf, PP_MSG_DONTWAIT)) > 0)
            got_a += (size_t)n;
        if (got_a >= sizeof msg && !closed) {
            pp_close(a, cli);
            cli = -1;
            closed = 1;
        }
        /* Time moves on: 10 ms a step, a whole second now and then. */
        now += (next_byte() & 0x80) ? 1000 : 10;
        pp_stack_poll(a, now);
        pp_stack_poll(b, now);
    }
    if (cli >= 0)
        pp_close(a, cli);
    if (srv >= 0)
        pp_close(b, srv);
    pp_close(b, lis);
out:
    pp_stack_free(a);
    pp_stack_free(b);
    return 0;
}
