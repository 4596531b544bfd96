/* lab_html.h - the lab's sequence diagram: every segment as an arrow
 * between the hosts' lifelines, labelled with its ports and with the socket
 * the receiver's socket table delivered it to, in one self-contained page. */
#ifndef PP_LAB_HTML_H
#define PP_LAB_HTML_H

#define LAB_HTML_MAX 32768

struct lab_arrow {
    char from[16], to[16];
    char label[140];   /* "10.0.0.2:49152 > 10.0.0.1:7 UDP len 18" */
    char fate[16];     /* "", "lost", "corrupted", "duplicated", "reordered" */
    char deliver[64];  /* "socket 3 (established)", "no socket (miss)", "" */
    int tcp;
    unsigned sport, dport;
};

/* Writes the page; 0, or -1 with a message in err (>= 256 bytes). */
int lab_html_write(const char *path, const struct lab_arrow *a, int n, const char *title, char *err);

#endif
