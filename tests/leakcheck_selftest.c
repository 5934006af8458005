/*
 * leakcheck_selftest.c: proves the leak check of BS_TEST can fail. The leaking body runs
 * only when BS_LEAKCHECK_SELFTEST is set, by `make test-leakcheck`, which expects exactly
 * this test to fail under ASan; in the normal suite it is a no-op that passes.
 */
#include "bs_test.h"

#include <stdlib.h>

static void *volatile leak_sink;

BS_TEST(leakcheck, a_leaking_test_fails)
{
    if (!getenv("BS_LEAKCHECK_SELFTEST"))
        return;
    leak_sink = malloc(64);
    leak_sink = NULL;
}
