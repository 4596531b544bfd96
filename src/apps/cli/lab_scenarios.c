/* lab_scenarios.c - what the live lab's scenarios do: each a short script
 * of ordinary socket calls on the lab network (lab_world.h), with notes
 * that say what to watch for.  The recorder (lab_live.c) sees every packet
 * and decision they cause; nothing here draws anything. */
#include "lab_scenarios.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portplex/portplex.h"
#include "portplex/socket.h"
#include "portplex/stack.h"
#include "portplex/vwire.h"
#include "portplex/wire/bytes.h"
#include "portplex/wire/ipv4.h"
#include "portplex/wire/tcp.h"
#include "scan/engine.h"
#include "scan/output.h"

#define SRV(c) ((c)->world->host[0])
#define C1(c) ((c)->world->host[1])
#define C2(c) ((c)->world->host[2])

static struct sockaddr_in addr_of(uint32_t a, uint16_t port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(a);
    sa.sin_port = htons(port);
    return sa;
}

static uint16_t local_port(struct pp_stack *st, int fd)
{
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    if (pp_getsockname(st, fd, (struct sockaddr *)&me, &ml) < 0)
        return 0;
    return ntohs(me.sin_port);
}

static int timed_socket(struct pp_stack *st, int type, int ms)
{
    int fd = pp_socket(st, type);
    if (fd >= 0)
        pp_setsockopt(st, fd, PP_SO_RCVTIMEO, &ms, sizeof ms);
    return fd;
}

/* --- the tour's steps ---------------------------------------------------------- */

static void udp_step(struct lab_ctx *c)
{
    struct pp_stack *cl[2] = {C1(c), C2(c)};
    struct sockaddr_in to = addr_of(LAB_SERVER, 7);
    int fds[2], k;

    lab_note(c, "UDP: client1 and client2 each send a datagram to the server's port 7 (udp-echo). "
                "Watch the server's table: one UDP socket bound to 0.0.0.0:7 receives both - UDP "
                "demultiplexes by destination (IP, port) only.");
    for (k = 0; k < 2; k++) {
        char msg[32];
        fds[k] = timed_socket(cl[k], PP_SOCK_DGRAM, 1000);
        snprintf(msg, sizeof msg, "hello from client%d", k + 1);
        pp_sendto(cl[k], fds[k], msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
    }
    for (k = 0; k < 2; k++) {
        char buf[64];
        if (pp_recv(cl[k], fds[k], buf, sizeof buf, 0) < 0)
            lab_note(c, "client%d's datagram or its echo was lost: UDP does not resend.", k + 1);
    }
    lab_note(c, "The echoes went back to each source (IP, port): the server's socket was handed "
                "the source as the return address.");
    {
        static const uint8_t q[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 6, 's', 'e', 'r',
                                    'v',  'e',  'r',  3,    'l', 'a', 'b', 0, 0, 1, 0, 1};
        uint8_t r[512];
        to.sin_port = htons(53);
        lab_note(c, "client2 asks the DNS service (port 53: another socket on the server) for server.lab.");
        pp_sendto(C2(c), fds[1], q, sizeof q, 0, (struct sockaddr *)&to, sizeof to);
        pp_recv(C2(c), fds[1], r, sizeof r, 0);
    }
    pp_close(C1(c), fds[0]);
    pp_close(C2(c), fds[1]);
}

/* GET / on server:80 from st; 1 when the page came back. */
static int http_get(struct lab_ctx *c, struct pp_stack *st, int fd)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: server.lab\r\nConnection: close\r\n\r\n";
    char resp[2048];
    size_t got = 0;
    ssize_t n;

    (void)c;
    pp_send(st, fd, req, sizeof req - 1, 0);
    while (got < sizeof resp - 1 && (n = pp_recv(st, fd, resp + got, sizeof resp - 1 - got, 0)) > 0)
        got += (size_t)n;
    resp[got] = 0;
    return strncmp(resp, "HTTP/1.1 200 OK", 15) == 0;
}

