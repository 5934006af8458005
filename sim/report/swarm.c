/*
 * swarm.c: the configuration each seed draws (see swarm.h). Ranges are kept small so a
 * seed runs in about a millisecond: 1-4 sources, 1-3 stages of 1-4 tasks, up to 400
 * records per source, mostly small, with a heavy tail for long alignments.
 */
#include "swarm.h"

#include "../engine/rng.h"
#include "../strategies.h"

#include <string.h>

/* The names are the engine's (sim_plant_name, sim/engine/run.c): one table. */
const char *swarm_plant_name(sim_plant p)
{
    const char *name = sim_plant_name(p);
    return name ? name : "unknown";
}

bool swarm_plant_parse(const char *name, sim_plant *out)
{
    for (unsigned i = 0; name && sim_plant_name((sim_plant)i); i++) {
        if (strcmp(name, sim_plant_name((sim_plant)i)) == 0) {
            *out = (sim_plant)i;
            return true;
        }
    }
    return false;
}

bool swarm_strategy_known(const char *name)
{
    sim_strategy st;
    return name && (strcmp(name, SWARM_ANY) == 0 || sim_strategy_find(name, &st));
}

/* One of the core's strategies (never a test-only one), uniformly. The draw is made
 * whatever the strategy, so that a named strategy sees the same topology as "any". */
static const char *draw_strategy(rng *r, const char *strategy)
{
    size_t n = 0;
    while (bs_strategy_name(n))
        n++;
    const char *drawn = bs_strategy_name((size_t)rng_below(r, n));
    return strategy && strcmp(strategy, SWARM_ANY) != 0 ? strategy : drawn;
}

static sim_dist draw_dist(rng *r, uint64_t min_lo, uint64_t min_hi, uint64_t spread)
{
    sim_dist d;
    d.min_ns = rng_range(r, min_lo, min_hi);
    d.mean_ns = d.min_ns + rng_below(r, spread + 1);
    d.max_ns = d.mean_ns + rng_below(r, spread * 8 + 1);
    return d;
}

static void draw_topology(rng *r, sim_config *c)
{
    c->stages = (uint32_t)rng_range(r, 1, 3);
    c->parallelism = (uint32_t)rng_range(r, 1, 4);
    c->sources = (uint32_t)rng_range(r, 1, 4);
    /* A forward link from the sources needs as many sources as tasks. */
    c->link[0] = c->sources == c->parallelism && rng_below(r, 2) ? SIM_LINK_FORWARD : SIM_LINK_ALL_TO_ALL;
    for (uint32_t s = 1; s < c->stages; s++)
        c->link[s] = rng_below(r, 2) ? SIM_LINK_FORWARD : SIM_LINK_ALL_TO_ALL;
    c->credits = (uint32_t)(rng_below(r, 4) == 0 ? 1 : rng_range(r, 2, 8));
}

static void draw_timing(rng *r, sim_config *c)
{
    /* Skew between channels comes from wide latency tails; stalls from service tails. */
    c->latency = draw_dist(r, 100, 5000, rng_below(r, 2) ? 5000 : 50000);
    for (uint32_t s = 0; s < c->stages; s++)
        c->service[s] = draw_dist(r, 50, 1000, rng_below(r, 3) ? 500 : 20000);
    c->source_interval_ns = rng_range(r, 200, 5000);
}

static void draw_workload(rng *r, sim_config *c)
{
    uint64_t tier = rng_below(r, 8);
    c->records_per_source = tier == 0 ? rng_below(r, 4) : tier < 6 ? rng_range(r, 4, 60) : rng_range(r, 60, 400);
    c->payload_len = (uint32_t)(rng_below(r, 2) ? 8 + rng_below(r, 57) : rng_range(r, 8, 512));
    uint64_t ck = rng_below(r, 10);
    c->checkpoint_interval_ns = ck == 0 ? 0 : rng_range(r, 5000, ck < 5 ? 50000 : 400000);
    uint64_t to = rng_below(r, 4);
    c->checkpoint_timeout_ns = to == 0 ? 0 : c->checkpoint_interval_ns * rng_range(r, to == 1 ? 1 : 5, 50);
    c->max_buffered_bytes = rng_below(r, 4) == 0 ? rng_range(r, 64, 8192) : 0;
}

