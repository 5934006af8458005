/*
 * search.c: breadth-first exploration with state caching and sleep sets.
 *
 * The search runs level by level (all states at depth d before any at depth d + 1), so
 * each node's parent link gives a shortest path. A state is identified by a 128-bit hash
 * of its canonical bytes (model.c); in bitstate mode by k = 3 bits of a bit array instead
 * (Holzmann's supertrace: states may be missed, never invented), without sleep sets. A
 * bitstate search therefore never claims completeness: it reports how many bits it set
 * and SPIN's hash factor (bits / states stored) instead.
 *
 * JOBS: ONE VISITED SET SHARED BY J WORKERS, PARTITIONED BY HASH OWNER
 * With --jobs J, J threads each own the states whose hash h2 is congruent to their number
 * modulo J: only the owner stores, looks up and expands such a state, so each state is
 * stored and expanded exactly once, as with one worker. A worker expanding a state sends
 * each successor it does not own to its owner (an outbox per pair of workers, written in
 * the expansion phase by its sender only and read in the merge phase by its receiver
 * only; a barrier separates the phases, so no lock is needed). Each level ends with both
 * phases: the owner then treats a received successor exactly as a local one (new node,
 * revisit, or a revisit that wakes sleepers), so the visited set, the sleep sets and the
 * state count are those of one worker. Levels make it breadth-first across workers: a
 * violation found at level d has a shortest path. A violation ends the search when its
 * level ends, not at once: every state of depth <= d is expanded, so the states stored are
 * exactly those of depth <= d + 1, the same set for any J and any order (one job stopping
 * at its first violation while two stop at theirs stored 8,338 against 10,961 states; now
 * the count is defined and equal). When several violations were found in that level the
 * first one found by the lowest-numbered worker is kept: with J > 1 which shortest
 * counterexample is reported may vary between runs, its length does not. Each worker
 * drives its own model (handler, checker, in-memory files).
 *
 * COMPACT STATES (hash compaction) AND WHY IT IS SOUND HERE
 * A stored state is its 128-bit hash, its parent link, the transition that reached it, its
 * depth and its sleep set (node, 40 bytes, plus 8 to 16 bytes of hash-table slot); its
 * full blob (handler snapshot, checker snapshot, explorer variables), needed only to
 * expand it, lives in the level's arena until its level is expanded and is then dropped
 * (large levels store it packed: LEVEL BLOBS, pack.h). Parent links suffice for the
 * counterexample: the path is replayed from the initial state (cx.c). The only later use
 * of a blob is a re-exploration woken by a smaller sleep set, and only a node whose sleep
 * set is not empty can be woken (woke = sleep & ~new): such nodes keep a private copy in
 * the kept table (rare: tens in a million). So the search visits the same states as one
 * storing every blob, as long as
 * no two distinct reachable states share a 128-bit hash: for n states the odds of any such
 * collision are below n^2 / 2^129 (10^-26 for 10^6 states). Unlike SPIN's HC4 (32-bit
 * compaction) this is not a heuristic in practice, but it is not a proof either:
 * --no-compaction stores each state's canonical bytes as well and compares them on every
 * hash match, and a test shows both store the same states (test_check.c).
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
#include "pack.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SHARD_DEPTH 4u            /* with --shard: nodes at this depth are split by hash */
#define ENABLED_MAX (MC_CHANNELS_MAX * MC_ALTS + 2)
#define JOBS_MAX 64u
#define REF_NONE UINT64_MAX       /* the root's parent */
#define VIA_NONE UINT32_MAX       /* a violation of the state itself (no transition) */

_Static_assert(MC_CHANNELS_MAX * MC_ALTS <= 64, "sleep sets are 64-bit masks of base transitions");

typedef struct node {             /* a stored state: its hash and how it was reached */
    uint64_t h1, h2;
    uint64_t parent;              /* worker << 32 | index, or REF_NONE */
    uint64_t sleep;               /* sleeping transitions (bit = base transition id) */
    uint32_t via;
    unsigned depth : 31;
    unsigned explored : 1;        /* its blob, if sleep != 0, is in the kept table */
} node;
_Static_assert(sizeof(node) == 40, "a stored state costs 40 bytes (COMPACT STATES)");
#define DEPTH_MAX ((1u << 31) - 1)

typedef struct work {             /* a node to expand, and which transitions to run */
    uint32_t node;
    uint32_t full_len;            /* the node's full blob: that many bytes, */
    uint32_t stored_len;          /* stored as this many at `blob` (packed or not), in the */
    bool packed;                  /* level's arena (re-exploration: the kept copy) */
    const uint8_t *blob;
    uint64_t only;                /* 0: every enabled one; else only these (re-exploration,
                                     in canonical names) */
    uint8_t perm[MC_CHANNELS_MAX]; /* the blob's channels -> its canonical form's names */
} work;

/* A blob kept past its node's expansion (COMPACT STATES): full, then its permutation. */
typedef struct kept_blob {
    uint32_t node;                /* node index + 1; 0: an empty slot */
    uint32_t len;
    uint8_t *blob;
} kept_blob;

/* LEVEL BLOBS: once a level's arena holds PACK_FROM bytes, the rest of its blobs are
 * stored packed (pack.h: ~3 of 4 bytes of a blob are zero; spill 3x3 with skip peaked at
 * 805 MB packed against 1,357 MB). Small searches never pack: packing every blob costs
 * ~18% of the time of one that fits anyway. */
#define PACK_FROM ((size_t)16 << 20)

/* A level's blobs: fixed chunks that are never moved (no realloc copies), emptied when the
 * level ends and reused by the level after next (no fresh pages once the search is warm).
 * Chunk k holds ARENA_FIRST << k bytes up to ARENA_CHUNK: a small search touches only the
 * pages it fills (a first 4 MiB chunk on huge pages made the kernel zero 2 MiB per level
 * arena: 11 of the 14 ms of a 2x1 search, perf), a large one soon gets huge-page chunks. */
#define ARENA_CHUNK (4u << 20)
#define ARENA_FIRST (64u << 10)
_Static_assert(ARENA_CHUNK % ARENA_FIRST == 0, "chunk sizes double from ARENA_FIRST to ARENA_CHUNK");
typedef struct arena {
    uint8_t **chunk;              /* NULL: handed back to the pool (ARENA RECYCLING) */
    size_t *size;                 /* each chunk's size (ARENA_CHUNK, or one large blob) */
    size_t n, cap;                /* chunks allocated, slots in the arrays */
    size_t cur, used;             /* the chunk being filled and the bytes used in it */
    size_t bytes;                 /* put since the arena was last emptied */
    size_t read;                  /* expanding: chunks before this one are handed back */
} arena;

/* ARENA RECYCLING: a level's blobs are read in the order they were put, so once the
 * expansion reads a blob in chunk c every chunk before c is done with; a full-size chunk
 * then goes to the worker's pool, where the next level's arena, filling meanwhile, takes
 * it before allocating. The two levels' arenas so peak near the larger level's blobs, not
 * at the sum of both (spill 4x3: the blobs are most of the memory). Pooled chunks keep
 * their pages: nothing is zeroed again. */
typedef struct chunk_pool {
    uint8_t **chunk;              /* chunk_bytes each */
    size_t len, cap;
    size_t chunk_bytes;           /* ARENA_CHUNK, or check_config.arena_chunk_bytes */
} chunk_pool;

