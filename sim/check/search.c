/*
 * search.c: breadth-first exploration with state caching and sleep sets.
 *
 * Nodes are stored in the order they are found, so the node array is the BFS queue and
 * each node's parent link gives a shortest path. A state is identified by a 128-bit hash
 * of its canonical bytes (model.c); in bitstate mode by k = 3 bits of a bit array instead
 * (Holzmann's supertrace: states may be missed, never invented), without sleep sets.
 *
 * PARTIAL-ORDER REDUCTION (sleep sets) AND WHY IT IS SOUND HERE
 * Two transitions t, u enabled in state s are declared independent when they belong to
 * different channels, neither is the end of input or carries an injected fault, and each
 * is either a skip (the explorer drops a barrier: no handler step at all) or "pure" in s:
 * the handler returned exactly the data item it was given and nothing else happened (no
 * notification, no I/O call, no other item, no violation), then waited at its gate. A
 * pure step leaves the handler's state unchanged (the handler is deterministic and its
 * snapshot after the step equals the one before), changes only its own channel's position
 * and its own item's returned flag in the checker, and cannot change what any invariant
 * decides for a transition of another channel: FIFO and conservation look at one channel,
 * exactly-once and at-least-once only at triggers (not pure), progress only at checkpoints
 * that a data item or a dropped barrier cannot resolve. Hence s.t.u = s.u.t, both orders
 * are enabled, and t stays pure after u (and vice versa): a valid conditional independence.
 * The checker's state is part of the hashed state, and a violation sets its failed flag,
 * so "a violation is reachable" is a property of states.
 * Sleep sets with a valid independence relation never prevent a reachable state from being
 * visited; they only avoid re-executing commuting orders (Godefroid, "Partial-Order Methods
 * for the Verification of Concurrent Systems", LNCS 1032, ch. 5). With state caching, a
 * state reached again with a sleep set that is not a superset of the one it was explored
 * with is re-explored for the transitions that woke up (ibid. 5.4; Holzmann's combination
 * in SPIN is the same idea); we keep the intersection. A transition in a sleep set is never
 * executed, which loses nothing: by construction it is pure, so executing it could not
 * have raised a violation. Only smaller sleep sets are used on re-exploration, which is
 * always safe. The reduction shows as transitions not executed ("slept"), not as fewer
 * states: every reachable state is still visited and checked.
 */
#include "check.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SHARD_DEPTH 4u            /* with --shard: nodes at this depth are split by hash */
#define ENABLED_MAX (MC_CHANNELS_MAX * MC_ALTS + 1)

typedef struct node {
    uint64_t h1, h2;
    uint32_t parent, via, depth;
    uint64_t sleep;               /* sleeping transitions (bit = base transition id) */
    uint8_t explored;
    uint8_t *blob;
    size_t blob_len;
} node;

typedef struct work {             /* a node to expand, and which transitions to run */
    uint32_t node;
    uint64_t only;                /* 0: every enabled one; else only these (re-exploration) */
} work;

typedef struct search {
    const check_config *cfg;
    check_result *res;
    mc_model *m;
    node *nodes;
    size_t nodes_len, nodes_cap;
    uint32_t *table;              /* open addressing: node index + 1, 0 = empty */
    size_t table_cap;
    uint8_t *bits;                /* bitstate */
    uint64_t bits_mask;
    work *queue;
    size_t q_head, q_len, q_cap;
    bool stop;
    uint32_t violating_parent, violating_via;
    struct timespec t0;
    double last_progress;
} search;

/* ---- hashing and the visited set ----------------------------------------------------- */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

/* Two independent 64-bit lanes, one multiply per word each, then a full mix: 128 bits
 * of state identity (a collision between two of n states has odds near n^2 / 2^129). */
static void hash128(const uint8_t *p, size_t n, uint64_t *h1, uint64_t *h2)
{
    uint64_t a = 0x9e3779b97f4a7c15ull ^ n, b = 0xc2b2ae3d27d4eb4full + n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        a = rotl(a ^ w, 31) * 0x87c37b91114253d5ull;
        b = rotl(b + w, 27) * 0x4cf5ad432745937full;
    }
    uint64_t tail = 0;
    memcpy(&tail, p + i, n - i);
    *h1 = mix(a ^ tail ^ 0x1234567ull);
    *h2 = mix(b + tail + (a >> 7));
}

