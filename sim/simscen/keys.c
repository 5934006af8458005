/*
 * keys.c: the one table of the `simulation:` keys of a simulation scenario (simscen.h).
 *
 * Every key of the `simulation:` mapping is one row here: its name, unit, what it means,
 * its range, and how it is read from the file and written into a sim_config. The loader
 * (load.c) builds its list of allowed keys from this table and reads the rows in table
 * order (so `stages` comes before the per-stage keys); `compare --sweep` (sim/compare/)
 * takes any row that has a numeric value (kind NUMBER or DIST) and sets it with
 * simscen_key_set, which checks the same range as the loader. Adding a simulation key is
 * one row (plus, for a structured value, its reader in load.c).
 *
 * Contract: the table is static and ordered; names are unique (a unit test checks it);
 * simscen_key_set never leaves a config outside the row's range.
 */
#include "simscen.h"

#include "../strategies.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define U64_BIG (UINT64_MAX / 4)
#define FIELD(f, w) offsetof(sim_config, f), (w)

/* The last stage's service time: the sinks (a sweep-only key). */
static uint64_t sink_service_get(const sim_config *c) { return c->service[c->stages ? c->stages - 1 : 0].mean_ns; }

static void dist_set_mean(sim_dist *d, uint64_t mean)
{
    d->mean_ns = mean;
    if (d->min_ns > mean)
        d->min_ns = mean;
    if (d->max_ns < mean)
        d->max_ns = mean;
}

static void sink_service_set(sim_config *c, uint64_t v) { dist_set_mean(&c->service[c->stages ? c->stages - 1 : 0], v); }
static uint64_t service_get(const sim_config *c) { return c->service[0].mean_ns; }

static void service_set(sim_config *c, uint64_t v)
{
    for (uint32_t s = 0; s < SIM_STAGES_MAX; s++)
        dist_set_mean(&c->service[s], v);
}

