/*
 * cli.h: what every verb shares: die() for user errors (exit 2), BS_BUG() for programmer
 * errors, the verb table, option parsing helpers, and TTY-only progress.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../core/bs_assert.h"

#define EXIT_PASS 0
#define EXIT_VIOLATION 1
#define EXIT_USAGE 2

/* Prints "barriersim: <message>" on stderr and exits 2. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Programmer errors: BS_ASSERT / BS_BUG of core/bs_assert.h (the one assertion path). */

typedef struct cli_verb {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);  /* argv[0] is the verb */
} cli_verb;

extern const cli_verb cli_verbs[];

/* The program name as invoked, for reproduction commands. */
extern const char *cli_argv0;

/* Parses a whole decimal number in [min, max]; false when it is not one. */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The value of option `flag` of `verb` as a whole number in [min, max], or die() with
 * "<verb>: <flag>: '<v>' is not a whole number from <min> to <max>". */
uint64_t cli_flag_u64(const char *verb, const char *flag, const char *v, uint64_t min, uint64_t max);

/* True when argv[i] is -h or --help. */
bool cli_is_help(const char *arg);

/* Appends `s` to out quoted for a POSIX shell when it needs quoting. */
void cli_shell_quote(const char *s, char *out, size_t out_len);

/* JSON string escaping to a stream. */
void cli_json_string(FILE *f, const char *s);

#endif
