/*
 * assert.c: the one assertion path (see bs_assert.h): print where, then every context
 * layer, then abort. Nothing here allocates: it runs when the process is in a bad state.
 */
#include "bs_assert.h"

#include <stdarg.h>
#include <stdlib.h>

static struct {
    bs_assert_context_fn fn;
    void *ctx;
} layers[BS_ASSERT_LAYERS_MAX];
static int depth, dropped;

int bs_assert_push(bs_assert_context_fn fn, void *ctx)
{
    if (depth == BS_ASSERT_LAYERS_MAX) {
        dropped++;
        return depth + dropped - 1;
    }
    layers[depth].fn = fn;
    layers[depth].ctx = ctx;
    return depth++;
}

void bs_assert_pop_to(int d)
{
    BS_ASSERT(d >= 0);
    if (d >= BS_ASSERT_LAYERS_MAX) {
        dropped = d - BS_ASSERT_LAYERS_MAX;
        return;
    }
    dropped = 0;
    if (d < depth)
        depth = d;
}

void bs_assert_fail(const char *file, int line, const char *func, const char *fmt, ...)
{
    static int failing;
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "barriersim: BUG: %s:%d: %s: ", file, line, func);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (!failing++) { /* a layer that asserts itself prints nothing more */
        for (int i = 0; i < depth; i++)
            if (layers[i].fn)
                layers[i].fn(layers[i].ctx, stderr);
        if (dropped)
            fprintf(stderr, "  (%d context layers not kept)\n", dropped);
    }
    fflush(stderr);
    abort();
}
