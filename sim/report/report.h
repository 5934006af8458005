/*
 * report.h: fuzz and soak results for machines: the JSON document of `--json` (and its
 * reader, for `merge`), JUnit XML and TAP.
 *
 * JSON (format "barriersim-fuzz-1"): one object with strategy, seed_base,
 * seeds_requested, seconds_requested, shards, shards_included (the shard indices whose
 * seeds it covers), check_determinism, max_events, faults (the kinds allowed), totals {seeds, passed, failed, events,
 * checkpoints_started, checkpoints_completed, checkpoints_declined,
 * checkpoints_timed_out, checkpoints_abandoned, records_delivered, faults_fired, restarts, hash_sum}, seconds, seeds_per_second,
 * failures_unlisted, and failures [{seed, kind, invariant, message, reproduce, shrunk}].
 * The totals object is written on one line, its fields in a fixed order and without
 * timing, so that two reports over the same seeds have byte-identical totals lines;
 * hash_sum (the trace hashes added mod 2^64, as 16 hex digits in a string) makes that
 * comparison cover every trace.
 *
 * JUnit: one <testsuite> holding a summary <testcase> (failed when any seed failed) and
 * one <testcase> per listed failing seed; passing seeds are counted, not listed.
 * TAP (version 13): plan 1..F+1: one "not ok" line per listed failing seed with a YAML
 * block (invariant, message, reproduce), then the summary line, "ok" when nothing failed.
 */
#ifndef SIM_REPORT_REPORT_H
#define SIM_REPORT_REPORT_H

#include "fuzz.h"

#include <stddef.h>
#include <stdio.h>

/* The one-line reproduction command of failure f: "<prog> replay --seed S --strategy X". */
void report_reproduce(const fuzz_report *r, const fuzz_failure *f, const char *prog, char *out, size_t out_len);

/* Writers. `prog` is the program name used in reproduction commands. */
void report_write_json(FILE *f, const fuzz_report *r, const char *prog);
/* Same, with `extra` (a preformatted member, "\"name\": value") before "failures". */
void report_write_json_extra(FILE *f, const fuzz_report *r, const char *prog, const char *extra);
void report_write_junit(FILE *f, const fuzz_report *r, const char *prog, const char *suite);
void report_write_tap(FILE *f, const fuzz_report *r, const char *prog);

/* The human summary: totals, then up to max_listed failures, each with its reproduction
 * command. `verb` names the run ("fuzz", "soak", "merge"). */
void report_print_summary(FILE *f, const fuzz_report *r, const char *prog, const char *verb, size_t max_listed);

/* Writes the report to `path` with `writer`-style output: kind is "json", "junit" or
 * "tap". Returns 0, or -1 with a message in err. */
int report_save(const char *path, const char *kind, const fuzz_report *r, const char *prog, char *err,
                size_t err_len);
/* Same, with report_write_json_extra's `extra` for kind "json" (may be NULL). */
int report_save_extra(const char *path, const char *kind, const fuzz_report *r, const char *prog,
                      const char *extra, char *err, size_t err_len);

/*
 * Reads a JSON report written by report_write_json from `path` into *r (initialised
 * here; free with fuzz_report_free). Returns 0, or -1 with "path: what is wrong" (with
 * the byte offset of a syntax error) in err.
 */
int report_read_json(const char *path, fuzz_report *r, char *err, size_t err_len);

/*
 * Adds report `src` into `dst`: totals summed, failures merged by seed, shards united.
 * When dst is empty (no shards yet, dst->shards == 0) it takes src's parameters. Returns
 * 0, or -1 with a message when the two are not shards of the same run (strategy, seed
 * range, shard count or determinism differ) or cover a shard twice; BS_ENOMEM.
 */
int report_merge(fuzz_report *dst, const fuzz_report *src, char *err, size_t err_len);

/* Shards dst covers; equal to dst->shards when the merge is complete. */
uint32_t report_shards_covered(const fuzz_report *r);

#endif
