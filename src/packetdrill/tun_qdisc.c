/* tun_qdisc.c - the shim stands in for the namespace's tun0, so a qdisc a
 * script installs there applies to the packets it hands packetdrill: with a
 * fifo of limit 0 (scripts use it to make every transmit fail locally, as
 * user_timeout/user-timeout-probe.pkt does) each send is refused with
 * -ENOBUFS, which is what Linux's TCP sees from a full qdisc.  Asked of the
 * kernel by an rtnetlink RTM_GETQDISC dump (libmnl) at each send. */
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "tun_qdisc.h"

struct want {
    int ifindex;
    int drops_all;
};

struct attrs {
    const char *kind;
    const struct nlattr *options;
};

static int take_attr(const struct nlattr *a, void *data)
{
    struct attrs *at = data;

    if (mnl_attr_get_type(a) == TCA_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
        at->kind = mnl_attr_get_str(a);
    else if (mnl_attr_get_type(a) == TCA_OPTIONS)
        at->options = a;
    return MNL_CB_OK;
}

static int take_qdisc(const struct nlmsghdr *nlh, void *data)
{
    struct want *w = data;
    const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
    struct attrs at = {0};
    struct tc_fifo_qopt q;

    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *tc) || tc->tcm_ifindex != w->ifindex ||
        tc->tcm_parent != TC_H_ROOT)
        return MNL_CB_OK;
    mnl_attr_parse(nlh, sizeof *tc, take_attr, &at);
    if (!at.kind || !at.options || mnl_attr_get_payload_len(at.options) < sizeof q)
        return MNL_CB_OK;
    if (strcmp(at.kind, "pfifo") && strcmp(at.kind, "bfifo"))
        return MNL_CB_OK;
    memcpy(&q, mnl_attr_get_payload(at.options), sizeof q);
    w->drops_all = q.limit == 0;
    return MNL_CB_OK;
}

int pp_pd_tun0_drops_all(void)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct want w = {(int)if_nametoindex("tun0"), 0};
    struct mnl_socket *nl;
    struct nlmsghdr *nlh;
    struct tcmsg *tc;
    unsigned int seq = (unsigned int)time(NULL), port;
    int n;

    if (!w.ifindex)
        return 0;
    nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl)
        return 0;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        mnl_socket_close(nl);
        return 0;
    }
    port = mnl_socket_get_portid(nl);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETQDISC;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = seq;
    tc = mnl_nlmsg_put_extra_header(nlh, sizeof *tc);
    tc->tcm_family = AF_UNSPEC;
    tc->tcm_ifindex = w.ifindex;
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
        while ((n = (int)mnl_socket_recvfrom(nl, buf, sizeof buf)) > 0)
            if (mnl_cb_run(buf, (size_t)n, seq, port, take_qdisc, &w) <= MNL_CB_STOP)
                break;
    }
    mnl_socket_close(nl);
    return w.drops_all;
}
