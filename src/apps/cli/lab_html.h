/* lab_html.h - the lab's static page (--html): one section per step of the
 * tour, each a sequence diagram with an arrow per packet between the hosts'
 * lifelines (headed by name and address), one colour per connection, the
 * time of each packet, its whole header on hover, and the socket of the
 * receiver's table it was delivered to, named per host; the scan's
 * thousands of packets folded under a summary.  No scripts, no external
 * files, so it opens anywhere. */
#ifndef PP_LAB_HTML_H
#define PP_LAB_HTML_H

#include <stdint.h>

#define LAB_HTML_MAX 32768
#define LAB_HTML_STEPS 6

struct lab_arrow {
    char from[16], to[16];
    char label[140];   /* "TCP 49152 > 80 [S] seq=0 0 bytes" */
    char desc[200];    /* the whole header in one line (hover text) */
    char fate[16];     /* "", "lost", "corrupted", "duplicated", "reordered" */
    char deliver[80];  /* "server's socket 3 (established)", "no socket (miss)", "" */
    int tcp, step;
    uint32_t saddr, daddr;
    unsigned sport, dport;
    double t_ms;       /* since the tour began */
};

struct lab_html_step {
    const char *title;  /* "Connectionless demultiplexing (UDP)" */
    const char *text;   /* a sentence: what to look for */
    int folded;         /* many packets: fold them under a summary */
};

/* Writes the page; steps[1..nsteps-1] head the sections (arrows carry
 * their step).  0, or -1 with a message in err (>= 256 bytes). */
int lab_html_write(const char *path, const struct lab_arrow *a, int n, const char *title,
                   const struct lab_html_step *steps, int nsteps, char *err);

#endif
