/* portplex.h - the public entry header of libportplex: version and the
 * headers of the public API. */
#ifndef PORTPLEX_H
#define PORTPLEX_H

#include "portplex/export.h"

#define PORTPLEX_VERSION_MAJOR 0
#define PORTPLEX_VERSION_MINOR 1
#define PORTPLEX_VERSION_PATCH 0
#define PORTPLEX_VERSION_STRING "0.1.0"

/* The library's version string, which may differ from the header's when the
 * shared library was upgraded under a program. */
PP_API const char *pp_version(void);

#endif
