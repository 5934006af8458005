/*
 * model.c: channel scripts, enabled transitions, and one transition executed against the
 * real core (in-memory spill files behind the fault-injecting I/O) and the checker.
 *
 * A state is "the handler waits at its gate": the handler's full snapshot, the checker's
 * snapshot and the explorer's variables (channel positions, flags). A transition restores
 * a state, answers the gate's pending request with one item (or the end of input), and
 * runs the handler until it asks again, ends, or stops with an error. Data items carry
 * the label (channel << 32 | position), so payloads, spill files and the checker's state
 * do not depend on the order in which channels interleaved.
 */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct checker_id {          /* one identity of the live checker (FORGETTING ENDED
                                        CHECKPOINTS), written at most once per state */
    unsigned flags;                  /* VERIFY_SNAP_FORGETTING, or 0 (keep_ended) */
    bs_buf snap;
    bool written;                    /* snap holds it for the live state */
} checker_id;

struct mc_model {
    check_config cfg;
    mc_script_item *script[MC_CHANNELS_MAX];
    size_t script_len[MC_CHANNELS_MAX];
    bs_io mem, io;
    bs_io_mem mem_ctx;
    io_fault faults;
    bs_gate gate;
    bs_listener listener;
    bs_handler *h;
    verify *v;
    verify *v_base;                  /* the checker as the last full restore left it */
    bool v_base_ok;
    uint8_t *payload;
    mc_vars vars;                    /* of the state being stepped */
    bool pending, exhaust;
    bs_item pending_item;
    uint64_t pending_label;
    uint64_t notifications;
    uint64_t returns;
    uint64_t last_label;
    bs_kind last_kind;
    bool returned_other;
    bool straight;                   /* replaying a path: label items by yield order */
    bs_buf snap_full, snap_canon;    /* reused across steps */
    bs_buf snap_image;               /* count_orbits with order kept: the handler's
                                        snapshot with arrival orders merged */
    unsigned snap_flags;             /* of the handler's part of a state's identity */
    unsigned image_snap_flags;       /* of its part of an image (count_orbits) */
    const char *order_off;           /* why arrival orders are kept ("" when merged) */
    checker_id id;                   /* the checker's part of a state's identity */
    checker_id image;                /* count_orbits: of its image (always forgetting, and
                                        arrival orders merged unless faults forbid it) */
    bs_buf snap_verify_full;         /* with forgetting: the checker's full snapshot */
    uint64_t next_label;
    uint16_t calls_cap[IO_CALLS];    /* the largest nth of a scenario fault, by kind */
    uint64_t now_ns;                 /* the gate's clock: 0, or MC_FIRE_NS in a timeout step */
    bool sym;                        /* symmetry reduction on: canonical forms are renamed */
    bool orbits;                     /* also write the renamed canonical form to orbit_canon */
    const char *sym_off;             /* why symmetry is off ("" when on) */
    uint8_t cls[MC_CHANNELS_MAX];    /* symmetry class: the lowest channel of equal script */
    uint8_t perm[MC_CHANNELS_MAX];   /* of the last blob written: channel -> canonical name */
    bs_buf sym_best, sym_cand, orbit_canon;
    uint64_t sym_inexact;
};

/* THE ALIGNMENT TIMEOUT AS A CHOICE (untimed abstraction). The gate's clock reads 0, so an
 * alignment starts at 0 and never expires by itself; the timeout transition answers the
 * handler's pending request with no item while the clock reads MC_FIRE_NS, later than any
 * start + timeout. So in every state where the handler waits, "the timeout fires now" is a
 * transition, and no timing the real clock allows is left out: the checker covers every
 * timeout value at once (the configured value only says whether there is one: 0 never).
 * A firing that changes nothing (no notification, item or I/O: no alignment in progress)
 * is dropped as noop. It is offered only once the handler has read the clock on the path
 * (vars.clock_read): a strategy times an alignment from a reading taken when it starts
 * (aligned-timeout does), so before any reading a firing cannot change anything; and
 * strategies that never read the clock get no extra transition at all. Its counterexample step is the input token `wait`, with a timeout
 * so long that only a `wait` makes it fire in `barriersim run`. */
#define MC_FIRE_NS (UINT64_MAX - 1)

uint32_t mc_channels(const mc_model *m) { return m->cfg.channels; }
const uint8_t *mc_perm(const mc_model *m) { return m->perm; }
bool mc_symmetric(const mc_model *m) { return m->sym; }
const char *mc_symmetry_off(const mc_model *m) { return m->sym_off; }
const char *mc_order_off(const mc_model *m) { return m->order_off; }
uint64_t mc_symmetry_inexact(const mc_model *m) { return m->sym_inexact; }
const bs_buf *mc_orbit_canon(const mc_model *m) { return &m->orbit_canon; }
uint32_t mc_exhaust_transition(const mc_model *m) { return m->cfg.channels * MC_ALTS; }
uint32_t mc_timeout_transition(const mc_model *m) { return m->cfg.channels * MC_ALTS + 1; }

static uint64_t mc_gate_now(void *ctx)
{
    mc_model *m = ctx;
    m->vars.clock_read = 1;
    return m->now_ns;
}

/* ---- scripts ------------------------------------------------------------------------ */
uint64_t check_script_len_max(const check_config *cfg)
{
    if (!cfg->from)
        return (uint64_t)cfg->checkpoints * (cfg->data + 1u) + cfg->data;
    uint64_t len[CHECK_CHANNELS_MAX] = {0}, max = 0;
    for (size_t i = 0; i < cfg->from->items_len; i++) {
        const sc_item *it = &cfg->from->items[i];
        if (it->channel < CHECK_CHANNELS_MAX && !it->wait && ++len[it->channel] > max)
            max = len[it->channel];
    }
    return max;
}

