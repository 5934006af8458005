/*
 * test_check_order.c: merging arrival orders (sim/check/model.c, MERGING ARRIVAL ORDERS;
 * spill's argument: core/strategy/spill_snapshot.c). A state's identity writes spill's
 * file being written grouped by channel, so states that differ only in how channels
 * interleaved in that file are one state. That is sound when such states step alike: the
 * audit below walks every state of a configuration (one per identity, as the search
 * does), rewrites the file of each into other interleavings of the same per-channel
 * sequences, and steps every enabled transition from the state and from each rewrite:
 * the successors must have the same identity and the same verdict (violation, end,
 * purity for the sleep sets, message). As every state reached is audited, the identities
 * form a bisimulation on the configuration, which is what merging needs.
 */
#include "bs_test.h"

#include "../core/bs_spill.h"
#include "../sim/check/model.h"
#include "../sim/strategies.h"

#include <string.h>

#define SPILL_SNAP_MAGIC 0x31766c6c697073ull /* core/strategy/spill_snapshot.c */

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- a set of byte strings (the identities seen) ---------------------------------- */
typedef struct key_set {
    bs_buf *keys;
    size_t len, cap;
    size_t *slot; /* index + 1, 0: empty */
    size_t slots;
} key_set;

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void set_grow(key_set *s)
{
    size_t slots = s->slots ? 2 * s->slots : 1024;
    free(s->slot);
    s->slot = calloc(slots, sizeof *s->slot);
    cr_assert(s->slot);
    s->slots = slots;
    for (size_t i = 0; i < s->len; i++) {
        size_t at = fnv(s->keys[i].p, s->keys[i].len) & (slots - 1);
        while (s->slot[at])
            at = (at + 1) & (slots - 1);
        s->slot[at] = i + 1;
    }
}

/* Adds key; true when it was new. */
static bool set_add(key_set *s, const bs_buf *key)
{
    if (2 * (s->len + 1) > s->slots)
        set_grow(s);
    size_t at = fnv(key->p, key->len) & (s->slots - 1);
    for (; s->slot[at]; at = (at + 1) & (s->slots - 1)) {
        const bs_buf *k = &s->keys[s->slot[at] - 1];
        if (k->len == key->len && memcmp(k->p, key->p, k->len) == 0)
            return false;
    }
    if (s->len == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->keys = realloc(s->keys, s->cap * sizeof *s->keys);
        cr_assert(s->keys);
    }
    bs_buf *k = &s->keys[s->len] ;
    memset(k, 0, sizeof *k);
    cr_assert_eq(bs_buf_put(k, key->p, key->len), 0);
    s->slot[at] = ++s->len;
    return true;
}

static void set_free(key_set *s)
{
    for (size_t i = 0; i < s->len; i++)
        bs_buf_free(&s->keys[i]);
    free(s->keys);
    free(s->slot);
}

/* ---- the file being written, inside a full blob ----------------------------------- */
#define AUDIT_RECORDS_MAX 64

typedef struct spill_file_view {
    size_t at, n;                        /* the records' bytes within the blob */
    size_t rec_at[AUDIT_RECORDS_MAX];    /* offsets within the records */
    size_t rec_len[AUDIT_RECORDS_MAX];
    uint32_t rec_ch[AUDIT_RECORDS_MAX];
    bool rec_data[AUDIT_RECORDS_MAX];
    size_t records;
    uint32_t channels_present;
} spill_file_view;

/* The file being written of a spill state's full blob (model.c's layout: vars, handler
 * length, handler snapshot, ...); false when no file is open. */
static bool find_file(const uint8_t *blob, size_t len, uint32_t channels, spill_file_view *f)
{
    size_t p = sizeof(mc_vars) + 8;
    cr_assert(len > p + 10 * 8);
    cr_assert_eq(get_u64(blob + p), SPILL_SNAP_MAGIC);
    cr_assert_eq(get_u64(blob + p + 16), channels);
    p += 8 * 8 + 8 * ((channels + 63) / 64);
    if (!get_u64(blob + p))
        return false;
    p += 8;
    f->n = (size_t)get_u64(blob + p + 24);
    f->at = p + 32;
    cr_assert_leq(f->at + f->n, len);
    f->records = 0;
    uint32_t seen = 0;
    for (size_t q = 0; q < f->n;) {
        cr_assert_lt(f->records, AUDIT_RECORDS_MAX);
        uint32_t ch = get_u32(blob + f->at + q), l = get_u32(blob + f->at + q + 4);
        cr_assert_lt(ch, channels);
        f->rec_at[f->records] = q;
        f->rec_len[f->records] = BS_SPILL_HEADER_BYTES + l;
        f->rec_data[f->records] = blob[f->at + q + 8] == BS_SPILL_KIND_DATA;
        f->rec_ch[f->records++] = ch;
        seen |= 1u << ch;
        q += BS_SPILL_HEADER_BYTES + l;
    }
    f->channels_present = (uint32_t)__builtin_popcount(seen);
    return true;
}

