/* impair_parse.c - netem's words for an impairment (pp_impair_parse):
 * what `tc qdisc add dev X root netem loss 2% delay 10ms` takes, so a
 * network engineer types what they already know.  Percentages need their
 * '%', times and rates their unit (tc's "bps" means bytes, so only bit,
 * kbit, mbit and gbit are taken, to leave no doubt). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "link/impair_dice.h"
#include "portplex/link_wrap.h"

static int percent(const char *w, const char *tok, double *out, char *err)
{
    char *end;
    double v;

    errno = 0;
    v = tok ? strtod(tok, &end) : 0;
    if (!tok || end == tok || errno || strcmp(end, "%") != 0 || !(v >= 0 && v <= 100)) {
        snprintf(err, 256, "'%s' wants a percentage from 0%% to 100%% (like 2%%), not '%s'", w,
                 tok ? tok : "nothing");
        return -1;
    }
    *out = v / 100;
    return 0;
}

/* A time with its unit (ms or s; us when a whole number of ms). */
static int millis(const char *w, const char *tok, uint32_t *out, char *err)
{
    char *end;
    double v, ms = -1;

    errno = 0;
    v = tok ? strtod(tok, &end) : -1;
    if (tok && end != tok && !errno && v >= 0) {
        if (strcasecmp(end, "ms") == 0 || strcasecmp(end, "msec") == 0)
            ms = v;
        else if (strcasecmp(end, "s") == 0 || strcasecmp(end, "sec") == 0)
            ms = v * 1000;
        else if (strcasecmp(end, "us") == 0 || strcasecmp(end, "usec") == 0)
            ms = fmod(v, 1000) == 0 ? v / 1000 : -1;
    }
    if (!(ms >= 0 && ms <= 3600000) || ms != floor(ms)) {
        snprintf(err, 256, "'%s' wants a time in whole milliseconds with its unit (10ms, 1s), "
                           "not '%s'", w, tok ? tok : "nothing");
        return -1;
    }
    *out = (uint32_t)ms;
    return 0;
}

static int rate(const char *tok, uint64_t *out, char *err)
{
    static const struct {
        const char *unit;
        double mult;
    } units[] = {{"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}};
    char *end;
    double v;
    size_t i;

    errno = 0;
    v = tok ? strtod(tok, &end) : 0;
    if (tok && end != tok && !errno && v > 0)
        for (i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcasecmp(end, units[i].unit) == 0 && v * units[i].mult >= 1 &&
                v * units[i].mult <= 1e12) {
                *out = (uint64_t)(v * units[i].mult);
                return 0;
            }
    snprintf(err, 256, "'rate' wants bits per second with a unit (bit, kbit, mbit, gbit; "
                       "like 10mbit), not '%s'", tok ? tok : "nothing");
    return -1;
}

int pp_impair_parse(const char *spec, struct pp_impair *im, char *err)
{
    char buf[512], *save = NULL, *w, *v;
    int rc = 0;

    if (!err)
        return -1;
    if (!spec || !im) {
        snprintf(err, 256, "no impairment given");
        return -1;
    }
    if (strlen(spec) >= sizeof buf) {
        snprintf(err, 256, "the impairment is too long");
        return -1;
    }
    memset(im, 0, sizeof *im);
    snprintf(buf, sizeof buf, "%s", spec);
    for (w = strtok_r(buf, " ,\t", &save); w && rc == 0; w = strtok_r(NULL, " ,\t", &save)) {
        v = strtok_r(NULL, " ,\t", &save);
        if (strcmp(w, "loss") == 0) {
            rc = percent(w, v, &im->loss, err);
        } else if (strcmp(w, "duplicate") == 0) {
            rc = percent(w, v, &im->dup, err);
        } else if (strcmp(w, "corrupt") == 0) {
            rc = percent(w, v, &im->corrupt, err);
        } else if (strcmp(w, "reorder") == 0) {
            rc = percent(w, v, &im->reorder, err);
            /* An optional time after it: how much longer a reordered packet waits. */
            if (rc == 0 && save && save[strspn(save, " ,\t")] >= '0' &&
                save[strspn(save, " ,\t")] <= '9')
                rc = millis("reorder", strtok_r(NULL, " ,\t", &save), &im->reorder_ms, err);
        } else if (strcmp(w, "delay") == 0) {
            rc = millis(w, v, &im->delay_ms, err);
        } else if (strcmp(w, "rate") == 0) {
            rc = rate(v, &im->rate_bps, err);
        } else if (strcmp(w, "seed") == 0) {
            char *end;
            errno = 0;
            im->seed = v ? strtoull(v, &end, 10) : 0;
            if (!v || !*v || *end || errno || *v == '-') {
                snprintf(err, 256, "'seed' wants a number, not '%s'", v ? v : "nothing");
                rc = -1;
            }
        } else {
            snprintf(err, 256, "unknown impairment '%s' (loss, duplicate, reorder, corrupt, "
                               "delay, rate, seed; as netem: \"loss 2%% delay 10ms\")", w);
            rc = -1;
        }
    }
    return rc < 0 ? -1 : pp__impair_check(im, err);
}