static int table_grow(search *s)
{
    size_t cap = s->table_cap ? 2 * s->table_cap : 1u << 16;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return BS_ENOMEM;
    for (size_t i = 0; i < s->table_cap; i++) {
        if (!s->table[i])
            continue;
        size_t j = s->nodes[s->table[i] - 1].h1 & (cap - 1);
        while (t[j])
            j = (j + 1) & (cap - 1);
        t[j] = s->table[i];
    }
    free(s->table);
    s->table = t;
    s->table_cap = cap;
    return 0;
}

/* Exact mode: the node with this hash, or -1 (and the slot to fill in *slot). */
static long table_find(const search *s, uint64_t h1, uint64_t h2, size_t *slot)
{
    size_t j = h1 & (s->table_cap - 1);
    while (s->table[j]) {
        const node *n = &s->nodes[s->table[j] - 1];
        if (n->h1 == h1 && n->h2 == h2)
            return (long)s->table[j] - 1;
        j = (j + 1) & (s->table_cap - 1);
    }
    *slot = j;
    return -1;
}

/* Bitstate mode: true when all three bits were set already; sets them. */
static bool bits_test_set(search *s, uint64_t h1, uint64_t h2)
{
    uint64_t k[3] = {h1, h2, mix(h1 ^ h2)};
    bool seen = true;
    for (int i = 0; i < 3; i++) {
        uint64_t b = k[i] & s->bits_mask;
        if (!(s->bits[b >> 3] & (1u << (b & 7))))
            seen = false;
        s->bits[b >> 3] |= (uint8_t)(1u << (b & 7));
    }
    return seen;
}

/* ---- nodes and the queue ------------------------------------------------------------- */
static int push_work(search *s, uint32_t n, uint64_t only)
{
    if (s->q_head + s->q_len == s->q_cap) {
        if (s->q_head > s->q_cap / 2) {
            memmove(s->queue, s->queue + s->q_head, s->q_len * sizeof *s->queue);
            s->q_head = 0;
        } else {
            size_t cap = s->q_cap ? 2 * s->q_cap : 1024;
            work *q = realloc(s->queue, cap * sizeof *q);
            if (!q)
                return BS_ENOMEM;
            s->queue = q;
            s->q_cap = cap;
        }
    }
    s->queue[s->q_head + s->q_len++] = (work){n, only};
    return 0;
}

static long add_node(search *s, const bs_buf *full, uint64_t h1, uint64_t h2, uint32_t parent,
                     uint32_t via, uint32_t depth, uint64_t sleep)
{
    if (s->nodes_len == s->nodes_cap) {
        size_t cap = s->nodes_cap ? 2 * s->nodes_cap : 4096;
        node *q = realloc(s->nodes, cap * sizeof *q);
        if (!q)
            return -1;
        s->nodes = q;
        s->nodes_cap = cap;
    }
    node *n = &s->nodes[s->nodes_len];
    *n = (node){h1, h2, parent, via, depth, sleep, 0, malloc(full->len), full->len};
    if (!n->blob)
        return -1;
    memcpy(n->blob, full->p, full->len);
    s->res->states++;
    if (depth > s->res->depth)
        s->res->depth = depth;
    return (long)s->nodes_len++;
}

/* ---- expanding a node ------------------------------------------------------------- */
static uint64_t without_channel(uint64_t set, uint32_t t)
{
    uint32_t c = t / MC_ALTS;
    return set & ~((((uint64_t)1 << MC_ALTS) - 1) << (c * MC_ALTS));
}

static bool independent_kind(const search *s, uint32_t t, const mc_step_info *info)
{
    return t < mc_exhaust_transition(s->m) && (t >> MC_FAULT_SHIFT) == 0 && info->pure;
}

