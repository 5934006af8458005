/*
 * report.c: the JSON, JUnit XML and TAP writers and the human summary (see report.h);
 * the JSON reader and merging are in report_read.c. Every string from a run (messages
 * carry node names and numbers, never raw bytes) is escaped for its format.
 */
#include "report.h"

#include "../../core/barriersim.h"
#include "../text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>



void report_reproduce(const fuzz_report *r, const fuzz_failure *f, const char *prog, char *out, size_t out_len)
{
    char max[240] = "";
    int n = 0;
    if (r->max_events)
        n = snprintf(max, sizeof max, " --max-events %llu", (unsigned long long)r->max_events);
    if (strcmp(r->faults, "all") != 0 && r->faults[0] && n >= 0 && (size_t)n < sizeof max)
        n += snprintf(max + n, sizeof max - (size_t)n, " --faults %s", r->faults);
    if (r->plant[0] && strcmp(r->plant, "none") != 0 && n >= 0 && (size_t)n < sizeof max)
        n += snprintf(max + n, sizeof max - (size_t)n, " --plant %s", r->plant);
    if (r->network[0] && strcmp(r->network, "records") != 0 && n >= 0 && (size_t)n < sizeof max)
        n += snprintf(max + n, sizeof max - (size_t)n, " --network %s", r->network);
    if (r->costs[0] && strcmp(r->costs, "off") != 0 && n >= 0 && (size_t)n < sizeof max)
        n += snprintf(max + n, sizeof max - (size_t)n, " --costs %s", r->costs);
    if (r->topology[0] && strcmp(r->topology, "chain") != 0 && n >= 0 && (size_t)n < sizeof max)
        snprintf(max + n, sizeof max - (size_t)n, " --topology %s", r->topology);
    if (strcmp(f->kind, "leak") == 0)
        snprintf(out, out_len, "%s soak --seconds %g --seed-base %llu --strategy %s%s", prog, r->seconds_requested,
                 (unsigned long long)r->seed_base, r->strategy, max);
    else
        snprintf(out, out_len, "%s replay --seed %llu --strategy %s%s%s", prog, (unsigned long long)f->seed,
                 r->strategy, max, strcmp(f->kind, "nondeterminism") == 0 ? " --check-determinism" : "");
}

static void write_totals(FILE *f, const fuzz_totals *t)
{
    fprintf(f,
            "{\"seeds\": %llu, \"passed\": %llu, \"failed\": %llu, \"events\": %llu, \"checkpoints_started\": %llu, "
            "\"checkpoints_completed\": %llu, \"checkpoints_declined\": %llu, \"checkpoints_timed_out\": %llu, "
            "\"checkpoints_abandoned\": %llu, "
            "\"records_delivered\": %llu, \"faults_fired\": %llu, \"restarts\": %llu, \"hash_sum\": \"%016llx\"}",
            (unsigned long long)t->seeds, (unsigned long long)t->passed, (unsigned long long)t->failed,
            (unsigned long long)t->events, (unsigned long long)t->checkpoints_started,
            (unsigned long long)t->checkpoints_completed, (unsigned long long)t->checkpoints_declined,
            (unsigned long long)t->checkpoints_timed_out, (unsigned long long)t->checkpoints_abandoned,
            (unsigned long long)t->records_delivered,
            (unsigned long long)t->faults_fired, (unsigned long long)t->restarts, (unsigned long long)t->hash_sum);
}

static void write_shards(FILE *f, const fuzz_report *r)
{
    fputc('[', f);
    bool first = true;
    for (uint32_t k = 0; k < r->shards && k < FUZZ_SHARDS_MAX; k++) {
        if (r->shard_bits[k / 64] >> (k % 64) & 1) {
            fprintf(f, "%s%u", first ? "" : ", ", k);
            first = false;
        }
    }
    fputc(']', f);
}

static void write_failure(FILE *f, const fuzz_report *r, const fuzz_failure *x, const char *prog)
{
    char repro[1024];
    report_reproduce(r, x, prog, repro, sizeof repro);
    fprintf(f, "    {\"seed\": %llu, \"kind\": ", (unsigned long long)x->seed);
    sim_json_string(f, x->kind);
    fputs(", \"invariant\": ", f);
    sim_json_string(f, x->invariant);
    fputs(", \"message\": ", f);
    sim_json_string(f, x->message);
    fputs(", \"reproduce\": ", f);
    sim_json_string(f, repro);
    fputs(", \"shrunk\": ", f);
    if (x->shrunk[0])
        sim_json_string(f, x->shrunk);
    else
        fputs("null", f);
    fputc('}', f);
}

void report_write_json(FILE *f, const fuzz_report *r, const char *prog)
{
    report_write_json_extra(f, r, prog, NULL);
}

