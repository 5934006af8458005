/*
 * load.c: simulation scenario files (simscen.h) parsed with the handler-level loader's
 * stages: sc_screen in this process, then sc_yaml_parse and the schema below in a child
 * run by sc_isolate_run. The child replies with one tag byte: 'N' not a simulation file,
 * 'E' + sc_err, or 'S' + the simscen struct (plain data; the parent fixes its pointers).
 */
#include "simscen.h"
#include "ss_int.h"

#include "../strategies.h"
#include "../../core/bs_assert.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------ */
static bool ss_key_is(const sc_node *k, const char *name)
{
    return k->kind == SC_NODE_SCALAR && k->len == strlen(name) && memcmp(k->str, name, k->len) == 0;
}

int ss_map(const sc_ctx *cx, uint32_t node, const char *key, const sc_keyspec *keys, size_t n,
                  uint32_t *vals)
{
    uint32_t at[SIMSCEN_KEYS_MAX];
    assert(n <= SIMSCEN_KEYS_MAX);
    if (sc_node_at(cx, node)->kind != SC_NODE_MAP)
        return sc_type_error(cx, node, key, "a mapping");
    return sc_map_keys(cx, node, keys, n, vals, at);
}

int ss_u64(const sc_ctx *cx, uint32_t node, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
    if (node == SC_NONE)
        return 0;
    return sc_get_u64(cx, node, key, min, max, out);
}

/* A strategy option (the descriptors' options tables) under its simulation key: 0 (off) or
 * within the row's range. */
static int ss_strategy_option(const sc_ctx *cx, uint32_t node, bs_option_slot slot, sim_config *c)
{
    const bs_option *o = sim_option_of_slot(slot);
    if (node == SC_NONE || !o)
        return 0;
    uint64_t v = 0;
    if (sc_get_u64(cx, node, o->sim_name, 0, o->max, &v) != 0)
        return -1;
    if (v != 0 && v < o->min) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at, "%s: %llu is out of range (0 or %llu..%llu %s)",
                  o->sim_name, (unsigned long long)v, (unsigned long long)o->min, (unsigned long long)o->max, o->unit);
        return -1;
    }
    c->options[slot] = v;
    return 0;
}

int ss_u32(const sc_ctx *cx, uint32_t node, const char *key, uint64_t min, uint64_t max, uint32_t *out)
{
    uint64_t v = *out;
    if (ss_u64(cx, node, key, min, max, &v) != 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* A string among names: its index, or -1 with "key: unknown <what> 'x' (did you mean ...)". */
int ss_name(const sc_ctx *cx, uint32_t node, const char *key, const char *what,
                   const char *const *names, size_t n, int *out)
{
    const char *s;
    size_t len;
    if (sc_get_str(cx, node, key, false, &s, &len) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    char shown[SC_SHOW_MAX * 4 + 8], list[512];
    sc_show(shown, sizeof shown, s, len);
    const char *best = sc_suggest(s, len, names, n);
    uint32_t at = sc_node_at(cx, node)->at;
    if (best) {
        sc_err_at(cx->err, cx->text, at, "%s: unknown %s '%s' (did you mean '%s'?)", key, what, shown, best);
    } else {
        sc_join(list, sizeof list, names, n);
        sc_err_at(cx->err, cx->text, at, "%s: unknown %s '%s' (expected %s)", key, what, shown, list);
    }
    return -1;
}

static int ss_text(const sc_ctx *cx, uint32_t node, const char *key, bool multiline, char *dst, size_t cap)
{
    const char *s;
    size_t len;
    if (sc_get_str(cx, node, key, multiline, &s, &len) != 0)
        return -1;
    if (len == 0 || len >= cap) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, node)->at, "%s: %s", key,
                  len == 0 ? "is empty" : "is too long");
        return -1;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

/* The fault kinds' names, from the fault-kind table (sim.h, sim_fault_desc); returns n. */
static size_t ss_kind_names(const char **names)
{
    size_t n = 0;
    for (const sim_fault_desc *d; n < SIM_FAULT_KINDS_MAX && (d = sim_fault_desc_of((uint32_t)n)) != NULL; n++)
        names[n] = d->name;
    return n;
}

/* ---- simulation ----------------------------------------------------------------------- */
static int ss_dist(const sc_ctx *cx, uint32_t node, const char *key, sim_dist *d)
{
    static const sc_keyspec keys[] = {{"min", true}, {"mean", false}, {"max", false}};
    uint32_t v[3];
    if (node == SC_NONE)
        return 0;
    if (ss_map(cx, node, key, keys, 3, v) != 0 || ss_u64(cx, v[0], "min", 0, UINT64_MAX / 4, &d->min_ns) != 0)
        return -1;
    d->mean_ns = d->min_ns;
    if (ss_u64(cx, v[1], "mean", 0, UINT64_MAX / 4, &d->mean_ns) != 0)
        return -1;
    d->max_ns = d->mean_ns <= d->min_ns ? d->min_ns
                : d->mean_ns > UINT64_MAX / 32 ? UINT64_MAX / 4 : d->mean_ns * 8;
    if (ss_u64(cx, v[2], "max", d->min_ns, UINT64_MAX / 4, &d->max_ns) != 0)
        return -1;
    if (d->mean_ns < d->min_ns || d->mean_ns > d->max_ns) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, v[1])->at, "mean: must be from min to max (%llu .. %llu)",
                  (unsigned long long)d->min_ns, (unsigned long long)d->max_ns);
        return -1;
    }
    return 0;
}