static const simscen_key key_table[] = {
    {"sources", "", "sources", SIMSCEN_KEY_NUMBER, 1, SIM_SOURCES_MAX, FIELD(sources, 4), NULL, NULL, 0},
    {"records-per-source", "records", "records per source", SIMSCEN_KEY_NUMBER, 0, (1ULL << 40) - 1,
     FIELD(records_per_source, 8), NULL, NULL, 0},
    {"stages", "", "stages of tasks", SIMSCEN_KEY_NUMBER, 1, SIM_STAGES_MAX, FIELD(stages, 4), NULL, NULL, 0},
    {"parallelism", "", "tasks per stage", SIMSCEN_KEY_NUMBER, 1, SIM_PARALLELISM_MAX, FIELD(parallelism, 4), NULL,
     NULL, 0},
    {"link", "", "link kind per stage boundary", SIMSCEN_KEY_LINK, 0, 0, 0, 0, NULL, NULL, 0},
    {"two-input", "", "two-input stages: {s2: {inputs: [s1, s0], link: hash}}", SIMSCEN_KEY_TWO_INPUT, 0, 0, 0, 0,
     NULL, NULL, 0},
    /* keys of hash links (sim/engine/partition.c) */
    {"key-count", "keys", "distinct keys of hash links", SIMSCEN_KEY_NUMBER, 1, SIM_KEYS_MAX, FIELD(key_count, 4),
     NULL, NULL, 0},
    {"key-skew", "1/1000", "Zipf exponent of hash links' keys, thousandths (0: uniform)", SIMSCEN_KEY_NUMBER, 0,
     SIM_KEY_SKEW_MAX, FIELD(key_skew_milli, 4), NULL, NULL, 0},
    {"credits", "", "credits per channel (items in flight or unconsumed)", SIMSCEN_KEY_NUMBER, 1, SIM_CREDITS_MAX,
     FIELD(credits, 4), NULL, NULL, 0},
    {"latency-ns", "ns", "channel latency per item, mean", SIMSCEN_KEY_DIST, 0, U64_BIG, FIELD(latency, 0), NULL,
     NULL, 0},
    {"service-ns", "ns", "service time per record, mean (every stage)", SIMSCEN_KEY_SERVICES, 0, U64_BIG, 0, 0,
     service_get, service_set, 0},
    {"sink-service-ns", "ns", "sink service time per record, mean", SIMSCEN_KEY_SWEEP_ONLY, 0, U64_BIG, 0, 0,
     sink_service_get, sink_service_set, 0},
    {"source-interval-ns", "ns", "mean gap between a source's records", SIMSCEN_KEY_NUMBER, 0, U64_BIG,
     FIELD(source_interval_ns, 8), NULL, NULL, 0},
    {"payload-bytes", "bytes", "payload per record", SIMSCEN_KEY_NUMBER, 8, 4096, FIELD(payload_len, 4), NULL, NULL, 0},
    {"checkpoint-interval-ns", "ns", "checkpoint interval", SIMSCEN_KEY_NUMBER, 0, U64_BIG,
     FIELD(checkpoint_interval_ns, 8), NULL, NULL, 0},
    {"checkpoint-timeout-ns", "ns", "checkpoint timeout", SIMSCEN_KEY_NUMBER, 0, U64_BIG,
     FIELD(checkpoint_timeout_ns, 8), NULL, NULL, 0},
    {NULL, NULL, NULL, SIMSCEN_KEY_OPTION, 0, 0, 0, 0, NULL, NULL, BS_OPT_MAX_BUFFERED_BYTES},
    {"max-events", "", "events before the run stops", SIMSCEN_KEY_NUMBER, 0, UINT64_MAX, FIELD(max_events, 8), NULL,
     NULL, 0},
    {"max-memory-bytes", "bytes", "bound on what the run keeps (default 2 GiB)", SIMSCEN_KEY_NUMBER,
     SIM_MEMORY_MIN_BYTES,
     SIM_MEMORY_MAX_BYTES, FIELD(max_memory_bytes, 8), NULL, NULL, 0},
    {"max-restarts", "", "restarts allowed", SIMSCEN_KEY_NUMBER, 0, 1000000, FIELD(max_restarts, 4), NULL, NULL, 0},
    {NULL, NULL, NULL, SIMSCEN_KEY_OPTION, 0, 0, 0, 0, NULL, NULL, BS_OPT_ALIGNMENT_TIMEOUT_NS},
    /* the byte network (sim/engine/net.c, docs/simulation-network.md): `network: bytes` */
    {"network", "", "network model: records or bytes", SIMSCEN_KEY_NETWORK, 0, 0, 0, 0, NULL, NULL, 0},
    {"segment-size", "bytes", "network buffer size (taskmanager.memory.segment-size)", SIMSCEN_KEY_NUMBER,
     SIM_NET_SEGMENT_MIN, SIM_NET_SEGMENT_MAX, FIELD(net.segment_bytes, 4), NULL, NULL, 0},
    {"buffers-per-channel", "buffers", "exclusive buffers per input channel", SIMSCEN_KEY_NUMBER, 1,
     SIM_NET_BUFFERS_MAX, FIELD(net.buffers_per_channel, 4), NULL, NULL, 0},
    {"floating-buffers-per-gate", "buffers", "floating buffers per input gate", SIMSCEN_KEY_NUMBER, 0,
     SIM_NET_BUFFERS_MAX, FIELD(net.floating_per_gate, 4), NULL, NULL, 0},
    {"max-buffers-per-channel", "buffers", "output buffers one channel may hold", SIMSCEN_KEY_NUMBER, 1,
     SIM_NET_BUFFERS_MAX, FIELD(net.max_buffers_per_channel, 4), NULL, NULL, 0},
    {"buffer-timeout-ns", "ns", "output flush period (execution.buffer-timeout)", SIMSCEN_KEY_NUMBER, 0, U64_BIG,
     FIELD(net.buffer_timeout_ns, 8), NULL, NULL, 0},
    {"credit-latency-ns", "ns", "credit announcement latency, mean", SIMSCEN_KEY_DIST, 0, U64_BIG,
     FIELD(net.credit_latency, 0), NULL, NULL, 0},
    /* heterogeneity (sim/engine/topo.c): overrides of the job-wide distributions by node or
     * channel name; read after the topology keys above */
    {"per-source-interval-ns", "ns", "one source's mean gap between records: {src1: 8000}", SIMSCEN_KEY_HETERO, 0,
     U64_BIG, 0, 0, NULL, NULL, SIM_HETERO_INTERVAL},
    {"per-task-service-ns", "ns", "one task's service time: {s1t0: {min, mean, max}}", SIMSCEN_KEY_HETERO, 0,
     U64_BIG, 0, 0, NULL, NULL, SIM_HETERO_SERVICE},
    {"per-channel-latency-ns", "ns", "one channel's latency: {src0->s0t1: {min, mean, max}}", SIMSCEN_KEY_HETERO, 0,
     U64_BIG, 0, 0, NULL, NULL, SIM_HETERO_LATENCY},
    /* buffer debloating, FLIP-183 (sim/engine/debloat.c): Flink's option names and defaults */
    {"buffer-debloat", "", "buffer debloating on or off (taskmanager.network.memory.buffer-debloat.enabled)",
     SIMSCEN_KEY_BOOL, 0, 1, FIELD(net.debloat.enabled, 1), NULL, NULL, 0},
    {"buffer-debloat-target-ns", "ns", "time to consume the in-flight data (buffer-debloat.target)",
     SIMSCEN_KEY_NUMBER, 1, U64_BIG, FIELD(net.debloat.target_ns, 8), NULL, NULL, 0},
    {"buffer-debloat-period-ns", "ns", "buffer size recalculation period (buffer-debloat.period)",
     SIMSCEN_KEY_NUMBER, SIM_DEBLOAT_PERIOD_MIN_NS, U64_BIG, FIELD(net.debloat.period_ns, 8), NULL, NULL, 0},
    {"buffer-debloat-samples", "", "samples of the buffer size average (buffer-debloat.samples)", SIMSCEN_KEY_NUMBER,
     1, SIM_DEBLOAT_SAMPLES_MAX, FIELD(net.debloat.samples, 4), NULL, NULL, 0},
    {"buffer-debloat-threshold-percentages", "%",
     "smallest change announced, percent (buffer-debloat.threshold-percentages)", SIMSCEN_KEY_NUMBER, 0, 100,
     FIELD(net.debloat.threshold_pct, 4), NULL, NULL, 0},
    {"min-segment-size", "bytes", "smallest debloated buffer (taskmanager.memory.min-segment-size)",
     SIMSCEN_KEY_NUMBER, SIM_NET_SEGMENT_MIN, SIM_NET_SEGMENT_MAX, FIELD(net.debloat.min_segment_bytes, 4), NULL,
     NULL, 0},
    {"announce-barriers", "", "aligned-timeout as Flink 1.14+ (1: start in the barrier, announcements, "
     "conversion) or timed per task (0)", SIMSCEN_KEY_NUMBER, 0, 1, FIELD(net.announce, 4), NULL, NULL, 0},
    /* checkpoint costs (sim/engine/ckpt_cost.c, docs/sim-scenarios.md); all 0: none */
    {"state-bytes", "bytes", "a task's operator state at a snapshot, fixed part", SIMSCEN_KEY_NUMBER, 0,
     SIM_COST_BYTES_MAX, FIELD(costs.state_bytes, 8), NULL, NULL, 0},
    {"state-bytes-per-record", "bytes", "operator state growth per record the task has processed",
     SIMSCEN_KEY_NUMBER, 0, SIM_COST_BYTES_MAX, FIELD(costs.state_bytes_per_record, 8), NULL, NULL, 0},
    {"sync-ns", "ns", "synchronous snapshot phase, fixed part (the task takes no input)", SIMSCEN_KEY_NUMBER, 0,
     SIM_COST_NS_MAX, FIELD(costs.sync_ns, 8), NULL, NULL, 0},
    {"sync-ps-per-byte", "ps", "synchronous phase per byte of operator state", SIMSCEN_KEY_NUMBER, 0,
     SIM_COST_NS_MAX, FIELD(costs.sync_ps_per_byte, 8), NULL, NULL, 0},
    {"storage-bytes-per-s", "bytes/s", "shared checkpoint storage bandwidth (0: unlimited)", SIMSCEN_KEY_NUMBER, 0,
     SIM_COST_BW_MAX, FIELD(costs.storage_bytes_per_s, 8), NULL, NULL, 0},
    {"storage-latency-ns", "ns", "checkpoint storage latency per write", SIMSCEN_KEY_NUMBER, 0, SIM_COST_NS_MAX,
     FIELD(costs.storage_latency_ns, 8), NULL, NULL, 0},
    {"channel-state-bytes-per-s", "bytes/s", "a task's channel-state writer bandwidth (0: unlimited)",
     SIMSCEN_KEY_NUMBER, 0, SIM_COST_BW_MAX, FIELD(costs.channel_state_bytes_per_s, 8), NULL, NULL, 0},
    {"ack-latency-ns", "ns", "acknowledgement latency, task to coordinator", SIMSCEN_KEY_NUMBER, 0, SIM_COST_NS_MAX,
     FIELD(costs.ack_latency_ns, 8), NULL, NULL, 0},
    {"metadata-bytes", "bytes", "checkpoint metadata written at completion", SIMSCEN_KEY_NUMBER, 0,
     SIM_COST_BYTES_MAX, FIELD(costs.metadata_bytes, 8), NULL, NULL, 0},
};