typedef struct workq {
    work *w;
    size_t len, cap;
} workq;

typedef struct published {        /* written in the merge phase, read after the barrier */
    size_t queued;
    uint64_t states;
    bool violation, bounded, failed;
} published;

typedef struct search search;

typedef struct worker {
    search *s;
    uint32_t id;
    mc_model *m;
    node *nodes;
    size_t nodes_len, nodes_cap;
    uint32_t *table;              /* open addressing: node index + 1, 0 = empty */
    size_t table_cap;
    uint8_t *bits;                /* bitstate: this worker's share of the bit array */
    uint64_t bits_mask, bits_set;
    workq cur, next;
    arena arena_cur, arena_next;  /* the full blobs of this level's and the next level's
                                     nodes to expand (COMPACT STATES) */
    chunk_pool pool;              /* chunks the expansion is done with (ARENA RECYCLING) */
    kept_blob *kept;              /* open addressing by node index (COMPACT STATES) */
    size_t kept_len, kept_cap;
    bs_buf packed, unpacked;      /* a blob being packed; the blob being expanded */
    bs_buf root;                  /* depth-first: the initial state's full blob (WAKING BY
                                     REPLAY) */
    uint8_t **canon;              /* --no-compaction: each node's canonical bytes */
    uint32_t *canon_len;
    bs_buf *out;                  /* out[j]: successors owned by worker j */
    bs_buf full, canon_buf;
    uint64_t states, transitions, revisits, slept;
    uint64_t *orbit;              /* count_orbits: (h1, h2) pairs, open addressing */
    size_t orbit_cap;
    uint64_t orbits;
    uint32_t depth;
    bool same_source;             /* the model's last step was from the blob being expanded */
    bool violation;
    bool cut_depth;               /* a node at max-depth had transitions left unexplored */
    bool cut_states;              /* nodes were left unexpanded at the max-states share */
    bool cut_memory;              /* nodes were left unexpanded past max_memory_bytes */
    bool cut_stop;                /* nodes were left unexpanded: check_config.stop was set */
    uint64_t v_parent;
    uint32_t v_via;
    char message[1024];
    int rc;
    published pub;
} worker;

struct search {
    const check_config *cfg;
    check_result *res;
    uint32_t jobs;
    worker *w;
    pthread_barrier_t bar;
    uint64_t states_each_max;     /* max-states share of each worker (0: none) */
    struct timespec t0;
    double last_progress;
};

/* ---- hashing and the visited set ----------------------------------------------------- */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* 64 x 64 -> 128-bit multiply, folded: the mixing step of xxHash3 and wyhash. */
static uint64_t mul_fold(uint64_t a, uint64_t b)
{
    unsigned __int128 m = (unsigned __int128)a * b;
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

/* Two independent 64-bit hashes of the canonical bytes, 128 bits of state identity (a
 * collision between two of n states has odds near n^2 / 2^129), in xxHash3's shape: each
 * 16-byte block is keyed by its position and multiplied out in 128 bits, and the blocks'
 * products are summed, so no block waits on the one before (the old rotate-multiply
 * chains were latency-bound: 12% of a tracker 3x2 search, perf). Each hash has its own
 * keys; each block's words also enter the other hash's sum raw, so a word equal to its key
 * (a zero product) still changes both. */
static void hash128(const uint8_t *p, size_t n, uint64_t *h1, uint64_t *h2)
{
    uint64_t a = 0x9e3779b97f4a7c15ull ^ n, b = 0xc2b2ae3d27d4eb4full + n;
    uint64_t ka = 0x165667b19e3779f9ull, kb = 0x27d4eb2f165667c5ull;
    uint64_t kc = 0x87c37b91114253d5ull, kd = 0x4cf5ad432745937full;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint64_t w, x;
        memcpy(&w, p + i, 8);
        memcpy(&x, p + i + 8, 8);
        a += mul_fold(w ^ ka, x ^ kb) + x;
        b += mul_fold(w ^ kc, x ^ kd) + w;
        ka += 0x9fb21c651e98df25ull; /* each block its own keys */
        kb += 0xff51afd7ed558ccdull;
        kc += 0xc4ceb9fe1a85ec53ull;
        kd += 0xd6e8feb86659fd93ull;
    }
    uint64_t w = 0, x = 0;
    size_t left = n - i;
    memcpy(&w, p + i, left < 8 ? left : 8);
    if (left > 8)
        memcpy(&x, p + i + 8, left - 8);
    a += mul_fold(w ^ ka ^ left, x ^ kb);
    b += mul_fold(w ^ kc, x ^ kd ^ left);
    *h1 = mix(a);
    *h2 = mix(b ^ (a >> 29));
}

static uint32_t owner_of(const search *s, uint64_t h2) { return (uint32_t)((h2 >> 17) % s->jobs); }

static int table_grow(worker *w)
{
    size_t cap = w->table_cap ? 2 * w->table_cap : 1u << 14;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return BS_ENOMEM;
    for (size_t i = 0; i < w->table_cap; i++) {
        if (!w->table[i])
            continue;
        size_t j = w->nodes[w->table[i] - 1].h1 & (cap - 1);
        while (t[j])
            j = (j + 1) & (cap - 1);
        t[j] = w->table[i];
    }
    free(w->table);
    w->table = t;
    w->table_cap = cap;
    return 0;
}

/* Exact mode: the node with this hash, or -1 (and the slot to fill in *slot). Without
 * compaction two states are the same only if their canonical bytes are; with it, if their
 * 128-bit hashes are. */
static long table_find(const worker *w, uint64_t h1, uint64_t h2, const uint8_t *canon, size_t canon_len,
                       size_t *slot)
{
    BS_ASSERT(w->table_cap && (w->table_cap & (w->table_cap - 1)) == 0);
    BS_ASSERT(w->nodes_len < w->table_cap);
    size_t j = h1 & (w->table_cap - 1);
    while (w->table[j]) {
        uint32_t k = w->table[j] - 1;
        const node *n = &w->nodes[k];
        if (n->h1 == h1 && n->h2 == h2 &&
            (!w->canon || (w->canon_len[k] == canon_len && memcmp(w->canon[k], canon, canon_len) == 0)))
            return (long)k;
        j = (j + 1) & (w->table_cap - 1);
    }
    *slot = j;
    return -1;
}

/* Bitstate mode: true when all three bits were set already; sets them. */
static bool bits_test_set(worker *w, uint64_t h1, uint64_t h2)
{
    uint64_t k[3] = {h1, h2, mix(h1 ^ h2)};
    bool seen = true;
    for (int i = 0; i < 3; i++) {
        uint64_t b = k[i] & w->bits_mask;
        uint8_t bit = (uint8_t)(1u << (b & 7));
        if (!(w->bits[b >> 3] & bit)) {
            seen = false;
            w->bits_set++;
        }
        w->bits[b >> 3] |= bit;
    }
    return seen;
}

/* ---- the level arenas ---------------------------------------------------------------- */
/* A chunk of `size` bytes; a multiple of 2 MiB is on 2 MiB boundaries, marked for
 * transparent huge pages: the blobs of a level are written once and read once, so with
 * 4 KiB pages the first touch of each page (a fault per 4 KiB of fresh blob) cost as much
 * as the copying itself (perf: page faults 10-17% of a spill 3x3 search). Freed with
 * free(). NULL: out of memory. */