static int ss_links(const sc_ctx *cx, uint32_t node, sim_config *c)
{
    const char *names[SIM_LINK_KINDS];
    for (int k = 0; k < SIM_LINK_KINDS; k++)
        names[k] = sim_link_name((sim_link)k);
    int l = 0;
    if (node == SC_NONE)
        return 0;
    const sc_node *n = sc_node_at(cx, node);
    if (n->kind == SC_NODE_SCALAR) {
        if (ss_name(cx, node, "link", "link", names, SIM_LINK_KINDS, &l) != 0)
            return -1;
        for (uint32_t s = 0; s < SIM_STAGES_MAX; s++)
            c->link[s] = (sim_link)l;
        return 0;
    }
    if (n->kind != SC_NODE_SEQ)
        return sc_type_error(cx, node, "link", "all-to-all, forward, rebalance, hash, broadcast or a sequence of them");
    if (n->count != c->stages) {
        sc_err_at(cx->err, cx->text, n->at, "link: %u links for %u stages (give one per stage)", n->count,
                  c->stages);
        return -1;
    }
    uint32_t e = n->first;
    for (uint32_t s = 0; s < n->count && e != SC_NONE; s++, e = sc_node_at(cx, e)->next) {
        if (ss_name(cx, e, "link", "link", names, SIM_LINK_KINDS, &l) != 0)
            return -1;
        c->link[s] = (sim_link)l;
    }
    return 0;
}

/* A stage named at key (s0, s1, ...), among the c->stages stages: 0 with *stage, or -1 with
 * the error at the node ("the sources" are named too, to say they cannot be used). */
static int ss_stage_name(const sc_ctx *cx, uint32_t node, const char *what, const sim_config *c, uint32_t *stage)
{
    const sc_node *k = sc_node_at(cx, node);
    if (k->kind != SC_NODE_SCALAR)
        return sc_type_error(cx, node, what, "a stage name (s0, s1, ...)");
    char shown[SC_SHOW_MAX * 4 + 8];
    sc_show(shown, sizeof shown, k->str, k->len);
    uint32_t v = 0, i = 1;
    bool ok = k->len >= 2 && k->len <= 3 && k->str[0] == 's';
    for (; ok && i < k->len; i++)
        ok = k->str[i] >= '0' && k->str[i] <= '9';
    if (ok && (v = (uint32_t)strtoul(k->str + 1, NULL, 10)) < c->stages) {
        *stage = v;
        return 0;
    }
    if (k->len == 7 && !memcmp(k->str, "sources", 7))
        sc_err_at(cx->err, cx->text, k->at, "%s: the sources feed stage s0 only; a second input comes from a stage",
                  what);
    else
        sc_err_at(cx->err, cx->text, k->at, "%s: unknown stage '%s' (the stages are s0 .. s%u)", what, shown,
                  c->stages - 1);
    return -1;
}

/* One two-input stage: `sS: {inputs: [sS-1, sU], link: KIND}` (sim.h, SIM_IN2_NONE). */
static int ss_two_input_stage(const sc_ctx *cx, uint32_t key, uint32_t val, sim_config *c)
{
    static const sc_keyspec keys[] = {{"inputs", true}, {"link", false}};
    uint32_t v[2], s, in[2];
    if (ss_stage_name(cx, key, "two-input", c, &s) != 0 || ss_map(cx, val, "two-input", keys, 2, v) != 0)
        return -1;
    const sc_node *seq = sc_node_at(cx, v[0]);
    if (seq->kind != SC_NODE_SEQ)
        return sc_type_error(cx, v[0], "inputs", "a sequence of two stages [FIRST, SECOND]");
    if (seq->count != 2) {
        sc_err_at(cx->err, cx->text, seq->at, "inputs: a two-input stage needs two inputs, s%u has %u", s, seq->count);
        return -1;
    }
    uint32_t e = seq->first;
    for (int i = 0; i < 2; i++, e = sc_node_at(cx, e)->next)
        if (ss_stage_name(cx, e, "inputs", c, &in[i]) != 0)
            return -1;
    uint32_t second_at = sc_node_at(cx, seq->first)->next;
    if (s < 2) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, key)->at,
                  "two-input: s%u cannot have a second input: it needs a stage before its first input s%d "
                  "(a two-input stage is s2 or later)", s, (int)s - 1);
        return -1;
    }
    if (in[0] != s - 1) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, seq->first)->at,
                  "inputs: the first input of s%u is s%u, the stage before it (the chain)", s, s - 1);
        return -1;
    }
    if (in[1] + 1 >= s) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, second_at)->at,
                  in[1] >= s ? "inputs: s%u reading s%u would make a cycle: a second input comes from a stage "
                               "before the first input (s0 .. s%u)"
                             : "inputs: s%u reads s%u twice: a second input comes from a stage before the first "
                               "input (s0 .. s%u)",
                  s, in[1], s - 2);
        return -1;
    }
    uint32_t other = sim_in2_consumer(c, in[1]);
    if (other != SIM_NONE_STAGE) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, second_at)->at,
                  "inputs: s%u already feeds the second input of s%u (a stage feeds at most one)", in[1], other);
        return -1;
    }
    int l = SIM_LINK_ALL_TO_ALL;
    const char *names[SIM_LINK_KINDS];
    for (int k = 0; k < SIM_LINK_KINDS; k++)
        names[k] = sim_link_name((sim_link)k);
    if (v[1] != SC_NONE && ss_name(cx, v[1], "link", "link", names, SIM_LINK_KINDS, &l) != 0)
        return -1;
    c->in2_from[s] = (uint8_t)(in[1] + 1);
    c->in2_link[s] = (sim_link)l;
    return 0;
}

