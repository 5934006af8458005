/*
 * main.c: barriersim's entry point and its table of verbs. A verb is one file under
 * sim/cli/ plus one line here (and its prototype in sim/cli/cmd.h).
 */
#include "cli/cli.h"
#include "cli/cmd.h"

#include <string.h>

const cli_verb cli_verbs[] = {
    {"run", "run scenario files against the real core, checking every invariant", cmd_run},
    {"spill", "spill dump FILE: list the records of a spill file", cmd_spill},
    {"check", "explore every interleaving of a small configuration (model checking)", cmd_check},
    {"fuzz", "run many seeds of randomized simulations (swarm testing), for CI", cmd_fuzz},
    {"replay", "reproduce one simulation seed (or --config FILE) with its full event trace", cmd_replay},
    {"soak", "run seeds for a duration, watching memory, open files and temp files", cmd_soak},
    {"merge", "combine the --json reports of fuzz shards into one", cmd_merge},
    {"compare", "compare strategies on simulation scenarios: metrics, plots, verdicts", cmd_compare},
    {NULL, NULL, NULL},
};

/* The command line's context layer for assertions (core/bs_assert.h): the command as given,
 * which reproduces a `replay`, `check` or single-file `run` (they are deterministic); fuzz,
 * soak and run add the command of the one failing seed or file. */
typedef struct main_cmdline {
    int argc;
    char **argv;
} main_cmdline;

static void main_assert_context(void *ctx, FILE *f)
{
    const main_cmdline *c = ctx;
    char line[2048];
    snprintf(line, sizeof line, "%s", cli_argv0); /* with any --strategy-lib */
    for (int i = 1; i < c->argc; i++) {
        size_t n = strlen(line);
        if (n + 2 >= sizeof line)
            break;
        line[n++] = ' ', line[n] = '\0';
        sim_shell_quote(c->argv[i], line + n, sizeof line - n);
    }
    bool whole = c->argc > 1 && (strcmp(c->argv[1], "replay") == 0 || strcmp(c->argv[1], "check") == 0);
    fprintf(f, "  %s: %s\n", whole ? "reproduce" : "command", line);
}

static int usage(FILE *f, int code)
{
    fputs("usage: barriersim <verb> [options] [args]\n\n"
          "barriersim is a simulation and model-checking test bench for checkpoint-barrier\n"
          "alignment (exactly-once, at-least-once) as stream processors do it.\n\nverbs:\n", f);
    for (const cli_verb *v = cli_verbs; v->name; v++)
        fprintf(f, "  %-8s %s\n", v->name, v->summary);
    fputs("\n'barriersim <verb> --help' describes a verb. --strategy-lib PATH, before or after the\n"
          "verb, loads strategies from a shared object (docs/strategy-lib.md).\n"
          "Exit codes: 0 all hold, 1 a violation or unmet expectation, 2 usage or input error.\n"
          "Reference: docs/README.md (formats, trace notation, command line, limits).\n", f);
    return code;
}

int main(int argc, char **argv)
{
    if (argc > 0 && argv[0] && argv[0][0])
        cli_argv0 = argv[0];
    cli_strategy_libs(&argc, argv);
    if (argc < 2)
        return usage(stderr, EXIT_USAGE);
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0)
        return usage(stdout, EXIT_PASS);
    if (strcmp(argv[1], "--version") == 0) {
        puts("barriersim 0.1");
        return EXIT_PASS;
    }
    static main_cmdline cmdline;
    cmdline = (main_cmdline){argc, argv};
    bs_assert_push(main_assert_context, &cmdline);
    cli_signals_install();
    for (const cli_verb *v = cli_verbs; v->name; v++)
        if (strcmp(v->name, argv[1]) == 0)
            return v->run(argc - 1, argv + 1);
    die("unknown verb '%s' (see 'barriersim --help')", argv[1]);
}