/* A successor: records a violation, a new node, or a revisit (waking sleepers). */
static int visit(search *s, uint32_t from, uint32_t t, const mc_step_info *info, const bs_buf *full,
                 const bs_buf *canon, uint64_t sleep_next)
{
    if (info->violation) {
        s->stop = true;
        s->res->violation = true;
        snprintf(s->res->message, sizeof s->res->message, "%s", info->message);
        s->violating_parent = from;
        s->violating_via = t;
        return 0;
    }
    uint64_t h1, h2;
    hash128(canon->p, canon->len, &h1, &h2);
    uint32_t depth = s->nodes[from].depth + 1;
    if (s->bits) {
        if (bits_test_set(s, h1, h2)) {
            s->res->revisits++;
            return 0;
        }
        long k = add_node(s, full, h1, h2, from, t, depth, 0);
        return k < 0 ? BS_ENOMEM : push_work(s, (uint32_t)k, 0);
    }
    if (2 * (s->nodes_len + 1) > s->table_cap && table_grow(s))
        return BS_ENOMEM;
    size_t slot;
    long k = table_find(s, h1, h2, &slot);
    if (k >= 0) {
        s->res->revisits++;
        node *n = &s->nodes[k];
        uint64_t woke = n->sleep & ~sleep_next;
        n->sleep &= sleep_next;
        return woke && n->explored ? push_work(s, (uint32_t)k, woke) : 0;
    }
    k = add_node(s, full, h1, h2, from, t, depth, sleep_next);
    if (k < 0)
        return BS_ENOMEM;
    s->table[slot] = (uint32_t)k + 1;
    return push_work(s, (uint32_t)k, 0);
}

typedef struct step_bufs {
    bs_buf full, canon;
} step_bufs;

/* Runs transition t from node idx and visits its successor. */
static int run_one(search *s, uint32_t idx, uint32_t t, uint64_t sleep_next_if_pure, step_bufs *b,
                   mc_step_info *info)
{
    const node *n = &s->nodes[idx];
    int rc = mc_step(s->m, n->blob, n->blob_len, t, info, &b->full, &b->canon);
    if (rc)
        return rc;
    s->res->transitions++;
    uint64_t z = independent_kind(s, t, info) ? without_channel(sleep_next_if_pure, t) : 0;
    return visit(s, idx, t, info, &b->full, &b->canon, z);
}

/* One transition and, with disk faults, its variants failing each I/O call it makes. */
static int run_with_faults(search *s, uint32_t idx, uint32_t t, uint64_t z, const mc_vars *vars,
                           step_bufs *b, mc_step_info *info)
{
    int rc = run_one(s, idx, t, z, b, info);
    if (rc || s->stop || !s->cfg->disk_fault || vars->fault_used)
        return rc;
    uint64_t calls = info->io_calls;
    bool pure = independent_kind(s, t, info);
    for (uint64_t j = 1; j <= calls && j < (1u << (32 - MC_FAULT_SHIFT)) && !s->stop; j++) {
        mc_step_info fi;
        rc = run_one(s, idx, t | (uint32_t)j << MC_FAULT_SHIFT, 0, b, &fi);
        if (rc)
            return rc;
    }
    info->pure = pure;
    return 0;
}

static bool skip_by_shard(const search *s, const node *n)
{
    return s->cfg->shards > 1 && n->depth == SHARD_DEPTH && n->h1 % s->cfg->shards != s->cfg->shard;
}

static int expand(search *s, work w, step_bufs *b)
{
    mc_vars vars;
    mc_vars_of(s->nodes[w.node].blob, &vars);
    uint32_t t[ENABLED_MAX];
    size_t nt = mc_enabled(s->m, &vars, t, ENABLED_MAX);
    const node *n = &s->nodes[w.node];
    if (nt && ((s->cfg->max_depth && n->depth >= s->cfg->max_depth) || skip_by_shard(s, n))) {
        if (!skip_by_shard(s, n))
            s->res->complete = false;
        nt = 0;
    }
    uint64_t sleep = n->sleep, done_pure = 0;
    for (size_t i = 0; i < nt && !s->stop; i++) {
        bool sleepable = t[i] < mc_exhaust_transition(s->m);
        if (sleepable && ((sleep >> t[i]) & 1)) {
            s->res->slept++;
            continue;
        }
        if (w.only && !(sleepable && ((w.only >> t[i]) & 1)))
            continue;
        uint64_t z = s->cfg->sleep_sets && !s->bits ? sleep | (w.only ? 0 : done_pure) : 0;
        mc_step_info info;
        int rc = run_with_faults(s, w.node, t[i], z, &vars, b, &info);
        if (rc)
            return rc;
        if (independent_kind(s, t[i], &info) && !w.only)
            done_pure |= (uint64_t)1 << t[i];
    }
    node *done = &s->nodes[w.node];
    done->explored = 1;
    if (s->bits || !s->cfg->sleep_sets) {
        free(done->blob);
        done->blob = NULL;
    }
    return 0;
}