/* two-input: a mapping from a stage to its two inputs and its second input's link kind. */
static int ss_two_input(const sc_ctx *cx, uint32_t node, sim_config *c)
{
    const sc_node *m = sc_node_at(cx, node);
    if (m->kind != SC_NODE_MAP)
        return sc_type_error(cx, node, "two-input", "a mapping from stages to {inputs: [FIRST, SECOND], link: KIND}");
    for (uint32_t key = m->first; key != SC_NONE; key = sc_node_at(cx, sc_node_at(cx, key)->next)->next) {
        uint32_t s;
        if (ss_stage_name(cx, key, "two-input", c, &s) != 0)
            return -1;
        if (c->in2_from[s] != SIM_IN2_NONE) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, key)->at, "two-input: s%u is given twice", s);
            return -1;
        }
        if (ss_two_input_stage(cx, key, sc_node_at(cx, key)->next, c) != 0)
            return -1;
    }
    BS_ASSERT(sim_in2_problem(c) == NULL);
    return 0;
}

/* service-ns: one {min, mean, max} for every stage, or a sequence of them, one per stage. */
static int ss_services(const sc_ctx *cx, uint32_t node, sim_config *c)
{
    if (node == SC_NONE)
        return 0;
    const sc_node *n = sc_node_at(cx, node);
    if (n->kind != SC_NODE_SEQ) {
        sim_dist d = c->service[0];
        if (ss_dist(cx, node, "service-ns", &d) != 0)
            return -1;
        for (uint32_t s = 0; s < SIM_STAGES_MAX; s++)
            c->service[s] = d;
        return 0;
    }
    if (n->count != c->stages) {
        sc_err_at(cx->err, cx->text, n->at, "service-ns: %u distributions for %u stages (give one per stage)",
                  n->count, c->stages);
        return -1;
    }
    uint32_t e = n->first;
    for (uint32_t s = 0; s < n->count && e != SC_NONE; s++, e = sc_node_at(cx, e)->next)
        if (ss_dist(cx, e, "service-ns", &c->service[s]) != 0)
            return -1;
    return 0;
}

/* One override's target: a source, a task, or a channel "FROM->TO". */
static int ss_hetero_target(const sc_ctx *cx, uint32_t key, const char *what, sim_hetero *h, const sim_config *c)
{
    const sc_node *k = sc_node_at(cx, key);
    char shown[SC_SHOW_MAX * 4 + 8];
    if (k->kind != SC_NODE_SCALAR)
        return sc_type_error(cx, key, what, "a node name");
    sc_show(shown, sizeof shown, k->str, k->len);
    const char *arrow = h->kind == SIM_HETERO_LATENCY && k->len > 2 ? strstr(k->str, "->") : NULL;
    bool ok;
    if (h->kind == SIM_HETERO_LATENCY)
        ok = arrow && !sim_node_find(c, k->str, (size_t)(arrow - k->str), &h->node) &&
             !sim_node_find(c, arrow + 2, k->len - (size_t)(arrow - k->str) - 2, &h->to) &&
             sim_channel_exists(c, h->node, h->to);
    else
        ok = !sim_node_find(c, k->str, k->len, &h->node) &&
             (h->kind == SIM_HETERO_INTERVAL ? h->node < c->sources : h->node >= c->sources);
    if (ok)
        return 0;
    static const char *const wants[] = {"a task (s0t0 .. s%ut%u)", "a source (src0 .. src%u)",
                                        "a channel FROM->TO of the topology (src0->s0t0, s0t1->s1t0, ...)"};
    char want[96];
    if (h->kind == SIM_HETERO_SERVICE)
        snprintf(want, sizeof want, wants[0], c->stages - 1, c->parallelism - 1);
    else if (h->kind == SIM_HETERO_INTERVAL)
        snprintf(want, sizeof want, wants[1], c->sources - 1);
    else
        snprintf(want, sizeof want, "%s", wants[2]);
    sc_err_at(cx->err, cx->text, k->at, "%s: '%s' is not %s", what, shown, want);
    return -1;
}

/* per-source-interval-ns, per-task-service-ns, per-channel-latency-ns: a mapping from a
 * node (or channel) name to a number (an interval) or a {min, mean, max}. */
static int ss_hetero(const sc_ctx *cx, uint32_t node, const simscen_key *k, sim_config *c)
{
    const sc_node *m = sc_node_at(cx, node);
    if (m->kind != SC_NODE_MAP)
        return sc_type_error(cx, node, k->name, "a mapping from names to values");
    for (uint32_t key = m->first; key != SC_NONE; key = sc_node_at(cx, sc_node_at(cx, key)->next)->next) {
        uint32_t val = sc_node_at(cx, key)->next;
        if (c->n_hetero == SIM_HETERO_MAX) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, key)->at, "%s: more than %u overrides in all", k->name,
                      SIM_HETERO_MAX);
            return -1;
        }
        sim_hetero h = {.kind = (sim_hetero_kind)k->slot};
        if (ss_hetero_target(cx, key, k->name, &h, c) != 0)
            return -1;
        for (uint32_t i = 0; i < c->n_hetero; i++)
            if (c->hetero[i].kind == h.kind && c->hetero[i].node == h.node && c->hetero[i].to == h.to) {
                sc_err_at(cx->err, cx->text, sc_node_at(cx, key)->at, "%s: '%s' is given twice", k->name,
                          sc_node_at(cx, key)->str);
                return -1;
            }
        if (h.kind == SIM_HETERO_INTERVAL) {
            if (ss_u64(cx, val, k->name, 0, UINT64_MAX / 4, &h.d.mean_ns) != 0)
                return -1;
            h.d.min_ns = h.d.max_ns = h.d.mean_ns;
        } else {
            h.d = h.kind == SIM_HETERO_SERVICE ? c->service[0] : c->latency;
            if (ss_dist(cx, val, k->name, &h.d) != 0)
                return -1;
        }
        c->hetero[c->n_hetero++] = h;
    }
    return 0;
}

