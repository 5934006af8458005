/*
 * main.c: build/bench, the benchmark program: the table of benchmarks, the interleaved
 * measurement, the statistics and the output (a table, or one JSON object with --json).
 *
 * Contract: every figure is a ratio of a subject to a baseline measured in the same run
 * (times are this process's CPU time unless --clock wall; both clocks are in the JSON);
 * a missed target is printed ("TARGET MISSED") but does not change the exit status, which
 * is 0 when every benchmark ran and checked its results, 1 when one could not run or got
 * wrong bytes, and 2 for a usage error. Progress goes to stderr, and only on a terminal.
 */
#include "bench.h"

#include "../core/bs_assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RESULTS_MAX 64u
#define ROUNDS_DEFAULT 7u
#define ROUNDS_QUICK 5u

/* The benchmarks, in the order they run. Adding one: its file, and one line here. */
static const bench_def *const benches[] = {
    &bench_passthrough,
    &bench_spill,
    &bench_sim,
    &bench_cost,
    NULL,
};

static bench_result results[RESULTS_MAX];
static size_t results_len;

uint64_t bench_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void bench_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

__attribute__((noinline)) uint64_t bench_copy_touch(uint8_t *dst, const uint8_t *src, size_t len)
{
    memcpy(dst, src, len);
    return bench_get_le64(dst) + bench_get_le64(dst + len - 8);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void stats_finish(bench_stats *s)
{
    double sorted[BENCH_ROUNDS_MAX];
    memcpy(sorted, s->ns, s->n * sizeof *sorted);
    qsort(sorted, s->n, sizeof *sorted, cmp_double);
    s->ns_min = sorted[0];
    s->ns_max = sorted[s->n - 1];
    s->ns_median = s->n % 2 ? sorted[s->n / 2] : (sorted[s->n / 2 - 1] + sorted[s->n / 2]) / 2;
}

/* Runs one round of a side; with s, appends its times to s (both clocks; ns[] by the one
 * judged). */
static int run_side(const bench_opts *o, const bench_side *side, bench_stats *s)
{
    uint64_t c0 = bench_cpu_ns(), t0 = bench_clock_ns();
    int rc = side->round(side->ctx);
    uint64_t t1 = bench_clock_ns(), c1 = bench_cpu_ns();
    if (rc) {
        fprintf(stderr, "bench: %s: round failed\n", side->label);
        return -1;
    }
    if (s) {
        BS_ASSERT(s->n < BENCH_ROUNDS_MAX);
        s->wall_ns[s->n] = (double)(t1 - t0);
        s->cpu_ns[s->n] = (double)(c1 - c0);
        s->ns[s->n] = o->clock_wall ? s->wall_ns[s->n] : s->cpu_ns[s->n];
        s->n++;
    }
    return 0;
}

int bench_measure(const bench_opts *o, const bench_side *sides, size_t n_sides,
                  bench_stats *out)
{
    if (n_sides == 0 || o->rounds == 0 || o->rounds > BENCH_ROUNDS_MAX)
        return -1;
    for (size_t i = 0; i < n_sides; i++) {
        memset(&out[i], 0, sizeof out[i]);
        if (run_side(o, &sides[i], NULL))
            return -1;
    }
    for (unsigned r = 0; r < o->rounds; r++) {
        for (size_t k = 0; k < n_sides; k++) {
            size_t i = (r + k) % n_sides;
            if (run_side(o, &sides[i], &out[i]))
                return -1;
        }
    }
    for (size_t i = 0; i < n_sides; i++)
        stats_finish(&out[i]);
    return 0;
}

void bench_report(const bench_result *r)
{
    if (results_len == RESULTS_MAX) {
        fprintf(stderr, "bench: more than %u results; %s dropped\n", RESULTS_MAX, r->name);
        return;
    }
    results[results_len++] = *r;
}

/* ---- figures ---------------------------------------------------------------------------- */
static double rate(uint64_t work, double ns) { return ns > 0 ? (double)work * 1e9 / ns : 0; }

/* The work per round of the side s of r (its base or its subj). */
static uint64_t bytes_of(const bench_result *r, const bench_stats *s)
{
    return s == &r->base && r->base_items ? r->base_items : r->bytes;
}

static uint64_t items_of(const bench_result *r, const bench_stats *s)
{
    return s == &r->base && r->base_items ? r->base_items : r->items;
}

/* Subject items/s over baseline items/s, both at their medians. */
static double ratio_of(const bench_result *r)
{
    double b = rate(items_of(r, &r->base), r->base.ns_median);
    return b > 0 ? rate(items_of(r, &r->subj), r->subj.ns_median) / b : 0;
}

static double ns_per_item(const bench_result *r, const bench_stats *s)
{
    uint64_t items = items_of(r, s);
    return items ? s->ns_median / (double)items : 0;
}

/* Subject cost per item over baseline cost per item: 1/ratio. */
static double cost_ratio_of(const bench_result *r)
{
    double b = ns_per_item(r, &r->base);
    return b > 0 ? ns_per_item(r, &r->subj) / b : 0;
}

static bool has_target(const bench_result *r)
{
    return r->target_ratio_min > 0 || r->target_items_per_s_min > 0;
}

static bool target_met(const bench_result *r)
{
    return (r->target_ratio_min <= 0 || ratio_of(r) >= r->target_ratio_min) &&
           (r->target_items_per_s_min <= 0 ||
            rate(r->items, r->subj.ns_min) >= r->target_items_per_s_min);
}

static const char *verdict(const bench_result *r)
{
    if (!has_target(r))
        return "(no target)";
    return target_met(r) ? "target met" : "TARGET MISSED";
}

/* ---- table ------------------------------------------------------------------------------ */
static void print_side(const bench_result *r, const char *name, const char *side,
                       const char *label, const bench_stats *s)
{
    uint64_t bytes = bytes_of(r, s);
    printf("%-20s %-8s %-24s %9.3f %-5s %9.3f .. %-9.3f %9.1fk", name, side, label,
           rate(bytes, s->ns_median) / r->rate_div, r->rate_unit,
           rate(bytes, s->ns_max) / r->rate_div, rate(bytes, s->ns_min) / r->rate_div,
           rate(items_of(r, s), s->ns_median) / 1e3);
}

static void print_table(const bench_opts *o)
{
    printf("barriersim bench: %u timed rounds per side after a warm-up, interleaved%s\n",
           o->rounds, o->quick ? " (--quick: small rounds, figures are rough)" : "");
    printf("times: %s\n", o->clock_wall ? "wall clock (--clock wall)"
                                         : "CPU time of this process, user + system (--clock cpu)");
    printf("rates: median, then min .. max over the rounds; ratio = subject median / "
           "baseline median;\ntarget '>= X max': the subject's fastest round must reach X\n\n");
    printf("%-20s %-8s %-24s %15s %22s %10s %7s %-14s %s\n", "benchmark", "side", "doing",
           "median", "min .. max", "items/s", "ratio", "target", "verdict");
    for (size_t i = 0; i < results_len; i++) {
        const bench_result *r = &results[i];
        print_side(r, r->name, "baseline", r->baseline, &r->base);
        printf("\n");
        print_side(r, "", "subject", r->subject, &r->subj);
        char target[24] = "-";
        if (r->target_ratio_min > 0)
            snprintf(target, sizeof target, ">= %.2f", r->target_ratio_min);
        else if (r->target_items_per_s_min > 0)
            snprintf(target, sizeof target, ">= %.3g%s max", r->target_items_per_s_min / r->rate_div,
                     r->rate_unit);
        printf(" %7.3f %-14s %s\n", ratio_of(r), target, verdict(r));
    }
    bool header = false;
    for (size_t i = 0; i < results_len; i++) {
        const bench_result *r = &results[i];
        if (!r->cost_per_item)
            continue;
        if (!header)
            printf("\ncost per item (median ns per item; cost ratio = subject / baseline)\n");
        header = true;
        printf("%-20s %-12s %8.2f ns   %-12s %8.2f ns   cost ratio %.3f\n", r->name, r->subject,
               ns_per_item(r, &r->subj), r->baseline, ns_per_item(r, &r->base), cost_ratio_of(r));
    }
}

/* ---- JSON ------------------------------------------------------------------------------- */
static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_side(const char *key, const char *label, const bench_result *r,
                      const bench_stats *s)
{
    printf("\"%s\":{\"label\":", key);
    json_string(label);
    printf(",\"rounds_ns\":[");
    for (unsigned i = 0; i < s->n; i++)
        printf("%s%.0f", i ? "," : "", s->ns[i]);
    printf("],\"rounds_cpu_ns\":[");
    for (unsigned i = 0; i < s->n; i++)
        printf("%s%.0f", i ? "," : "", s->cpu_ns[i]);
    printf("],\"rounds_wall_ns\":[");
    for (unsigned i = 0; i < s->n; i++)
        printf("%s%.0f", i ? "," : "", s->wall_ns[i]);
    printf("],\"ns_median\":%.0f,\"ns_min\":%.0f,\"ns_max\":%.0f", s->ns_median, s->ns_min,
           s->ns_max);
    printf(",\"bytes_per_s_median\":%.6g,\"bytes_per_s_min\":%.6g,\"bytes_per_s_max\":%.6g",
           rate(bytes_of(r, s), s->ns_median), rate(bytes_of(r, s), s->ns_max),
           rate(bytes_of(r, s), s->ns_min));
    uint64_t items = items_of(r, s);
    printf(",\"items_per_s_median\":%.6g,\"items_per_s_min\":%.6g,\"items_per_s_max\":%.6g}",
           rate(items, s->ns_median), rate(items, s->ns_max), rate(items, s->ns_min));
}

static void print_json(const bench_opts *o, int failed)
{
    unsigned missed = 0;
    printf("{\"quick\":%s,\"rounds\":%u,\"clock\":\"%s\",\"results\":[", o->quick ? "true" : "false",
           o->rounds, o->clock_wall ? "wall" : "cpu");
    for (size_t i = 0; i < results_len; i++) {
        const bench_result *r = &results[i];
        missed += !target_met(r);
        printf("%s{\"name\":", i ? "," : "");
        json_string(r->name);
        printf(",\"bytes_per_round\":%llu,\"items_per_round\":%llu,",
               (unsigned long long)r->bytes, (unsigned long long)r->items);
        if (r->base_items)
            printf("\"baseline_items_per_round\":%llu,", (unsigned long long)r->base_items);
        json_side("baseline", r->baseline, r, &r->base);
        putchar(',');
        json_side("subject", r->subject, r, &r->subj);
        printf(",\"ratio\":%.6g,", ratio_of(r));
        if (r->cost_per_item)
            printf("\"ns_per_item_baseline\":%.6g,\"ns_per_item_subject\":%.6g,\"cost_ratio\":%.6g,",
                   ns_per_item(r, &r->base), ns_per_item(r, &r->subj), cost_ratio_of(r));
        if (r->target_items_per_s_min > 0)
            printf("\"target_items_per_s_min\":%.6g,", r->target_items_per_s_min);
        if (r->target_ratio_min > 0)
            printf("\"target_ratio_min\":%.6g,", r->target_ratio_min);
        else
            printf("\"target_ratio_min\":null,");
        printf("\"target_met\":%s}", has_target(r) ? target_met(r) ? "true" : "false" : "null");
    }
    printf("],\"targets_missed\":%u,\"benchmarks_failed\":%d}\n", missed, failed);
}

/* ---- command line ----------------------------------------------------------------------- */
static void usage(FILE *f)
{
    fprintf(f, "usage: bench [--quick] [--json] [--rounds N] [--clock cpu|wall] [BENCHMARK...]\n"
               "\n"
               "Runs each benchmark (all when none is named) and prints, per comparison, the\n"
               "subject's median rate over the baseline's, both measured in this run with their\n"
               "rounds interleaved, and whether the ratio meets its target. A missed target is\n"
               "reported, not an error: the exit status is 1 only when a benchmark could not\n"
               "run or received wrong bytes, 2 for a usage error.\n"
               "\n"
               "  --quick     small, few rounds: a smoke test (under 5 s in all)\n"
               "  --json      one JSON object with every figure on stdout, instead of the table\n"
               "  --rounds N  timed rounds per side (default %u, --quick %u; at most %u)\n"
               "  --clock C   cpu (default): judge by the CPU time this process used in each\n"
               "              round, which other processes on a shared machine do not inflate;\n"
               "              wall: by the monotonic clock (the JSON always has both)\n"
               "  --help      this text\n"
               "\n"
               "benchmarks:\n",
            ROUNDS_DEFAULT, ROUNDS_QUICK, BENCH_ROUNDS_MAX);
    for (size_t i = 0; benches[i]; i++)
        fprintf(f, "  %-12s %s\n", benches[i]->name, benches[i]->summary);
}

/* Parses argv; fills o, json, and selected[] (all when no name is given). 0, 1 for
 * --help, or 2 for a usage error (reported). */
static int parse_args(int argc, char **argv, bench_opts *o, bool *json, bool *selected)
{
    unsigned rounds = 0;
    bool any = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quick") == 0) {
            o->quick = true;
        } else if (strcmp(a, "--json") == 0) {
            *json = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return 1;
        } else if (strcmp(a, "--clock") == 0 && i + 1 < argc) {
            const char *c = argv[++i];
            if (strcmp(c, "cpu") != 0 && strcmp(c, "wall") != 0) {
                fprintf(stderr, "bench: --clock wants cpu or wall, not '%s'\n", c);
                return 2;
            }
            o->clock_wall = strcmp(c, "wall") == 0;
        } else if (strcmp(a, "--rounds") == 0 && i + 1 < argc) {
            char *end;
            unsigned long n = strtoul(argv[++i], &end, 10);
            if (*end || n < 1 || n > BENCH_ROUNDS_MAX) {
                fprintf(stderr, "bench: --rounds wants 1..%u, not '%s'\n", BENCH_ROUNDS_MAX,
                        argv[i]);
                return 2;
            }
            rounds = (unsigned)n;
        } else if (a[0] == '-') {
            fprintf(stderr, "bench: unknown option '%s' (try --help)\n", a);
            return 2;
        } else {
            size_t k = 0;
            while (benches[k] && strcmp(benches[k]->name, a) != 0)
                k++;
            if (!benches[k]) {
                fprintf(stderr, "bench: no benchmark named '%s' (try --help)\n", a);
                return 2;
            }
            selected[k] = any = true;
        }
    }
    for (size_t k = 0; !any && benches[k]; k++)
        selected[k] = true;
    o->rounds = rounds ? rounds : o->quick ? ROUNDS_QUICK : ROUNDS_DEFAULT;
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts o = {0};
    bool json = false;
    bool selected[sizeof benches / sizeof benches[0]] = {0};
    int rc = parse_args(argc, argv, &o, &json, selected);
    if (rc == 1) {
        usage(stdout);
        return 0;
    }
    if (rc)
        return 2;
    o.json = json;
    bool tty = isatty(STDERR_FILENO);
    int failed = 0;
    for (size_t k = 0; benches[k]; k++) {
        if (!selected[k])
            continue;
        if (tty)
            fprintf(stderr, "\rbench: running %-20s", benches[k]->name);
        if (benches[k]->run(&o)) {
            fprintf(stderr, "%sbench: %s: FAILED (see above)\n", tty ? "\n" : "",
                    benches[k]->name);
            failed++;
        }
    }
    if (tty)
        fprintf(stderr, "\r%40s\r", "");
    if (json)
        print_json(&o, failed);
    else
        print_table(&o);
    if (failed && !json)
        printf("\n%d benchmark(s) FAILED to run; see stderr\n", failed);
    return failed ? 1 : 0;
}