/* The alignment-timeout option, drawn whatever the strategy (the draws after it stay put)
 * and kept for a strategy whose descriptor reads it: a quarter of the seeds below a typical
 * latency (most alignments go unaligned), half around alignment times (some do), a quarter
 * well above (few do). */
static void draw_alignment_timeout(rng *r, sim_config *c)
{
    uint64_t tier = rng_below(r, 4);
    uint64_t ns = tier == 0 ? rng_range(r, 1, 3000) : tier < 3 ? rng_range(r, 3000, 60000) : rng_range(r, 60000, 2000000);
    sim_strategy st;
    bool reads = sim_strategy_find(c->strategy, &st) && bs_strategy_option_slot(st.ops, BS_OPT_ALIGNMENT_TIMEOUT_NS);
    c->alignment_timeout_ns = reads ? ns : 0;
}

/* Which faults are on (swarm testing: each seed switches on a random subset of the
 * kinds `faults` allows, so a rare kind is not always drowned by the others), with a
 * chance per slot and a number of slots per kind. From its own stream, so fault choices
 * never shift the draws above. */
static void draw_faults(rng *r, sim_config *c, uint32_t faults)
{
    uint64_t on = rng_next(r);
    uint32_t draws = (uint32_t)rng_range(r, 1, 3);
    bool any = false;
    for (uint32_t k = 0; k < sim_fault_kinds(); k++) {
        uint32_t ppm = (uint32_t)rng_range(r, 100000, 1000000);
        if ((faults >> k & 1) && (on >> k & 1)) {
            c->fault_ppm[k] = ppm;
            any = true;
        }
    }
    if (any)
        c->fault_draws = draws;
}

bool swarm_network_known(const char *network)
{
    return !network || !strcmp(network, "records") || !strcmp(network, "bytes") || !strcmp(network, SWARM_ANY);
}

/* The byte network's knobs: small segments so that records span buffers and buffers
 * fill within a short run, few buffers so that back-pressure builds, flush timeouts from
 * every record to longer than most runs, and credit latencies as the link's or apart. */