#define KEYS_N (sizeof key_table / sizeof *key_table)
_Static_assert(KEYS_N <= SIMSCEN_KEYS_MAX, "SIMSCEN_KEYS_MAX holds every simulation key");

/* The table with the strategy options' rows named by their descriptors (sim/strategies.h):
 * the option's simulation name, unit, help and range come from the one options table. */
static simscen_key keys_built[KEYS_N];
static bool keys_ready;

static const simscen_key *keys(void)
{
    if (keys_ready)
        return keys_built;
    for (size_t i = 0; i < KEYS_N; i++) {
        keys_built[i] = key_table[i];
        if (key_table[i].kind != SIMSCEN_KEY_OPTION)
            continue;
        const bs_option *o = sim_option_of_slot((bs_option_slot)key_table[i].slot);
        assert(o && "every option slot has a descriptor row");
        keys_built[i].name = o->sim_name;
        keys_built[i].unit = o->unit;
        keys_built[i].what = o->help;
        keys_built[i].min = o->min;
        keys_built[i].max = o->max;
    }
    keys_ready = true;
    return keys_built;
}

const simscen_key *simscen_key_at(size_t i) { return i < KEYS_N ? &keys()[i] : NULL; }

const simscen_key *simscen_key_find(const char *name)
{
    for (size_t i = 0; i < KEYS_N; i++)
        if (strcmp(keys()[i].name, name) == 0)
            return &keys()[i];
    return NULL;
}

