/* version.c - the library's version string. */
#include "portplex/portplex.h"

const char *pp_version(void)
{
    return PORTPLEX_VERSION_STRING;
}