static uint8_t *arena_chunk_alloc(size_t size)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;
    if (posix_memalign(&p, size % huge == 0 ? huge : 64, size))
        return NULL;
#ifdef MADV_HUGEPAGE
    if (size % huge == 0)
        (void)madvise(p, size, MADV_HUGEPAGE); /* advice only: without it, 4 KiB pages */
#endif
    return p;
}

/* A copy of `len` bytes in the arena, or NULL (out of memory). */
static const uint8_t *arena_put(arena *a, chunk_pool *pool, const uint8_t *p, size_t len)
{
    if (a->n && a->used + len <= a->size[a->cur]) {
        uint8_t *to = a->chunk[a->cur] + a->used;
        a->used += len;
        a->bytes += len;
        memcpy(to, p, len);
        return to;
    }
    size_t next = a->n ? a->cur + 1 : 0;
    if (next < a->n && len > a->size[next]) { /* a large blob: its own chunk, swapped in */
        free(a->chunk[next]);
        a->chunk[next] = NULL;
        a->size[next] = 0;
    }
    if (next == a->n) {
        if (a->n == a->cap) {
            size_t cap = a->cap ? 2 * a->cap : 16;
            uint8_t **c = realloc(a->chunk, cap * sizeof *c);
            if (c)
                a->chunk = c;
            size_t *sz = c ? realloc(a->size, cap * sizeof *sz) : NULL;
            if (!sz)
                return NULL;
            a->size = sz;
            a->cap = cap;
        }
        a->chunk[a->n] = NULL;
        a->size[a->n++] = 0;
    }
    if (!a->chunk[next]) {
        size_t step = next < 6 ? (size_t)ARENA_FIRST << next : pool->chunk_bytes;
        step = step < pool->chunk_bytes ? step : pool->chunk_bytes;
        size_t size = len > step ? len : step;
        bool pooled = size == pool->chunk_bytes && pool->len;
        a->chunk[next] = pooled ? pool->chunk[--pool->len] : arena_chunk_alloc(size);
        if (!a->chunk[next])
            return NULL;
        a->size[next] = size;
    }
    a->cur = next;
    a->used = 0;
    BS_ASSERT(len <= a->size[next]);
    return arena_put(a, pool, p, len);
}

/* Expanding: the blob at p is being read, so every full-size chunk before its chunk goes
 * to the pool (ARENA RECYCLING). 0, or BS_ENOMEM (the pool could not grow: nothing moved). */
static int arena_reading(arena *a, chunk_pool *pool, const uint8_t *p)
{
    for (; a->read < a->n; a->read++) {
        uint8_t *c = a->chunk[a->read];
        if (c && p >= c && p < c + a->size[a->read])
            return 0;
        if (!c || a->size[a->read] != pool->chunk_bytes)
            continue;
        if (pool->len == pool->cap) {
            size_t cap = pool->cap ? 2 * pool->cap : 64;
            uint8_t **q = realloc(pool->chunk, cap * sizeof *q);
            if (!q)
                return BS_ENOMEM;
            pool->chunk = q;
            pool->cap = cap;
        }
        pool->chunk[pool->len++] = c;
        a->chunk[a->read] = NULL;
        a->size[a->read] = 0;
    }
    BS_BUG("a blob being expanded is in no chunk of its level's arena");
}

static void arena_empty(arena *a)
{
    a->cur = 0;
    a->used = 0;
    a->bytes = 0;
    a->read = 0;
    if (!a->n)
        return;
    /* the first chunk is reused from its start: the next put fills it, then the next one */
}

static void arena_free(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->chunk[i]);
    free(a->chunk);
    free(a->size);
    *a = (arena){0};
}

/* ---- nodes and the queues ------------------------------------------------------------ */
static int push_work(workq *q, work job, const uint8_t *perm)
{
    BS_ASSERT(job.blob ? (job.packed ? job.stored_len <= MC_PACK_BOUND(job.full_len)
                                     : job.stored_len == job.full_len)
                       : job.only && !job.full_len); /* WAKING BY REPLAY */
    if (q->len == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 1024;
        work *p = realloc(q->w, cap * sizeof *p);
        if (!p)
            return BS_ENOMEM;
        q->w = p;
        q->cap = cap;
    }
    memcpy(job.perm, perm, MC_CHANNELS_MAX);
    q->w[q->len++] = job;
    return 0;
}

/* The kept blob of node k, or NULL. */
static const kept_blob *kept_find(const worker *w, uint32_t k)
{
    if (!w->kept_cap)
        return NULL;
    for (size_t j = (k * 0x9e3779b1u) & (w->kept_cap - 1);; j = (j + 1) & (w->kept_cap - 1)) {
        if (!w->kept[j].node)
            return NULL;
        if (w->kept[j].node == k + 1)
            return &w->kept[j];
    }
}

/* Keeps a copy of node k's full blob and its permutation; 0 or BS_ENOMEM. */
static int kept_add(worker *w, uint32_t k, const uint8_t *blob, uint32_t len, const uint8_t *perm)
{
    BS_ASSERT(!kept_find(w, k));
    if (2 * (w->kept_len + 1) > w->kept_cap) {
        size_t cap = w->kept_cap ? 2 * w->kept_cap : 256;
        kept_blob *t = calloc(cap, sizeof *t);
        if (!t)
            return BS_ENOMEM;
        for (size_t i = 0; i < w->kept_cap; i++) {
            if (!w->kept[i].node)
                continue;
            size_t j = ((w->kept[i].node - 1) * 0x9e3779b1u) & (cap - 1);
            while (t[j].node)
                j = (j + 1) & (cap - 1);
            t[j] = w->kept[i];
        }
        free(w->kept);
        w->kept = t;
        w->kept_cap = cap;
    }
    uint8_t *copy = malloc((size_t)len + MC_CHANNELS_MAX);
    if (!copy)
        return BS_ENOMEM;
    memcpy(copy, blob, len);
    memcpy(copy + len, perm, MC_CHANNELS_MAX);
    size_t j = (k * 0x9e3779b1u) & (w->kept_cap - 1);
    while (w->kept[j].node)
        j = (j + 1) & (w->kept_cap - 1);
    w->kept[j] = (kept_blob){k + 1, len, copy};
    w->kept_len++;
    return 0;
}

static int nodes_grow(worker *w)
{
    size_t cap = w->nodes_cap ? 2 * w->nodes_cap : 4096;
    node *q = realloc(w->nodes, cap * sizeof *q);
    if (!q)
        return BS_ENOMEM;
    w->nodes = q;
    if (w->canon) {
        uint8_t **c = realloc(w->canon, cap * sizeof *c);
        if (c)
            w->canon = c;
        uint32_t *cl = c ? realloc(w->canon_len, cap * sizeof *cl) : NULL;
        if (!cl)
            return BS_ENOMEM;
        w->canon_len = cl;
    }
    w->nodes_cap = cap;
    return 0;
}

/* A copy of a new node's full blob in the next level's arena, packed once the level holds
 * PACK_FROM bytes (LEVEL BLOBS): fills the job's blob, lengths and packed flag. */
