/*
 * hrun.h: runs one handler-level scenario: the real core over the scripted gate, spill
 * files through the fault-injecting I/O, every observation checked by verify/ as it
 * happens, and the trace written in DESIGN.md's notation.
 *
 * The trace is the tokens of section 3: input numbers of returned items, tK, aK:reason,
 * dK, end, and a final `error: <message>` or `violation: <message>` when the run stopped.
 */
#ifndef SIM_HRUN_H
#define SIM_HRUN_H

#include "../../core/barriersim.h"
#include "../../verify/verify.h"
#include "../scenario/scenario.h"

typedef struct hrun_options {
    const bs_strategy *ops;        /* NULL: the scenario's strategy from the core's table */
    verify_guarantee guarantee;    /* with ops: the guarantee to check */
    bool check_progress;           /* with ops: whether the progress invariant applies */
    bool mem_io;                   /* spill files in memory instead of $TMPDIR */
} hrun_options;

typedef enum hrun_outcome {
    HRUN_END,                      /* the handler reported the end */
    HRUN_ERROR,                    /* the handler stopped with an error */
    HRUN_VIOLATION,                /* an invariant was violated */
} hrun_outcome;

typedef struct hrun_result {
    hrun_outcome outcome;
    char *trace;                   /* tokens separated by single spaces (malloc'd) */
    char message[1024];            /* the error or the violation */
    uint64_t items_returned;
    uint64_t spill_files;
} hrun_result;

/* Runs sc. Returns 0 with *res filled (free with hrun_result_free), or BS_ENOMEM. */
int hrun_scenario(const scenario *sc, const hrun_options *opt, hrun_result *res);
void hrun_result_free(hrun_result *res);

/* Judges a result against the scenario's expectations: 0 when they hold; otherwise 1
 * with the reason in why (why_len bytes). Without `expect`, only invariants count, and a
 * run stopped by an error fails. */
int hrun_judge(const scenario *sc, const hrun_result *res, char *why, size_t why_len);

#endif