bool simscen_key_bytes_only(const simscen_key *k)
{
    size_t net = offsetof(sim_config, net);
    return (k->kind == SIMSCEN_KEY_NUMBER || k->kind == SIMSCEN_KEY_DIST || k->kind == SIMSCEN_KEY_BOOL) &&
           k->offset >= net &&
           k->offset < net + sizeof(sim_net);
}

bool simscen_key_cost(const simscen_key *k)
{
    size_t at = offsetof(sim_config, costs);
    return k->kind == SIMSCEN_KEY_NUMBER && k->offset >= at && k->offset < at + sizeof(sim_costs);
}

bool simscen_key_numeric(const simscen_key *k)
{
    return k->kind == SIMSCEN_KEY_NUMBER || k->kind == SIMSCEN_KEY_DIST || k->kind == SIMSCEN_KEY_OPTION ||
           k->kind == SIMSCEN_KEY_BOOL || k->get != NULL;
}

uint64_t simscen_key_get(const simscen_key *k, const sim_config *c)
{
    if (k->get)
        return k->get(c);
    if (k->kind == SIMSCEN_KEY_OPTION)
        return c->options[k->slot];
    const unsigned char *p = (const unsigned char *)c + k->offset;
    if (k->kind == SIMSCEN_KEY_DIST)
        return ((const sim_dist *)(const void *)p)->mean_ns;
    if (k->kind == SIMSCEN_KEY_BOOL)
        return *(const bool *)(const void *)p ? 1 : 0;
    if (k->width == 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    uint64_t v = 0;
    if (k->width == 8)
        memcpy(&v, p, 8);
    return v;
}

int simscen_key_set(const simscen_key *k, sim_config *c, uint64_t v, char *err, size_t err_len)
{
    if (!simscen_key_numeric(k)) {
        snprintf(err, err_len, "'%s' is not a numeric key", k->name);
        return -1;
    }
    if (k->kind == SIMSCEN_KEY_OPTION) { /* an option: 0 (off), or in its range */
        if (v != 0 && (v < k->min || v > k->max)) {
            snprintf(err, err_len, "%s: %llu is out of range (0 or %llu .. %llu)", k->name, (unsigned long long)v,
                     (unsigned long long)k->min, (unsigned long long)k->max);
            return -1;
        }
        c->options[k->slot] = v;
        return 0;
    }
    if (v < k->min || v > k->max) {
        snprintf(err, err_len, "%s: %llu is out of range (%llu .. %llu)", k->name, (unsigned long long)v,
                 (unsigned long long)k->min, (unsigned long long)k->max);
        return -1;
    }
    if (k->set) {
        k->set(c, v);
        return 0;
    }
    unsigned char *p = (unsigned char *)c + k->offset;
    if (k->kind == SIMSCEN_KEY_DIST) {
        dist_set_mean((sim_dist *)(void *)p, v);
    } else if (k->kind == SIMSCEN_KEY_BOOL) {
        *(bool *)(void *)p = v != 0;
    } else if (k->width == 4) {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
    } else {
        memcpy(p, &v, 8);
    }
    return 0;
}

size_t simscen_keys_numeric(char *out, size_t len)
{
    size_t used = 0, n = 0;
    if (len)
        out[0] = '\0';
    for (size_t i = 0; i < KEYS_N; i++) {
        if (!simscen_key_numeric(&keys()[i]))
            continue;
        int w = snprintf(out + used, used < len ? len - used : 0, "%s%s", n ? ", " : "", keys()[i].name);
        if (w > 0)
            used += (size_t)w;
        n++;
    }
    return n;
}
