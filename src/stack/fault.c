/* fault.c - the public switch of allocation failure injection (tests):
 * the counter itself sits under the packet buffers (wire/fault.c). */
#include "portplex/stack.h"
#include "wire/fault.h"

void pp_debug_fail_allocations(unsigned n)
{
    pp__fault_arm(n);
}

unsigned long pp_debug_failed_allocations(void)
{
    return pp__fault_injected();
}
