/* lab_html.c - writes the lab's page (see lab_html.h) as HTML with inline
 * SVG: a section per step, a sequence diagram in each; <details> folds the
 * long ones, so the page needs no script. */
#include "lab_html.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>


#define ROW 34
#define TOP 62

static const char *const hosts[] = {"client1", "server", "client2"};
static const char *const host_ips[] = {"10.0.0.2", "10.0.0.1", "10.0.0.3"};

static int lane_x(const char *host)
{
    int i;
    for (i = 0; i < 3; i++)
        if (strcmp(host, hosts[i]) == 0)
            return 230 + 330 * i;
    return 560;
}

/* Text for HTML: the labels are ASCII, but escape what markup needs. */
static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* One hue per connection: both directions of a 4-tuple hash alike. */
static unsigned hue_of(const struct lab_arrow *a)
{
    uint64_t x = (uint64_t)a->saddr << 16 | a->sport, y = (uint64_t)a->daddr << 16 | a->dport, h;
    if (x > y) {
        uint64_t t = x;
        x = y;
        y = t;
    }
    h = (x * 0x9e3779b97f4a7c15ull) ^ (y * 0xc2b2ae3d27d4eb4full) ^ (uint64_t)a->tcp;
    h ^= h >> 29;
    return (unsigned)(h % 360);
}

static void diagram(FILE *f, const struct lab_arrow *a, int from, int to)
{
    int i, n = to - from, height = TOP + 10 + ROW * n;

    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1120\" height=\"%d\" data-packets=\"%d\">\n"
               "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
               "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
               "fill=\"#444\"/></marker></defs>\n<text class=\"time\" x=\"8\" y=\"46\">t (ms)</text>\n",
            height, n);
    for (i = 0; i < 3; i++) {
        int x = 230 + 330 * i;
        fprintf(f, "<text class=\"host\" x=\"%d\" y=\"22\" text-anchor=\"middle\">%s</text>\n"
                   "<text class=\"ip\" x=\"%d\" y=\"38\" text-anchor=\"middle\">%s</text>\n"
                   "<line class=\"lane\" x1=\"%d\" y1=\"46\" x2=\"%d\" y2=\"%d\"/>\n",
                x, hosts[i], x, host_ips[i], x, x, height - 4);
    }
    for (i = from; i < to; i++) {
        int y = TOP + 14 + ROW * (i - from), x1 = lane_x(a[i].from), x2 = lane_x(a[i].to);
        int lost = strcmp(a[i].fate, "lost") == 0;
        int xe = lost ? (x1 + x2) / 2 : x2;
        unsigned hue = hue_of(&a[i]);
        fprintf(f, "<g><title>");
        esc(f, a[i].desc);
        if (a[i].fate[0])
            fprintf(f, " [%s]", a[i].fate);
        if (a[i].deliver[0]) {
            fputs(" -&gt; ", f);
            esc(f, a[i].deliver);
        }
        fprintf(f, "</title>\n<text class=\"time\" x=\"8\" y=\"%d\">%.1f</text>\n", y + 4, a[i].t_ms);
        fprintf(f, "<line class=\"arrow%s%s\" style=\"stroke:hsl(%u,65%%,38%%)\" x1=\"%d\" y1=\"%d\" "
                   "x2=\"%d\" y2=\"%d\" marker-end=\"url(#head)\" data-sport=\"%u\" data-dport=\"%u\"/>\n",
                a[i].tcp ? " tcp" : "", lost ? " lost" : "", hue, x1, y, xe, y, a[i].sport, a[i].dport);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" style=\"fill:hsl(%u,65%%,30%%)\">",
                (x1 + x2) / 2, y - 4, hue);
        esc(f, a[i].label);
        if (a[i].fate[0])
            fprintf(f, " [%s]", a[i].fate);
        fputs("</text>\n", f);
        if (a[i].deliver[0]) {
            fprintf(f, "<text class=\"deliver\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">", x2, y + 13,
                    x2 > x1 ? "end" : "start");
            esc(f, a[i].deliver);
            fputs("</text>\n", f);
        }
        fputs("</g>\n", f);
    }
    fputs("</svg>\n", f);
}

