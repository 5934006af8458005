/*
 * partition.c: which output channel a data record takes (sim_link), as Flink's
 * StreamPartitioners (flink-streaming-java, org.apache.flink.streaming.runtime.partitioner).
 *
 *  - forward (ForwardPartitioner): the one channel to the receiver of the same index.
 *  - all-to-all (the simulator's original kind): the receiver rng_mix64 of the label picks,
 *    salted by stage; kept as it was so that existing scenarios and traces do not change.
 *  - rebalance (RebalancePartitioner): round-robin per sender. Flink's setup() draws the
 *    first value at random, `nextChannelToSendTo = ThreadLocalRandom.current().nextInt(
 *    numberOfChannels)`, and selectChannel() returns `(nextChannelToSendTo + 1) %
 *    numberOfChannels`: the first record goes to the channel after the one drawn. Here the
 *    draw comes from the run's "rebalance" stream, per sender, when the run starts and again
 *    at every restart (Flink redeploys the tasks, and setup() runs again).
 *  - hash (KeyGroupStreamPartitioner.selectChannel: KeyGroupRangeAssignment.
 *    assignKeyToParallelOperator(key, maxParallelism, numberOfChannels)): the key group is
 *    MathUtils.murmurHash(key.hashCode()) % maxParallelism (computeKeyGroupForKeyHash), the
 *    operator index keyGroup * parallelism / maxParallelism (computeOperatorIndexForKeyGroup),
 *    and maxParallelism, never set here, is computeDefaultMaxParallelism(parallelism):
 *    min(max(roundUpToPowerOfTwo(p + p/2), 128), 32768). Keys are Java Integers 0 ..
 *    key_count-1 (Integer.hashCode is the value); a record's key is drawn once, from the
 *    seed's "keys" stream and the record's label (so a replayed record and every broadcast
 *    copy of it keep it), uniformly or Zipf-distributed (sim.h, key_skew_milli).
 *  - broadcast (BroadcastPartitioner; RecordWriter.broadcastEmit): every channel.
 *
 * A stage that also feeds a two-input stage has two output partitions (topo_node.out_split):
 * each record is routed on both, by each one's link kind (Flink: one RecordWriter per
 * consumer, every record emitted to each), its copies on the second numbered after those
 * the chain brings to the two-input stage, so no channel carries one label twice.
 *
 * Contract: part_open allocates what the run needs (the Zipf table) when it starts; the
 * event path never allocates; routing draws nothing from the other streams, so a run
 * without rebalance or hash links draws exactly what it drew before they existed.
 */
#include "engine_int.h"

#include <string.h>

/* No fused multiply-adds, as rng.c: the Zipf table must round the same everywhere. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

static const char *const link_names[SIM_LINK_KINDS] = {"all-to-all", "forward", "rebalance", "hash", "broadcast"};

const char *sim_link_name(sim_link l) { return (unsigned)l < SIM_LINK_KINDS ? link_names[l] : NULL; }

int sim_link_find(const char *name, size_t len)
{
    for (int k = 0; k < SIM_LINK_KINDS; k++)
        if (strlen(link_names[k]) == len && memcmp(link_names[k], name, len) == 0)
            return k;
    return -1;
}

/* ---- Flink's key-group mapping ------------------------------------------------------- */

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

int32_t part_murmur_hash(int32_t code)
{
    /* MathUtils.murmurHash(int): one murmur3 round on the int, length 4, then bitMix (the
     * finaliser); negative results are negated (Integer.MIN_VALUE gives 0). Java ints wrap:
     * computed on uint32_t. */
    uint32_t h = (uint32_t)code;
    h *= 0xcc9e2d51u;
    h = rotl32(h, 15);
    h *= 0x1b873593u;
    h = rotl32(h, 13);
    h = h * 5u + 0xe6546b64u;
    h ^= 4u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    if (h < 0x80000000u)
        return (int32_t)h;
    return h == 0x80000000u ? 0 : (int32_t)(0u - h);
}

uint32_t part_default_max_parallelism(uint32_t parallelism)
{
    BS_ASSERT(parallelism >= 1 && parallelism <= 32768);
    uint32_t x = parallelism + parallelism / 2 - 1; /* MathUtils.roundUpToPowerOfTwo */
    x |= x >> 1;
    x |= x >> 2;
    x |= x >> 4;
    x |= x >> 8;
    x |= x >> 16;
    x += 1;
    x = x < 128 ? 128 : x;
    return x > 32768 ? 32768 : x;
}

uint32_t part_key_to_operator(int32_t key, uint32_t max_parallelism, uint32_t parallelism)
{
    BS_ASSERT(parallelism >= 1 && parallelism <= max_parallelism && max_parallelism <= 32768);
    uint32_t group = (uint32_t)part_murmur_hash(key) % max_parallelism;
    return group * parallelism / max_parallelism;
}

/* ---- keys --------------------------------------------------------------------------- */