/* The `simulation:` mapping: every row of the key table (keys.c) in table order. */
static int ss_sim_key(const sc_ctx *cx, const simscen_key *k, uint32_t node, sim_config *c)
{
    if (node == SC_NONE)
        return 0;
    switch (k->kind) {
    case SIMSCEN_KEY_NUMBER: {
        uint64_t v = simscen_key_get(k, c);
        char err[160];
        if (ss_u64(cx, node, k->name, k->min, k->max, &v) != 0)
            return -1;
        int rc = simscen_key_set(k, c, v, err, sizeof err);
        assert(rc == 0 && "the loader checked the row's range");
        return rc;
    }
    case SIMSCEN_KEY_DIST:
        return ss_dist(cx, node, k->name, (sim_dist *)(void *)((unsigned char *)c + k->offset));
    case SIMSCEN_KEY_LINK:
        return ss_links(cx, node, c);
    case SIMSCEN_KEY_SERVICES:
        return ss_services(cx, node, c);
    case SIMSCEN_KEY_OPTION:
        return ss_strategy_option(cx, node, (bs_option_slot)k->slot, c);
    case SIMSCEN_KEY_NETWORK: {
        static const char *const models[] = {"records", "bytes"};
        int m = 0;
        if (ss_name(cx, node, "network", "network model", models, 2, &m) != 0)
            return -1;
        c->net.model = (sim_network)m;
        return 0;
    }
    case SIMSCEN_KEY_BOOL: {
        static const char *const values[] = {"false", "true"};
        int b = 0;
        if (ss_name(cx, node, k->name, "value", values, 2, &b) != 0)
            return -1;
        return simscen_key_set(k, c, (uint64_t)b, NULL, 0);
    }
    case SIMSCEN_KEY_HETERO:
        return ss_hetero(cx, node, k, c);
    case SIMSCEN_KEY_TWO_INPUT:
        return ss_two_input(cx, node, c);
    case SIMSCEN_KEY_SWEEP_ONLY:
        break;
    }
    return 0;
}

static bool ss_given(const simscen_key *const *rows, const uint32_t *v, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i] != SC_NONE && !strcmp(rows[i]->name, name))
            return true;
    return false;
}

/* The byte network's keys need `network: bytes`; `credits` is the record model's; the
 * debloating knobs need `buffer-debloat: true`. */
static int ss_network_rules(const sc_ctx *cx, const simscen_key *const *rows, const uint32_t *v, uint32_t n,
                            const sim_config *c)
{
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] == SC_NONE)
            continue;
        if (simscen_key_bytes_only(rows[i]) && c->net.model != SIM_NET_BYTES) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, v[i])->at,
                      "%s: applies to the byte network only (add 'network: bytes')", rows[i]->name);
            return -1;
        }
        bool db_key = strncmp(rows[i]->name, "buffer-debloat-", 15) == 0 || !strcmp(rows[i]->name, "min-segment-size");
        /* a knob without `buffer-debloat` (true, or false to be swept) is a mistake */
        if (db_key && !ss_given(rows, v, n, "buffer-debloat")) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, v[i])->at,
                      "%s: applies to buffer debloating only (add 'buffer-debloat: true')", rows[i]->name);
            return -1;
        }
        /* BufferDebloatConfiguration: maxBufferSize >= minBufferSize; reported at
         * min-segment-size when the file sets it, else at buffer-debloat */
        bool at_min = !strcmp(rows[i]->name, "min-segment-size"), at_on = !strcmp(rows[i]->name, "buffer-debloat");
        if (c->net.debloat.enabled && c->net.debloat.min_segment_bytes > c->net.segment_bytes &&
            (at_min || (at_on && !ss_given(rows, v, n, "min-segment-size")))) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, v[i])->at,
                      "%s: min-segment-size (%u) is larger than segment-size (%u)", rows[i]->name,
                      c->net.debloat.min_segment_bytes, c->net.segment_bytes);
            return -1;
        }
        if (c->net.model == SIM_NET_BYTES && strcmp(rows[i]->name, "credits") == 0) {
            sc_err_at(cx->err, cx->text, sc_node_at(cx, v[i])->at,
                      "credits: the byte network counts credits in buffers (buffers-per-channel, "
                      "floating-buffers-per-gate); 'credits' is the record model's");
            return -1;
        }
    }
    return 0;
}

/* A run's memory is bounded by its configuration (sim/engine/memory.c): refuse a run whose
 * history alone would pass max-memory-bytes, at records-per-source (or the mapping). */
