/* fault.c - allocation failure injection for tests: when armed, every n-th
 * allocation on the stack's packet and connection paths fails as if memory
 * had run out, so tests can show each failure is handled and nothing
 * leaks. */
#include <stdatomic.h>

#include "portplex/stack.h"
#include "stack_internal.h"

static atomic_uint every;
static atomic_uint count;
static atomic_ulong injected;

void pp_debug_fail_allocations(unsigned n)
{
    atomic_store(&count, 0);
    atomic_store(&every, n);
}

unsigned long pp_debug_failed_allocations(void)
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
