/*
 * schedule.c: the `schedule:` key of a simulation scenario (simscen.h): a scripted source
 * schedule, mapped onto sim_config.steps (sim.h, sim_step).
 *
 *   schedule:
 *     src0:                      every source, by its trace name, with its steps in order
 *       - records: 3             3 records, source-interval-ns apart
 *       - barrier: 1             b1 on every output (the first b1 starts checkpoint 1)
 *       - {at: 120us, records: 2}   at a simulated time (or as soon as the source is free)
 *       - cancel: 1              x1 on every output
 *       - fault: {kind: fail, target: 5}   a fault, fired here, once a run
 *       - eop                    the partition ends (eop also follows the last step)
 *
 * Every mistake is reported at its own line and column: an unknown source or key, a
 * source left out, a step with no action or two, an `at` earlier than the one before it, a
 * step after eop, a fault step with its own time, and the `simulation:` keys a schedule
 * decides itself (checkpoint-interval-ns, records-per-source).
 */
#include "ss_int.h"

#include <stdio.h>
#include <string.h>

static uint32_t ss_key_node(const sc_ctx *cx, uint32_t map, const char *name)
{
    if (map == SC_NONE || sc_node_at(cx, map)->kind != SC_NODE_MAP)
        return SC_NONE;
    for (uint32_t k = sc_node_at(cx, map)->first; k != SC_NONE;) {
        const sc_node *key = sc_node_at(cx, k);
        if (key->kind == SC_NODE_SCALAR && key->len == strlen(name) && memcmp(key->str, name, key->len) == 0)
            return k;
        uint32_t v = key->next;
        k = v == SC_NONE ? SC_NONE : sc_node_at(cx, v)->next;
    }
    return SC_NONE;
}

int ss_duration(const sc_ctx *cx, uint32_t node, const char *key, uint64_t *out_ns)
{
    const char *s;
    size_t len;
    if (sc_get_str(cx, node, key, false, &s, &len) != 0)
        return -1;
    static const struct { const char *unit; uint64_t ns; } units[] = {
        {"", 1}, {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9' && v <= UINT64_MAX / 40; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    size_t u = i < len && s[i] == ' ' ? i + 1 : i;
    for (size_t k = 0; i > 0 && k < sizeof units / sizeof units[0]; k++) {
        if (strlen(units[k].unit) == len - u && memcmp(units[k].unit, s + u, len - u) == 0 &&
            (u == i || k > 0) && v <= UINT64_MAX / 4 / units[k].ns) {
            *out_ns = v * units[k].ns;
            return 0;
        }
    }
    char shown[SC_SHOW_MAX * 4 + 8];
    sc_show(shown, sizeof shown, s, len);
    sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at,
              "%s: '%s' is not a time (nanoseconds, or a whole number with a unit: 120us, 3ms, 1s)", key, shown);
    return -1;
}

enum { P_AT, P_RECORDS, P_BARRIER, P_CANCEL, P_EOP, P_FAULT, P_COUNT };

/* A fault step: a fault that fires where the step stands, appended to sc->faults. */
static int ss_fault_step(const sc_ctx *cx, uint32_t node, simscen *sc, sim_step *st)
{
    if (sc->cfg.n_faults >= SIMSCEN_FAULTS_MAX) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at, "fault: more than %u faults", SIMSCEN_FAULTS_MAX);
        return -1;
    }
    if (sc_node_at(cx, node)->kind == SC_NODE_MAP) {
        static const char *const timed[] = {"at-ns", "checkpoint"};
        for (int i = 0; i < 2; i++) {
            uint32_t k = ss_key_node(cx, node, timed[i]);
            if (k != SC_NONE) {
                sc_err_at(cx->err, cx->text, sc_node_at(cx, k)->at,
                          "%s: a fault step fires where it stands in the schedule (give the step an 'at')",
                          timed[i]);
                return -1;
            }
        }
    }
    sim_fault *f = &sc->faults[sc->cfg.n_faults];
    *f = (sim_fault){.kind = SIM_FAULT_FAIL};
    uint32_t kind_at = ss_key_node(cx, node, "kind");
    if (kind_at != SC_NONE) {
        const sc_node *v = sc_node_at(cx, sc_node_at(cx, kind_at)->next);
        if (v->kind == SC_NODE_SCALAR && (strcmp(v->str, "skip") == 0 || strcmp(v->str, "reorder") == 0)) {
            sc_err_at(cx->err, cx->text, v->at,
                      "kind: in a schedule, leave the barrier step out (skip) or list b<K+1> before b<K> (reorder)");
            return -1;
        }
    }
    if (ss_fault(cx, node, &sc->cfg, f) != 0)
        return -1;
    st->n = sc->cfg.n_faults++;
    return 0;
}