static int ss_memory_rule(const sc_ctx *cx, uint32_t node, const simscen_key *const *rows, const uint32_t *v,
                          uint32_t n, const sim_config *c)
{
    uint64_t need = sim_memory_estimate(c), bound = sim_memory_bound(c);
    if (need <= bound)
        return 0;
    uint32_t at = node;
    for (uint32_t i = 0; i < n; i++)
        if (v[i] != SC_NONE && strcmp(rows[i]->name, "records-per-source") == 0)
            at = v[i];
    sc_err_at(cx->err, cx->text, sc_node_at(cx, at)->at,
              "records-per-source: %u sources x %llu records through %u stages keep at least %llu bytes of "
              "checker history, more than max-memory-bytes (%llu); lower records-per-source, or raise "
              "max-memory-bytes (at most %llu; docs/limits.md)",
              c->sources, (unsigned long long)c->records_per_source, c->stages, (unsigned long long)need,
              (unsigned long long)bound, (unsigned long long)SIM_MEMORY_MAX_BYTES);
    return -1;
}

/* Link kinds (sim/engine/partition.c): broadcast links copy records at most
 * SIM_COPIES_MAX times in all; key-count and key-skew only mean something to hash links. */
static int ss_partition_rules(const sc_ctx *cx, uint32_t node, const simscen_key *const *rows, const uint32_t *v,
                              uint32_t n, uint32_t link_at, const sim_config *c)
{
    if (sim_link_copies(c, c->stages) > SIM_COPIES_MAX) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, link_at != SC_NONE ? link_at : node)->at,
                  "link: the broadcast links copy each record more than %u times (parallelism %u per broadcast "
                  "link, multiplied)", SIM_COPIES_MAX, c->parallelism);
        return -1;
    }
    bool hash = sim_link_used(c, SIM_LINK_HASH);
    for (uint32_t i = 0; i < n && !hash; i++) {
        if (v[i] == SC_NONE || (strcmp(rows[i]->name, "key-count") && strcmp(rows[i]->name, "key-skew")))
            continue;
        sc_err_at(cx->err, cx->text, sc_node_at(cx, v[i])->at,
                  "%s: only hash links have keys, and no stage boundary has a hash link (link: hash)", rows[i]->name);
        return -1;
    }
    return 0;
}

static int ss_simulation(const sc_ctx *cx, uint32_t node, simscen *sc)
{
    sc_keyspec keys[SIMSCEN_KEYS_MAX];
    const simscen_key *rows[SIMSCEN_KEYS_MAX];
    uint32_t v[SIMSCEN_KEYS_MAX], n = 0, link_at = SC_NONE;
    for (size_t i = 0; simscen_key_at(i); i++) {
        const simscen_key *k = simscen_key_at(i);
        if (k->kind == SIMSCEN_KEY_SWEEP_ONLY)
            continue;
        rows[n] = k;
        keys[n++] = (sc_keyspec){k->name, false};
    }
    sim_config *c = &sc->cfg;
    if (ss_map(cx, node, "simulation", keys, n, v) != 0)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (ss_sim_key(cx, rows[i], v[i], c) != 0)
            return -1;
        if (rows[i]->kind == SIMSCEN_KEY_LINK)
            link_at = v[i];
    }
    if (ss_network_rules(cx, rows, v, n, c) != 0 || ss_memory_rule(cx, node, rows, v, n, c) != 0)
        return -1;
    if (c->link[0] == SIM_LINK_FORWARD && c->sources != c->parallelism) {
        uint32_t at = link_at != SC_NONE ? link_at : node;
        sc_err_at(cx->err, cx->text, sc_node_at(cx, at)->at,
                  "link: a forward link from the sources needs sources equal to parallelism (%u, %u)",
                  c->sources, c->parallelism);
        return -1;
    }
    return ss_partition_rules(cx, node, rows, v, n, link_at, c);
}

static int ss_bounds(const sc_ctx *cx, uint32_t node, sim_config *c)
{
    static const sc_keyspec keys[] = {
        {"checkpoint-ns", false}, {"stall-ns", false}, {"spill-bytes", false}, {"open-files", false}};
    uint32_t v[4];
    if (node == SC_NONE)
        return 0;
    return ss_map(cx, node, "bounds", keys, 4, v) != 0 ||
                   ss_u64(cx, v[0], "checkpoint-ns", 0, UINT64_MAX / 4, &c->checkpoint_bound_ns) != 0 ||
                   ss_u64(cx, v[1], "stall-ns", 0, UINT64_MAX / 4, &c->stall_bound_ns) != 0 ||
                   ss_u64(cx, v[2], "spill-bytes", 0, UINT64_MAX, &c->spill_bytes_max) != 0 ||
                   ss_u32(cx, v[3], "open-files", 0, 64, &c->open_files_max) != 0
               ? -1
               : 0;
}

/* ---- faults --------------------------------------------------------------------------- */
/* The target's range by the row's target sort: [*lo, *hi], and what it must be. */
static const char *ss_fault_range(const sim_fault_desc *d, const sim_config *c, uint64_t *lo, uint64_t *hi)
{
    uint32_t nodes = c->sources + c->stages * c->parallelism;
    *lo = 0;
    *hi = nodes - 1;
    switch (d->target) {
    case SIM_FAULT_ON_SOURCE: *hi = c->sources - 1; return "a source";
    case SIM_FAULT_ON_TASK: *lo = c->sources; return "a task";
    case SIM_FAULT_ON_NODE:
    case SIM_FAULT_ON_COORD: return "a node";
    }
    return "a node";
}

