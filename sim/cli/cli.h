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
#include "../text.h" /* sim_json_string, sim_shell_quote */

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
/* A time flag: nanoseconds, or a whole number with a unit (ns, us, ms, s), 0 .. max_ns;
 * dies (exit 2) naming the flag otherwise. */
uint64_t cli_flag_ns(const char *verb, const char *flag, const char *v, uint64_t max_ns);

/* Takes every `--strategy-lib PATH` (or --strategy-lib=PATH) out of argv[1 .. *argc-1]
 * (before a lone `--`), loads each library (sim/plugin.h; dies with exit 2 naming the
 * problem) and appends the flags to cli_argv0, so that every reproduce command loads them
 * too. Called by main before the verb's own parser. */
void cli_strategy_libs(int *argc, char **argv);

/* True when argv[i] is -h or --help. */
bool cli_is_help(const char *arg);

/*
 * The one option parser every verb uses, GNU style: options may come anywhere before a
 * lone `--` (after it everything is an operand); `--name value` and `--name=value` are the
 * same; `-` alone is an operand (standard input or output); -h/--help print the verb's
 * usage on stdout and exit 0. An unknown option, or a missing value, is a usage error
 * (die(), exit 2) naming the verb and the option.
 *
 * Operands are moved, in their order, to the front of argv (argv[first .. first+n-1]
 * after parsing, with `first` the index parsing started at), so nothing is allocated.
 *
 *   static const cli_option opts[] = {{"--json", "FILE"}, {"--trace", NULL}, {NULL, NULL}};
 *   cli_args a;
 *   cli_args_init(&a, "run", run_usage, argc, argv, 1, opts);
 *   for (int k; (k = cli_args_next(&a)) >= 0;) switch (k) { case 0: json = a.value; ... }
 *   for (int i = 0; i < a.n_operands; i++) use(a.operands[i]);
 */
typedef struct cli_option {
    const char *name;  /* "--seeds" */
    const char *value; /* the value's name for messages ("N", "FILE"); NULL for a flag */
} cli_option;

typedef struct cli_args {
    const char *verb, *usage;
    const cli_option *opts; /* ends with {NULL, NULL} */
    int argc, next, n_operands;
    char **argv, **operands;
    bool dashdash;
    const char *value; /* the value of the option cli_args_next returned (NULL for a flag) */
    const char *name;  /* that option's name as the table spells it */
} cli_args;

/* Prints a verb's usage text; "{fault-kinds}" in it becomes the fault-kind table's names
 * (sim/engine/fault_kinds.c), wrapped. */
void cli_usage_print(FILE *f, const char *usage);
/* Starts parsing argv[first .. argc-1] of `verb`; `usage` is printed (cli_usage_print) for --help. */
void cli_args_init(cli_args *a, const char *verb, const char *usage, int argc, char **argv, int first,
                   const cli_option *opts);
/* The index in `opts` of the next option (its value in a->value), or -1 when argv is done;
 * operands are collected on the way. */
int cli_args_next(cli_args *a);

/* Checks before any work that `path` (an output file named by `flag`; "-" is standard
 * output) can be written: its directory exists and is writable, and the path is not a
 * directory. Dies (exit 2) naming the verb, the flag and the reason otherwise. Creates
 * and truncates nothing. */
void cli_check_output(const char *verb, const char *flag, const char *path);
/* The same check without dying: 0, or -errno with the reason. */
int cli_output_writable(const char *path);

/* Installs handlers for SIGINT, SIGTERM and SIGHUP (those not ignored) that remove the
 * spill and channel-state files the run created, then end the process by the same signal
 * (exit status 128 + signal in a shell). Output already written stays as it is. */
void cli_signals_install(void);
/* The same signals (those not ignored) to another handler: a verb that ends its own way
 * (check prints what it found, then dies of the signal). */
void cli_signals_handle(void (*handler)(int));

/* The known strategies' names, read from the strategy table (sim/strategies.h), comma
 * separated into out: every one, or (model_checkable) only those with state capture
 * (snapshot and restore), the ones `check` can explore. */
void cli_strategy_names(char *out, size_t out_len, bool model_checkable);
/* fuzz, soak and replay: dies (exit 2) naming the known ones when --strategy or --network is
 * not one the swarm draws from. */
void cli_check_swarm_choice(const char *verb, const char *strategy, const char *network);
/* ... and when --costs is not off, on or any. */
void cli_check_costs(const char *verb, const char *costs);
/* Dies (exit 2) unless topology is NULL or one of SWARM_TOPOLOGIES. */
void cli_check_topology(const char *verb, const char *topology);


#endif