/* One step: the scalar `eop`, or a mapping with one action and an optional `at`. */
static int ss_step(const sc_ctx *cx, uint32_t node, simscen *sc, sim_step *st)
{
    static const sc_keyspec keys[P_COUNT] = {
        [P_AT] = {"at", false}, [P_RECORDS] = {"records", false}, [P_BARRIER] = {"barrier", false},
        [P_CANCEL] = {"cancel", false}, [P_EOP] = {"eop", false}, [P_FAULT] = {"fault", false}};
    const sc_node *n = sc_node_at(cx, node);
    st->at_ns = SIM_STEP_NEXT;
    if (n->kind == SC_NODE_SCALAR && n->len == 3 && memcmp(n->str, "eop", 3) == 0) {
        st->kind = SIM_STEP_EOP;
        return 0;
    }
    if (n->kind != SC_NODE_MAP)
        return sc_type_error(cx, node, "step", "eop or a mapping (records, barrier, cancel, eop or fault)");
    uint32_t v[P_COUNT];
    if (ss_map(cx, node, "step", keys, P_COUNT, v) != 0)
        return -1;
    int actions = 0, act = -1;
    for (int i = P_RECORDS; i < P_COUNT; i++)
        if (v[i] != SC_NONE)
            actions++, act = i;
    if (actions != 1) {
        sc_err_at(cx->err, cx->text, n->at, "a step needs exactly one of records, barrier, cancel, eop and fault (%s)",
                  actions ? "found several" : "found none");
        return -1;
    }
    if (v[P_AT] != SC_NONE && ss_duration(cx, v[P_AT], "at", &st->at_ns) != 0)
        return -1;
    switch (act) {
    case P_RECORDS: st->kind = SIM_STEP_RECORDS; return ss_u64(cx, v[act], "records", 1, 1ULL << 32, &st->n);
    case P_BARRIER: st->kind = SIM_STEP_BARRIER; return ss_u64(cx, v[act], "barrier", 1, 1ULL << 40, &st->n);
    case P_CANCEL: st->kind = SIM_STEP_CANCEL; return ss_u64(cx, v[act], "cancel", 1, 1ULL << 40, &st->n);
    case P_EOP: st->kind = SIM_STEP_EOP; return 0;
    default: st->kind = SIM_STEP_FAULT; return ss_fault_step(cx, v[act], sc, st);
    }
}

/* One source's steps; *records gets the records they emit. */
static int ss_source_steps(const sc_ctx *cx, uint32_t seq, uint32_t src, simscen *sc, uint64_t *records)
{
    const sc_node *n = sc_node_at(cx, seq);
    if (n->kind != SC_NODE_SEQ)
        return sc_type_error(cx, seq, "steps", "a sequence of steps");
    if (n->count == 0) {
        sc_err_at(cx->err, cx->text, n->at, "src%u: no steps ('- eop' alone ends it at once)", src);
        return -1;
    }
    uint64_t last_at = 0;
    bool ended = false;
    *records = 0;
    for (uint32_t e = n->first; e != SC_NONE; e = sc_node_at(cx, e)->next) {
        if (sc->cfg.n_steps >= SIMSCEN_STEPS_MAX) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, e)->at, "schedule: more than %u steps", SIMSCEN_STEPS_MAX);
            return -1;
        }
        if (ended) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, e)->at, "a step after eop: the partition has ended");
            return -1;
        }
        sim_step *st = &sc->steps[sc->cfg.n_steps];
        *st = (sim_step){.source = src};
        if (ss_step(cx, e, sc, st) != 0)
            return -1;
        if (st->at_ns != SIM_STEP_NEXT) {
            if (st->at_ns < last_at) {
                sc_err_at(cx->err, cx->text, sc_node_at(cx, sc_node_at(cx, ss_key_node(cx, e, "at"))->next)->at,
                          "at: %llu ns is before the %llu ns of an earlier step of src%u (steps go in order)",
                          (unsigned long long)st->at_ns, (unsigned long long)last_at, src);
                return -1;
            }
            last_at = st->at_ns;
        }
        ended = st->kind == SIM_STEP_EOP;
        *records += st->kind == SIM_STEP_RECORDS ? st->n : 0;
        sc->cfg.n_steps++;
    }
    return 0;
}