static int ss_fault_target(const sc_ctx *cx, uint32_t node, const sim_fault_desc *d, const sim_config *c,
                           sim_fault *f)
{
    uint64_t lo, hi, target = 0;
    const char *what = ss_fault_range(d, c, &lo, &hi);
    if (node != SC_NONE) {
        const sc_node *t = sc_node_at(cx, node);
        uint64_t x = 0;
        if (sc_node_vtype(t) == SC_V_INT && sc_get_u64(cx, node, "target", 0, UINT32_MAX, &x) == 0 &&
            (x < lo || x > hi)) {
            sc_err_at(cx->err, cx->text, t->at,
                      "target: %llu is not %s (sources are 0 .. %u, tasks %u .. %u)", (unsigned long long)x,
                      what, c->sources - 1, c->sources, c->sources + c->stages * c->parallelism - 1);
            return -1;
        }
        if (ss_u64(cx, node, "target", lo, hi, &target) != 0)
            return -1;
    } else if (lo > 0) {
        target = lo;
    }
    f->target = (uint32_t)target;
    return 0;
}

/* One scripted fault; every rule is its kind's row (sim_fault_desc). */
int ss_fault(const sc_ctx *cx, uint32_t map, const sim_config *c, sim_fault *f)
{
    static const sc_keyspec keys[] = {
        {"kind", true}, {"target", false}, {"at-ns", false}, {"checkpoint", false}, {"arg", false}};
    uint32_t v[5];
    const char *names[SIM_FAULT_KINDS_MAX];
    size_t n_names = ss_kind_names(names);
    int kind = 0;
    if (sc_node_at(cx, map)->kind != SC_NODE_MAP)
        return sc_type_error(cx, map, "fault", "a mapping");
    if (sc_map_keys(cx, map, keys, 5, v, (uint32_t[5]){0}) != 0 ||
        ss_name(cx, v[0], "kind", "fault kind", names, n_names, &kind) != 0)
        return -1;
    const sim_fault_desc *d = sim_fault_desc_of((uint32_t)kind);
    BS_ASSERT(d != NULL);
    f->kind = (sim_fault_kind)kind;
    f->arg = d->arg_default;
    if (ss_fault_target(cx, v[1], d, c, f) != 0 || ss_u64(cx, v[2], "at-ns", 0, UINT64_MAX / 4, &f->at_ns) != 0 ||
        ss_u64(cx, v[3], "checkpoint", 0, UINT64_MAX / 4, &f->checkpoint) != 0 ||
        ss_u64(cx, v[4], "arg", d->arg_min, d->arg_max, &f->arg) != 0)
        return -1;
    if ((d->needs & SIM_FAULT_NEEDS_WHEN) && f->checkpoint == 0 && f->at_ns == 0) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, map)->at, "a %s needs 'checkpoint' or 'at-ns'", d->name);
        return -1;
    }
    return 0;
}

static int ss_faults(const sc_ctx *cx, uint32_t node, simscen *sc)
{
    if (node == SC_NONE)
        return 0;
    const sc_node *seq = sc_node_at(cx, node);
    if (seq->kind != SC_NODE_SEQ)
        return sc_type_error(cx, node, "faults", "a sequence");
    if (seq->count > SIMSCEN_FAULTS_MAX) {
        sc_err_at(cx->err, cx->text, seq->at, "faults: more than %u faults", SIMSCEN_FAULTS_MAX);
        return -1;
    }
    uint32_t f = seq->first;
    for (uint32_t i = 0; i < seq->count && f != SC_NONE; i++, f = sc_node_at(cx, f)->next) {
        if (ss_fault(cx, f, &sc->cfg, &sc->faults[i]) != 0)
            return -1;
        sc->cfg.n_faults++;
    }
    return 0;
}

/* A key of `random-faults` that is neither a fault kind nor `draws`: "random-faults:
 * unknown fault kind 'x'" at the key (did you mean one?). 0 when every key is known. */
static int ss_random_unknown(const sc_ctx *cx, uint32_t map, const char **names, size_t n)
{
    const sc_node *m = sc_node_at(cx, map);
    uint32_t k = m->first;
    for (uint32_t pairs = 0; k != SC_NONE && pairs < m->count; pairs++) {
        const sc_node *key = sc_node_at(cx, k);
        uint32_t v = key->next;
        if (key->kind == SC_NODE_SCALAR && !(key->len == 5 && memcmp(key->str, "draws", 5) == 0) &&
            sim_fault_kind_find(key->str, key->len) < 0) {
            char shown[SC_SHOW_MAX * 4 + 8], list[512];
            sc_show(shown, sizeof shown, key->str, key->len);
            const char *best = sc_suggest(key->str, key->len, names, n);
            if (best) {
                sc_err_at(cx->err, cx->text, key->at, "random-faults: unknown fault kind '%s' (did you mean '%s'?)",
                          shown, best);
            } else {
                sc_join(list, sizeof list, names, n);
                sc_err_at(cx->err, cx->text, key->at, "random-faults: unknown fault kind '%s' (expected %s, or draws)",
                          shown, list);
            }
            return -1;
        }
        k = v == SC_NONE ? SC_NONE : sc_node_at(cx, v)->next;
    }
    return 0;
}