void swarm_draw_network(uint64_t seed, const char *network, sim_config *cfg)
{
    rng r;
    rng_stream_named(&r, seed, "swarm-net");
    bool bytes = network && (!strcmp(network, "bytes") || (!strcmp(network, SWARM_ANY) && rng_below(&r, 2)));
    if (!bytes)
        return;
    static const uint32_t segs[] = {64, 96, 128, 256, 512, 1024, 4096, 32768};
    sim_net *n = &cfg->net;
    n->model = SIM_NET_BYTES;
    n->segment_bytes = segs[rng_below(&r, sizeof segs / sizeof *segs)];
    n->buffers_per_channel = (uint32_t)rng_range(&r, 1, 4);
    n->floating_per_gate = (uint32_t)rng_below(&r, 9);
    uint32_t m = (uint32_t)rng_range(&r, 1, 10);
    uint64_t t = rng_below(&r, 4);
    n->buffer_timeout_ns = t == 0 ? 0 : t == 1 ? rng_range(&r, 500, 5000) : t == 2 ? rng_range(&r, 5000, 100000) : 100000000;
    /* One buffer per channel blocks a task on its own partly filled buffer until the
     * flusher: drawn with short flush periods only, so that runs stay within the bounds. */
    n->max_buffers_per_channel = m == 1 && t == 3 ? 2 : m;
    n->credit_latency = rng_below(&r, 2) ? (sim_dist){0, 0, 0} : draw_dist(&r, 100, 5000, 20000);
    /* A partly filled buffer may wait a whole flush period: the liveness and stall bounds
     * are measured beyond it. */
    if (n->buffer_timeout_ns) {
        cfg->checkpoint_bound_ns += 3 * n->buffer_timeout_ns;
        cfg->stall_bound_ns += 3 * n->buffer_timeout_ns;
    }
    /* An aligned checkpoint waits for the records in flight ahead of its barrier: in bytes
     * there are far more of them than the record model's credits hold. */
    uint64_t recs = (uint64_t)(n->max_buffers_per_channel + n->buffers_per_channel + n->floating_per_gate) *
                    n->segment_bytes / (cfg->payload_len + 5) + 1, per = 0;
    for (uint32_t s = 0; s < cfg->stages; s++)
        per += cfg->service[s].mean_ns;
    cfg->checkpoint_bound_ns += recs * per * cfg->sources;
    /* A record larger than a segment spans several buffers (docs/simulation-network.md), and
     * with few credits each of them may wait a credit round trip (at the slowest latencies)
     * at every stage boundary: seed 172182 (64-byte segments, 434-byte records, one credit)
     * waited 5.065 ms against a bound of 5.056 ms without this term. */
    uint64_t span = (cfg->payload_len + 5 + n->segment_bytes - 1) / n->segment_bytes;
    if (span > 1) {
        const sim_dist *cl = n->credit_latency.max_ns ? &n->credit_latency : &cfg->latency;
        cfg->checkpoint_bound_ns += (uint64_t)cfg->stages * span * (cfg->latency.max_ns + cl->max_ns);
    }
    swarm_draw_debloat(seed, cfg);
}

/* Buffer debloating (FLIP-183), on for half of the byte-network seeds, from its own stream
 * (the draws above stay what they were): targets from a few microseconds (buffers shrink
 * to min-segment-size at once) to longer than most runs (they stay whole), periods from
 * the shortest allowed to 20 us, averages from one sample (each period's size taken as it is) to
 * Flink's 20, thresholds from 0 (every change announced) to 50 %. */
void swarm_draw_debloat(uint64_t seed, sim_config *cfg)
{
    rng r;
    rng_stream_named(&r, seed, "swarm-debloat");
    sim_debloat *d = &cfg->net.debloat;
    if (cfg->net.model != SIM_NET_BYTES || !rng_below(&r, 2))
        return;
    static const uint64_t targets[] = {2000, 20000, 100000, 1000000, 1000000000};
    static const uint32_t mins[] = {64, 128, 256};
    d->enabled = true;
    d->target_ns = targets[rng_below(&r, sizeof targets / sizeof *targets)];
    d->period_ns = rng_range(&r, SIM_DEBLOAT_PERIOD_MIN_NS, 20000);
    d->samples = (uint32_t)rng_range(&r, 1, 20);
    d->threshold_pct = (uint32_t)rng_below(&r, 51);
    d->min_segment_bytes = mins[rng_below(&r, sizeof mins / sizeof *mins)];
    if (d->min_segment_bytes > cfg->net.segment_bytes)
        d->min_segment_bytes = cfg->net.segment_bytes;
    /* Small buffers carry fewer bytes per credit: a record spans more of them, and with few
     * credits each may wait a credit round trip. The liveness bound grows by one round trip
     * (at the slowest latencies) per buffer a channel may hold ahead of a barrier and per
     * buffer of one record, at every stage boundary. */
    const sim_net *n = &cfg->net;
    const sim_dist *cl = n->credit_latency.max_ns ? &n->credit_latency : &cfg->latency;
    uint64_t span = (cfg->payload_len + 5 + d->min_segment_bytes - 1) / d->min_segment_bytes + 1;
    uint64_t bufs = (uint64_t)n->max_buffers_per_channel + n->buffers_per_channel + n->floating_per_gate + span;
    cfg->checkpoint_bound_ns += (uint64_t)cfg->stages * bufs * (cfg->latency.max_ns + cl->max_ns);
}