static int script_from_flags(mc_model *m)
{
    size_t len = (size_t)m->cfg.checkpoints * (m->cfg.data + 1) + m->cfg.data;
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        m->script[c] = calloc(len + 1, sizeof *m->script[c]);
        if (!m->script[c])
            return BS_ENOMEM;
        size_t p = 0;
        for (uint32_t e = 1; e <= m->cfg.checkpoints + 1; e++) {
            for (uint32_t d = 0; d < m->cfg.data; d++)
                m->script[c][p++] = (mc_script_item){BS_DATA, 0, 16};
            if (e <= m->cfg.checkpoints)
                m->script[c][p++] = (mc_script_item){BS_BARRIER, e, 0};
        }
        m->script_len[c] = p;
        BS_ASSERT(p == len && p <= CHECK_SCRIPT_MAX); /* the command line bounds K and D */
    }
    return 0;
}

static int script_from_scenario(mc_model *m, const scenario *sc)
{
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        m->script[c] = calloc(sc->items_len + 1, sizeof *m->script[c]);
        if (!m->script[c])
            return BS_ENOMEM;
        for (size_t i = 0; i < sc->items_len; i++) {
            const sc_item *it = &sc->items[i];
            if (it->channel == c && !it->wait) /* a `wait`: the checker chooses timeouts itself */
                m->script[c][m->script_len[c]++] = (mc_script_item){it->kind, it->id, it->len};
        }
        BS_ASSERT(m->script_len[c] <= CHECK_SCRIPT_MAX); /* the command line bounds it */
    }
    return 0;
}

/* ---- gate and listener -------------------------------------------------------------- */
static int mc_gate_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    mc_model *m = ctx;
    if (!m->vars.waiting_at_gate && verify_gate(m->v))
        return BS_ESTOPPED;
    m->vars.waiting_at_gate = 0;
    if (m->pending) {
        m->pending = false;
        *out = m->pending_item;
        if (out->kind == BS_DATA) {
            verify_payload_fill(m->payload, out->len, m->pending_label);
            out->data = m->payload;
        }
        verify_item vi = {out->kind, out->channel, out->id, out->len, m->pending_label, out->overtaken};
        return verify_yield(m->v, &vi) ? BS_ESTOPPED : 1;
    }
    if (m->exhaust)
        return 0;
    m->vars.waiting_at_gate = 1;
    /* the core blocks only channels of the gate: the mask fits the 16-bit field whole */
    BS_ASSERT(!blocked || (blocked[0] >> m->cfg.channels) == 0);
    m->vars.blocked = blocked ? (uint16_t)blocked[0] : 0;
    return BS_EAGAIN;
}

static void mc_on_begin(void *ctx, uint64_t id)
{
    mc_model *m = ctx;
    verify_begin(m->v, id);
}

static void mc_on_trigger(void *ctx, uint64_t id)
{
    mc_model *m = ctx;
    m->notifications++;
    verify_trigger(m->v, id);
}

static void mc_on_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    mc_model *m = ctx;
    m->notifications++;
    verify_abort(m->v, id, why);
}

static void mc_on_state(void *ctx, uint64_t id, const bs_item *data)
{
    mc_model *m = ctx;
    m->notifications++;
    verify_channel_state(m->v, id, data);
}

static void mc_on_unaligned(void *ctx, uint64_t id)
{
    mc_model *m = ctx;
    verify_unaligned(m->v, id);
}

static void mc_on_done(void *ctx, uint64_t id)
{
    mc_model *m = ctx;
    m->notifications++;
    verify_done(m->v, id);
}

static int mc_handler_open(mc_model *m)
{
    bs_handler_config hc = {.strategy = m->cfg.strategy, .ops = m->cfg.ops, .channels = m->cfg.channels,
                            .page_size = m->cfg.page_size, .quiet = true};
    memcpy(hc.options, m->cfg.options, sizeof hc.options);
    return bs_handler_open(&m->h, &hc, &m->gate, &m->io, &m->listener);
}

/* MERGING ARRIVAL ORDERS. A state's identity asks the handler for BS_SNAP_MERGE_ORDERS: a
 * strategy that can show that no continuation tells apart two states differing only in
 * the order in which the items it holds arrived (within a class of orders it defines)
 * writes them in one normal form for the class (spill: the file being written; the
 * argument and the class are in core/strategy/spill_snapshot.c); the others ignore the
 * flag. The argument counts what a continuation does, and an I/O fault does not fit it: a
 * fault names a call by its number, and how many calls a replay makes depends on the
 * order (an item re-spilled in one order is returned at once in the other), so with fault
 * choices or a scenario's faults the orders are kept. The full blob keeps the file as
 * written (restores and counterexamples exact). A test (test_check_order.c) steps every
 * transition from each state and from other members of its file's class and finds the
 * same successors' identities and verdicts; another (test_check.c) shows the search
 * stores exactly the images of the states a search that keeps the orders stores. */
static void order_setup(mc_model *m)
{
    bool faults = m->cfg.disk_fault || m->faults.rules_len;
    m->order_off = m->cfg.keep_order   ? "--keep-order"
                   : m->cfg.disk_fault ? "fault choices (--disk-fault)"
                   : faults            ? "the scenario has faults"
                                       : "";
    m->snap_flags = BS_SNAP_CANONICAL | (*m->order_off ? 0 : BS_SNAP_MERGE_ORDERS);
    m->image_snap_flags = BS_SNAP_CANONICAL | (faults ? 0 : BS_SNAP_MERGE_ORDERS);
}

/* A scenario's faults: the same rules `run` applies (hrun.c), counted along each path. */
static int add_scenario_faults(mc_model *m, const scenario *sc)
{
    static const io_call calls[SC_CALL_COUNT] = {IO_OPEN, IO_WRITE, IO_READ, IO_CLOSE, IO_UNLINK};
    for (size_t i = 0; i < sc->faults_len; i++) {
        const sc_fault *f = &sc->faults[i];
        if (f->nth > UINT16_MAX || io_fault_add(&m->faults, calls[f->call], f->nth, f->err, f->short_bytes))
            return BS_EINVAL;
        if (f->nth > m->calls_cap[calls[f->call]])
            m->calls_cap[calls[f->call]] = (uint16_t)f->nth;
    }
    return 0;
}