static int arena_blob(worker *w, const uint8_t *blob, size_t len, work *job)
{
    if (w->s->cfg->depth_first) { /* DEPTH-FIRST ORDER: each stacked blob on its own */
        uint8_t *copy = malloc(len);
        if (!copy)
            return BS_ENOMEM;
        memcpy(copy, blob, len);
        *job = (work){.node = job->node, .full_len = (uint32_t)len, .stored_len = (uint32_t)len, .blob = copy};
        return 0;
    }
    size_t from = w->s->cfg->pack_from_bytes ? w->s->cfg->pack_from_bytes : PACK_FROM;
    job->full_len = (uint32_t)len;
    job->packed = w->arena_next.bytes >= from;
    if (job->packed) {
        if (w->packed.cap < MC_PACK_BOUND(len)) {
            uint8_t *p = realloc(w->packed.p, MC_PACK_BOUND(len));
            if (!p)
                return BS_ENOMEM;
            w->packed.p = p;
            w->packed.cap = MC_PACK_BOUND(len);
        }
        size_t n = mc_pack(blob, len, w->packed.p);
        blob = w->packed.p;
        len = n;
    }
    job->stored_len = (uint32_t)len;
    job->blob = arena_put(&w->arena_next, &w->pool, blob, len);
    return job->blob ? 0 : BS_ENOMEM;
}

/* A new node; its blob goes to the next level's arena (job). */
static long add_node(worker *w, const uint8_t *blob, size_t len, const uint8_t *canon, size_t canon_len,
                     uint64_t h1, uint64_t h2, uint64_t parent, uint32_t via, uint32_t depth, uint64_t sleep,
                     work *job)
{
    BS_ASSERT(len >= sizeof(mc_vars));
    BS_ASSERT(parent == REF_NONE ? depth == 0 && via == VIA_NONE : depth > 0);
    if (w->nodes_len == w->nodes_cap && nodes_grow(w))
        return -1;
    if (w->nodes_len >= UINT32_MAX - 1 || len > UINT32_MAX || canon_len > UINT32_MAX || depth > DEPTH_MAX)
        return -1;
    if (w->canon) {
        w->canon[w->nodes_len] = malloc(canon_len ? canon_len : 1);
        if (!w->canon[w->nodes_len])
            return -1;
        memcpy(w->canon[w->nodes_len], canon, canon_len);
        w->canon_len[w->nodes_len] = (uint32_t)canon_len;
    }
    *job = (work){.node = (uint32_t)w->nodes_len};
    if (arena_blob(w, blob, len, job))
        return -1;
    node *n = &w->nodes[w->nodes_len];
    *n = (node){h1, h2, parent, sleep, via, depth, 0};
    w->states++;
    if (depth > w->depth)
        w->depth = depth;
    return (long)w->nodes_len++;
}

static const node *node_at(const search *s, uint64_t ref)
{
    return &s->w[ref >> 32].nodes[ref & 0xffffffffu];
}

/* The transitions from the root to node `ref`, in order, along the parent links, into a
 * malloc'd array with room for one more (a counterexample's last step); NULL when out of
 * memory. */
static uint32_t *path_to(const search *s, uint64_t ref, size_t *len)
{
    size_t n = 0;
    for (uint64_t r = ref; node_at(s, r)->parent != REF_NONE; r = node_at(s, r)->parent)
        n++;
    uint32_t *path = malloc((n + 1) * sizeof *path);
    if (!path)
        return NULL;
    size_t k = n;
    for (uint64_t r = ref; node_at(s, r)->parent != REF_NONE; r = node_at(s, r)->parent)
        path[--k] = node_at(s, r)->via;
    BS_ASSERT(k == 0);
    *len = n;
    return path;
}

/* A new node's work item for the next level: its blob is in the next level's arena. */
static int push_new(worker *w, long k, work job, const uint8_t *perm)
{
    if (k < 0)
        return BS_ENOMEM;
    BS_ASSERT(job.node == (uint32_t)k);
    return push_work(&w->next, job, perm);
}

/* The full blob of a new node: the one given (a message, the root), or NULL: written now
 * from the model's live state, the successor just stepped to (mc_full, LAZY FULL BLOBS). */
static int full_blob(worker *w, const uint8_t **blob, size_t *len)
{
    if (*blob)
        return 0;
    int rc = mc_full(w->m, &w->full);
    *blob = w->full.p;
    *len = w->full.len;
    return rc;
}

/* A state this worker owns, found by itself (blob NULL: the model's live state) or sent by
 * another worker: a new node, a revisit, or a revisit that wakes sleeping transitions of an
 * explored node. */
static int own_state(worker *w, const uint8_t *blob, size_t len, const uint8_t *canon, size_t canon_len,
                     uint64_t h1, uint64_t h2, uint64_t parent, uint32_t via, uint32_t depth, uint64_t sleep_next,
                     const uint8_t *perm)
{
    if (w->bits) {
        if (bits_test_set(w, h1, h2)) {
            w->revisits++;
            return 0;
        }
        int rc = full_blob(w, &blob, &len);
        if (rc)
            return rc;
        work job;
        long k = add_node(w, blob, len, canon, canon_len, h1, h2, parent, via, depth, 0, &job);
        return push_new(w, k, job, perm);
    }
    if (2 * (w->nodes_len + 1) > w->table_cap && table_grow(w))
        return BS_ENOMEM;
    size_t slot;
    long k = table_find(w, h1, h2, canon, canon_len, &slot);
    if (k >= 0) {
        w->revisits++;
        node *n = &w->nodes[k];
        uint64_t woke = n->sleep & ~sleep_next;
        n->sleep &= sleep_next;
        if (!woke || !n->explored)
            return 0;
        if (w->s->cfg->depth_first) { /* WAKING BY REPLAY: the blob is rebuilt when popped */
            work job = {.node = (uint32_t)k, .only = woke};
            return push_work(&w->next, job, perm);
        }
        /* only a node whose sleep set was not empty can wake: its blob was kept, with the
         * blob's permutation after its bytes (after_expansion) */
        const kept_blob *kb = kept_find(w, (uint32_t)k);
        BS_ASSERT(kb);
        work job = {.node = (uint32_t)k, .full_len = kb->len, .stored_len = kb->len, .blob = kb->blob, .only = woke};
        return push_work(&w->next, job, kb->blob + kb->len);
    }
    int rc = full_blob(w, &blob, &len);
    if (rc)
        return rc;
    work job;
    k = add_node(w, blob, len, canon, canon_len, h1, h2, parent, via, depth, sleep_next, &job);
    if (k >= 0)
        w->table[slot] = (uint32_t)k + 1;
    return push_new(w, k, job, perm);
}

/* ---- messages between workers ---------------------------------------------------------- */
typedef struct msg_head {         /* then `len` bytes of full blob, `canon_len` canonical */
    uint64_t h1, h2, parent, sleep;
    uint32_t via, depth, len, canon_len;
    uint8_t perm[MC_CHANNELS_MAX];
} msg_head;
_Static_assert(sizeof(msg_head) == 4 * 8 + 4 * 4 + MC_CHANNELS_MAX, "msg_head is copied as bytes: no padding");