static sim_dist scaled(sim_dist d, uint64_t f) { return (sim_dist){d.min_ns * f, d.mean_ns * f, d.max_ns * f}; }

/* Channel `sender` -> `receiver` of stage boundary `stage` as node ids (a forward link
 * joins equal indexes). */
static void draw_channel(rng *r, const sim_config *c, sim_hetero *h)
{
    uint32_t st = (uint32_t)rng_below(r, c->stages), rx = (uint32_t)rng_below(r, c->parallelism);
    uint32_t senders = st == 0 ? c->sources : c->parallelism;
    uint32_t tx = c->link[st] == SIM_LINK_FORWARD ? rx : (uint32_t)rng_below(r, senders);
    h->node = st == 0 ? tx : c->sources + (st - 1) * c->parallelism + tx;
    h->to = c->sources + st * c->parallelism + rx;
}

void swarm_draw_hetero(uint64_t seed, sim_config *c)
{
    rng r;
    rng_stream_named(&r, seed, "swarm-hetero");
    if (!rng_below(&r, 2))
        return;
    uint32_t n = (uint32_t)rng_range(&r, 1, 3);
    uint64_t worst = 1;
    for (uint32_t i = 0; i < n && c->n_hetero < SIM_HETERO_MAX; i++) {
        uint64_t f = rng_range(&r, 2, 4);
        sim_hetero h = {.kind = (sim_hetero_kind)rng_below(&r, 3)};
        if (h.kind == SIM_HETERO_SERVICE) {
            uint32_t st = (uint32_t)rng_below(&r, c->stages);
            h.node = c->sources + st * c->parallelism + (uint32_t)rng_below(&r, c->parallelism);
            h.d = scaled(c->service[st], f);
        } else if (h.kind == SIM_HETERO_INTERVAL) {
            h.node = (uint32_t)rng_below(&r, c->sources);
            uint64_t gap = rng_below(&r, 2) ? c->source_interval_ns * f : c->source_interval_ns / f;
            h.d = (sim_dist){gap, gap, gap};
        } else {
            draw_channel(&r, c, &h);
            h.d = scaled(c->latency, f);
        }
        c->hetero[c->n_hetero++] = h;
        worst = f > worst ? f : worst;
    }
    c->checkpoint_bound_ns *= worst;
}

/* The link kinds of the partitioners (sim_link, partition.c), for half of the seeds: each
 * boundary that joins every sender to every receiver takes all-to-all, rebalance, hash or
 * (at one boundary at most) broadcast; forward links stay, so the channels, and the
 * overrides drawn on them, are the same. Hash links get 1 key (every record on one task),
 * a few keys (some tasks idle) or many, uniform or Zipf-skewed. Liveness: a broadcast link loads every downstream
 * task with all the records (parallelism times its share), a hot key up to all of them on
 * one task; the checkpoint bound grows by the parallelism for either. */
void swarm_draw_links(uint64_t seed, sim_config *c)
{
    rng r;
    rng_stream_named(&r, seed, "swarm-links");
    if (!rng_below(&r, 2))
        return;
    bool broadcast = false, hash = false;
    for (uint32_t s = 0; s < c->stages; s++) {
        if (c->link[s] == SIM_LINK_FORWARD)
            continue;
        uint64_t k = rng_below(&r, broadcast ? 3 : 4);
        c->link[s] = k == 0 ? SIM_LINK_ALL_TO_ALL : k == 1 ? SIM_LINK_REBALANCE : k == 2 ? SIM_LINK_HASH
                                                                                     : SIM_LINK_BROADCAST;
        broadcast |= c->link[s] == SIM_LINK_BROADCAST;
        hash |= c->link[s] == SIM_LINK_HASH;
    }
    uint64_t keys = rng_below(&r, 4);
    c->key_count = keys == 0 ? 1 : keys == 1 ? (uint32_t)rng_range(&r, 2, 16) : (uint32_t)rng_range(&r, 17, 5000);
    /* key skew for half of these seeds: Zipf exponents from 0.001 to 2 (at 2 the hot key
     * holds over 60 % of the records whatever the key count) */
    c->key_skew_milli = rng_below(&r, 2) ? (uint32_t)rng_range(&r, 1, 2000) : 0;
    if (broadcast || hash)
        c->checkpoint_bound_ns *= c->parallelism;
}