static const char legend[] =
    "<h2>How a host picks the socket (most specific first)</h2>\n<dl>\n"
    "<dt>established</dt><dd>a connection with exactly this 4-tuple (source IP, source port, destination IP, "
    "destination port)</dd>\n"
    "<dt>time-wait</dt><dd>the 4-tuple of a connection that closed recently: its TIME-WAIT record (not a "
    "socket) answers</dd>\n"
    "<dt>listener-exact</dt><dd>no connection has the 4-tuple; a socket listening on exactly this "
    "destination address and port</dd>\n"
    "<dt>listener-wildcard</dt><dd>no connection and no exact listener; the listener on 0.0.0.0 with this "
    "port</dd>\n"
    "<dt>udp-connected</dt><dd>a UDP socket connected to exactly this source</dd>\n"
    "<dt>udp-exact / udp-wildcard</dt><dd>a UDP socket bound to this destination port, on this address or "
    "on 0.0.0.0: UDP demultiplexes by destination only</dd>\n"
    "<dt>miss</dt><dd>no row: TCP answers RST (RFC 9293 3.10.7.1), UDP ICMP port unreachable (RFC 1122 "
    "4.1.3.1)</dd>\n"
    "<dt>connection without a descriptor</dt><dd>a connection the stack completed for a listener that its "
    "program has not accepted yet, or one whose program already closed its descriptor while the stack "
    "finishes the close</dd>\n</dl>\n"
    "<p>Socket numbers are per host: server's socket 3 and client1's socket 3 are different sockets. "
    "Colours: one per connection (both directions of a 4-tuple); dashed: lost on the wire. Hover over an "
    "arrow for its whole header.</p>\n";

int lab_html_write(const char *path, const struct lab_arrow *a, int n, const char *title,
                   const struct lab_html_step *steps, int nsteps, char *err)
{
    FILE *f = fopen(path, "w");
    int s, i = 0;

    if (!f) {
        snprintf(err, 256, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
    esc(f, title);
    fprintf(f, "</title>\n<style>\n"
               "body{font-family:sans-serif;margin:1em;max-width:1140px}"
               "svg text{font-family:monospace;font-size:11px}"
               ".lane{stroke:#999;stroke-dasharray:4 4}"
               ".host{font-size:14px;font-weight:bold;font-family:sans-serif}"
               ".ip,.time{fill:#666}"
               ".arrow{stroke-width:1.5}"
               ".arrow.lost{stroke-dasharray:6 3}"
               ".deliver{fill:#613583}"
               "dt{font-family:monospace;font-weight:bold}dd{margin:0 0 .3em 1.5em}"
               "summary{cursor:pointer;font-weight:bold}"
               "</style></head><body>\n<h1>");
    esc(f, title);
    fprintf(f, "</h1>\n<p>Each arrow is one IPv4 packet on the virtual wire, in the order it was sent, "
               "with its time since the tour began. Under the receiving end: the socket of the "
               "receiver's table that got it, and by which rule.</p>\n");
    fputs(legend, f);
    for (s = 1; s < nsteps; s++) {
        int from = i;
        while (i < n && a[i].step <= s)
            i++;
        fprintf(f, "<section id=\"step%d\">\n<h2>%d. ", s, s);
        esc(f, steps[s].title);
        fprintf(f, "</h2>\n<p>");
        esc(f, steps[s].text);
        fprintf(f, "</p>\n");
        if (steps[s].folded) {
            int lost = 0, k;
            for (k = from; k < i; k++)
                lost += strcmp(a[k].fate, "lost") == 0;
            fprintf(f, "<details><summary>%d packets (%d lost): show them all</summary>\n", i - from, lost);
            diagram(f, a, from, i);
            fputs("</details>\n", f);
        } else {
            diagram(f, a, from, i);
        }
        fputs("</section>\n", f);
    }
    fprintf(f, "</body></html>\n");
    if (fclose(f) != 0) {
        snprintf(err, 256, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
