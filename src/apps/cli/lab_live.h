/* lab_live.h - the lab as a live network for the page of `portplex lab
 * --serve`: one scenario at a time runs on a fresh lab network while every
 * packet, every demultiplexing decision (with the table row it matched)
 * and every change of a host's socket table is recorded as a JSON event;
 * the page plays the events back.  After a scenario's script ends its
 * network stays up for the sandbox (sockets opened from the page). */
#ifndef PP_LAB_LIVE_H
#define PP_LAB_LIVE_H

#include <stddef.h>

struct lab_live;

struct lab_live *lab_live_new(void);
/* Ends the running scenario, frees its network and every event. */
void lab_live_free(struct lab_live *lv);

/* The scenarios as a JSON array of {id, title, teaches}. */
const char *lab_live_scenarios_json(void);

/* Ends what runs and starts scenario id on a new network with the given
 * seed and loss (0..0.5).  The run's number (> 0), or -1 with a message in
 * err (256 bytes): unknown scenario, bad loss, no memory. */
int lab_live_run(struct lab_live *lv, const char *id, unsigned long long seed, double loss, char *err);

/* The events of the current run from index *from on, as Server-Sent Events
 * messages (malloc'd in *out, its length returned), waiting up to wait_ms
 * for one when there is none.  *run says which run the caller has seen:
 * when another run began, its events start again from 0.  *from advances. */
size_t lab_live_events(struct lab_live *lv, unsigned *run, size_t *from, int wait_ms, char **out);

/* A sandbox call from the page: the query string of
 * /api/sandbox?op=socket|bind|listen|connect|send|recv|accept|close&host=..
 * (see lab_live.c).  Writes a JSON answer in reply and returns the HTTP
 * status (200, 400 for a bad request, 409 with no network). */
int lab_live_sandbox(struct lab_live *lv, const char *query, char *reply, size_t cap);

/* The value of key in a query string ("a=1&b=x%20y"), URL-decoded into
 * buf; NULL when absent or too long. */
const char *lab_query_get(const char *query, const char *key, char *buf, size_t cap);

#endif