static int send_state(worker *w, uint32_t to, uint64_t h1, uint64_t h2, uint64_t parent, uint32_t via,
                      uint32_t depth, uint64_t sleep_next)
{
    BS_ASSERT(to != w->id && to < w->s->jobs);
    uint32_t canon_len = w->canon ? (uint32_t)w->canon_buf.len : 0;
    int rc = mc_full(w->m, &w->full);
    if (rc)
        return rc;
    msg_head m = {h1, h2, parent, sleep_next, via, depth, (uint32_t)w->full.len, canon_len, {0}};
    memcpy(m.perm, mc_perm(w->m), MC_CHANNELS_MAX);
    rc = bs_buf_put(&w->out[to], &m, sizeof m);
    rc = rc ? rc : bs_buf_put(&w->out[to], w->full.p, w->full.len);
    return rc ? rc : bs_buf_put(&w->out[to], w->canon_buf.p, canon_len);
}

/* Merge phase: the successors the other workers found for states this worker owns. */
static int receive_states(worker *w)
{
    for (uint32_t from = 0; from < w->s->jobs && !w->rc; from++) {
        bs_buf *in = &w->s->w[from].out[w->id];
        size_t pos = 0;
        while (pos < in->len && !w->rc) {
            msg_head m;
            BS_ASSERT(in->len - pos >= sizeof m);
            memcpy(&m, in->p + pos, sizeof m);
            pos += sizeof m;
            BS_ASSERT(in->len - pos >= (size_t)m.len + m.canon_len);
            BS_ASSERT(owner_of(w->s, m.h2) == w->id);
            w->rc = own_state(w, in->p + pos, m.len, in->p + pos + m.len, m.canon_len, m.h1, m.h2, m.parent,
                              m.via, m.depth, m.sleep, m.perm);
            pos += (size_t)m.len + m.canon_len;
        }
        in->len = 0;
    }
    return w->rc;
}

/* ---- expanding a node ------------------------------------------------------------- */
/* A sleep set (bit c * MC_ALTS + alt) renamed to canonical names (bit perm[c] * MC_ALTS +
 * alt), or back (`back`). Node sleep sets are kept in canonical names: two members of an
 * orbit reach the same node, and a transition asleep in one is asleep in the other under
 * the renaming between them (see SYMMETRY REDUCTION in model.c). Identity without it. */
static uint64_t sleep_rename(const worker *w, uint64_t set, const uint8_t *perm, bool back)
{
    if (!set || !mc_symmetric(w->m))
        return set;
    uint64_t out = 0, alts = ((uint64_t)1 << MC_ALTS) - 1;
    uint32_t n = mc_channels(w->m);
    for (uint32_t c = 0; c < n; c++) {
        uint32_t from = back ? perm[c] : c, to = back ? c : perm[c];
        BS_ASSERT(from < n && to < n);
        out |= ((set >> (from * MC_ALTS)) & alts) << (to * MC_ALTS);
    }
    BS_ASSERT(__builtin_popcountll(out) == __builtin_popcountll(set)); /* a renaming loses nothing */
    return out;
}

/* count_orbits: the symmetric canonical form of the state just stored, in a second set. */
static int orbit_note(worker *w)
{
    const bs_buf *b = mc_orbit_canon(w->m);
    if (!w->s->cfg->count_orbits || !b->len)
        return 0;
    uint64_t h1, h2;
    hash128(b->p, b->len, &h1, &h2);
    if (2 * (w->orbits + 1) > w->orbit_cap) {
        size_t cap = w->orbit_cap ? 2 * w->orbit_cap : 1u << 12;
        uint64_t *t = calloc(2 * cap, sizeof *t);
        if (!t)
            return BS_ENOMEM;
        for (size_t i = 0; i < w->orbit_cap; i++) {
            if (!w->orbit[2 * i] && !w->orbit[2 * i + 1])
                continue;
            size_t j = w->orbit[2 * i] & (cap - 1);
            while (t[2 * j] || t[2 * j + 1])
                j = (j + 1) & (cap - 1);
            t[2 * j] = w->orbit[2 * i];
            t[2 * j + 1] = w->orbit[2 * i + 1];
        }
        free(w->orbit);
        w->orbit = t;
        w->orbit_cap = cap;
    }
    h1 |= 1; /* never the empty slot */
    BS_ASSERT((w->orbit_cap & (w->orbit_cap - 1)) == 0 && w->orbits < w->orbit_cap); /* a free slot ends the probe */
    size_t j = h1 & (w->orbit_cap - 1);
    for (; w->orbit[2 * j] || w->orbit[2 * j + 1]; j = (j + 1) & (w->orbit_cap - 1))
        if (w->orbit[2 * j] == h1 && w->orbit[2 * j + 1] == h2)
            return 0;
    w->orbit[2 * j] = h1;
    w->orbit[2 * j + 1] = h2;
    w->orbits++;
    return 0;
}

static uint64_t without_channel(uint64_t set, uint32_t t)
{
    uint32_t c = t / MC_ALTS;
    BS_ASSERT(c < MC_CHANNELS_MAX); /* a channel's transition, not exhaust or timeout */
    return set & ~((((uint64_t)1 << MC_ALTS) - 1) << (c * MC_ALTS));
}

static bool independent_kind(const worker *w, uint32_t t, const mc_step_info *info)
{
    return t < mc_exhaust_transition(w->m) && (t >> MC_FAULT_SHIFT) == 0 && info->pure;
}

static void record_violation(worker *w, uint64_t from, uint32_t via, const char *message)
{
    if (w->violation)
        return;
    w->violation = true;
    w->v_parent = from;
    w->v_via = via;
    snprintf(w->message, sizeof w->message, "%s", message);
}

/* A successor: a violation, or a state for its owner (this worker or another). */
static int visit(worker *w, uint32_t from, uint32_t t, const mc_step_info *info, uint64_t sleep_next)
{
    uint64_t ref = (uint64_t)w->id << 32 | from;
    BS_ASSERT(from < w->nodes_len && !(info->noop && info->violation));
    if (info->noop)
        return 0;
    if (info->violation) {
        record_violation(w, ref, t, info->message);
        return 0;
    }
    uint64_t h1, h2;
    hash128(w->canon_buf.p, w->canon_buf.len, &h1, &h2);
    sleep_next = sleep_rename(w, sleep_next, mc_perm(w->m), false);
    uint32_t depth = w->nodes[from].depth + 1, to = owner_of(w->s, h2);
    if (to != w->id)
        return send_state(w, to, h1, h2, ref, t, depth, sleep_next);
    uint64_t before = w->states;
    int rc = own_state(w, NULL, 0, w->canon_buf.p, w->canon_buf.len, h1, h2, ref, t, depth, sleep_next,
                       mc_perm(w->m));
    return rc || w->states == before ? rc : orbit_note(w);
}

/* Runs transition t from node idx (its full blob) and visits its successor. */
static int run_one(worker *w, uint32_t idx, const uint8_t *blob, uint32_t len, uint32_t t,
                   uint64_t sleep_next_if_pure, mc_step_info *info)
{
    int rc = mc_step(w->m, blob, len, w->same_source, t, info, &w->canon_buf);
    if (rc)
        return rc;
    w->same_source = true;
    w->transitions++;
    uint64_t z = independent_kind(w, t, info) ? without_channel(sleep_next_if_pure, t) : 0;
    return visit(w, idx, t, info, z);
}