/* ---- symmetry: channels with identical scripts ----------------------------------------- */
/* SYMMETRY REDUCTION AND WHY IT IS SOUND HERE
 * Let channels c and d have identical scripts (flags: every channel; a scenario: equal item
 * sequences). Renaming channels by a permutation p that maps each channel to one of equal
 * script (p keeps every class) maps a state s to p(s): the explorer's variables with
 * channel positions and the gate's blocked set permuted, the handler's state with every
 * channel id and set renamed (the strategy's relabel hook, core/bs_strategy.h), the
 * checker's state with its per-channel histories and labels renamed (verify/snapshot.c),
 * and payloads, which carry the label channel << 32 | position, rewritten to the new
 * channel. The core, the checker and this model never use a channel's number but to tell
 * channels apart (index a set, pick a script, label an item), and renamed channels have
 * the same scripts, so stepping commutes with renaming: transition t of channel c from s
 * leads to s' exactly when the same alternative of channel p(c) from p(s) leads to p(s'),
 * with the same violations, the same purity (sleep sets) and the same deadlocks. The
 * properties checked do not name channels: a violation is reachable from s exactly when
 * one is reachable from p(s). So exploring one state per orbit {p(s)} finds every
 * violation the full search finds (Emerson & Sistla, "Symmetry and model checking",
 * FMSD 9, 1996; Ip & Dill, "Better verification through symmetry", FMSD 9, 1996), and
 * breadth-first order still gives a shortest path: p preserves path lengths.
 * The canonical form of s is the least byte string (length, then memcmp) among the
 * renamings p(s) where p sorts each class's channels by a key that does not depend on
 * channel numbers (position, done, blocked, and a hash of the checker's history of the
 * channel), trying every order of channels with equal keys; as the keys of p(s) are those
 * of s moved along, the set of candidates is the same for every member of an orbit, so
 * all members get the same canonical form: states stored = orbits. Past SYM_CANDIDATES_MAX
 * tied orders only the first is taken (counted as inexact): still a member of the orbit,
 * so still sound, but an orbit may then be stored more than once.
 * The stored state keeps its concrete blob (the one actually reached) and the permutation
 * to its canonical names: parent links therefore still chain concrete transitions, and a
 * counterexample replays in `run` without renaming. Sleep sets are kept in canonical names
 * (search.c maps them through the permutation both ways). */
#define SYM_CANDIDATES_MAX 120u

static void sym_setup(mc_model *m)
{
    bool pair = false;
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        m->perm[c] = (uint8_t)c;
        m->cls[c] = (uint8_t)c;
        for (uint32_t d = 0; d < c; d++)
            if (m->script_len[d] == m->script_len[c] &&
                memcmp(m->script[d], m->script[c], m->script_len[c] * sizeof *m->script[c]) == 0) {
                m->cls[c] = (uint8_t)d;
                pair = true;
                break;
            }
    }
    m->sym_off = !m->cfg.ops->relabel ? "the strategy cannot rename channels (no relabel hook)"
                 : !pair               ? "no two channels have identical scripts"
                                       : "";
    m->sym = m->cfg.symmetry && !*m->sym_off;
    m->orbits = m->cfg.count_orbits && !m->sym && !*m->sym_off;
    m->id.flags = m->cfg.keep_ended ? 0 : VERIFY_SNAP_FORGETTING;
    m->image.flags = VERIFY_SNAP_FORGETTING;
    if (!m->cfg.symmetry && !*m->sym_off)
        m->sym_off = "--no-symmetry";
}

/* A payload's label names its channel in the high half: renamed (a payload the handler
 * corrupted does not parse and is left as it is; returning it is a violation anyway). */
static void sym_payload(void *ctx, uint8_t *data, uint32_t len, const uint32_t *perm)
{
    mc_model *m = ctx;
    uint64_t label;
    if (!verify_payload_parse(data, len, &label) || (label >> 32) >= m->cfg.channels)
        return;
    verify_payload_fill(data, len, (uint64_t)perm[label >> 32] << 32 | (label & 0xffffffffu));
}

typedef struct sym_key {
    uint8_t cls, done, blocked, pad;
    uint32_t pos;
    uint64_t hist;                   /* the checker's history of the channel (hashed) */
} sym_key;

static int sym_key_cmp(const sym_key *a, const sym_key *b)
{
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    if (a->done != b->done || a->blocked != b->blocked)
        return a->done != b->done ? (a->done < b->done ? -1 : 1) : (a->blocked < b->blocked ? -1 : 1);
    return a->hist < b->hist ? -1 : a->hist > b->hist;
}

static bool sym_identity(const uint8_t *perm8, uint32_t n)
{
    for (uint32_t c = 0; c < n; c++)
        if (perm8[c] != c)
            return false;
    return true;
}

/* FORGETTING ENDED CHECKPOINTS. A state's identity (its canonical form) holds the
 * checker's identity snapshot (verify_snapshot_identity with VERIFY_SNAP_FORGETTING): what
 * a settled checkpoint (ended, or skipped below the largest id begun) leaves behind, and
 * the markers a channel delivered (or lost) for it, are left out, because no continuation
 * can tell such states apart (the argument is in verify/snapshot.c, beside the writer);
 * so is everything about an end state (THE END STATE below). Two states the identity
 * merges give the same verdict on every path from them, so exploring one of them loses no violation, deadlock
 * or open checkpoint; the full blob keeps the checker's full snapshot, so restores and
 * counterexamples are exact. A test (test_check.c) shows the search stores exactly the
 * images of the states a search that keeps them (keep_ended) stores. */

/* The live checker's identity ci (written once per state). */
static int checker_snapshot_once(mc_model *m, checker_id *ci)
{
    if (ci->written)
        return 0;
    ci->snap.len = 0;
    int rc = verify_snapshot_identity(m->v, ci->flags, &ci->snap);
    ci->written = rc == 0;
    return rc;
}

