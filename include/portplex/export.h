/* export.h - what libportplex.so exports: the library is built with hidden
 * visibility, and only declarations marked PP_API (the public headers in
 * include/portplex/) are visible to programs that link it. */
#ifndef PP_EXPORT_H
#define PP_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define PP_API __attribute__((visibility("default")))
#else
#define PP_API
#endif

#endif
