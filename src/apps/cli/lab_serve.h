/* lab_serve.h - `portplex lab --serve`: the live lab's page and API on
 * portplex's web server (lab_serve.c). */
#ifndef PP_LAB_SERVE_H
#define PP_LAB_SERVE_H

/* Serves until SIGINT or SIGTERM, starting with the tour at seed and loss.
 * 0; -2 with a message in err (256 bytes) for a malformed [ADDR:]PORT; -1
 * with a message when it cannot listen or start. */
int lab_serve(const char *spec, unsigned long long seed, double loss, char *err);

#endif