/* One candidate: vars, handler and checker renamed by perm, into m->sym_cand. The checker
 * part is written from the live checker (verify_snapshot_renamed: one pass, nothing
 * parsed) unless `from_bytes`: then it is renamed from ci->snap, which the caller
 * wrote once for its several candidates. Both give the same bytes (verify.h). */
static int sym_candidate(mc_model *m, checker_id *ci, const uint8_t *perm8, const bs_buf *hc, bool from_bytes)
{
    uint32_t perm[MC_CHANNELS_MAX];
    mc_vars nv = m->vars;
    nv.blocked = 0;
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        perm[c] = perm8[c];
        BS_ASSERT(perm[c] < m->cfg.channels && m->cls[perm[c]] == m->cls[c]); /* within its class */
        nv.ch[perm[c]] = m->vars.ch[c];
        nv.blocked |= (uint16_t)(((m->vars.blocked >> c) & 1u) << perm[c]);
    }
    const bs_buf *vs = &ci->snap;
    m->sym_cand.len = 0;
    int rc = bs_buf_put(&m->sym_cand, &nv, sizeof nv);
    if (sym_identity(perm8, m->cfg.channels)) {
        /* The identity renaming: by the relabel contracts (core/bs_strategy.h, verify.h) the
         * renamed canonical snapshots are the snapshots themselves, so they are copied, not
         * rewritten (about half the candidates of the bench's searches are the identity);
         * the checker's snapshot is the one mc_full needs for a new state, so it is kept. */
        rc = rc ? rc : checker_snapshot_once(m, ci);
        rc = rc ? rc : bs_buf_put(&m->sym_cand, hc->p, hc->len);
        rc = rc ? rc : bs_buf_put(&m->sym_cand, vs->p, vs->len);
#ifdef MC_SYM_CHECK_IDENTITY
        size_t at = m->sym_cand.len - hc->len - vs->len;
        bs_buf t = {0};
        rc = rc ? rc : m->cfg.ops->relabel(hc->p, hc->len, m->cfg.channels, perm, sym_payload, m, &t);
        rc = rc ? rc : verify_snapshot_relabel(vs->p, vs->len, m->cfg.channels, perm, &t);
        BS_ASSERT(rc || (t.len == hc->len + vs->len && memcmp(t.p, m->sym_cand.p + at, t.len) == 0));
        bs_buf_free(&t);
#endif
        return rc;
    }
    rc = rc ? rc : m->cfg.ops->relabel(hc->p, hc->len, m->cfg.channels, perm, sym_payload, m, &m->sym_cand);
    if (from_bytes)
        return rc ? rc : verify_snapshot_relabel(vs->p, vs->len, m->cfg.channels, perm, &m->sym_cand);
#ifdef MC_SYM_CHECK_IDENTITY
    size_t at = m->sym_cand.len;
#endif
    rc = rc ? rc : verify_snapshot_renamed(m->v, perm, ci->flags, &m->sym_cand);
#ifdef MC_SYM_CHECK_IDENTITY
    bs_buf t = {0};
    rc = rc ? rc : checker_snapshot_once(m, ci);
    rc = rc ? rc : verify_snapshot_relabel(vs->p, vs->len, m->cfg.channels, perm, &t);
    BS_ASSERT(rc || (t.len == m->sym_cand.len - at && memcmp(t.p, m->sym_cand.p + at, t.len) == 0));
    bs_buf_free(&t);
#endif
    return rc;
}

static bool next_perm(uint8_t *a, size_t n)
{
    size_t i = n - 1;
    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0) { /* the last order: back to the first */
        for (size_t x = 0, y = n - 1; x < y; x++, y--) {
            uint8_t t = a[x]; a[x] = a[y]; a[y] = t;
        }
        return false;
    }
    size_t j = n - 1;
    while (a[j] <= a[i - 1])
        j--;
    uint8_t t = a[i - 1]; a[i - 1] = a[j]; a[j] = t;
    for (size_t x = i, y = n - 1; x < y; x++, y--) {
        t = a[x]; a[x] = a[y]; a[y] = t;
    }
    return true;
}

/* Sorts each class's channels by key: arr[k] (old channel) goes to posn[k] (new name);
 * runs of equal keys are the tie groups (start offsets in grp, ngrp of them). Returns the
 * number of candidate orders (saturated past SYM_CANDIDATES_MAX). */
static uint64_t sym_sort(const mc_model *m, const sym_key *key, uint8_t *arr, uint8_t *posn, uint8_t *grp,
                         size_t *ngrp)
{
    uint32_t n = m->cfg.channels, k = 0;
    uint64_t cands = 1;
    *ngrp = 0;
    for (uint32_t r = 0; r < n; r++) {
        if (m->cls[r] != r)
            continue; /* r leads its class: its members in ascending order are the names */
        uint32_t first = k;
        for (uint32_t c = r; c < n; c++)
            if (m->cls[c] == r) {
                posn[k] = (uint8_t)c;
                uint32_t i = k++;
                for (; i > first && sym_key_cmp(&key[arr[i - 1]], &key[c]) > 0; i--)
                    arr[i] = arr[i - 1];
                arr[i] = (uint8_t)c;
            }
        for (uint32_t i = first; i < k; i++) {
            if (i > first && sym_key_cmp(&key[arr[i - 1]], &key[arr[i]]) == 0) {
                uint64_t run = (uint64_t)(i - grp[*ngrp - 1] + 1);
                cands = cands * run > SYM_CANDIDATES_MAX ? SYM_CANDIDATES_MAX + 1 : cands * run;
                continue;
            }
            grp[(*ngrp)++] = (uint8_t)i;
        }
    }
    grp[*ngrp] = (uint8_t)k;
    BS_ASSERT(k == n);
    return cands;
}

/* The canonical form of the current state (vars, handler canonical hc, checker vs) into
 * out, and the permutation to it into perm8. See SYMMETRY REDUCTION. */