static void tcp_step(struct lab_ctx *c, int nconn)
{
    struct sockaddr_in to = addr_of(LAB_SERVER, 80);
    int fds[8], k, ok = 0;

    lab_note(c, "TCP: %d connections to the server's port 80, from both clients. The first SYN of each "
                "matches the LISTEN row 0.0.0.0:80 (rule listener-wildcard); every later segment matches "
                "its own ESTAB row by the whole 4-tuple (rule established).", nconn);
    for (k = 0; k < nconn && !*c->stop; k++) {
        struct pp_stack *cl = k % 2 ? C2(c) : C1(c);
        fds[k] = timed_socket(cl, PP_SOCK_STREAM, 3000);
        if (pp_connect(cl, fds[k], (struct sockaddr *)&to, sizeof to) < 0) {
            lab_note(c, "connection %d failed to connect.", k + 1);
            pp_close(cl, fds[k]);
            fds[k] = -1;
        }
    }
    lab_pause(c, 100);
    lab_note(c, "The server now has %d ESTAB rows on local port 80, told apart only by the client's "
                "address and port.", nconn);
    for (k = 0; k < nconn; k++) {
        struct pp_stack *cl = k % 2 ? C2(c) : C1(c);
        if (fds[k] < 0)
            continue;
        ok += http_get(c, cl, fds[k]);
        pp_close(cl, fds[k]);
    }
    lab_note(c, "%d/%d requests answered, each on its own connection, by its own thread of the web "
                "server. Whoever closes first keeps the 4-tuple in TIME-WAIT.", ok, nconn);
}