/* Whether records x and y of the file may trade places (the class the identity merges):
 * different channels, and one is data, or both are the same event (equal payloads), or
 * they are b<k> and x<k>. Written apart from the core's rule, from the argument. */
static bool independent(const uint8_t *blob, const spill_file_view *f, size_t x, size_t y)
{
    if (f->rec_ch[x] == f->rec_ch[y])
        return false;
    if (f->rec_data[x] || f->rec_data[y])
        return true;
    const uint8_t *p = blob + f->at;
    const uint8_t *px = p + f->rec_at[x] + BS_SPILL_HEADER_BYTES, *py = p + f->rec_at[y] + BS_SPILL_HEADER_BYTES;
    if (f->rec_len[x] == f->rec_len[y] && memcmp(px, py, f->rec_len[x] - BS_SPILL_HEADER_BYTES) == 0)
        return true;
    uint32_t tx = get_be32(px), ty = get_be32(py); /* b<k> and x<k>: the same id */
    return ((tx == BS_SPILL_TAG_BARRIER && ty == BS_SPILL_TAG_CANCEL) ||
            (tx == BS_SPILL_TAG_CANCEL && ty == BS_SPILL_TAG_BARRIER)) &&
           memcmp(px + 4, py + 4, 8) == 0;
}

/* Writes into alt (a copy of blob) a random member of the file's class: a random order
 * of its records in which every pair that is not independent keeps its order (each step
 * takes a record that every remaining earlier one is independent of); false when it is
 * the file's own order. */
static bool interleave(const uint8_t *blob, const spill_file_view *f, uint64_t *rng, uint8_t *alt)
{
    bool taken[AUDIT_RECORDS_MAX] = {0}, same = true;
    size_t out = f->at;
    for (size_t k = 0; k < f->records; k++) {
        size_t can[AUDIT_RECORDS_MAX], ncan = 0;
        for (size_t i = 0; i < f->records; i++) {
            bool minimal = !taken[i];
            for (size_t j = 0; j < i && minimal; j++)
                minimal = taken[j] || independent(blob, f, j, i);
            if (minimal)
                can[ncan++] = i;
        }
        cr_assert_gt(ncan, 0);
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        size_t r = can[*rng % ncan];
        taken[r] = true;
        same = same && r == k;
        memcpy(alt + out, blob + f->at + f->rec_at[r], f->rec_len[r]);
        out += f->rec_len[r];
    }
    cr_assert_eq(out, f->at + f->n);
    return !same;
}

typedef struct step_out {
    bs_buf canon;
    mc_step_info info;
} step_out;

/* Steps every transition of a state from `alt`, a rewrite of it, and compares with
 * `outs`, the state's own steps: the verdicts must be equal; returns how many successors'
 * identities differ. */
static uint64_t count_unlike(mc_model *m, const uint8_t *alt, size_t len, const uint32_t *t, size_t nt,
                             const step_out *outs, bs_buf *canon)
{
    uint64_t unlike = 0;
    for (size_t i = 0; i < nt; i++) {
        mc_step_info info;
        canon->len = 0;
        cr_assert_eq(mc_step(m, alt, len, false, t[i], &info, canon), 0);
        cr_assert_eq(info.noop, outs[i].info.noop);
        cr_assert_eq(info.violation, outs[i].info.violation, "%s", info.message);
        cr_assert_eq(info.terminal, outs[i].info.terminal);
        cr_assert_eq(info.pure, outs[i].info.pure, "transition %u", t[i]);
        cr_assert_str_eq(info.message, outs[i].info.message);
        unlike += !(canon->len == outs[i].canon.len && memcmp(canon->p, outs[i].canon.p, canon->len) == 0);
    }
    return unlike;
}

typedef struct audit_stats {
    uint64_t states, audited, rewrites, steps;
    uint64_t unlike;                     /* steps from a rewrite to another identity */
} audit_stats;

/* Breadth-first over the configuration's identities; `alts` rewrites per state.
 * keep_order: the control (identities keep the file's order). */
