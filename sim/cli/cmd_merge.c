/*
 * cmd_merge.c: `barriersim merge FILE...` combines the --json reports of fuzz shards
 * (or soak runs) into one report: totals added up, failures merged in seed order, shards
 * united. Over the N shards of one run the totals equal those of the unsharded run,
 * hash_sum included (the sum of every seed's trace hash), so a byte comparison of the
 * totals line proves that the shards ran the same seeds the same way.
 *
 * Exit codes: 0 the merged run has no failure, 1 it has one (each printed with its
 * reproduction command), 2 a usage error, an unreadable or malformed report, reports
 * that are not shards of one run, a shard given twice, or (without --allow-partial) a
 * missing shard.
 */
#include "cli.h"
#include "cmd.h"

#include "../report/fuzz.h"
#include "../report/report.h"

#include <stdlib.h>
#include <string.h>

static const char merge_usage[] =
    "usage: barriersim merge [--json FILE] [--junit FILE] [--tap FILE] [--allow-partial] [--] FILE...\n"
    "\n"
    "Combines the --json reports of `barriersim fuzz --shard K/N` runs into one report whose\n"
    "totals equal an unsharded run over the same seeds, prints its summary and failures\n"
    "(with reproduction commands), and writes it in the formats asked for.\n"
    "\n"
    "  --json FILE       write the merged report as JSON (- for standard output)\n"
    "  --junit FILE      write it as JUnit XML\n"
    "  --tap FILE        write it as TAP version 13\n"
    "  --allow-partial   accept reports that do not cover every shard\n"
    "\n"
    "Exit: 0 no failure, 1 a failing seed, 2 usage error, bad report, shards that do not\n"
    "belong together, a shard twice, or a missing shard.\n"
    "Reference: docs/cli.md (merge).\n";

int cmd_merge(int argc, char **argv)
{
    static const cli_option opts[] = {{"--json", "FILE"}, {"--junit", "FILE"}, {"--tap", "FILE"},
                                      {"--allow-partial", NULL}, {NULL, NULL}};
    const char *out[3] = {NULL, NULL, NULL}, *kinds[3] = {"json", "junit", "tap"};
    bool partial = false;
    cli_args a;
    cli_args_init(&a, "merge", merge_usage, argc, argv, 1, opts);
    for (int k; (k = cli_args_next(&a)) >= 0;) {
        if (k == 3)
            partial = true;
        else
            out[k] = a.value;
    }
    if (a.n_operands == 0)
        die("merge: no report given (see 'barriersim merge --help')");
    int to_stdout = 0;
    for (int k = 0; k < 3; k++) {
        if (out[k])
            cli_check_output("merge", opts[k].name, out[k]);
        to_stdout += out[k] && strcmp(out[k], "-") == 0;
    }
    if (to_stdout > 1)
        die("merge: only one of --json, --junit and --tap can write to standard output");
    fuzz_report sum, one;
    memset(&sum, 0, sizeof sum);
    char err[1400];
    for (int i = 0; i < a.n_operands; i++) {
        if (report_read_json(a.operands[i], &one, err, sizeof err))
            die("merge: %s", err);
        int rc = report_merge(&sum, &one, err, sizeof err);
        fuzz_report_free(&one);
        if (rc)
            die("merge: %s: %s", a.operands[i], rc == -1 ? err : "out of memory");
    }
    uint32_t covered = report_shards_covered(&sum);
    if (covered < sum.shards && !partial) {
        fprintf(stderr, "barriersim: merge: %u of %u shards given; missing:", covered, sum.shards);
        for (uint32_t k = 0, shown = 0; k < sum.shards && shown < 20; k++)
            if (!(sum.shard_bits[k / 64] >> (k % 64) & 1)) {
                fprintf(stderr, " %u", k);
                shown++;
            }
        fputs(" (--allow-partial accepts this)\n", stderr);
        fuzz_report_free(&sum);
        return EXIT_USAGE;
    }
    bool machine_stdout = false;
    for (int k = 0; k < 3; k++)
        machine_stdout = machine_stdout || (out[k] && strcmp(out[k], "-") == 0);
    report_print_summary(machine_stdout ? stderr : stdout, &sum, cli_argv0, "merge", 10);
    fflush(stdout);
    for (int k = 0; k < 3; k++)
        if (out[k] && report_save(out[k], kinds[k], &sum, cli_argv0, err, sizeof err))
            die("merge: %s", err);
    int code = sum.totals.failed || sum.n_failures ? EXIT_VIOLATION : EXIT_PASS;
    fuzz_report_free(&sum);
    return code;
}