void report_write_json_extra(FILE *f, const fuzz_report *r, const char *prog, const char *extra)
{
    const fuzz_totals *t = &r->totals;
    fputs("{\n  \"format\": \"barriersim-fuzz-1\",\n  \"strategy\": ", f);
    sim_json_string(f, r->strategy);
    fprintf(f, ",\n  \"seed_base\": %llu,\n  \"seeds_requested\": %llu,\n  \"seconds_requested\": %.3f,\n",
            (unsigned long long)r->seed_base, (unsigned long long)r->seeds_requested, r->seconds_requested);
    fprintf(f, "  \"shards\": %u,\n  \"shards_included\": ", r->shards);
    write_shards(f, r);
    fprintf(f, ",\n  \"check_determinism\": %s,\n  \"max_events\": %llu,\n  \"faults\": ",
            r->check_determinism ? "true" : "false", (unsigned long long)r->max_events);
    sim_json_string(f, r->faults);
    fputs(",\n  \"plant\": ", f);
    sim_json_string(f, r->plant[0] ? r->plant : "none");
    fputs(",\n  \"network\": ", f);
    sim_json_string(f, r->network[0] ? r->network : "records");
        fputs(",\n  \"costs\": ", f);
    sim_json_string(f, r->costs[0] ? r->costs : "off");
    if (r->topology[0] && strcmp(r->topology, "chain") != 0) { /* a chain report keeps its keys */
        fputs(",\n  \"topology\": ", f);
        sim_json_string(f, r->topology);
    }
    fputs(",\n  \"totals\": ", f);
    write_totals(f, t);
    fprintf(f, ",\n  \"seconds\": %.6f,\n  \"seeds_per_second\": %.1f,\n  \"events_per_second\": %.0f,\n", t->seconds,
            t->seconds > 0 ? (double)t->seeds / t->seconds : 0.0,
            t->seconds > 0 ? (double)t->events / t->seconds : 0.0);
    if (extra)
        fprintf(f, "  %s,\n", extra);
    fprintf(f, "  \"failures_unlisted\": %llu,\n  \"failures\": [", (unsigned long long)r->failures_unlisted);
    for (size_t i = 0; i < r->n_failures; i++) {
        fputs(i ? ",\n" : "\n", f);
        write_failure(f, r, &r->failures[i], prog);
    }
    fputs(r->n_failures ? "\n  ]\n}\n" : "]\n}\n", f);
}

/* ---- JUnit and TAP ---------------------------------------------------------------------- */
static void xml_str(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '\n': fputs("&#10;", f); break;
        case '\t': fputs("&#9;", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fputc('?', f); /* not allowed in XML 1.0, even escaped */
            else
                fputc(*p, f);
        }
    }
}

void report_write_junit(FILE *f, const fuzz_report *r, const char *prog, const char *suite)
{
    const fuzz_totals *t = &r->totals;
    bool any = t->failed || r->n_failures;
    uint64_t failures = r->n_failures + (any ? 1 : 0);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"barriersim\">\n", f);
    fputs("  <testsuite name=\"", f);
    xml_str(f, suite);
    fprintf(f, "\" tests=\"%llu\" failures=\"%llu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
            (unsigned long long)(r->n_failures + 1), (unsigned long long)failures, t->seconds);
    for (size_t i = 0; i < r->n_failures; i++) {
        const fuzz_failure *x = &r->failures[i];
        char repro[1024];
        report_reproduce(r, x, prog, repro, sizeof repro);
        fprintf(f, "    <testcase classname=\"");
        xml_str(f, suite);
        fprintf(f, "\" name=\"seed %llu\" time=\"0\">\n      <failure type=\"", (unsigned long long)x->seed);
        xml_str(f, x->invariant);
        fputs("\" message=\"", f);
        xml_str(f, x->message);
        fputs("\">", f);
        xml_str(f, x->message);
        fputs("&#10;reproduce: ", f);
        xml_str(f, repro);
        if (x->shrunk[0]) {
            fputs("&#10;shrunk: ", f);
            xml_str(f, x->shrunk);
        }
        fputs("</failure>\n    </testcase>\n", f);
    }
    fputs("    <testcase classname=\"", f);
    xml_str(f, suite);
    fprintf(f, "\" name=\"summary: %llu seeds\" time=\"%.3f\">", (unsigned long long)t->seeds, t->seconds);
    if (any)
        fprintf(f, "\n      <failure type=\"summary\" message=\"%llu of %llu seeds failed, %zu failures\"/>\n    ",
                (unsigned long long)t->failed, (unsigned long long)t->seeds, r->n_failures);
    fprintf(f, "<system-out>seeds %llu, passed %llu, failed %llu, events %llu, checkpoints completed %llu, "
               "declined %llu, timed out %llu</system-out></testcase>\n  </testsuite>\n</testsuites>\n",
            (unsigned long long)t->seeds, (unsigned long long)t->passed, (unsigned long long)t->failed,
            (unsigned long long)t->events, (unsigned long long)t->checkpoints_completed,
            (unsigned long long)t->checkpoints_declined, (unsigned long long)t->checkpoints_timed_out);
}

/* A YAML single-quoted scalar: '' doubles a quote; control characters become spaces. */
static void yaml_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'')
            fputs("''", f);
        else
            fputc(*p < 0x20 ? ' ' : *p, f);
    }
    fputc('\'', f);
}