static int sym_canon(mc_model *m, checker_id *ci, const bs_buf *hc, bs_buf *out, uint8_t *perm8)
{
    uint32_t n = m->cfg.channels;
    sym_key key[MC_CHANNELS_MAX];
    uint64_t hist[MC_CHANNELS_MAX];
    bool tie = false; /* two channels of a class alike but for their histories */
    for (uint32_t c = 0; c < n; c++) {
        key[c] = (sym_key){m->cls[c], m->vars.ch[c].done, (uint8_t)((m->vars.blocked >> c) & 1u), 0,
                           m->vars.ch[c].pos, 0};
        for (uint32_t d = 0; d < c && !tie; d++)
            tie = sym_key_cmp(&key[c], &key[d]) == 0;
    }
    /* the histories only break ties, so they are hashed only when there is one: the
     * order, and so the candidates, are those of always hashing them */
    int rc = tie ? verify_channel_keys(m->v, ci->flags, hist) : 0;
    if (rc)
        return rc;
    for (uint32_t c = 0; tie && c < n; c++)
        key[c].hist = hist[c];
    uint8_t arr[MC_CHANNELS_MAX], posn[MC_CHANNELS_MAX], grp[MC_CHANNELS_MAX + 1], cur[MC_CHANNELS_MAX];
    size_t ngrp;
    uint64_t cands = sym_sort(m, key, arr, posn, grp, &ngrp);
    if (cands > SYM_CANDIDATES_MAX) {
        cands = 1;
        m->sym_inexact++;
    }
    bool have = false, from_bytes = cands > 1; /* several: write the checker once, rename it */
    rc = from_bytes ? checker_snapshot_once(m, ci) : 0;
    for (uint64_t i = 0; i < cands && !rc; i++) {
        for (uint32_t k = 0; k < n; k++)
            cur[arr[k]] = posn[k];
        rc = sym_candidate(m, ci, cur, hc, from_bytes);
        if (!rc && (!have || m->sym_cand.len < m->sym_best.len ||
                    (m->sym_cand.len == m->sym_best.len && memcmp(m->sym_cand.p, m->sym_best.p, m->sym_cand.len) < 0))) {
            bs_buf t = m->sym_best;
            m->sym_best = m->sym_cand;
            m->sym_cand = t;
            memcpy(perm8, cur, n);
            have = true;
        }
        for (size_t g = 0; g < ngrp && !next_perm(arr + grp[g], (size_t)(grp[g + 1] - grp[g])); g++)
            ; /* odometer: a group that wrapped around carries to the next */
    }
    if (rc)
        return rc;
    bs_buf t = *out; /* handed over, not copied: the next call's first candidate replaces it */
    *out = m->sym_best;
    m->sym_best = t;
    return 0;
}

int mc_model_open(mc_model **out, const check_config *cfg)
{
    *out = NULL;
    if (cfg->channels < 1 || cfg->channels > MC_CHANNELS_MAX)
        return BS_EINVAL;
    mc_model *m = calloc(1, sizeof *m);
    if (!m)
        return BS_ENOMEM;
    m->cfg = *cfg;
    if (!m->cfg.page_size)
        m->cfg.page_size = BS_PAGE_SIZE_DEFAULT;
    bs_io_mem_init(&m->mem, &m->mem_ctx);
    io_fault_init(&m->io, &m->faults, &m->mem);
    m->gate = (bs_gate){.ctx = m, .channels = cfg->channels, .next = mc_gate_next, .now_ns = mc_gate_now};
    m->listener = (bs_listener){.ctx = m, .begin = mc_on_begin, .trigger = mc_on_trigger, .abort = mc_on_abort,
                                .channel_state = mc_on_state, .done = mc_on_done,
                                .unaligned = mc_on_unaligned};
    verify_config vc = {cfg->channels, cfg->guarantee, cfg->check_progress};
    m->payload = malloc(m->cfg.page_size);
    int rc = m->payload ? 0 : BS_ENOMEM;
    rc = rc ? rc : cfg->from ? script_from_scenario(m, cfg->from) : script_from_flags(m);
    rc = rc || !cfg->from ? rc : add_scenario_faults(m, cfg->from);
    rc = rc ? rc : verify_open(&m->v, &vc);
    rc = rc ? rc : verify_open(&m->v_base, &vc);
    rc = rc ? rc : mc_handler_open(m);
    if (!rc) {
        sym_setup(m);
        order_setup(m);
    }
    BS_ASSERT(rc || (m->sym ? !*m->sym_off : *m->sym_off)); /* on, or off with a reason */
    if (rc) {
        mc_model_close(m);
        return rc;
    }
    *out = m;
    return 0;
}

void mc_model_close(mc_model *m)
{
    if (!m)
        return;
    if (m->h)
        bs_handler_close(m->h, NULL, 0);
    verify_close(m->v);
    verify_close(m->v_base);
    for (uint32_t c = 0; c < MC_CHANNELS_MAX; c++)
        free(m->script[c]);
    bs_io_mem_close(&m->mem_ctx);
    bs_buf_free(&m->snap_full);
    bs_buf_free(&m->snap_canon);
    bs_buf_free(&m->snap_image);
    bs_buf_free(&m->id.snap);
    bs_buf_free(&m->image.snap);
    bs_buf_free(&m->snap_verify_full);
    bs_buf_free(&m->sym_best);
    bs_buf_free(&m->sym_cand);
    bs_buf_free(&m->orbit_canon);
    free(m->payload);
    free(m);
}

/* ---- state blobs -------------------------------------------------------------------- */
/* Snapshots and restores read and recreate spill files through the handler's I/O: they are
 * the explorer's doing, not the run's, so no fault fires and no call is counted then. */
typedef struct mc_io_pause {
    uint64_t calls[IO_CALLS], calls_total, fail_any_nth, faults_fired;
    size_t rules_len;
} mc_io_pause;

static void io_pause(mc_model *m, mc_io_pause *p)
{
    memcpy(p->calls, m->faults.calls, sizeof p->calls);
    p->calls_total = m->faults.calls_total;
    p->fail_any_nth = m->faults.fail_any_nth;
    p->faults_fired = m->faults.faults_fired;
    p->rules_len = m->faults.rules_len;
    m->faults.rules_len = 0;
    m->faults.fail_any_nth = 0;
}

