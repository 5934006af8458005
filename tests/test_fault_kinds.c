/*
 * test_fault_kinds.c: the fault-kind table (sim/engine/fault_kinds.c) is sound and is the
 * one place the rest reads: every row complete and its ranges consistent, names unique and
 * found by name, the loader's and the engine's rules taken from the row, the --faults list
 * and the scenario writer derived from it, and docs/sim-scenarios.md's table of kinds
 * listing exactly the table's rows with their targets.
 */
#include "bs_test.h"

#include "../sim/engine/sim.h"
#include "../sim/report/swarm.h"
#include "../sim/simscen/simscen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

BS_TEST(fault_kinds, every_row_is_complete_and_consistent)
{
    cr_assert_geq(sim_fault_kinds(), SIM_FAULT_KINDS);
    cr_assert_leq(sim_fault_kinds(), SIM_FAULT_KINDS_MAX);
    for (uint32_t k = 0; k < sim_fault_kinds(); k++) {
        const sim_fault_desc *d = sim_fault_desc_of(k);
        cr_assert_not_null(d, "kind %u", k);
        cr_assert(d->name && d->name[0] && d->help && d->help[0] && d->fire, "kind %u", k);
        cr_assert_leq(d->arg_min, d->arg_default, "%s", d->name);
        cr_assert_leq(d->arg_default, d->arg_max, "%s", d->name);
        cr_assert(d->arg_draw_span == 0 || d->arg_min + (d->arg_draw_span - 1) <= d->arg_max, "%s", d->name);
        cr_assert_eq(sim_fault_kind_find(d->name, strlen(d->name)), (int)k, "%s: names are unique", d->name);
        cr_assert_str_eq(sim_fault_kind_name((sim_fault_kind)k), d->name);
    }
    cr_assert_null(sim_fault_desc_of(sim_fault_kinds()));
    cr_assert_eq(sim_fault_kind_find("crupt", 5), -1);
    cr_assert_eq(sim_fault_kind_find("eopx", 3), SIM_FAULT_EOP, "a prefix of the given length");
}

BS_TEST(fault_kinds, the_swarm_list_is_the_table)
{
    char list[512];
    bool ok;
    sim_fault_kind_list(list, sizeof list, ",");
    cr_assert_eq(swarm_faults_parse(list, &ok), SWARM_FAULTS_ALL);
    cr_assert(ok);
    swarm_faults_parse("eop,nosuch", &ok);
    cr_assert_not(ok);
}

static void load_error(const char *text, const char *want)
{
    simscen *sc = calloc(1, sizeof *sc);
    char err[1200] = "";
    cr_assert_not_null(sc);
    int rc = simscen_load_bytes("t.yaml", (const uint8_t *)text, strlen(text), sc, err, sizeof err);
    cr_assert_eq(rc, -1, "loaded: %s", text);
    cr_assert_str_eq(err, want);
    free(sc);
}

BS_TEST(fault_kinds, the_loader_takes_its_rules_from_the_row)
{
    load_error("name: e\nstrategy: spill\nsimulation: {}\nfaults:\n  - {kind: truncate, target: 5, arg: 9}\n",
               "t.yaml:5:38: arg: 9 is out of range (1..8)");
    load_error("name: e\nstrategy: spill\nsimulation: {}\nfaults:\n  - {kind: reorder, target: 1}\n",
               "t.yaml:5:5: a reorder needs 'checkpoint' or 'at-ns'");
    load_error("name: e\nstrategy: spill\nsimulation: {}\nfaults:\n  - {kind: skip, target: 5, at-ns: 3}\n",
               "t.yaml:5:26: target: 5 is not a source (sources are 0 .. 3, tasks 4 .. 11)");
    load_error("name: e\nstrategy: spill\nsimulation: {}\nrandom-faults: {fial: 3}\n",
               "t.yaml:4:17: random-faults: unknown fault kind 'fial' (did you mean 'fail'?)");
}

BS_TEST(fault_kinds, the_engine_checks_a_scripted_fault_against_its_row)
{
    sim_config c;
    sim_result r;
    sim_config_default(&c);
    c.records_per_source = 50;
    sim_fault f[] = {{SIM_FAULT_SHORT_WRITE, 4, 100, 0, 9}};
    c.faults = f;
    c.n_faults = 1;
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    cr_assert(strstr(r.message, "short-write's arg is 1 .. 8"), "%s", r.message);
    f[0] = (sim_fault){SIM_FAULT_SKIP, 1, 0, 0, 0};
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    cr_assert(strstr(r.message, "a skip needs a checkpoint or a time"), "%s", r.message);
    f[0] = (sim_fault){(sim_fault_kind)sim_fault_kinds(), 1, 5, 0, 0};
    cr_assert_eq(sim_run(&c, 1, &r, NULL), BS_EINVAL);
    cr_assert(strstr(r.message, "unknown fault kind"), "%s", r.message);
}

/* The row of `kind` in the docs' table: "| `kind` | target | what happens |". */
static const char *docs_row(const char *docs, const char *kind)
{
    char key[64];
    snprintf(key, sizeof key, "\n| `%s` | ", kind);
    return strstr(docs, key);
}

BS_TEST(fault_kinds, the_docs_list_every_kind_with_its_target)
{
    static const char *const targets[] = {"source", "task", "source or task", "coordinator"};
    FILE *f = fopen("docs/sim-scenarios.md", "r");
    cr_assert_not_null(f, "run from the repository's root");
    static char docs[1 << 17];
    size_t n = fread(docs, 1, sizeof docs - 1, f);
    fclose(f);
    docs[n] = '\0';
    for (uint32_t k = 0; k < SIM_FAULT_KINDS; k++) {
        const sim_fault_desc *d = sim_fault_desc_of(k);
        const char *row = docs_row(docs, d->name);
        cr_assert_not_null(row, "docs/sim-scenarios.md has no row for %s", d->name);
        char want[96];
        snprintf(want, sizeof want, "\n| `%s` | %s | ", d->name, targets[d->target]);
        cr_assert_eq(strncmp(row, want, strlen(want)), 0, "%s: docs give another target", d->name);
    }
}