static audit_stats audit(uint32_t channels, uint32_t checkpoints, bool skip, unsigned alts, bool keep_order)
{
    sim_strategy st;
    cr_assert(sim_strategy_find("spill", &st));
    check_config c = {.strategy = "spill", .ops = bs_strategy_find("spill"), .guarantee = st.guarantee,
                      .check_progress = st.check_progress, .channels = channels, .checkpoints = checkpoints,
                      .data = 1, .eop = true, .cancel = true, .skip = skip, .sleep_sets = true,
                      .symmetry = true, .keep_order = keep_order, .shards = 1};
    mc_model *m;
    cr_assert_eq(mc_model_open(&m, &c), 0);
    cr_assert_str_eq(mc_order_off(m), keep_order ? "--keep-order" : "");
    key_set seen = {0};
    bs_buf *queue = NULL, canon = {0}, full = {0};
    size_t qlen = 0, qcap = 0;
    cr_assert_eq(mc_initial(m, &full, &canon), 0);
    set_add(&seen, &canon);
    queue = calloc(1, sizeof *queue);
    qcap = 1;
    queue[qlen++] = full;
    memset(&full, 0, sizeof full);
    audit_stats a = {0};
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (size_t head = 0; head < qlen; head++) {
        const bs_buf *s = &queue[head];
        mc_vars vars;
        mc_vars_of(s->p, &vars);
        uint32_t t[CHECK_CHANNELS_MAX * MC_ALTS + 2];
        size_t nt = mc_enabled(m, &vars, t, sizeof t / sizeof t[0]);
        step_out outs[CHECK_CHANNELS_MAX * MC_ALTS + 2];
        memset(outs, 0, sizeof outs);
        for (size_t i = 0; i < nt; i++) {
            cr_assert_eq(mc_step(m, s->p, s->len, false, t[i], &outs[i].info, &outs[i].canon), 0);
            a.steps++;
            if (outs[i].info.noop || outs[i].info.violation || !set_add(&seen, &outs[i].canon))
                continue;
            if (qlen == qcap) {
                qcap *= 2;
                queue = realloc(queue, qcap * sizeof *queue);
                cr_assert(queue);
                s = &queue[head];
            }
            memset(&queue[qlen], 0, sizeof queue[qlen]);
            cr_assert_eq(mc_full(m, &queue[qlen]), 0);
            qlen++;
        }
        a.states++;
        spill_file_view f;
        if (find_file(s->p, s->len, channels, &f) && f.channels_present > 1) {
            a.audited++;
            uint8_t *alt = malloc(s->len);
            cr_assert(alt);
            memcpy(alt, s->p, s->len);
            for (unsigned k = 0; k < alts; k++) {
                if (!interleave(s->p, &f, &rng, alt))
                    continue;
                a.unlike += count_unlike(m, alt, s->len, t, nt, outs, &canon);
                a.rewrites++;
                a.steps += nt;
            }
            free(alt);
        }
        for (size_t i = 0; i < nt; i++)
            bs_buf_free(&outs[i].canon);
        bs_buf_free(&queue[head]);
    }
    free(queue);
    bs_buf_free(&canon);
    bs_buf_free(&full);
    set_free(&seen);
    mc_model_close(m);
    cr_log_info("spill %ux%u%s%s: %llu states, %llu with a file of several channels, %llu rewrites, "
                "%llu steps, %llu to another identity", channels, checkpoints, skip ? " skip" : "",
                keep_order ? " keep-order" : "", (unsigned long long)a.states, (unsigned long long)a.audited,
                (unsigned long long)a.rewrites, (unsigned long long)a.steps, (unsigned long long)a.unlike);
    return a;
}

BS_TEST(check_order, spill_states_differing_only_in_arrival_order_step_alike)
{
    static const struct { uint32_t n, k; bool skip; unsigned alts; } cfgs[] = {
        {3, 2, false, 8}, {3, 2, true, 4}, {4, 1, true, 4}, {3, 3, false, 4},
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        audit_stats a = audit(cfgs[i].n, cfgs[i].k, cfgs[i].skip, cfgs[i].alts, false);
        cr_assert_gt(a.rewrites, a.audited / 2, "%ux%u: too few states had a file to rewrite", cfgs[i].n, cfgs[i].k);
        cr_assert_eq(a.unlike, 0, "%ux%u: %llu steps from a rewrite reached another identity", cfgs[i].n, cfgs[i].k,
                     (unsigned long long)a.unlike);
    }
    /* the control: identities that keep the order tell the rewrites' successors apart */
    audit_stats k = audit(3, 2, false, 8, true);
    cr_assert_gt(k.unlike, 0);
}
