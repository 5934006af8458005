/*
 * run.c: runs a loaded simulation scenario and judges its result against `expect`.
 */
#include "simscen.h"

#include <stdio.h>
#include <string.h>

int simscen_run(const simscen *sc, sim_result *res, FILE *trace, char *why, size_t why_len)
{
    memset(res, 0, sizeof *res);
    int rc = sim_run(&sc->cfg, sc->seed, res, trace);
    if (rc != 0) {
        snprintf(why, why_len, "%s", res->message[0] ? res->message : "cannot run: out of memory");
        return -1;
    }
    return 0;
}

int simscen_judge(const simscen *sc, const sim_result *res, char *why, size_t why_len)
{
    why[0] = '\0';
    const char *want = sc->expect_violation;
    if (res->outcome == SIM_ERROR) {
        snprintf(why, why_len, "the run stopped with an error: %s", res->message);
        return 1;
    }
    if (want[0]) {
        if (res->outcome != SIM_VIOLATION) {
            snprintf(why, why_len, "expected a violation of '%s', but the run was clean", want);
            return 1;
        }
        if (!strstr(res->message, want)) {
            snprintf(why, why_len, "expected a violation of '%s', got: %s", want, res->message);
            return 1;
        }
    } else if (res->outcome == SIM_VIOLATION) {
        snprintf(why, why_len, "violation: %s", res->message);
        return 1;
    }
    static const char *const names[SIMSCEN_EXACT] = {"checkpoints completed", "checkpoints declined",
                                                     "checkpoints timed out", "checkpoints abandoned", "restarts"};
    const uint64_t got[SIMSCEN_EXACT] = {res->checkpoints_completed, res->checkpoints_declined,
                                         res->checkpoints_timed_out, res->checkpoints_abandoned, res->restarts};
    for (int i = 0; i < SIMSCEN_EXACT; i++) {
        if (sc->expect_exact[i] != SIMSCEN_UNCHECKED && got[i] != sc->expect_exact[i]) {
            snprintf(why, why_len, "%llu %s, expected exactly %llu", (unsigned long long)got[i], names[i],
                     (unsigned long long)sc->expect_exact[i]);
            return 1;
        }
    }
    if (res->checkpoints_completed < sc->expect_checkpoints_min) {
        snprintf(why, why_len, "%llu checkpoints completed, expected at least %llu",
                 (unsigned long long)res->checkpoints_completed, (unsigned long long)sc->expect_checkpoints_min);
        return 1;
    }
    if (res->restarts < sc->expect_restarts_min) {
        snprintf(why, why_len, "%llu restarts, expected at least %llu", (unsigned long long)res->restarts,
                 (unsigned long long)sc->expect_restarts_min);
        return 1;
    }
    if (res->faults_fired < sc->expect_faults_fired_min) {
        snprintf(why, why_len, "%llu faults fired, expected at least %llu", (unsigned long long)res->faults_fired,
                 (unsigned long long)sc->expect_faults_fired_min);
        return 1;
    }
    return 0;
}

void simscen_summary(const sim_result *res, char *out, size_t out_len)
{
    snprintf(out, out_len,
             "hash %016llx %s events %llu checkpoints %llu/%llu restarts %llu faults %llu records %llu/%llu",
             (unsigned long long)res->trace_hash, sim_outcome_name(res->outcome), (unsigned long long)res->events,
             (unsigned long long)res->checkpoints_completed, (unsigned long long)res->checkpoints_started,
             (unsigned long long)res->restarts, (unsigned long long)res->faults_fired,
             (unsigned long long)res->sink_records, (unsigned long long)res->reference_records);
}