bool swarm_topology_known(const char *topology)
{
    return !topology || !strcmp(topology, "chain") || !strcmp(topology, "two-input") || !strcmp(topology, SWARM_ANY);
}

/* A two-input stage (sim.h, SIM_IN2_NONE): at least 3 stages (the new ones take the last
 * stage's service time), a stage s >= 2 reading a second input from a stage u <= s-2 with
 * any link kind (forward only when the stages' sizes allow, as they always do here;
 * broadcast only while the copies stay within SIM_COPIES_MAX, else all-to-all). Liveness:
 * the two-input stage and everything after it get every record twice or more, and hash or
 * broadcast loads one task with more: the checkpoint bound grows by the copies. */
void swarm_draw_topology(uint64_t seed, const char *topology, sim_config *c)
{
    if (!topology || !strcmp(topology, "chain"))
        return;
    rng r;
    rng_stream_named(&r, seed, "swarm-topology");
    bool on = rng_below(&r, 2) || strcmp(topology, SWARM_ANY) != 0; /* any: half of the seeds */
    if (!on)
        return;
    uint32_t stages = (uint32_t)rng_range(&r, 3, 4), last = c->stages - 1;
    for (uint32_t st = c->stages; st < stages; st++) {
        c->service[st] = c->service[last];
        c->link[st] = rng_below(&r, 2) ? SIM_LINK_FORWARD : SIM_LINK_ALL_TO_ALL;
    }
    c->stages = stages > c->stages ? stages : c->stages;
    uint32_t s = (uint32_t)rng_range(&r, 2, c->stages - 1), u = (uint32_t)rng_below(&r, s - 1);
    static const sim_link kinds[] = {SIM_LINK_ALL_TO_ALL, SIM_LINK_FORWARD, SIM_LINK_REBALANCE, SIM_LINK_HASH,
                                     SIM_LINK_BROADCAST};
    c->in2_from[s] = (uint8_t)(u + 1);
    c->in2_link[s] = kinds[rng_below(&r, sizeof kinds / sizeof *kinds)];
    if (sim_link_copies(c, c->stages) > SIM_COPIES_MAX)
        c->in2_link[s] = SIM_LINK_ALL_TO_ALL;
    c->checkpoint_bound_ns *= sim_link_copies(c, c->stages) * (c->in2_link[s] == SIM_LINK_HASH ? c->parallelism : 1);
    /* A skipped barrier (the skip fault; Flink's sources never skip one) stalls a diamond
     * under `block` for good: the two-input task keeps the second input's channel blocked
     * for the lost K, the shared stage u, back-pressured by it (its outputs drain in order),
     * stops reading, and no newer barrier reaches the first input to subsume K. In a chain
     * the newer barrier comes through the channels not blocked. So block seeds go without. */
    if (!strcmp(c->strategy, "block"))
        c->fault_ppm[SIM_FAULT_SKIP] = 0;
}

bool swarm_costs_known(const char *costs)
{
    return !costs || !strcmp(costs, "off") || !strcmp(costs, "on") || !strcmp(costs, SWARM_ANY);
}

/* What the drawn costs can add to one checkpoint, at most: every task's largest state and
 * all the records' payload as channel state through the storage at once, every latency in
 * a row, a synchronous phase per stage; doubled. */