static void io_resume(mc_model *m, const mc_io_pause *p)
{
    memcpy(m->faults.calls, p->calls, sizeof p->calls);
    m->faults.calls_total = p->calls_total;
    m->faults.fail_any_nth = p->fail_any_nth;
    m->faults.faults_fired = p->faults_fired;
    m->faults.rules_len = p->rules_len;
}

/* THE END STATE. A terminal state (the handler ended, or stopped with an error a fault
 * explains) has no transition (mc_enabled), is no deadlock (mc_deadlock), and everything
 * checked about it was checked by the step into it (the end, cleanup, spill files). No
 * continuation tells two of them apart, so with forgetting they are one state, whose
 * identity is this tag alone (named by the identity renaming). */
#define MC_TERMINAL_TAG 0x6c616e696d726574ull /* "terminal" */
static int terminal_identity(bs_buf *out)
{
    out->len = 0;
    return bs_buf_put_u64(out, MC_TERMINAL_TAG);
}

/* The canonical form of the live state (handler, checker, explorer variables), renamed
 * when symmetry is on; with count_orbits, also its image under symmetry, forgetting and
 * merged arrival orders (m->orbit_canon). The checker's own snapshot (what mc_full stores) may be left
 * unwritten: a renamed candidate is written from the live checker, and most successors
 * are revisits, whose full blob is never written (LAZY FULL BLOBS). */
static int blob_write_canon(mc_model *m, bs_buf *canon)
{
    bs_buf *hc = &m->snap_canon, *vs = &m->id.snap;
    canon->len = hc->len = 0;
    m->id.written = m->image.written = false;
    bool end = m->vars.terminal;
    uint8_t perm[MC_CHANNELS_MAX];
    int rc = end && m->orbits ? terminal_identity(&m->orbit_canon) : 0;
    if (end && m->id.flags) {
        for (uint32_t c = 0; c < m->cfg.channels; c++)
            m->perm[c] = (uint8_t)c;
        return rc ? rc : terminal_identity(canon);
    }
    mc_io_pause p;
    io_pause(m, &p);
    rc = rc ? rc : bs_handler_snapshot(m->h, m->snap_flags, hc);
    bs_buf *hi = hc; /* the handler's part of the image */
    if (m->orbits && !end && m->image_snap_flags != m->snap_flags) {
        hi = &m->snap_image;
        hi->len = 0;
        rc = rc ? rc : bs_handler_snapshot(m->h, m->image_snap_flags, hi);
    }
    io_resume(m, &p);
    if (m->sym)
        return rc ? rc : sym_canon(m, &m->id, hc, canon, m->perm);
    rc = rc ? rc : checker_snapshot_once(m, &m->id);
    if (m->orbits && !end)
        rc = rc ? rc : sym_canon(m, &m->image, hi, &m->orbit_canon, perm);
    rc = rc ? rc : bs_buf_put(canon, &m->vars, sizeof m->vars);
    rc = rc ? rc : bs_buf_put(canon, hc->p, hc->len);
    return rc ? rc : bs_buf_put(canon, vs->p, vs->len);
}

/* LAZY FULL BLOBS. A transition first writes only the canonical form (what the visited
 * set needs); the full blob (what restoring needs) is written by mc_full only for a state
 * that is stored or sent to its owner. Most successors are revisits (55-60% of the
 * transitions of the bench's configurations), whose full blob was never used. The live
 * handler, checker and variables stay as the step left them until the next mc_step, so
 * the full blob written later is the one writing it at once would have given: the
 * states stored and the order of exploration do not change. */
int mc_full(mc_model *m, bs_buf *full)
{
    bs_buf *hf = &m->snap_full, *vs = m->id.flags ? &m->snap_verify_full : &m->id.snap;
    full->len = hf->len = 0;
    mc_io_pause p;
    io_pause(m, &p);
    int rc = bs_handler_snapshot(m->h, 0, hf);
    io_resume(m, &p);
    if (m->id.flags) { /* the identity forgets: the blob needs the full snapshot */
        vs->len = 0;
        rc = rc ? rc : verify_snapshot(m->v, vs);
    } else {
        rc = rc ? rc : checker_snapshot_once(m, &m->id);
    }
    rc = rc ? rc : bs_buf_put(full, &m->vars, sizeof m->vars);
    rc = rc ? rc : bs_buf_put_u64(full, hf->len);
    rc = rc ? rc : bs_buf_put(full, hf->p, hf->len);
    rc = rc ? rc : bs_buf_put_u64(full, vs->len);
    rc = rc ? rc : bs_buf_put(full, vs->p, vs->len);
    BS_ASSERT(rc || full->len == sizeof m->vars + 16 + hf->len + vs->len); /* blob_restore's layout */
    return rc;
}

void mc_vars_of(const uint8_t *full, mc_vars *vars) { memcpy(vars, full, sizeof *vars); }

/* RESTORING THE CHECKER ONCE PER STATE. The transitions of one state are stepped one after
 * another from the same blob (search.c passes `again` for the second and later ones). The
 * first restore replays the checker's snapshot through its bookkeeping (verify_restore)
 * and keeps a copy (v_base); the later ones copy that back (verify_copy), which gives the
 * same checker field for field without replaying (it was a fifth of a spill search). The
 * handler is restored from the blob every time: strategies offer no copy. */
static int blob_restore(mc_model *m, const uint8_t *full, size_t len, bool again)
{
    bs_cursor c = {full, len, 0};
    uint64_t hlen, vlen;
    if (!bs_cursor_get(&c, &m->vars, sizeof m->vars) || !bs_cursor_get_u64(&c, &hlen) || hlen > len - c.pos)
        return BS_ESTATE;
    mc_io_pause p;
    io_pause(m, &p);
    int rc = bs_handler_restore(m->h, full + c.pos, (size_t)hlen);
    io_resume(m, &p);
    c.pos += (size_t)hlen;
    if (rc)
        return rc;
    if (!bs_cursor_get_u64(&c, &vlen) || vlen != len - c.pos)
        return BS_ESTATE;
    if (again && m->v_base_ok)
        return verify_copy(m->v, m->v_base);
    m->v_base_ok = false;
    rc = verify_restore(m->v, full + c.pos, (size_t)vlen);
    rc = rc ? rc : verify_copy(m->v_base, m->v);
    m->v_base_ok = rc == 0;
    return rc;
}

