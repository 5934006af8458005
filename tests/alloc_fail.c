/*
 * alloc_fail.c: the allocation wrappers of alloc_fail.h.
 */
#include "alloc_fail.h"

static unsigned long countdown; /* 0: disarmed */
static bool fired;

void alloc_fail_arm(unsigned long n)
{
    countdown = n;
    if (n > 0)
        fired = false;
}

bool alloc_fail_fired(void) { return fired; }

/* True when this allocation is the one to fail. */
static bool alloc_fail_now(void)
{
    if (countdown == 0)
        return false;
    if (--countdown > 0)
        return false;
    fired = true;
    return true;
}

void *__wrap_malloc(size_t n) { return alloc_fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t count, size_t size) { return alloc_fail_now() ? NULL : __real_calloc(count, size); }
void *__wrap_realloc(void *p, size_t n) { return alloc_fail_now() ? NULL : __real_realloc(p, n); }