/* `random-faults`: a chance per fault kind (a key of the fault-kind table), and `draws`. */
static int ss_random(const sc_ctx *cx, uint32_t node, sim_config *c)
{
    sc_keyspec keys[SIM_FAULT_KINDS_MAX + 1];
    uint32_t v[SIM_FAULT_KINDS_MAX + 1];
    const char *names[SIM_FAULT_KINDS_MAX];
    size_t n = ss_kind_names(names);
    if (node == SC_NONE)
        return 0;
    if (sc_node_at(cx, node)->kind == SC_NODE_MAP && ss_random_unknown(cx, node, names, n) != 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        keys[k] = (sc_keyspec){names[k], false};
    keys[n] = (sc_keyspec){"draws", false};
    if (ss_map(cx, node, "random-faults", keys, n + 1, v) != 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (ss_u32(cx, v[k], names[k], 0, 1000000, &c->fault_ppm[k]) != 0)
            return -1;
    return ss_u32(cx, v[n], "draws", 1, 64, &c->fault_draws);
}

/* ---- expect --------------------------------------------------------------------------- */
static int ss_expect(const sc_ctx *cx, uint32_t node, simscen *sc)
{
    static const sc_keyspec keys[4 + SIMSCEN_EXACT] = {
        {"violation", false}, {"checkpoints-completed-min", false}, {"restarts-min", false},
        {"faults-fired-min", false}, {"checkpoints-completed", false}, {"checkpoints-declined", false},
        {"checkpoints-timed-out", false}, {"checkpoints-abandoned", false}, {"restarts", false}};
    uint32_t v[4 + SIMSCEN_EXACT];
    for (int i = 0; i < SIMSCEN_EXACT; i++)
        sc->expect_exact[i] = SIMSCEN_UNCHECKED;
    if (node == SC_NONE)
        return 0;
    if (ss_map(cx, node, "expect", keys, 4 + SIMSCEN_EXACT, v) != 0)
        return -1;
    for (int i = 0; i < SIMSCEN_EXACT; i++)
        if (ss_u64(cx, v[4 + i], keys[4 + i].name, 0, UINT64_MAX - 1, &sc->expect_exact[i]) != 0)
            return -1;
    if (v[0] != SC_NONE) {
        if (ss_text(cx, v[0], "violation", false, sc->expect_violation, sizeof sc->expect_violation) != 0)
            return -1;
        if (strcmp(sc->expect_violation, "none") == 0)
            sc->expect_violation[0] = '\0';
    }
    return ss_u64(cx, v[1], "checkpoints-completed-min", 0, UINT64_MAX, &sc->expect_checkpoints_min) != 0 ||
                   ss_u64(cx, v[2], "restarts-min", 0, UINT64_MAX, &sc->expect_restarts_min) != 0 ||
                   ss_u64(cx, v[3], "faults-fired-min", 0, UINT64_MAX, &sc->expect_faults_fired_min) != 0
               ? -1
               : 0;
}

/* ---- the document ----------------------------------------------------------------------- */
enum {
    T_NAME, T_DESC, T_STRATEGY, T_SEED, T_PLANT, T_SIM, T_BOUNDS, T_FAULTS, T_RANDOM, T_EXPECT, T_SCHEDULE,
    T_GUARANTEE, T_STUDY, T_CLAIMS, T_COUNT
};

static int ss_strategy(const sc_ctx *cx, uint32_t node, simscen *sc)
{
    const char *names[32];
    size_t n = 0;
    int i = 0;
    while (n < 32 && (names[n] = sim_strategy_name(n)) != NULL)
        n++;
    if (ss_name(cx, node, "strategy", "strategy", names, n, &i) != 0)
        return -1;
    snprintf(sc->strategy, sizeof sc->strategy, "%s", names[i]);
    return 0;
}

static int ss_schema(const sc_ctx *cx, simscen *sc)
{
    static const sc_keyspec keys[T_COUNT] = {
        [T_NAME] = {"name", true}, [T_DESC] = {"description", false}, [T_STRATEGY] = {"strategy", true},
        [T_SEED] = {"seed", false}, [T_PLANT] = {"plant", false}, [T_SIM] = {"simulation", true},
        [T_BOUNDS] = {"bounds", false}, [T_FAULTS] = {"faults", false},
        [T_RANDOM] = {"random-faults", false}, [T_EXPECT] = {"expect", false},
        [T_SCHEDULE] = {"schedule", false}, [T_GUARANTEE] = {"guarantee", false},
        [T_STUDY] = {"study", false}, [T_CLAIMS] = {"claims", false},
    };
    static const char *const guarantees[] = {"exactly-once", "at-least-once"};
    int g = 0;
    static const char *const plants[] = {"none", "early-complete", "wrong-offsets", "drop-replayed"};
    uint32_t v[T_COUNT];
    int plant = 0;
    if (ss_map(cx, 0, "document", keys, T_COUNT, v) != 0 ||
        ss_text(cx, v[T_NAME], "name", false, sc->name, sizeof sc->name) != 0)
        return -1;
    size_t len = strlen(sc->name);
    if (strspn(sc->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != len) {
        sc_err_at(cx->err, cx->text, sc_node_at(cx, v[T_NAME])->at,
                  "name: '%s' is not a valid name (use letters, digits and '-')", sc->name);
        return -1;
    }
    if ((v[T_DESC] != SC_NONE &&
         ss_text(cx, v[T_DESC], "description", true, sc->description, sizeof sc->description) != 0) ||
        ss_strategy(cx, v[T_STRATEGY], sc) != 0 || ss_u64(cx, v[T_SEED], "seed", 0, UINT64_MAX, &sc->seed) != 0)
        return -1;
    if (v[T_PLANT] != SC_NONE && ss_name(cx, v[T_PLANT], "plant", "plant", plants, 4, &plant) != 0)
        return -1;
    sc->cfg.plant = (sim_plant)plant;
    if (ss_simulation(cx, v[T_SIM], sc) != 0 || ss_bounds(cx, v[T_BOUNDS], &sc->cfg) != 0 ||
        ss_faults(cx, v[T_FAULTS], sc) != 0 || ss_random(cx, v[T_RANDOM], &sc->cfg) != 0 ||
        ss_schedule(cx, v[T_SCHEDULE], v[T_SIM], sc) != 0 || ss_expect(cx, v[T_EXPECT], sc) != 0 ||
        ss_study(cx, v[T_STUDY], sc) != 0 || ss_claims(cx, v[T_CLAIMS], sc) != 0)
        return -1;
    if (v[T_GUARANTEE] != SC_NONE) {
        if (ss_name(cx, v[T_GUARANTEE], "guarantee", "guarantee", guarantees, 2, &g) != 0)
            return -1;
        sc->cfg.end_to_end = g == 0 ? SIM_E2E_EXACTLY_ONCE : SIM_E2E_AT_LEAST_ONCE;
    }
    return 0;
}

/* Is the tree a mapping with a top-level `simulation` key (or, without `input`, a key
 * that is a likely misspelling of it, so that the message suggests the right key)? */
static bool ss_is_sim(const sc_tree *tree)
{
    static const char *const sim_key[] = {"simulation"};
    if (tree->len == 0 || tree->nodes[0].kind != SC_NODE_MAP)
        return false;
    bool near = false, input = false;
    uint32_t k = tree->nodes[0].first;
    for (uint32_t i = 0; k != SC_NONE && i < SC_NODES_MAX; i++) {
        const sc_node *key = &tree->nodes[k];
        if (ss_key_is(key, "simulation"))
            return true;
        if (ss_key_is(key, "input"))
            input = true;
        else if (key->kind == SC_NODE_SCALAR && sc_suggest(key->str, key->len, sim_key, 1))
            near = true;
        uint32_t v = key->next;
        k = v == SC_NONE ? SC_NONE : tree->nodes[v].next;
    }
    return near && !input;
}

static void ss_defaults(simscen *sc)
{
    memset(sc, 0, sizeof *sc);
    sim_config_default(&sc->cfg);
    sc->seed = 1;
}

/* ---- the child -------------------------------------------------------------------------- */
typedef struct ss_reply {
    char tag;                  /* 'N', 'E' or 'S' */
    sc_err err;
    simscen sc;
} ss_reply;

static int ss_child(void *ctx, int fd)
{
    const sc_text *t = ctx;
    ss_reply *r = calloc(1, sizeof *r);
    if (!r)
        return SC_CHILD_EXIT_NOMEM;
    sc_tree tree;
    r->tag = 'N';
    if (sc_yaml_parse(t, &tree, &r->err) == 0) {
        if (ss_is_sim(&tree)) {
            sc_ctx cx = {.tree = &tree, .text = t, .err = &r->err};
            ss_defaults(&r->sc);
            r->tag = ss_schema(&cx, &r->sc) == 0 ? 'S' : 'E';
        }
        sc_tree_free(&tree);
    }
    int status = SC_CHILD_EXIT_OK;
    const uint8_t *p = (const uint8_t *)r;
    for (size_t off = 0; off < sizeof *r;) {
        ssize_t n = write(fd, p + off, sizeof *r - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            status = SC_CHILD_EXIT_IO;
            break;
        }
        off += (size_t)n;
    }
    free(r);
    return status;
}

int simscen_load_bytes(const char *path, const uint8_t *bytes, size_t len, simscen *out, char *err,
                       size_t err_len)
{
    sc_text t;
    sc_err e;
    memset(out, 0, sizeof *out);
    if (sc_screen(bytes, len, &t, &e) != 0)
        return 1;
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    char why[256];
    int rc = sc_isolate_run(ss_child, &t, &reply, &reply_len, why, sizeof why);
    sc_text_free(&t);
    if (rc != 0)
        return 1;
    ss_reply *r = (ss_reply *)(void *)reply;
    rc = 1;
    if (reply_len == sizeof *r && r->tag == 'E') {
        r->err.msg[sizeof r->err.msg - 1] = '\0';
        if (err && err_len)
            snprintf(err, err_len, "%s:%u:%u: %s", path, r->err.pos.line, r->err.pos.col, r->err.msg);
        rc = -1;
    } else if (reply_len == sizeof *r && r->tag == 'S') {
        *out = r->sc;
        out->strategy[sizeof out->strategy - 1] = '\0';
        out->cfg.strategy = sim_strategy_static(out->strategy);
        out->cfg.faults = out->faults;
        out->cfg.steps = out->cfg.n_steps ? out->steps : NULL;
        snprintf(out->path, sizeof out->path, "%s", path);
        if (!out->cfg.strategy || out->cfg.n_faults > SIMSCEN_FAULTS_MAX || out->cfg.n_steps > SIMSCEN_STEPS_MAX) {
            if (err && err_len)
                snprintf(err, err_len, "%s:1:1: the loader's reply is malformed", path);
            rc = -1;
        } else {
            rc = 0;
        }
    }
    free(reply);
    return rc;
}

int simscen_load(const char *path, simscen *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return 1;
    struct stat st;
    size_t cap = SC_FILE_BYTES_MAX + 1, n = 0;
    uint8_t *buf = NULL;
    bool bad = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)SC_FILE_BYTES_MAX ||
               !(buf = malloc(cap));
    for (int tries = 0; !bad && n < cap && tries < 1 << 20; tries++) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0) {
            bad = r < 0;
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    int rc = bad || n > SC_FILE_BYTES_MAX ? 1 : simscen_load_bytes(path, buf, n, out, err, err_len);
    free(buf);
    return rc;
}