int mc_initial(mc_model *m, bs_buf *full, bs_buf *canon)
{
    memset(&m->vars, 0, sizeof m->vars);
    int rc = blob_write_canon(m, canon);
    return rc ? rc : mc_full(m, full);
}

/* ---- transitions -------------------------------------------------------------------- */
size_t mc_enabled(mc_model *m, const mc_vars *vars, uint32_t *t, size_t t_cap)
{
    size_t n = 0;
    if (vars->terminal || vars->exhausted)
        return 0;
    bool all_at_end = true;
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        if (vars->ch[c].done)
            continue;
        bool blocked = (vars->blocked >> c) & 1u;
        size_t pos = vars->ch[c].pos;
        if (pos < m->script_len[c]) {
            all_at_end = false;
            bool slot = m->script[c][pos].kind == BS_BARRIER;
            if (!blocked && n < t_cap)
                t[n++] = c * MC_ALTS + MC_ALT_SCRIPT;
            if (!blocked && slot && m->cfg.cancel && n < t_cap)
                t[n++] = c * MC_ALTS + MC_ALT_CANCEL;
            if (slot && m->cfg.skip && n < t_cap)
                t[n++] = c * MC_ALTS + MC_ALT_SKIP;
        }
        if (!blocked && m->cfg.eop && n < t_cap)
            t[n++] = c * MC_ALTS + MC_ALT_EOP;
    }
    if (all_at_end && n < t_cap)
        t[n++] = mc_exhaust_transition(m);
    if (m->cfg.alignment_timeout_ns && vars->clock_read && n < t_cap)
        t[n++] = mc_timeout_transition(m);
    BS_ASSERT(n <= t_cap && (n == 0 || t[n - 1] <= mc_timeout_transition(m)));
    return n;
}

bool mc_deadlock(const mc_model *m, const mc_vars *vars, char *msg, size_t msg_len)
{
    if (vars->terminal || vars->exhausted)
        return false;
    uint32_t left = 0;
    for (uint32_t c = 0; c < m->cfg.channels; c++)
        if (!vars->ch[c].done && vars->ch[c].pos < m->script_len[c])
            left |= 1u << c;
    if (!left)
        return false;
    /* the same words as `barriersim run`'s, so that the replay reports the same violation */
    snprintf(msg, msg_len, "deadlock: the handler waits for input that only blocked channels hold");
    return true;
}

bool mc_transition_item(const mc_model *m, const mc_vars *vars, uint32_t t, bs_item *it)
{
    t &= (1u << MC_FAULT_SHIFT) - 1;
    if (t >= mc_exhaust_transition(m))
        return false;
    uint32_t c = t / MC_ALTS, alt = t % MC_ALTS;
    memset(it, 0, sizeof *it);
    it->channel = c;
    if (alt == MC_ALT_SKIP)
        return false;
    if (alt == MC_ALT_EOP) {
        it->kind = BS_EOP;
        return true;
    }
    BS_ASSERT(c < m->cfg.channels && !vars->ch[c].done && vars->ch[c].pos < m->script_len[c]);
    const mc_script_item *s = &m->script[c][vars->ch[c].pos];
    it->kind = alt == MC_ALT_CANCEL ? BS_CANCEL : s->kind;
    it->id = s->id;
    it->len = s->len;
    if (it->kind == BS_BARRIER)
        it->timestamp = vars->ch[c].pos;
    return true;
}

/* Sets up the gate's answer for transition t and advances the channel. False: skip. */
static bool mc_arm(mc_model *m, uint32_t t)
{
    uint32_t base = t & ((1u << MC_FAULT_SHIFT) - 1);
    m->pending = m->exhaust = false;
    if (base == mc_timeout_transition(m)) {
        m->now_ns = MC_FIRE_NS;
        m->vars.waiting_at_gate = 0; /* a new call of the handler, as after a wake-up */
        return true;
    }
    if (base == mc_exhaust_transition(m)) {
        m->exhaust = true;
        m->vars.exhausted = 1;
        return true;
    }
    uint32_t c = base / MC_ALTS, alt = base % MC_ALTS;
    BS_ASSERT(c < m->cfg.channels && !m->vars.ch[c].done); /* an enabled transition (mc_enabled) */
    BS_ASSERT(alt == MC_ALT_EOP || m->vars.ch[c].pos < m->script_len[c]);
    if (alt == MC_ALT_SKIP) {
        m->vars.ch[c].pos++;
        return false;
    }
    mc_transition_item(m, &m->vars, base, &m->pending_item);
    m->pending = true;
    m->pending_label = m->straight ? m->next_label++ : (uint64_t)c << 32 | m->vars.ch[c].pos;
    if (alt == MC_ALT_EOP || m->pending_item.kind == BS_EOP)
        m->vars.ch[c].done = 1;
    if (alt != MC_ALT_EOP)
        m->vars.ch[c].pos++;
    return true;
}

/* Runs the handler until it waits at its gate again, ends, or stops. Returns its code. */
static int mc_drive(mc_model *m)
{
    /* Bounded: a handler that returns an item twice is stopped by conservation. */
    for (;;) {
        bs_item it;
        int rc = bs_handler_next(m->h, &it);
        if (rc != 1 || verify_failed(m->v))
            return rc;
        uint64_t label;
        if (verify_returned(m->v, &it, &label))
            return BS_ESTOPPED;
        m->returns++;
        if (it.kind != BS_DATA || label != m->pending_label)
            m->returned_other = true;
    }
}

/* The handler ended or stopped: clean it up, check that no spill file is left, and open a
 * fresh handler for the states still to explore. */
