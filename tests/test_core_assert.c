/*
 * test_core_assert.c: the one assertion path (core/bs_assert.h, core/assert.c) as a user
 * sees it: a failed BS_ASSERT flushes what the process had printed, prints
 * "barriersim: BUG: file:line: function: condition" and every context layer on stderr,
 * then aborts. Run in a child process (fork), whose stdout and stderr are pipes.
 */
#include "bs_test.h"

#include "../core/bs_assert.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void ctx_print(void *ctx, FILE *f) { fprintf(f, "  context: %s\n", (const char *)ctx); }

/* Reads all of fd into buf (NUL-terminated). */
static void read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = '\0';
}

static int planted_assert(int value) /* a function name the message must carry */
{
    BS_ASSERT(value == 42);
    return value;
}

BS_TEST(core_assert, a_failed_assertion_prints_where_and_its_context_then_aborts)
{
    int out[2], err[2];
    cr_assert_eq(pipe(out), 0);
    cr_assert_eq(pipe(err), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        close(out[0]);
        close(err[0]);
        signal(SIGABRT, SIG_DFL);
        setvbuf(stdout, NULL, _IOFBF, 4096); /* a pipe: fully buffered, as in CI */
        printf("printed before the bug\n");
        bs_assert_push(ctx_print, "seed 7, t=120 ns");
        planted_assert(41);
        _exit(0); /* not reached */
    }
    close(out[1]);
    close(err[1]);
    char o[4096], e[4096];
    read_all(out[0], o, sizeof o);
    read_all(err[0], e, sizeof e);
    close(out[0]);
    close(err[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "the child aborted (status %d)", status);
    cr_assert(strstr(o, "printed before the bug\n"), "stdout was flushed before the abort: '%s'", o);
    cr_assert(strstr(e, "barriersim: BUG: tests/test_core_assert.c:") == e, "stderr: '%s'", e);
    cr_assert(strstr(e, ": planted_assert: assertion failed: value == 42\n"), "stderr: '%s'", e);
    cr_assert(strstr(e, "\n  context: seed 7, t=120 ns\n"), "the context layer follows: '%s'", e);
}