/* One transition and, with disk faults, its variants failing each I/O call it makes. */
static int run_with_faults(worker *w, uint32_t idx, const uint8_t *blob, uint32_t len, uint32_t t, uint64_t z,
                           const mc_vars *vars, mc_step_info *info)
{
    int rc = run_one(w, idx, blob, len, t, z, info);
    if (rc || !w->s->cfg->disk_fault || vars->fault_used)
        return rc;
    uint64_t calls = info->io_calls;
    bool pure = independent_kind(w, t, info);
    for (uint64_t j = 1; j <= calls && j < (1u << (32 - MC_FAULT_SHIFT)); j++) {
        mc_step_info fi;
        rc = run_one(w, idx, blob, len, t | (uint32_t)j << MC_FAULT_SHIFT, 0, &fi);
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

/* True when node n is not expanded because of a bound (max-depth or the shard split). */
static bool cut_by_bound(worker *w, const node *n)
{
    if (skip_by_shard(w->s, n))
        return true;
    if (w->s->cfg->max_depth && n->depth >= w->s->cfg->max_depth) {
        w->cut_depth = true;
        return true;
    }
    return false;
}

/* LIVENESS: DEADLOCK. A state where input remains but no transition makes progress (none
 * is enabled but the timeout, and it changes nothing) is reported like a violation, with
 * the path to the state itself: breadth-first, so it is a shortest one. */
static void check_deadlock(worker *w, uint32_t idx, const mc_vars *vars)
{
    char msg[256];
    if (mc_deadlock(w->m, vars, msg, sizeof msg))
        record_violation(w, (uint64_t)w->id << 32 | idx, VIA_NONE, msg);
}

/* COMPACT STATES: after its expansion a node keeps its hash, parent link and sleep set;
 * its blob is dropped unless the sleep set is not empty (only such a node can be woken and
 * re-explored, see own_state; sleep sets only shrink, and the re-exploration uses the kept
 * copy). Nodes waiting to be expanded have their blob in the level's arena, which is
 * emptied when the level ends. */
static int after_expansion(worker *w, work job, const uint8_t *blob)
{
    node *done = &w->nodes[job.node];
    done->explored = 1;
    if (job.only || !done->sleep || w->s->cfg->depth_first) /* WAKING BY REPLAY: none kept */
        return 0;
    return kept_add(w, job.node, blob, job.full_len, job.perm);
}

/* The job's full blob: in the arena as it is, or unpacked into w->unpacked. */
static const uint8_t *job_blob(worker *w, const work *job)
{
    if (!job->packed)
        return job->blob;
    if (w->unpacked.cap < job->full_len) {
        uint8_t *p = realloc(w->unpacked.p, job->full_len);
        if (!p)
            return NULL;
        w->unpacked.p = p;
        w->unpacked.cap = job->full_len;
    }
    int rc = mc_unpack(job->blob, job->stored_len, w->unpacked.p, job->full_len);
    BS_ASSERT(rc == 0); /* the search packed it: not input */
    (void)rc;
    return w->unpacked.p;
}

static int expand(worker *w, work job)
{
    const node *n = &w->nodes[job.node];
    const uint8_t *blob = job_blob(w, &job);
    if (!blob)
        return BS_ENOMEM;
    BS_ASSERT(job.only ? n->explored && !job.packed &&
                             (w->s->cfg->depth_first || kept_find(w, job.node)->blob == job.blob)
                       : !n->explored);
    mc_vars vars;
    mc_vars_of(blob, &vars);
    uint32_t t[ENABLED_MAX];
    size_t nt = mc_enabled(w->m, &vars, t, ENABLED_MAX);
    bool cut = nt && cut_by_bound(w, &w->nodes[job.node]);
    if (cut)
        nt = 0;
    uint64_t sleep = sleep_rename(w, w->nodes[job.node].sleep, job.perm, true), done_pure = 0;
    job.only = sleep_rename(w, job.only, job.perm, true);
    bool por = w->s->cfg->sleep_sets && !w->bits, progressed = false;
    w->same_source = false; /* the first step from this blob restores it fully */
    for (size_t i = 0; i < nt; i++) {
        bool sleepable = t[i] < mc_exhaust_transition(w->m);
        if (sleepable && ((sleep >> t[i]) & 1)) {
            w->slept++;
            progressed = true; /* a sleeping transition is pure: it returns data */
            continue;
        }
        if (job.only && !(sleepable && ((job.only >> t[i]) & 1)))
            continue;
        uint64_t z = por ? sleep | (job.only ? 0 : done_pure) : 0;
        mc_step_info info;
        int rc = run_with_faults(w, job.node, blob, job.full_len, t[i], z, &vars, &info);
        if (rc)
            return rc;
        progressed = progressed || !info.noop;
        if (independent_kind(w, t[i], &info) && !job.only)
            done_pure |= (uint64_t)1 << t[i];
    }
    if (!progressed && !job.only && !cut)
        check_deadlock(w, job.node, &vars);
    return after_expansion(w, job, blob);
}

/* ---- levels ----------------------------------------------------------------------- */
static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress(search *s, uint64_t states, uint64_t transitions, uint32_t depth, bool last)
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
    fprintf(stderr, "\rcheck: depth %u, %llu states, %llu transitions, %.0f states/s\033[K", depth,
            (unsigned long long)states, (unsigned long long)transitions, now > 0 ? (double)states / now : 0.0);
}

/* The process's peak resident set has passed max_memory_bytes (read every MEMORY_EVERY
 * expansions: a getrusage call is a system call). One limit for the process, so with J
 * workers the first to see it stops its level and the others stop when the level ends. */
#define MEMORY_EVERY 1024u
static bool memory_over(const search *s, size_t i)
{
    struct rusage ru;
    if (!s->cfg->max_memory_bytes || i % MEMORY_EVERY != 0 || getrusage(RUSAGE_SELF, &ru) != 0)
        return false;
    return (uint64_t)ru.ru_maxrss * 1024 >= s->cfg->max_memory_bytes;
}

/* True when the search must stop before its i-th expansion of this worker: its max-states
 * share, --max-memory, or check_config.stop (a signal); sets the matching cut flag. */
static bool cut_before(worker *w, size_t i)
{
    const search *s = w->s;
    if (s->states_each_max && w->states >= s->states_each_max)
        w->cut_states = true;
    else if (memory_over(s, i))
        w->cut_memory = true;
    else if (s->cfg->stop && *s->cfg->stop)
        w->cut_stop = true;
    else
        return false;
    return true;
}

/* The figures every worker reads after the level's last barrier (level_last, collect). */
static void publish(worker *w, size_t queued)
{
    w->pub = (published){queued, w->states, w->violation, w->cut_states || w->cut_memory || w->cut_stop,
                         w->rc != 0};
}

/* Expansion phase: every node of this level (stops at its first violation or bound). */
static void expand_level(worker *w)
{
    search *s = w->s;
    for (size_t i = 0; i < w->cur.len && !w->rc && !cut_before(w, i); i++) {
        const work *job = &w->cur.w[i];
        w->rc = job->only ? 0 : arena_reading(&w->arena_cur, &w->pool, job->blob);
        w->rc = w->rc ? w->rc : expand(w, *job);
        if (w->id == 0 && s->jobs == 1)
            progress(s, w->states, w->transitions, w->depth, false);
    }
}

/* Merge phase, then the next level's queue becomes current and the figures are published. */
static void merge_level(worker *w)
{
    if (!w->rc)
        receive_states(w);
    workq t = w->cur;
    w->cur = w->next;
    w->next = t;
    w->next.len = 0;
    arena a = w->arena_cur;
    w->arena_cur = w->arena_next;
    w->arena_next = a;
    arena_empty(&w->arena_next);
    publish(w, w->cur.len);
}

/* After the level's last barrier: every worker reads the same figures, so all decide alike. */
static bool level_last(search *s)
{
    size_t queued = 0;
    uint64_t states = 0;
    bool stop = false;
    for (uint32_t j = 0; j < s->jobs; j++) {
        const published *p = &s->w[j].pub;
        queued += p->queued;
        states += p->states;
        stop = stop || p->violation || p->failed || p->bounded;
    }
    if (s->cfg->max_states && states >= s->cfg->max_states && queued)
        stop = true;
    return stop || queued == 0;
}

/* DEPTH-FIRST ORDER (--depth-first, one job). The queue `next` is a stack: the node
 * stored last is expanded first, and its successors go on top. Every path of the model is
 * finite (docs/check.md, Properties), so the stack holds at most depth x branching nodes,
 * each with a blob of its own, freed once it is expanded; the memory is the visited set
 * (COMPACT STATES: 40 bytes and a table slot per state) where breadth-first also holds two
 * levels' blobs (spill 4x3: 11.8 of 18 GiB at depth 19 of the search). What is
 * visited is the same set: the visited set, symmetry and hash compaction do not depend on
 * the order; sleep sets are sound in any order that re-explores a node whose sleep set
 * shrinks (own_state does, from the kept blob), which holds here as breadth-first. What
 * is lost: a node's parent link is the path that found it first, so a counterexample is a
 * path that `run` replays but not a shortest one, and a --max-depth bound counts that
 * path's length. The search stops at its first violation. */
/* WAKING BY REPLAY (depth-first). Breadth-first keeps the blob of every expanded node
 * whose sleep set is not empty, for the rare re-exploration when a smaller sleep set
 * wakes some of its transitions (COMPACT STATES); depth-first expands a node as soon as it
 * is found, with its first sleep set, so most nodes would keep one (spill 4x3: 265 bytes a
 * state against 40). Instead the woken node's blob is rebuilt from the initial state along
 * its parent links, as a counterexample is (the model is deterministic, so each step
 * reaches the concrete state that was stored, and the hashes are checked to agree).
 * Fills job's blob (malloc'd), lengths and permutation. */
static int replay_to(worker *w, work *job)
{
    size_t len;
    uint32_t *path = path_to(w->s, (uint64_t)w->id << 32 | job->node, &len);
    if (!path)
        return BS_ENOMEM;
    BS_ASSERT(len == w->nodes[job->node].depth);
    const uint8_t *blob = w->root.p;
    size_t blob_len = w->root.len;
    int rc = 0;
    for (uint32_t i = 0; i < len && !rc; i++) {
        mc_step_info info;
        rc = mc_step(w->m, blob, blob_len, false, path[i], &info, &w->canon_buf);
        BS_ASSERT(rc || (!info.violation && !info.noop)); /* it was stored, so it was neither */
        rc = rc ? rc : mc_full(w->m, &w->full);
        blob = w->full.p;
        blob_len = w->full.len;
    }
    free(path);
    uint64_t h1, h2;
    hash128(w->canon_buf.p, w->canon_buf.len, &h1, &h2);
    BS_ASSERT(rc || len == 0 || (h1 == w->nodes[job->node].h1 && h2 == w->nodes[job->node].h2));
    uint8_t *copy = rc ? NULL : malloc(blob_len);
    if (!copy)
        return rc ? rc : BS_ENOMEM;
    memcpy(copy, blob, blob_len);
    job->blob = copy;
    job->full_len = job->stored_len = (uint32_t)blob_len;
    if (len)
        memcpy(job->perm, mc_perm(w->m), MC_CHANNELS_MAX);
    return 0;
}

static void search_depth_first(worker *w)
{
    search *s = w->s;
    BS_ASSERT(s->jobs == 1 && s->cfg->depth_first);
    for (size_t i = 0; w->next.len && !w->rc && !w->violation && !cut_before(w, i); i++) {
        work job = w->next.w[--w->next.len];
        w->rc = job.blob ? 0 : replay_to(w, &job);
        w->rc = w->rc ? w->rc : expand(w, job);
        free((void *)(uintptr_t)job.blob); /* the stack's own (WAKING BY REPLAY too) */
        progress(s, w->states, w->transitions, w->depth, false);
    }
    publish(w, w->next.len);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    search *s = w->s;
    if (s->cfg->depth_first) {
        search_depth_first(w);
        return NULL;
    }
    for (uint32_t level = 0; level < UINT32_MAX; level++) {
        expand_level(w);
        pthread_barrier_wait(&s->bar);
        merge_level(w);
        pthread_barrier_wait(&s->bar);
        if (level_last(s))
            break;
        if (w->id == 0 && s->jobs > 1)
            progress(s, w->pub.states * s->jobs, w->transitions * s->jobs, level + 1, false);
    }
    return NULL;
}

/* ---- setting up and collecting ---------------------------------------------------- */
static int worker_open(search *s, worker *w, uint32_t id)
{
    w->s = s;
    w->id = id;
    w->pool.chunk_bytes = s->cfg->arena_chunk_bytes ? s->cfg->arena_chunk_bytes : ARENA_CHUNK;
    BS_ASSERT(w->pool.chunk_bytes % ARENA_FIRST == 0);
    w->out = calloc(s->jobs, sizeof *w->out);
    int rc = w->out ? mc_model_open(&w->m, s->cfg) : BS_ENOMEM;
    if (!rc && s->cfg->bitstate_log2) {
        uint32_t lg = s->cfg->bitstate_log2 < 10 ? 10 : s->cfg->bitstate_log2 > 40 ? 40 : s->cfg->bitstate_log2;
        while (lg > 10 && ((uint64_t)1 << (s->cfg->bitstate_log2 - lg)) < s->jobs)
            lg--; /* the workers share the bit array: 2^LOG2 bits in all */
        w->bits_mask = ((uint64_t)1 << lg) - 1;
        w->bits = calloc((size_t)1 << (lg - 3), 1);
        rc = w->bits ? 0 : BS_ENOMEM;
    }
    if (!rc && !w->bits)
        rc = table_grow(w);
    if (!rc && s->cfg->no_compaction && !w->bits) {
        w->canon = malloc(sizeof *w->canon);
        w->canon_len = malloc(sizeof *w->canon_len);
        rc = w->canon && w->canon_len ? 0 : BS_ENOMEM;
        w->nodes_cap = 0; /* nodes_grow sizes the three arrays alike from here */
    }
    return rc;
}

static void worker_close(worker *w)
{
    for (size_t i = 0; w->canon && i < w->nodes_len; i++)
        free(w->canon[i]);
    for (size_t i = 0; i < w->kept_cap; i++)
        free(w->kept[i].blob);
    for (size_t i = 0; w->s->cfg->depth_first && i < w->next.len; i++)
        free((void *)(uintptr_t)w->next.w[i].blob); /* DEPTH-FIRST ORDER: the stack's own */
    bs_buf_free(&w->root);
    free(w->kept);
    bs_buf_free(&w->packed);
    bs_buf_free(&w->unpacked);
    free(w->canon);
    free(w->canon_len);
    arena_free(&w->arena_cur);
    arena_free(&w->arena_next);
    for (size_t i = 0; i < w->pool.len; i++)
        free(w->pool.chunk[i]);
    free(w->pool.chunk);
    free(w->nodes);
    free(w->table);
    free(w->bits);
    free(w->orbit);
    free(w->cur.w);
    free(w->next.w);
    for (uint32_t j = 0; w->out && j < w->s->jobs; j++)
        bs_buf_free(&w->out[j]);
    free(w->out);
    bs_buf_free(&w->full);
    bs_buf_free(&w->canon_buf);
    mc_model_close(w->m);
}

/* The initial state, stored by its owner and queued as level 0. */
static int search_root(search *s)
{
    worker *w0 = &s->w[0];
    int rc = mc_initial(w0->m, &w0->full, &w0->canon_buf);
    if (rc)
        return rc;
    uint64_t h1, h2;
    hash128(w0->canon_buf.p, w0->canon_buf.len, &h1, &h2);
    worker *o = &s->w[owner_of(s, h2)];
    rc = own_state(o, w0->full.p, w0->full.len, w0->canon_buf.p, w0->canon_buf.len, h1, h2, REF_NONE, VIA_NONE,
                   0, 0, mc_perm(w0->m));
    rc = rc ? rc : o == w0 ? orbit_note(w0) : 0;
    if (!rc && s->cfg->depth_first) /* WAKING BY REPLAY starts here */
        rc = bs_buf_put(&w0->root, w0->full.p, w0->full.len);
    if (rc || s->cfg->depth_first) /* DEPTH-FIRST ORDER: `next` is the stack */
        return rc;
    o->cur = o->next;
    o->next = (workq){0};
    o->arena_cur = o->arena_next;
    o->arena_next = (arena){0};
    return 0;
}

static int run_workers(search *s)
{
    pthread_t th[JOBS_MAX];
    uint32_t started = 1;
    if (pthread_barrier_init(&s->bar, NULL, s->jobs))
        return BS_ENOMEM;
    for (; started < s->jobs; started++)
        if (pthread_create(&th[started], NULL, worker_main, &s->w[started]))
            break;
    if (started < s->jobs) { /* cannot happen safely: the barrier counts every worker */
        fprintf(stderr, "barriersim: check: cannot start %u worker threads\n", s->jobs);
        abort();
    }
    worker_main(&s->w[0]);
    for (uint32_t j = 1; j < s->jobs; j++)
        pthread_join(th[j], NULL);
    pthread_barrier_destroy(&s->bar);
    for (uint32_t j = 0; j < s->jobs; j++)
        if (s->w[j].rc)
            return s->w[j].rc;
    return 0;
}

/* The transitions from the root to the violation, in order (VIA_NONE: none). */
static uint32_t *violation_path(const search *s, const worker *v, size_t *len)
{
    uint32_t *path = path_to(s, v->v_parent, len);
    if (path && v->v_via != VIA_NONE)
        path[(*len)++] = v->v_via;
    return path;
}

static void incomplete(check_result *res, const char *why)
{
    res->complete = false;
    if (!res->incomplete[0])
        snprintf(res->incomplete, sizeof res->incomplete, "%s", why);
}

/* Adds up the workers' figures; the lowest-numbered worker's violation is the result's. */
static const worker *collect(search *s)
{
    check_result *res = s->res;
    const worker *v = NULL;
    bool cut_depth = false, cut_states = false, cut_memory = false, cut_stop = false;
    for (uint32_t j = 0; j < s->jobs; j++) {
        const worker *w = &s->w[j];
        res->states += w->states;
        res->transitions += w->transitions;
        res->revisits += w->revisits;
        res->slept += w->slept;
        res->orbits += w->orbits;
        res->symmetry_inexact += mc_symmetry_inexact(w->m);
        res->bits_set += w->bits_set;
        res->bits_total += w->bits ? w->bits_mask + 1 : 0;
        res->depth = w->depth > res->depth ? w->depth : res->depth;
        cut_depth = cut_depth || w->cut_depth;
        cut_states = cut_states || w->cut_states;
        cut_memory = cut_memory || w->cut_memory;
        cut_stop = cut_stop || w->cut_stop;
        if (w->violation && !v)
            v = w;
    }
    size_t queued = 0;
    for (uint32_t j = 0; j < s->jobs; j++)
        queued += s->w[j].pub.queued;
    res->symmetry = mc_symmetric(s->w[0].m);
    snprintf(res->symmetry_off, sizeof res->symmetry_off, "%s", mc_symmetry_off(s->w[0].m));
    snprintf(res->order_off, sizeof res->order_off, "%s", mc_order_off(s->w[0].m));
    if (v)
        incomplete(res, "violation");
    if (s->cfg->bitstate_log2) {
        incomplete(res, "bitstate");
        res->hash_factor = res->states ? (double)res->bits_total / (double)res->states : 0.0;
    }
    if ((cut_states || (s->cfg->max_states && res->states >= s->cfg->max_states && queued)) && !v)
        incomplete(res, "max-states");
    if (cut_stop && !v)
        incomplete(res, "interrupted");
    if (cut_memory && !v)
        incomplete(res, "max-memory");
    if (cut_depth && !v)
        incomplete(res, "max-depth");
    if (s->cfg->shards > 1)
        incomplete(res, "shard");
    return v;
}

int cx_build(const check_config *cfg, const uint32_t *path, size_t len, check_result *res);

static int search_open(search *s, const check_config *cfg, check_result *res)
{
    *s = (search){.cfg = cfg, .res = res};
    s->jobs = cfg->jobs > 1 ? cfg->jobs : 1;
    if (s->jobs > JOBS_MAX || (cfg->count_orbits && s->jobs > 1) || (cfg->depth_first && s->jobs > 1))
        return BS_EINVAL;
    if (cfg->max_states && s->jobs > 1)
        s->states_each_max = (cfg->max_states + s->jobs - 1) / s->jobs;
    else
        s->states_each_max = cfg->max_states;
    s->w = calloc(s->jobs, sizeof *s->w);
    if (!s->w)
        return BS_ENOMEM;
    int rc = 0;
    for (uint32_t j = 0; j < s->jobs && !rc; j++)
        rc = worker_open(s, &s->w[j], j);
    return rc;
}

static void search_close(search *s)
{
    for (uint32_t j = 0; s->w && j < s->jobs; j++)
        if (s->w[j].s)
            worker_close(&s->w[j]);
    free(s->w);
}

int check_run(const check_config *cfg, check_result *res)
{
    memset(res, 0, sizeof *res);
    res->complete = true;
#ifdef __GLIBC__
    /* Every transition restores spill files and their read buffers: without this, glibc
     * grows and trims the heap on each one, and the kernel's brk dominates the profile. */
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif
    search s;
    clock_gettime(CLOCK_MONOTONIC, &s.t0);
    struct timespec t0 = s.t0;
    int rc = search_open(&s, cfg, res);
    s.t0 = t0;
    rc = rc ? rc : search_root(&s);
    rc = rc ? rc : run_workers(&s);
    progress(&s, 0, 0, 0, true);
    const worker *v = rc ? NULL : collect(&s);
    res->seconds = seconds_since(&s.t0);
    if (v) {
        res->violation = true;
        snprintf(res->message, sizeof res->message, "%s", v->message);
        size_t len = 0;
        uint32_t *path = violation_path(&s, v, &len);
        rc = path ? cx_build(cfg, path, len, res) : BS_ENOMEM;
        free(path);
    }
    search_close(&s);
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