static int mc_terminal(mc_model *m, mc_step_info *info)
{
    info->terminal = true;
    m->vars.terminal = 1;
    char msg[256];
    int rc = bs_handler_close(m->h, msg, sizeof msg);
    m->h = NULL;
    if (rc && !m->vars.fault_used && !info->violation) {
        info->violation = true;
        snprintf(info->message, sizeof info->message, "cleanup failed with no fault to explain it: %s", msg);
    }
    if (!info->violation && verify_cleanup(m->v, bs_io_mem_live(&m->mem_ctx))) {
        info->violation = true;
        snprintf(info->message, sizeof info->message, "%s", verify_message(m->v));
    }
    return mc_handler_open(m);
}

/* Classifies what the handler's run did. */
static void mc_judge(mc_model *m, int hrc, bool fault_fired, mc_step_info *info)
{
    if (verify_failed(m->v)) {
        info->violation = true;
        snprintf(info->message, sizeof info->message, "%s", verify_message(m->v));
    } else if (hrc == 0) {
        if (verify_end(m->v)) {
            info->violation = true;
            snprintf(info->message, sizeof info->message, "%s", verify_message(m->v));
        }
    } else if (hrc < 0 && hrc != BS_EAGAIN && !fault_fired) {
        info->violation = true;
        snprintf(info->message, sizeof info->message, "the handler stopped with an error no fault explains: %s",
                 bs_handler_errmsg(m->h));
    }
}

int mc_step(mc_model *m, const uint8_t *full, size_t full_len, bool again, uint32_t t, mc_step_info *info,
            bs_buf *next_canon)
{
    /* field by field: the 1 KiB message is read only when violation is set (a memset of
     * the whole struct was 4% of a tracker search) */
    info->pure = info->noop = info->violation = info->terminal = false;
    info->io_calls = 0;
    info->message[0] = '\0';
    BS_ASSERT(!m->straight); /* a model replaying a path (mc_replay) explores nothing */
    int rc = blob_restore(m, full, full_len, again);
    if (rc)
        return rc;
    m->notifications = m->returns = 0;
    m->returned_other = false;
    for (int k = 0; k < IO_CALLS; k++)
        m->faults.calls[k] = m->vars.calls[k];
    uint64_t calls0 = m->faults.calls_total, fired0 = m->faults.faults_fired;
    uint32_t j = t >> MC_FAULT_SHIFT;
    m->faults.fail_any_nth = j ? calls0 + j : 0;
    m->faults.fail_any_err = EIO;
    bool handler_step = mc_arm(m, t);
    bool data = handler_step && m->pending && m->pending_item.kind == BS_DATA;
    int hrc = handler_step ? mc_drive(m) : BS_EAGAIN;
    bool fired = m->now_ns != 0;
    m->now_ns = 0;
    m->faults.fail_any_nth = 0;
    info->io_calls = m->faults.calls_total - calls0;
    bool fault_fired = m->faults.faults_fired > fired0;
    if (fault_fired)
        m->vars.fault_used = 1;
    for (int k = 0; k < IO_CALLS; k++)
        m->vars.calls[k] = (uint16_t)(m->faults.calls[k] < m->calls_cap[k] ? m->faults.calls[k] : m->calls_cap[k]);
    mc_judge(m, hrc, fault_fired, info);
    if (info->violation || (hrc != 1 && hrc != BS_EAGAIN))
        rc = mc_terminal(m, info);
    info->pure = !handler_step || (data && !info->violation && hrc == BS_EAGAIN && m->notifications == 0 &&
                                   info->io_calls == 0 && m->returns == 1 && !m->returned_other);
    info->noop = fired && !info->violation && hrc == BS_EAGAIN && m->notifications == 0 && info->io_calls == 0 &&
                 m->returns == 0;
    return rc ? rc : blob_write_canon(m, next_canon);
}

int mc_replay(mc_model *m, const uint32_t *path, size_t len, mc_replay_step *steps, char *msg,
              size_t msg_len)
{
    memset(&m->vars, 0, sizeof m->vars);
    m->straight = true;
    m->next_label = 0;
    msg[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        mc_replay_step *st = &steps[i];
        memset(st, 0, sizeof *st);
        st->has_item = mc_transition_item(m, &m->vars, path[i], &st->item);
        st->wait = (path[i] & ((1u << MC_FAULT_SHIFT) - 1)) == mc_timeout_transition(m);
        uint32_t j = path[i] >> MC_FAULT_SHIFT;
        uint64_t fired0 = m->faults.faults_fired;
        m->faults.fail_any_nth = j ? m->faults.calls_total + j : 0;
        m->faults.fail_any_err = EIO;
        mc_step_info info;
        memset(&info, 0, sizeof info);
        int hrc = mc_arm(m, path[i]) ? mc_drive(m) : BS_EAGAIN;
        m->now_ns = 0;
        m->faults.fail_any_nth = 0;
        if (m->faults.faults_fired > fired0) {
            st->fault = true;
            st->fault_call = m->faults.fired_call;
            st->fault_nth = m->faults.fired_nth;
            st->fault_from_scenario = j == 0;
        }
        mc_judge(m, hrc, st->fault, &info);
        if (!info.violation && hrc != 1 && hrc != BS_EAGAIN)
            mc_terminal(m, &info);
        if (info.violation) {
            snprintf(msg, msg_len, "%s", info.message);
            break;
        }
        if (hrc != 1 && hrc != BS_EAGAIN)
            break;
    }
    return 0;
}

size_t mc_leftover(const mc_model *m, bs_item *out, size_t cap)
{
    size_t n = 0;
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        if (m->vars.ch[c].done)
            continue;
        for (size_t p = m->vars.ch[c].pos; p < m->script_len[c] && n < cap; p++) {
            const mc_script_item *s = &m->script[c][p];
            out[n++] = (bs_item){.kind = s->kind, .channel = c, .id = s->id, .len = s->len};
        }
    }
    return n;
}

bool mc_replay_deadlock(const mc_model *m, char *msg, size_t msg_len)
{
    return mc_deadlock(m, &m->vars, msg, msg_len);
}