/* e^x for x <= 0 without libm (as rng_log): x = k ln2 + r, |r| <= ln2/2, the Taylor series
 * of e^r to r^20 (exact to well below one ulp there), times 2^k built from the bits. */
static double exp_neg(double x)
{
    BS_ASSERT(x <= 0);
    if (x < -700.0)
        return 0.0;
    double kf = x / 0.6931471805599453;
    int k = (int)(kf - 0.5); /* round to nearest for kf <= 0 */
    double r = x - (double)k * 0.6931471805599453, term = 1.0, sum = 1.0;
    for (int i = 1; i <= 20; i++) {
        term = term * r / (double)i;
        sum += term;
    }
    uint64_t bits = (uint64_t)(k + 1023) << 52; /* k >= -1010: a normal power of two */
    double p;
    memcpy(&p, &bits, sizeof p);
    return sum * p;
}

double part_zipf_weight(uint32_t rank, uint32_t skew_milli)
{
    BS_ASSERT(rank >= 1);
    return skew_milli ? exp_neg(-(double)skew_milli / 1000.0 * rng_log((double)rank)) : 1.0;
}

uint32_t part_key(const sim_world *w, uint64_t label)
{
    uint32_t n = w->cfg->key_count;
    BS_ASSERT(n >= 1);
    /* every copy of the record (broadcast links) has its key */
    double u = (double)(rng_mix64((label & SIM_LABEL_BASE_MASK) ^ w->key_salt) >> 11) * 0x1.0p-53; /* [0, 1) */
    if (!w->key_cdf)
        return (uint32_t)(u * n) < n ? (uint32_t)(u * n) : n - 1;
    uint32_t lo = 0, hi = n - 1; /* the first key whose cumulative share passes u */
    for (int i = 0; i < 32 && lo < hi; i++) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (w->key_cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ---- the run's partitioners ------------------------------------------------------------ */

bool sim_link_used(const sim_config *c, sim_link l)
{
    for (uint32_t s = 0; s < c->stages && s < SIM_STAGES_MAX; s++)
        if (c->link[s] == l || (c->in2_from[s] != SIM_IN2_NONE && c->in2_link[s] == l))
            return true;
    return false;
}

uint32_t sim_in2_stage(const sim_config *c, uint32_t s)
{
    return s < SIM_STAGES_MAX && s < c->stages && c->in2_from[s] != SIM_IN2_NONE ? c->in2_from[s] - 1u
                                                                                  : SIM_NONE_STAGE;
}

uint32_t sim_in2_consumer(const sim_config *c, uint32_t u)
{
    for (uint32_t s = 0; s < c->stages && s < SIM_STAGES_MAX; s++)
        if (sim_in2_stage(c, s) == u)
            return s;
    return SIM_NONE_STAGE;
}

bool sim_two_input(const sim_config *c)
{
    for (uint32_t s = 0; s < SIM_STAGES_MAX; s++)
        if (c->in2_from[s] != SIM_IN2_NONE)
            return true;
    return false;
}

const char *sim_in2_problem(const sim_config *c)
{
    uint32_t feeds[SIM_STAGES_MAX] = {0};
    for (uint32_t s = 0; s < SIM_STAGES_MAX; s++) {
        if (c->in2_from[s] == SIM_IN2_NONE)
            continue;
        uint32_t u = c->in2_from[s] - 1u;
        if (s >= c->stages)
            return "a second input names a stage past the last";
        if (u + 2 > s) /* u < s - 1: an earlier stage than the first input's, so no cycle */
            return "a stage's second input must come from a stage before its first input's";
        if ((unsigned)c->in2_link[s] >= SIM_LINK_KINDS)
            return "unknown link kind of a second input";
        if (++feeds[u] > 1)
            return "a stage feeds at most one second input";
    }
    return NULL;
}

/* Flink's fan-out of a link kind: copies each record becomes on it. */
static uint64_t fan_out(const sim_config *c, sim_link l) { return l == SIM_LINK_BROADCAST ? c->parallelism : 1; }

uint32_t sim_link_copies(const sim_config *c, uint32_t stages)
{
    /* into[s]: the copies reaching stage s (a stage passes on what it gets); capped */
    uint64_t into[SIM_STAGES_MAX] = {0}, cap = SIM_COPIES_MAX + 1;
    uint32_t n = stages < c->stages ? stages : c->stages;
    for (uint32_t s = 0; s < n && s < SIM_STAGES_MAX; s++) {
        uint64_t first = s == 0 ? 1 : into[s - 1], v = first * fan_out(c, c->link[s]);
        uint32_t u = sim_in2_stage(c, s);
        if (u != SIM_NONE_STAGE && u < s)
            v += into[u] * fan_out(c, c->in2_link[s]);
        into[s] = v > cap ? cap : v;
    }
    return n == 0 ? 1 : (uint32_t)into[n - 1];
}

void part_restart(sim_world *w)
{
    for (uint32_t i = 0; i < w->n_nodes; i++) {
        topo_node *n = &w->nodes[i];
        if (n->n_out > 0 && n->out_link == SIM_LINK_REBALANCE)
            n->rr_next = (uint32_t)rng_below(&w->r_part, n->out_split);
        if (n->out_split < n->n_out && n->out_link2 == SIM_LINK_REBALANCE) /* a second partition */
            n->rr_next2 = (uint32_t)rng_below(&w->r_part, n->n_out - n->out_split);
    }
}

int part_open(sim_world *w)
{
    const sim_config *c = w->cfg;
    w->copies = sim_link_copies(c, c->stages);
    BS_ASSERT(w->copies >= 1 && w->copies <= SIM_COPIES_MAX);
    rng_stream_named(&w->r_part, w->seed, "rebalance");
    part_restart(w);
    if (!sim_link_used(c, SIM_LINK_HASH))
        return 0;
    rng r;
    rng_stream_named(&r, w->seed, "keys");
    w->key_salt = rng_next(&r);
    w->max_parallelism = part_default_max_parallelism(c->parallelism);
    if (!c->key_skew_milli)
        return 0;
    w->key_cdf = calloc(c->key_count, sizeof *w->key_cdf);
    if (!w->key_cdf)
        return BS_ENOMEM;
    double sum = 0;
    for (uint32_t k = 0; k < c->key_count; k++)
        w->key_cdf[k] = sum += part_zipf_weight(k + 1, c->key_skew_milli);
    for (uint32_t k = 0; k < c->key_count; k++)
        w->key_cdf[k] /= sum;
    w->key_cdf[c->key_count - 1] = 1.0; /* no u in [0, 1) falls past the last key */
    return 0;
}

void part_free(sim_world *w)
{
    free(w->key_cdf);
    w->key_cdf = NULL;
}

/* Sends a record (a copy: label) on one output partition, ports first .. first+count-1,
 * with link kind `link`; a broadcast copy c becomes copies base + c * count + port. */
static int send_partition(sim_world *w, topo_node *n, uint64_t label, sim_link link, uint32_t first,
                          uint32_t count, uint32_t base, uint32_t *rr, uint64_t salt)
{
    BS_ASSERT(count > 0 && first + count <= n->n_out);
    switch (link) {
    case SIM_LINK_BROADCAST:
        for (uint32_t p = 0; p < count; p++) {
            uint32_t copy = base + sim_label_copy(label) * count + p;
            BS_ASSERT(copy < SIM_COPIES_MAX); /* topo.c refused more copies */
            if (chan_send(w, n, BS_DATA, sim_label_copy_of(label, copy), first + p))
                return BS_ENOMEM;
        }
        return 0;
    case SIM_LINK_REBALANCE:
        *rr = (*rr + 1) % count;
        return chan_send(w, n, BS_DATA, sim_label_copy_of(label, base + sim_label_copy(label)), first + *rr);
    case SIM_LINK_HASH:
        return chan_send(w, n, BS_DATA, sim_label_copy_of(label, base + sim_label_copy(label)),
                         first + part_key_to_operator((int32_t)part_key(w, label), w->max_parallelism, count));
    case SIM_LINK_FORWARD:
    case SIM_LINK_ALL_TO_ALL:
    case SIM_LINK_KINDS:
        break;
    }
    uint32_t port = count <= 1 ? 0 : (uint32_t)(rng_mix64(label ^ rng_mix64(salt)) % count);
    return chan_send(w, n, BS_DATA, sim_label_copy_of(label, base + sim_label_copy(label)), first + port);
}

int part_send(sim_world *w, topo_node *n, uint64_t label)
{
    BS_ASSERT(n->n_out > 0 && n->out_split >= 1 && n->out_split <= n->n_out);
    if (n->out_split == n->n_out) /* one partition: as before two-input stages existed */
        switch ((sim_link)n->out_link) {
        case SIM_LINK_FORWARD:
        case SIM_LINK_ALL_TO_ALL:
        case SIM_LINK_KINDS:
            return chan_send(w, n, BS_DATA, label, chan_route(n, label));
        default:
            return send_partition(w, n, label, (sim_link)n->out_link, 0, n->n_out, 0, &n->rr_next, 0);
        }
    /* Two partitions (Flink: one RecordWriter per consumer, each record emitted to both):
     * the chain's first, then the second input's, its copies numbered after the chain's. */
    uint64_t salt = (uint64_t)n->stage + 1;
    if (send_partition(w, n, label, (sim_link)n->out_link, 0, n->out_split, 0, &n->rr_next, salt))
        return BS_ENOMEM;
    return send_partition(w, n, label, (sim_link)n->out_link2, n->out_split, n->n_out - n->out_split,
                          n->copy_base2, &n->rr_next2, salt + SIM_STAGES_MAX);
}