static void mux_step(struct lab_ctx *c)
{
    struct sockaddr_in to = addr_of(LAB_SERVER, 7);
    int fds[3], k, r;

    lab_note(c, "Multiplexing: client1 opens three UDP sockets; each gets its own ephemeral source "
                "port, and their datagrams share one link.");
    for (k = 0; k < 3; k++)
        fds[k] = timed_socket(C1(c), PP_SOCK_DGRAM, 1000);
    for (r = 0; r < 2; r++)
        for (k = 0; k < 3; k++) {
            char msg[32];
            snprintf(msg, sizeof msg, "socket %d, message %d", k, r);
            pp_sendto(C1(c), fds[k], msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
        }
    for (k = 0; k < 3; k++) {
        char buf[64];
        pp_recv(C1(c), fds[k], buf, sizeof buf, 0);
        pp_recv(C1(c), fds[k], buf, sizeof buf, 0);
        pp_close(C1(c), fds[k]);
    }
    lab_note(c, "Each echo came back to the socket that sent it: client1 demultiplexed them by its "
                "own port numbers.");
}

/* Appends the ports of res in state st to out as ranges ("1-6, 8-30"); how many. */
static int port_ranges(const struct pp_scan_result *res, int st, char *out, size_t cap)
{
    size_t at = 0;
    int k, n = 0, lo = -1, prev = -1;

    out[0] = 0;
    for (k = 0; k <= res->nports; k++) {
        int hit = k < res->nports && res->hosts[0].state && res->hosts[0].state[k] == st;
        int port = hit ? res->port_of[k] : -1;
        if (hit && lo >= 0 && port == prev + 1 && (k >= res->ntcp) == (k - 1 >= res->ntcp)) {
            prev = port;
            n++;
            continue;
        }
        if (lo >= 0 && at + 24 < cap) {
            const char *proto = k - 1 >= res->ntcp ? "udp" : "tcp";
            if (lo == prev)
                at += (size_t)snprintf(out + at, cap - at, "%s%d/%s", at ? ", " : "", lo, proto);
            else
                at += (size_t)snprintf(out + at, cap - at, "%s%d-%d/%s", at ? ", " : "", lo, prev, proto);
        }
        lo = prev = hit ? port : -1;
        n += hit;
    }
    return n;
}

/* Runs the scanner from client1 and notes what it found. */
static void scan_step(struct lab_ctx *c, const char *ports, const char *why)
{
    struct pp_scan_result res;
    char err[256], open[256], filt[256], of[256];
    int nopen, nfilt, nof, closed = 0, k;

    lab_note(c, "client1 runs the scanner (portplex scan -sS -sU -p %s 10.0.0.1). %s", ports, why);
    if (lab_world_scan(C1(c), ports, c->seed, &res, err) < 0) {
        lab_note(c, "The scan could not run: %s", err);
        return;
    }
    for (k = 0; k < res.nports && res.hosts[0].state; k++)
        closed += res.hosts[0].state[k] == PP_PS_CLOSED;
    nopen = port_ranges(&res, PP_PS_OPEN, open, sizeof open);
    nfilt = port_ranges(&res, PP_PS_FILTERED, filt, sizeof filt);
    nof = port_ranges(&res, PP_PS_OPEN_FILTERED, of, sizeof of);
    lab_note(c, "Scan result: open %d (%s); closed %d; filtered %d%s%s%s; open|filtered %d%s%s%s. %llu probes, "
                "%llu resent.",
             nopen, nopen ? open : "none", closed, nfilt, nfilt ? " (" : "", nfilt ? filt : "", nfilt ? ")" : "",
             nof, nof ? " (" : "", nof ? of : "", nof ? ")" : "", (unsigned long long)res.sent,
             (unsigned long long)res.retransmits);
    pp_scan_result_free(&res);
}

static void sc_tour(struct lab_ctx *c)
{
    struct pp_vwire_stats ws;

    lab_note(c, "Step 1 of 5 - connectionless demultiplexing (UDP).");
    udp_step(c);
    if (lab_pause(c, 200))
        return;
    lab_note(c, "Step 2 of 5 - connection-oriented demultiplexing (TCP).");
    tcp_step(c, 4);
    if (lab_pause(c, 200))
        return;
    lab_note(c, "Step 3 of 5 - multiplexing.");
    mux_step(c);
    if (lab_pause(c, 200))
        return;
    lab_note(c, "Step 4 of 5 - a port scan read as demultiplexing from outside.");
    scan_step(c, "T:1-100,U:1-100",
              "A SYN/ACK means a LISTEN row matched; a RST or an ICMP port unreachable means no row did "
              "(rule miss); silence is open|filtered.");
    pp_vwire_stats(c->world->wire, &ws);
    lab_note(c, "Step 5 of 5 - summary: %llu packets on the wire, %llu lost. Every one was delivered "
                "to one socket by one rule, or answered by RST/ICMP when no row matched.",
             (unsigned long long)ws.sent, (unsigned long long)ws.lost);
}

static void sc_udp(struct lab_ctx *c)
{
    udp_step(c);
}

static void sc_tcp(struct lab_ctx *c)
{
    tcp_step(c, 8);
}

static void sc_mux(struct lab_ctx *c)
{
    mux_step(c);
}

static void sc_scan(struct lab_ctx *c)
{
    scan_step(c, "T:1-100,U:1-100",
              "Each probe either meets a row (open) or does not (closed: RST for TCP, ICMP port "
              "unreachable for UDP). The server's table does not change: a scan only asks.");
}

/* --- a lost segment ------------------------------------------------------------- */

struct drop_once {
    const char *needle;
    int dropped;
};

/* Drops the first TCP segment from client1 whose payload holds needle. */
static int drop_segment(void *arg, const char *from, const uint8_t *pkt, size_t len)
{
    struct drop_once *d = arg;
    size_t nl = strlen(d->needle), i, hl;

    if (d->dropped || strcmp(from, "client1") != 0 || len < 40 || pkt[9] != 6)
        return 0;
    hl = (size_t)(pkt[0] & 15) * 4;
    if (len < hl + 20)
        return 0;
    hl += (size_t)(pkt[hl + 12] >> 4) * 4;
    for (i = hl; i + nl <= len; i++)
        if (memcmp(pkt + i, d->needle, nl) == 0)
            return d->dropped = 1;
    return 0;
}

static void sc_loss(struct lab_ctx *c)
{
    struct drop_once d = {"second", 0}; /* the filter's, until it is removed below */
    struct sockaddr_in to = addr_of(LAB_SERVER, 7);
    char buf[64], *nl;
    size_t got = 0;
    ssize_t n;
    int fd, one = 1;

    pp_vwire_set_filter(c->world->wire, drop_segment, &d);
    lab_note(c, "A TCP handshake: SYN, SYN/ACK, ACK. client1 connects to the server's tcp-echo (port 7).");
    fd = timed_socket(C1(c), PP_SOCK_STREAM, 5000);
    pp_setsockopt(C1(c), fd, PP_TCP_NODELAY, &one, sizeof one);
    if (pp_connect(C1(c), fd, (struct sockaddr *)&to, sizeof to) < 0) {
        lab_note(c, "The connection failed.");
        pp_close(C1(c), fd);
        pp_vwire_set_filter(c->world->wire, NULL, NULL);
        return;
    }
    lab_note(c, "client1 sends three segments. A filter on the wire drops the one carrying \"second\" "
                "once: watch the server's ACKs repeat the same number (it still waits for those bytes) "
                "and client1 send the segment again.");
    pp_send(C1(c), fd, "first ", 6, 0);
    lab_pause(c, 60);
    pp_send(C1(c), fd, "second ", 7, 0);
    lab_pause(c, 30);
    pp_send(C1(c), fd, "third\n", 6, 0);
    while (got < 19 && (n = pp_recv(C1(c), fd, buf + got, sizeof buf - 1 - got, 0)) > 0)
        got += (size_t)n;
    buf[got] = 0;
    if ((nl = strchr(buf, '\n')) != NULL)
        *nl = 0;
    lab_note(c, "The echo came back whole and in order: \"%s\" - the receiver held \"third\" until the "
                "hole was filled. %s", buf,
             d.dropped ? "One segment was lost and resent." : "(the filter dropped nothing)");
    pp_close(C1(c), fd);
    lab_pause(c, 100);
    pp_vwire_set_filter(c->world->wire, NULL, NULL);
}

/* --- TIME-WAIT and port reuse -------------------------------------------------------- */

static void sc_timewait(struct lab_ctx *c)
{
    struct sockaddr_in me = addr_of(0, 40000), to = addr_of(LAB_SERVER, 7);
    int fd, rc, one = 1;
    char buf[16];

    lab_note(c, "client1 binds its socket to port 40000 and connects to the server's tcp-echo (port 7).");
    fd = timed_socket(C1(c), PP_SOCK_STREAM, 2000);
    pp_bind(C1(c), fd, (struct sockaddr *)&me, sizeof me);
    if (pp_connect(C1(c), fd, (struct sockaddr *)&to, sizeof to) < 0) {
        lab_note(c, "The connection failed.");
        pp_close(C1(c), fd);
        return;
    }
    pp_send(C1(c), fd, "ping", 4, 0);
    pp_recv(C1(c), fd, buf, sizeof buf, 0);
    lab_note(c, "client1 closes first: its row becomes FIN-WAIT, then TIME-WAIT - a record that keeps "
                "the 4-tuple 10.0.0.2:40000 <-> 10.0.0.1:7 for 2*MSL (60 s) so a late segment of this "
                "connection cannot be taken for a new one (RFC 9293 3.6.1).");
    pp_close(C1(c), fd);
    lab_pause(c, 200);
    fd = timed_socket(C1(c), PP_SOCK_STREAM, 2000);
    rc = pp_bind(C1(c), fd, (struct sockaddr *)&me, sizeof me);
    lab_note(c, "A new socket binding port 40000 again: %s.",
             rc < 0 ? "EADDRINUSE - the port is held by the TIME-WAIT record"
                    : "allowed (nothing else uses it)");
    pp_close(C1(c), fd);
    fd = timed_socket(C1(c), PP_SOCK_STREAM, 2000);
    pp_setsockopt(C1(c), fd, PP_SO_REUSEADDR, &one, sizeof one);
    rc = pp_bind(C1(c), fd, (struct sockaddr *)&me, sizeof me);
    lab_note(c, "With SO_REUSEADDR the bind %s; connecting to the same server:7 would recreate the "
                "very 4-tuple in TIME-WAIT, so client1 connects to server:80 instead - a different 4-tuple.",
             rc < 0 ? "still fails" : "succeeds");
    to.sin_port = htons(80);
    rc = pp_connect(C1(c), fd, (struct sockaddr *)&to, sizeof to);
    if (rc == 0) {
        lab_note(c, "Connected from port 40000 again: the TIME-WAIT row and the new ESTAB row share the "
                    "local port, and the 4-tuple tells them apart.");
        http_get(c, C1(c), fd);
    } else {
        lab_note(c, "connect: %s", strerror(-rc));
    }
    pp_close(C1(c), fd);
    lab_pause(c, 200);
    lab_note(c, "The web server closed that connection first (Connection: close), so this time the "
                "TIME-WAIT row is on the server.");
}

/* --- ephemeral ports running out ------------------------------------------------------- */

static void sc_ephemeral(struct lab_ctx *c)
{
    struct sockaddr_in to = addr_of(LAB_SERVER, 7);
    int fds[6], k, rc;

    lab_note(c, "client2's ephemeral range is only 50000-50003 here (Linux: net.ipv4.ip_local_port_range, "
                "32768-60999 by default). It opens connections to server:7 and keeps them.");
    for (k = 0; k < 5; k++) {
        fds[k] = timed_socket(C2(c), PP_SOCK_STREAM, 2000);
        rc = pp_connect(C2(c), fds[k], (struct sockaddr *)&to, sizeof to);
        if (rc < 0)
            lab_note(c, "Connection %d to server:7: %s - every port of the range is in a 4-tuple with "
                        "server:7 already.", k + 1, rc == -EADDRNOTAVAIL ? "EADDRNOTAVAIL" : strerror(-rc));
        else
            lab_note(c, "Connection %d to server:7 from port %u.", k + 1, local_port(C2(c), fds[k]));
        lab_pause(c, 50);
    }
    to.sin_port = htons(80);
    fds[5] = timed_socket(C2(c), PP_SOCK_STREAM, 2000);
    rc = pp_connect(C2(c), fds[5], (struct sockaddr *)&to, sizeof to);
    if (rc == 0)
        lab_note(c, "To server:80 it still connects, from port %u: a port is used up per destination, "
                    "not once for all - the 4-tuple is what must be unique (RFC 6056).",
                 local_port(C2(c), fds[5]));
    else
        lab_note(c, "To server:80: %s.", strerror(-rc));
    lab_pause(c, 300);
    for (k = 0; k < 6; k++)
        pp_close(C2(c), fds[k]);
    lab_pause(c, 100);
}

/* --- a SYN flood -------------------------------------------------------------------------- */

static void forged_syn(struct pp_vwire *w, uint32_t src, uint16_t sport, uint16_t dport, uint32_t seq)
{
    struct pp_ipv4_hdr ip;
    struct pp_tcp_hdr t;
    uint8_t p[64];
    int tl;

    memset(&t, 0, sizeof t);
    t.sport = sport;
    t.dport = dport;
    t.seq = seq;
    t.flags = PP_TCP_SYN;
    t.window = 64240;
    t.opts.mss = 1460;
    t.opts.has_mss = 1;
    tl = pp_tcp_emit(p + 20, sizeof p - 20, &t, 0, src, LAB_SERVER);
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = 6;
    ip.src = src;
    ip.dst = LAB_SERVER;
    ip.total_len = (uint16_t)(20 + tl);
    if (tl > 0 && pp_ipv4_emit(p, sizeof p, &ip, 0) == 20)
        pp_vwire_inject(w, p, (size_t)(20 + tl));
}

static void sc_synflood(struct lab_ctx *c)
{
    struct sockaddr_in any = addr_of(0, 8080), to = addr_of(LAB_SERVER, 8080);
    int lfd, fd, k, afd;
    char buf[16];

    lfd = pp_socket(SRV(c), PP_SOCK_STREAM);
    pp_bind(SRV(c), lfd, (struct sockaddr *)&any, sizeof any);
    pp_listen(SRV(c), lfd, 4);
    lab_note(c, "The server listens on port 8080 with a backlog of 4. Forged SYNs from addresses that do "
                "not exist (10.0.0.100-129) arrive: each matches the LISTEN row and makes a SYN-RECV row, "
                "whose SYN/ACK goes nowhere.");
    for (k = 0; k < 30 && !*c->stop; k++) {
        forged_syn(c->world->wire, 0x0a000064u + (uint32_t)k, (uint16_t)(1024 + k * 97), 8080,
                   0x1000u * (uint32_t)k);
        lab_pause(c, 15);
    }
    lab_note(c, "The queue is full: the server now answers further SYNs statelessly, with a SYN cookie in "
                "its sequence number (RFC 4987 3.6), and keeps no row for them.");
    lab_pause(c, 100);
    lab_note(c, "A real client, client1, connects to server:8080 during the flood.");
    fd = timed_socket(C1(c), PP_SOCK_STREAM, 3000);
    if (pp_connect(C1(c), fd, (struct sockaddr *)&to, sizeof to) == 0) {
        lab_note(c, "client1's ACK carried the cookie back; the server rebuilt the connection from it "
                    "(an ESTAB row appears) although it had no SYN-RECV row.");
        pp_send(C1(c), fd, "hi", 2, 0);
        lab_pause(c, 100);
        {
            int nb = 1;
            pp_setsockopt(SRV(c), lfd, PP_SO_NONBLOCK, &nb, sizeof nb);
        }
        afd = pp_accept(SRV(c), lfd, NULL, NULL);
        if (afd >= 0) {
            int tmo = 1000;
            pp_setsockopt(SRV(c), afd, PP_SO_RCVTIMEO, &tmo, sizeof tmo);
            if (pp_recv(SRV(c), afd, buf, sizeof buf, 0) > 0)
                lab_note(c, "The server accepted it (socket %d) and read client1's bytes.", afd);
            pp_close(SRV(c), afd);
        }
    } else {
        lab_note(c, "client1 could not connect.");
    }
    pp_close(C1(c), fd);
    lab_pause(c, 200);
    pp_close(SRV(c), lfd);
}

/* --- behind a firewall ---------------------------------------------------------------------- */

/* Drops TCP to the server's ports 1-30 except 7 (and what the server says from them). */
static int firewall(void *arg, const char *from, const uint8_t *pkt, size_t len)
{
    uint16_t dport;
    (void)arg;
    (void)from;
    if (len < 24 || pkt[9] != 6 || pp_get32(pkt + 16) != LAB_SERVER)
        return 0;
    dport = pp_get16(pkt + (pkt[0] & 15) * 4 + 2);
    return dport >= 1 && dport <= 30 && dport != 7;
}

static void sc_firewall(struct lab_ctx *c)
{
    pp_vwire_set_filter(c->world->wire, firewall, NULL);
    lab_note(c, "A firewall in front of the server drops TCP to ports 1-30 except 7 (the packets are marked "
                "'filtered' on the wire).");
    scan_step(c, "T:1-40",
              "Closed: the SYN reached the server, no row matched, and its RST came back. Filtered: the "
              "SYN never arrived, so nothing came back even after the retries.");
    lab_note(c, "Port 9 (discard) is open on the server, yet the scan says filtered: a scanner sees the "
                "path, not the host.");
    pp_vwire_set_filter(c->world->wire, NULL, NULL);
}

/* --- 1434/udp: the Slammer port ----------------------------------------------------------------- */

struct ssrp {
    struct pp_stack *st;
    int fd;
    volatile int done;
};

/* SQL Server Resolution Protocol (MC-SQLR): a CLNT_UCAST_EX (0x03) or
 * CLNT_BCAST_EX (0x02) request gets an SVR_RESP (0x05, length, text). */
static void *ssrp_main(void *arg)
{
    struct ssrp *s = arg;
    static const char info[] = "ServerName;LAB;InstanceName;MSSQLSERVER;IsClustered;No;Version;8.00.194;"
                               "tcp;1433;;";
    while (!s->done) {
        uint8_t in[512], out[3 + sizeof info];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = pp_recvfrom(s->st, s->fd, in, sizeof in, 0, (struct sockaddr *)&from, &fl);
        if (n < 1 || (in[0] != 0x02 && in[0] != 0x03))
            continue;
        out[0] = 0x05;
        out[1] = (uint8_t)((sizeof info - 1) & 0xff);
        out[2] = (uint8_t)((sizeof info - 1) >> 8);
        memcpy(out + 3, info, sizeof info - 1);
        pp_sendto(s->st, s->fd, out, 3 + sizeof info - 1, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

static void sc_slammer(struct lab_ctx *c)
{
    struct ssrp s; /* its thread ends before this returns */
    struct sockaddr_in any = addr_of(0, 1434);
    pthread_t t;
    int started;

    s.st = SRV(c);
    s.fd = timed_socket(SRV(c), PP_SOCK_DGRAM, 100);
    s.done = 0;
    pp_bind(SRV(c), s.fd, (struct sockaddr *)&any, sizeof any);
    started = pthread_create(&t, NULL, ssrp_main, &s) == 0;
    lab_note(c, "The server now also runs SQL Server's Resolution Service: a UDP socket bound to "
                "0.0.0.0:1434. In January 2003 the Slammer worm spread to about 75,000 hosts in ten "
                "minutes with one 376-byte datagram to this port, through a buffer overflow in that service.");
    scan_step(c, "U:1430-1440",
              "UDP port 1434 gets the protocol's own question (0x03), so the service answers and the port "
              "reads open; the others send ICMP port unreachable.");
    lab_note(c, "Any host that answers on 1434/udp from outside is exposed: one datagram is all an attack "
                "needs, no handshake - a firewall rule or closing the socket removes the row that matched.");
    s.done = 1;
    if (started)
        pthread_join(t, NULL);
    pp_close(SRV(c), s.fd);
}

static void sc_sandbox(struct lab_ctx *c)
{
    lab_note(c, "The sandbox: a fresh network with the server's services running. Open sockets on any host "
                "from the panel (socket, bind, listen, connect, send) and watch which row each segment "
                "matches.");
}

const struct lab_scenario lab_scenarios[] = {
    {"tour", "The tour: five steps", "UDP by destination, TCP by 4-tuple, multiplexing, a scan, a summary",
     sc_tour, 0, 0},
    {"udp", "1. UDP: demultiplexing by destination",
     "two clients reach one UDP socket; the source is only a return address", sc_udp, 0, 0},
    {"tcp", "2. TCP: demultiplexing by 4-tuple",
     "one listener, eight connections on port 80 told apart by the client's address and port", sc_tcp, 0, 0},
    {"mux", "3. Multiplexing", "three sockets of one host share one link, each with its own port", sc_mux, 0, 0},
    {"scan", "4. A port scan", "open, closed and open|filtered read as demultiplexing from outside", sc_scan, 0,
     0},
    {"loss", "A handshake and a lost segment",
     "SYN, SYN/ACK, ACK; duplicate ACKs and a retransmission fill a hole", sc_loss, 0, 0},
    {"timewait", "TIME-WAIT and port reuse",
     "who closes first keeps the 4-tuple; the same local port can serve another 4-tuple", sc_timewait, 0, 0},
    {"ephemeral", "Ephemeral ports running out",
     "ports run out per destination: the 4-tuple must be unique, not the port", sc_ephemeral, 50000, 50003},
    {"synflood", "A SYN flood and SYN cookies",
     "a full listen queue answers statelessly, and a real client still gets in", sc_synflood, 0, 0},
    {"firewall", "A scan behind a firewall",
     "closed means a RST came back; filtered means nothing did", sc_firewall, 0, 0},
    {"slammer", "1434/udp open: the Slammer exposure",
     "one UDP socket on 1434 is all a one-datagram worm needs", sc_slammer, 0, 0},
    {"sandbox", "Sandbox", "open sockets from the page and watch where their segments land", sc_sandbox, 0, 0},
};
const int lab_nscenarios = (int)(sizeof lab_scenarios / sizeof lab_scenarios[0]);
