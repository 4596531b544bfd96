/* fault.h - allocation failure injection for tests, at the bottom of the
 * library so packet buffers (wire/pbuf.c) and every part above them share
 * one counter.  Armed through pp_debug_fail_allocations (stack/fault.c). */
#ifndef PP_WIRE_FAULT_H
#define PP_WIRE_FAULT_H

/* 1 when the allocation about to happen must fail. */
int pp__fault_alloc(void);
/* Every n-th allocation fails from now on (0: none). */
void pp__fault_arm(unsigned n);
/* How many allocations were made to fail so far. */
unsigned long pp__fault_injected(void);

#endif