static uint64_t costs_bound(const sim_config *cfg)
{
    const sim_costs *k = &cfg->costs;
    uint64_t records = (uint64_t)cfg->sources * cfg->records_per_source, tasks = (uint64_t)cfg->stages * cfg->parallelism;
    uint64_t state = k->state_bytes + k->state_bytes_per_record * records;
    uint64_t channel = records * cfg->payload_len, total = tasks * state + channel + k->metadata_bytes;
    uint64_t ns = cfg->stages * (k->sync_ns + state * k->sync_ps_per_byte / 1000) + 3 * k->storage_latency_ns +
                  2 * k->ack_latency_ns;
    if (k->storage_bytes_per_s)
        ns += (uint64_t)((double)total * 1e9 / (double)k->storage_bytes_per_s) + 1;
    if (k->channel_state_bytes_per_s)
        ns += (uint64_t)((double)channel * 1e9 / (double)k->channel_state_bytes_per_s) + 1;
    return 2 * ns;
}

/* Each knob on for about half the seeds: small states and fast storage mostly (checkpoints
 * of a few hundred microseconds, as the runs' intervals), slow storage for a quarter
 * (checkpoints that time out, overlap and stack up uploads). */
void swarm_draw_costs(uint64_t seed, const char *costs, sim_config *cfg)
{
    rng r;
    rng_stream_named(&r, seed, "swarm-costs");
    bool on = costs && (!strcmp(costs, "on") || (!strcmp(costs, SWARM_ANY) && rng_below(&r, 2)));
    if (!on)
        return;
    sim_costs *k = &cfg->costs;
    k->state_bytes = rng_below(&r, 2) ? rng_range(&r, 1, 16384) : 0;
    k->state_bytes_per_record = rng_below(&r, 3) == 0 ? rng_range(&r, 1, 16) : 0;
    k->sync_ns = rng_below(&r, 2) ? rng_range(&r, 1, 20000) : 0;
    k->sync_ps_per_byte = rng_below(&r, 3) == 0 ? rng_range(&r, 1, 1000) : 0;
    uint64_t bw = rng_below(&r, 4);
    k->storage_bytes_per_s = bw == 0 ? 0 : bw == 1 ? rng_range(&r, 100000000, 1000000000) : rng_range(&r, 1000000000, 100000000000);
    k->storage_latency_ns = rng_below(&r, 2) ? rng_range(&r, 1, 50000) : 0;
    k->channel_state_bytes_per_s = rng_below(&r, 3) == 0 ? rng_range(&r, 10000000, 10000000000) : 0;
    k->ack_latency_ns = rng_below(&r, 2) ? rng_range(&r, 1, 20000) : 0;
    k->metadata_bytes = rng_below(&r, 3) == 0 ? rng_range(&r, 1, 4096) : 0;
    if (!sim_costs_on(k))
        k->ack_latency_ns = rng_range(&r, 1, 1000);
    cfg->checkpoint_bound_ns += costs_bound(cfg);
}

void swarm_draw(uint64_t seed, const char *strategy, sim_config *cfg)
{
    swarm_draw_faults(seed, strategy, SWARM_FAULTS_ALL, cfg);
}

uint32_t swarm_faults_parse(const char *list, bool *ok)
{
    *ok = true;
    if (!strcmp(list, "all"))
        return SWARM_FAULTS_ALL;
    if (!strcmp(list, "none"))
        return 0;
    uint32_t mask = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int k = sim_fault_kind_find(p, n);
        if (k < 0 || n == 0) {
            *ok = false;
            return 0;
        }
        mask |= 1u << k;
        p += n + (p[n] == ',');
    }
    return mask;
}

void swarm_draw_faults(uint64_t seed, const char *strategy, uint32_t faults, sim_config *cfg)
{
    rng r, rf;
    rng_stream_named(&r, seed, "swarm");
    rng_stream_named(&rf, seed, "swarm-faults");
    sim_config_default(cfg);
    cfg->strategy = draw_strategy(&r, strategy);
    draw_topology(&r, cfg);
    draw_timing(&r, cfg);
    draw_workload(&r, cfg);
    draw_alignment_timeout(&r, cfg);
    draw_faults(&rf, cfg, faults);
}
