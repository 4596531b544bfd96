/* fault.c - the allocation failure counter: when armed, every n-th
 * allocation on the packet and connection paths fails as if memory had run
 * out, so tests can show each failure is handled and nothing leaks. */
#include <stdatomic.h>

#include "fault.h"

static atomic_uint every;
static atomic_uint count;
static atomic_ulong injected;

void pp__fault_arm(unsigned n)
{
    atomic_store(&count, 0);
    atomic_store(&every, n);
}

unsigned long pp__fault_injected(void)
{
    return atomic_load(&injected);
}

int pp__fault_alloc(void)
{
    unsigned n = atomic_load_explicit(&every, memory_order_relaxed);

    if (n == 0)
        return 0;
    if (atomic_fetch_add(&count, 1) % n != n - 1)
        return 0;
    atomic_fetch_add(&injected, 1);
    return 1;
}
