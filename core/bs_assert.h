/*
 * bs_assert.h: the one assertion path of barriersim (core, verify, engine, checker, command
 * line, and strategies loaded from outside the tree).
 *
 * BS_ASSERT(cond) checks a programmer's assumption (a precondition, postcondition or
 * relationship) and stays on in every build; BS_BUG(fmt, ...) reports a state that cannot
 * happen. Both print "barriersim: BUG: file:line: func: what" on stderr, then every context
 * layer pushed by the code running (as Git's set_die_routine or Redis's
 * serverAssertWithInfo): the engine prints the seed, simulated time, event number and
 * scenario; fuzz, soak, replay, run and check print the one-line command that reproduces
 * the run. Then the process aborts.
 *
 * Layers are a bounded stack (BS_ASSERT_LAYERS_MAX); push and pop in pairs. The stack is
 * per process (the simulator and the checker are single-threaded; check --jobs forks).
 */
#ifndef BS_ASSERT_H
#define BS_ASSERT_H

#include <stdio.h>

#define BS_ASSERT_LAYERS_MAX 8

/* Prints one layer's context (one or more lines, each starting with two spaces). */
typedef void (*bs_assert_context_fn)(void *ctx, FILE *f);

/* Pushes a context layer; returns its depth (for bs_assert_pop_to). Past the bound the
 * layer is not kept (an assertion then says so). */
int bs_assert_push(bs_assert_context_fn fn, void *ctx);
/* Pops layers until `depth` layers remain (the value bs_assert_push returned). */
void bs_assert_pop_to(int depth);

_Noreturn void bs_assert_fail(const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define BS_ASSERT(cond)                                                                   \
    do {                                                                                  \
        if (!(cond))                                                                      \
            bs_assert_fail(__FILE__, __LINE__, __func__, "assertion failed: %s", #cond);  \
    } while (0)

#define BS_BUG(...) bs_assert_fail(__FILE__, __LINE__, __func__, __VA_ARGS__)

#endif