/* ---- the search ------------------------------------------------------------------- */
static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress(search *s, bool last)
{
    if (!s->cfg->progress_line)
        return;
    double now = seconds_since(&s->t0);
    if (!last && now - s->last_progress < 0.5)
        return;
    s->last_progress = now;
    if (last) {
        fputs("\r\033[K", stderr);
        return;
    }
    fprintf(stderr, "\rcheck: depth %u, %llu states, %llu transitions, %.0f states/s\033[K", s->res->depth,
            (unsigned long long)s->res->states, (unsigned long long)s->res->transitions,
            now > 0 ? (double)s->res->states / now : 0.0);
}

static int search_root(search *s)
{
    bs_buf full = {0}, canon = {0};
    int rc = mc_initial(s->m, &full, &canon);
    uint64_t h1 = 0, h2 = 0;
    if (!rc)
        hash128(canon.p, canon.len, &h1, &h2);
    if (!rc && s->bits)
        bits_test_set(s, h1, h2);
    else if (!rc)
        rc = table_grow(s);
    size_t slot = 0;
    if (!rc && !s->bits && table_find(s, h1, h2, &slot) >= 0)
        rc = BS_EINVAL;
    long k = rc ? -1 : add_node(s, &full, h1, h2, UINT32_MAX, 0, 0, 0);
    if (k < 0 && !rc)
        rc = BS_ENOMEM;
    if (!rc && !s->bits)
        s->table[slot] = (uint32_t)k + 1;
    rc = rc ? rc : push_work(s, 0, 0);
    bs_buf_free(&full);
    bs_buf_free(&canon);
    return rc;
}

static int search_loop(search *s)
{
    step_bufs b = {{0}, {0}};
    int rc = 0;
    while (s->q_len && !s->stop && !rc) {
        work w = s->queue[s->q_head++];
        s->q_len--;
        rc = expand(s, w, &b);
        if (s->cfg->max_states && s->res->states >= s->cfg->max_states && s->q_len) {
            s->res->complete = false;
            break;
        }
        progress(s, false);
    }
    progress(s, true);
    bs_buf_free(&b.full);
    bs_buf_free(&b.canon);
    return rc;
}

/* The transitions from the root to the violation, in order. */
static uint32_t *violation_path(const search *s, size_t *len)
{
    size_t n = 1;
    for (uint32_t i = s->violating_parent; i != 0; i = s->nodes[i].parent)
        n++;
    uint32_t *path = malloc(n * sizeof *path);
    if (!path)
        return NULL;
    path[n - 1] = s->violating_via;
    size_t k = n - 1;
    for (uint32_t i = s->violating_parent; i != 0; i = s->nodes[i].parent)
        path[--k] = s->nodes[i].via;
    *len = n;
    return path;
}

static void search_free(search *s)
{
    for (size_t i = 0; i < s->nodes_len; i++)
        free(s->nodes[i].blob);
    free(s->nodes);
    free(s->table);
    free(s->bits);
    free(s->queue);
    mc_model_close(s->m);
}

int cx_build(const check_config *cfg, const uint32_t *path, size_t len, check_result *res);

int check_run(const check_config *cfg, check_result *res)
{
    memset(res, 0, sizeof *res);
    res->complete = true;
    search s = {.cfg = cfg, .res = res};
#ifdef __GLIBC__
    /* Every transition restores spill files and their read buffers: without this, glibc
     * grows and trims the heap on each one, and the kernel's brk dominates the profile. */
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif
    clock_gettime(CLOCK_MONOTONIC, &s.t0);
    int rc = mc_model_open(&s.m, cfg);
    if (!rc && cfg->bitstate_log2) {
        uint32_t lg = cfg->bitstate_log2 < 10 ? 10 : cfg->bitstate_log2 > 40 ? 40 : cfg->bitstate_log2;
        s.bits_mask = ((uint64_t)1 << lg) - 1;
        s.bits = calloc((size_t)1 << (lg - 3), 1);
        rc = s.bits ? 0 : BS_ENOMEM;
    }
    rc = rc ? rc : search_root(&s);
    rc = rc ? rc : search_loop(&s);
    res->seconds = seconds_since(&s.t0);
    if (!rc && res->violation) {
        res->complete = false;
        size_t len;
        uint32_t *path = violation_path(&s, &len);
        rc = path ? cx_build(cfg, path, len, res) : BS_ENOMEM;
        free(path);
    }
    search_free(&s);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        res->memory_bytes = (uint64_t)ru.ru_maxrss * 1024;
    return rc;
}

void check_result_free(check_result *res)
{
    free(res->counterexample);
    res->counterexample = NULL;
}
