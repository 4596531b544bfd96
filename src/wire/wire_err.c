/* wire_err.c - names and texts for the wire parsers' error codes. */
#include "portplex/wire/wire_err.h"

static const char *const texts[] = {
    "no error",
#define PP_WERR_TEXT(name, text) text,
    PP_WIRE_ERRORS(PP_WERR_TEXT)
#undef PP_WERR_TEXT
};

static const char *const names[] = {
    "NONE",
#define PP_WERR_NAME(name, text) #name,
    PP_WIRE_ERRORS(PP_WERR_NAME)
#undef PP_WERR_NAME
};

static int normalize(int err)
{
    if (err < 0)
        err = -err;
    return err < PP_WERR_COUNT ? err : -1;
}

const char *pp_wire_strerror(int err)
{
    int e = normalize(err);
    return e < 0 ? "unknown wire error" : texts[e];
}

const char *pp_wire_errname(int err)
{
    int e = normalize(err);
    return e < 0 ? "UNKNOWN" : names[e];
}