/* The key of a source ("src3") as its index, or -1 with a message at the key. */
static int ss_source_key(const sc_ctx *cx, uint32_t key, uint32_t sources)
{
    const sc_node *k = sc_node_at(cx, key);
    unsigned long idx = 0;
    bool ok = k->kind == SC_NODE_SCALAR && k->len > 3 && k->len < 8 && memcmp(k->str, "src", 3) == 0;
    for (size_t i = 3; ok && i < k->len; i++) {
        ok = k->str[i] >= '0' && k->str[i] <= '9' && !(i == 3 && k->str[i] == '0' && k->len > 4);
        idx = idx * 10 + (unsigned long)(k->str[i] - '0');
    }
    if (ok && idx < sources)
        return (int)idx;
    char shown[SC_SHOW_MAX * 4 + 8];
    sc_show(shown, sizeof shown, k->kind == SC_NODE_SCALAR ? k->str : "?", k->kind == SC_NODE_SCALAR ? k->len : 1);
    sc_err_at(cx->err, cx->text, k->at, "schedule: '%s' is not a source (src0 .. src%u)", shown, sources - 1);
    return -1;
}

/* The `simulation:` keys a schedule decides itself. */
static int ss_excluded(const sc_ctx *cx, uint32_t sim)
{
    static const char *const keys[][2] = {
        {"checkpoint-interval-ns", "a schedule starts checkpoints with its barrier steps; leave it out"},
        {"records-per-source", "a schedule's records steps decide the records; leave it out"}};
    for (size_t i = 0; i < 2; i++) {
        uint32_t k = ss_key_node(cx, sim, keys[i][0]);
        if (k != SC_NONE) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, k)->at, "%s: %s", keys[i][0], keys[i][1]);
            return -1;
        }
    }
    return 0;
}

int ss_schedule(const sc_ctx *cx, uint32_t node, uint32_t sim, simscen *sc)
{
    if (node == SC_NONE)
        return 0;
    const sc_node *map = sc_node_at(cx, node);
    if (map->kind != SC_NODE_MAP)
        return sc_type_error(cx, node, "schedule", "a mapping from sources (src0, src1, ...) to their steps");
    if (ss_excluded(cx, sim) != 0)
        return -1;
    sim_config *c = &sc->cfg;
    bool seen[SIM_SOURCES_MAX] = {false};
    uint64_t most = 0;
    for (uint32_t k = map->first; k != SC_NONE;) {
        uint32_t v = sc_node_at(cx, k)->next;
        int src = ss_source_key(cx, k, c->sources);
        if (src < 0)
            return -1;
        if (seen[src]) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, k)->at, "schedule: src%d is given twice", src);
            return -1;
        }
        seen[src] = true;
        uint64_t records = 0;
        if (ss_source_steps(cx, v, (uint32_t)src, sc, &records) != 0)
            return -1;
        most = records > most ? records : most;
        k = sc_node_at(cx, v)->next;
    }
    for (uint32_t s = 0; s < c->sources; s++) {
        if (!seen[s]) {
            sc_err_at(cx->err, cx->text, map->at,
                      "schedule: no steps for src%u (give every source its steps; '- eop' alone ends it at once)", s);
            return -1;
        }
    }
    c->records_per_source = most;
    c->checkpoint_interval_ns = 0;
    return 0;
}
