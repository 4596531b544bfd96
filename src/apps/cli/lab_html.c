/* lab_html.c - writes the lab's sequence diagram as HTML with inline SVG:
 * no scripts, no external files, so it opens anywhere. */
#include "lab_html.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const hosts[] = {"client1", "server", "client2"};

static int lane_x(const char *host)
{
    int i;
    for (i = 0; i < 3; i++)
        if (strcmp(host, hosts[i]) == 0)
            return 170 + 330 * i;
    return 500;
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

int lab_html_write(const char *path, const struct lab_arrow *a, int n, const char *title, char *err)
{
    FILE *f = fopen(path, "w");
    int i, height = 110 + 34 * n;

    if (!f) {
        snprintf(err, 256, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
    esc(f, title);
    fprintf(f, "</title>\n<style>\n"
               "body{font-family:sans-serif;margin:1em}"
               "svg text{font-family:monospace;font-size:11px}"
               ".lane{stroke:#999;stroke-dasharray:4 4}"
               ".host{font-size:14px;font-weight:bold;font-family:sans-serif}"
               ".arrow{stroke:#1a5fb4;stroke-width:1.5}"
               ".arrow.tcp{stroke:#26a269}"
               ".arrow.lost{stroke:#c01c28;stroke-dasharray:6 3}"
               ".deliver{fill:#613583}"
               "</style></head><body>\n<h1>");
    esc(f, title);
    fprintf(f, "</h1>\n<p>Each arrow is one IPv4 packet on the virtual wire, in the order it was sent. "
               "Green: TCP, blue: UDP or ICMP, red and dashed: lost on the wire. Under the receiving "
               "end: the socket the receiver's table chose, and by which rule.</p>\n");
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" height=\"%d\" "
               "data-packets=\"%d\">\n"
               "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
               "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
               "fill=\"#444\"/></marker></defs>\n",
            height, n);
    for (i = 0; i < 3; i++) {
        int x = 170 + 330 * i;
        fprintf(f, "<text class=\"host\" x=\"%d\" y=\"30\" text-anchor=\"middle\">%s</text>\n", x,
                hosts[i]);
        fprintf(f, "<line class=\"lane\" x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"%d\"/>\n", x, x, height - 10);
    }
    for (i = 0; i < n; i++) {
        int y = 70 + 34 * i, x1 = lane_x(a[i].from), x2 = lane_x(a[i].to);
        int lost = strcmp(a[i].fate, "lost") == 0;
        int xe = lost ? (x1 + x2) / 2 : x2;
        fprintf(f, "<g><line class=\"arrow%s%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                   "marker-end=\"url(#head)\" data-sport=\"%u\" data-dport=\"%u\"/>\n",
                a[i].tcp ? " tcp" : "", lost ? " lost" : "", x1, y, xe, y, a[i].sport, a[i].dport);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (x1 + x2) / 2, y - 4);
        esc(f, a[i].label);
        if (a[i].fate[0]) {
            fputs(" [", f);
            esc(f, a[i].fate);
            fputs("]", f);
        }
        fputs("</text>\n", f);
        if (a[i].deliver[0]) {
            fprintf(f, "<text class=\"deliver\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">", x2, y + 13,
                    x2 > x1 ? "end" : "start");
            esc(f, a[i].deliver);
            fputs("</text>\n", f);
        }
        fputs("</g>\n", f);
    }
    fprintf(f, "</svg>\n</body></html>\n");
    if (fclose(f) != 0) {
        snprintf(err, 256, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