void report_write_tap(FILE *f, const fuzz_report *r, const char *prog)
{
    const fuzz_totals *t = &r->totals;
    fprintf(f, "TAP version 13\n1..%zu\n", r->n_failures + 1);
    for (size_t i = 0; i < r->n_failures; i++) {
        const fuzz_failure *x = &r->failures[i];
        char repro[1024];
        report_reproduce(r, x, prog, repro, sizeof repro);
        fprintf(f, "not ok %zu - seed %llu: %s\n  ---\n  invariant: ", i + 1, (unsigned long long)x->seed,
                x->invariant);
        yaml_str(f, x->invariant);
        fputs("\n  message: ", f);
        yaml_str(f, x->message);
        fputs("\n  reproduce: ", f);
        yaml_str(f, repro);
        if (x->shrunk[0]) {
            fputs("\n  shrunk: ", f);
            yaml_str(f, x->shrunk);
        }
        fputs("\n  ...\n", f);
    }
    fprintf(f, "%s %zu - %llu seeds: %llu passed, %llu failed%s\n", t->failed || r->n_failures ? "not ok" : "ok", r->n_failures + 1,
            (unsigned long long)t->seeds, (unsigned long long)t->passed, (unsigned long long)t->failed,
            r->failures_unlisted ? " (some failures not listed)" : "");
}

int report_save(const char *path, const char *kind, const fuzz_report *r, const char *prog, char *err,
                size_t err_len)
{
    return report_save_extra(path, kind, r, prog, NULL, err, err_len);
}

int report_save_extra(const char *path, const char *kind, const fuzz_report *r, const char *prog,
                      const char *extra, char *err, size_t err_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    if (strcmp(kind, "json") == 0)
        report_write_json_extra(f, r, prog, extra);
    else if (strcmp(kind, "junit") == 0)
        report_write_junit(f, r, prog, "barriersim.fuzz");
    else
        report_write_tap(f, r, prog);
    bool bad = f == stdout ? fflush(f) != 0 : ferror(f) != 0;
    if (f != stdout)
        bad = fclose(f) != 0 || bad;
    if (bad) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void report_print_summary(FILE *f, const fuzz_report *r, const char *prog, const char *verb, size_t max_listed)
{
    const fuzz_totals *t = &r->totals;
    fprintf(f, "%s %s: seeds %llu", verb, r->strategy, (unsigned long long)r->seed_base);
    if (r->seeds_requested)
        fprintf(f, "..%llu", (unsigned long long)(r->seed_base + r->seeds_requested - 1));
    else
        fputs("..", f);
    uint32_t covered = r->shards > 1 ? report_shards_covered(r) : 0;
    if (covered == 1) {
        /* One shard's own report names it; a merged one says how many shards it holds. */
        uint32_t k = 0;
        while (k < r->shards && !(r->shard_bits[k / 64] >> (k % 64) & 1))
            k++;
        fprintf(f, " (shard %u of %u)", k, r->shards);
    } else if (covered > 1) {
        fprintf(f, " (%u of %u shards)", covered, r->shards);
    }
    fprintf(f, ": %llu run, %llu passed, %llu failed\n", (unsigned long long)t->seeds,
            (unsigned long long)t->passed, (unsigned long long)t->failed);
    fprintf(f, "  %llu events; checkpoints: %llu started, %llu completed, %llu declined, %llu timed out, "
               "%llu abandoned\n",
            (unsigned long long)t->events, (unsigned long long)t->checkpoints_started,
            (unsigned long long)t->checkpoints_completed, (unsigned long long)t->checkpoints_declined,
            (unsigned long long)t->checkpoints_timed_out,
            (unsigned long long)t->checkpoints_abandoned);
    fprintf(f, "  faults: %s, %llu fired, %llu restarts%s%s\n", r->faults, (unsigned long long)t->faults_fired,
            (unsigned long long)t->restarts, r->plant[0] && strcmp(r->plant, "none") ? "; planted bug: " : "",
            r->plant[0] && strcmp(r->plant, "none") ? r->plant : "");
    fprintf(f, "  %.3f s, %.1f seeds/s, %.0f events/s, trace hash sum %016llx\n", t->seconds,
            t->seconds > 0 ? (double)t->seeds / t->seconds : 0.0,
            t->seconds > 0 ? (double)t->events / t->seconds : 0.0, (unsigned long long)t->hash_sum);
    for (size_t i = 0; i < r->n_failures && i < max_listed; i++) {
        const fuzz_failure *x = &r->failures[i];
        char repro[1024];
        report_reproduce(r, x, prog, repro, sizeof repro);
        fprintf(f, "%s seed %llu: %s\n  reproduce: %s\n",
                strcmp(x->kind, "violation") == 0 ? "VIOLATION" : strcmp(x->kind, "error") == 0 ? "ERROR"
                : strcmp(x->kind, "leak") == 0 ? "LEAK" : "NONDETERMINISM",
                (unsigned long long)x->seed, x->message, repro);
    }
    uint64_t more = r->failures_unlisted + (r->n_failures > max_listed ? r->n_failures - max_listed : 0);
    if (more)
        fprintf(f, "  ... and %llu more failing seeds (all listed failures are in --json/--junit/--tap)\n",
                (unsigned long long)more);
}
