/* test_socket_list.c - pp_stack_list_sockets as `ss -tuna` reads: states,
 * and Recv-Q/Send-Q - bytes received and not read, bytes not yet
 * acknowledged, a listener's accept queue and backlog, a UDP socket's
 * waiting datagrams. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "portplex/vwire.h"
#include "stack_test_util.h"

struct seen {
    int listen_rq, listen_sq, estab_rq, udp_rq, rows;
};

static void row(void *arg, const struct pp_socket_info *si)
{
    struct seen *s = arg;
    s->rows++;
    if (si->tcp && !strcmp(si->state, "LISTEN")) {
        s->listen_rq = (int)si->recv_q;
        s->listen_sq = (int)si->send_q;
    } else if (si->tcp && !strcmp(si->state, "ESTAB") && si->lport == 7000) {
        s->estab_rq = (int)si->recv_q;
    } else if (!si->tcp) {
        s->udp_rq = (int)si->recv_q;
    }
}

TEST(socket_list_shows_queues_as_ss_does)
{
    struct pair p;
    struct sockaddr_in any = sin_of(0, 7000), to = sin_of(HOST_B, 7000), u = sin_of(0, 9000),
                       uto = sin_of(HOST_B, 9000);
    struct seen s;
    char data[100];
    int lfd, cfd, ufd, afd;

    pair_new(&p, NULL, 1);
    memset(data, 'x', sizeof data);
    lfd = pp_socket(p.b, PP_SOCK_STREAM);
    ASSERT_EQ(pp_bind(p.b, lfd, SA(any)), 0);
    ASSERT_EQ(pp_listen(p.b, lfd, 5), 0);
    ufd = pp_socket(p.b, PP_SOCK_DGRAM);
    ASSERT_EQ(pp_bind(p.b, ufd, SA(u)), 0);
    cfd = pp_socket(p.a, PP_SOCK_STREAM);
    ASSERT_EQ(pp_connect(p.a, cfd, SA(to)), 0);
    ASSERT_EQ(pp_send(p.a, cfd, data, sizeof data, 0), (ssize_t)sizeof data);
    afd = pp_socket(p.a, PP_SOCK_DGRAM);
    ASSERT_EQ(pp_sendto(p.a, afd, data, 30, 0, SA(uto)), 30);
    usleep(50000);
    memset(&s, 0, sizeof s);
    pp_stack_list_sockets(p.b, row, &s);
    ASSERT_EQ(s.listen_rq, 1);  /* one connection waits for accept() */
    ASSERT_EQ(s.listen_sq, 5);  /* the backlog */
    ASSERT_EQ(s.estab_rq, 100); /* received, not read */
    ASSERT_EQ(s.udp_rq, 30);
    ASSERT_EQ(s.rows, 3);
    pp_close(p.a, cfd);
    pp_close(p.a, afd);
    pp_close(p.b, lfd);
    pp_close(p.b, ufd);
    pair_free(&p);
}
