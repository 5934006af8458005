/*
 * topo.c: checks a configuration and lays the topology out (engine_int.h): nodes,
 * channels, rings, outboxes and tasks, every array allocated here, once, when the run
 * starts. topo_free releases all of it, after a partial build too. A two-input stage (sim.h,
 * SIM_IN2_NONE) gets its second input's channels after its first input's, behind the same
 * gate (so one handler aligns over both); the stage feeding it gets a second output
 * partition after its first. Without two-input stages the layout is the chain's, unchanged.
 */
#include "engine_int.h"

#include <string.h>

#define OUTBOX_BROADCASTS 8 /* barrier/cancel broadcasts an outbox can hold at once */

static const char *hetero_problem(const sim_config *c, const sim_hetero *h);

static int check_config(const sim_config *c, char *why, size_t why_len)
{
    const char *bad = NULL;
    if (c->sources < 1 || c->sources > SIM_SOURCES_MAX)
        bad = "sources must be 1 .. 256";
    else if (c->stages < 1 || c->stages > SIM_STAGES_MAX)
        bad = "stages must be 1 .. 8";
    else if (c->parallelism < 1 || c->parallelism > SIM_PARALLELISM_MAX)
        bad = "parallelism must be 1 .. 256";
    else if (c->credits < 1 || c->credits > SIM_CREDITS_MAX)
        bad = "credits must be 1 .. 4096";
    else if (c->payload_len < 8 || c->payload_len > 4096)
        bad = "payload_len must be 8 .. 4096";
    else if (c->link[0] == SIM_LINK_FORWARD && c->sources != c->parallelism)
        bad = "a forward link from the sources needs as many sources as tasks per stage";
    else if (c->records_per_source >= (1ULL << 40))
        bad = "records_per_source must be below 2^40";
    else if (!c->strategy)
        bad = "no strategy";
    for (uint32_t s = 0; !bad && s < c->stages; s++)
        if ((unsigned)c->link[s] >= SIM_LINK_KINDS)
            bad = "unknown link kind";
    if (!bad)
        bad = sim_in2_problem(c);
    if (!bad && sim_link_copies(c, c->stages) > SIM_COPIES_MAX)
        bad = "broadcast links make more than 64 copies of a record (the product of their fan-outs)";
    else if (!bad && (c->key_count < 1 || c->key_count > SIM_KEYS_MAX))
        bad = "key-count must be 1 .. 1048576";
    else if (!bad && c->key_skew_milli > SIM_KEY_SKEW_MAX)
        bad = "key-skew must be 0 .. 5000 (thousandths of the Zipf exponent)";
    if (!bad && c->n_hetero > SIM_HETERO_MAX)
        bad = "more than 64 per-node and per-channel overrides";
    for (uint32_t i = 0; !bad && i < c->n_hetero; i++) {
        bad = hetero_problem(c, &c->hetero[i]);
        const sim_dist *d = &c->hetero[i].d;
        if (!bad && c->hetero[i].kind != SIM_HETERO_INTERVAL && (d->min_ns > d->mean_ns || d->mean_ns > d->max_ns))
            bad = "an override's distribution needs min <= mean <= max";
    }
    if (bad)
        snprintf(why, why_len, "invalid configuration: %s", bad);
    return bad ? BS_EINVAL : 0;
}

static uint32_t senders_of(const sim_config *c, uint32_t stage)
{
    return stage == 0 ? c->sources : c->parallelism;
}

const char *sim_node_name(const sim_config *c, uint32_t node, char *buf, size_t len)
{
    if (node < c->sources)
        snprintf(buf, len, "src%u", node);
    else if (c->parallelism && node - c->sources < c->stages * c->parallelism)
        snprintf(buf, len, "s%ut%u", (node - c->sources) / c->parallelism, (node - c->sources) % c->parallelism);
    else
        snprintf(buf, len, "node%u", node);
    return buf;
}

/* A decimal number of at most 9 digits at s[0 .. len), or -1. */
static int64_t small_number(const char *s, size_t len)
{
    if (len == 0 || len > 9)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int sim_node_find(const sim_config *c, const char *name, size_t len, uint32_t *node)
{
    if (len > 3 && !memcmp(name, "src", 3)) {
        int64_t i = small_number(name + 3, len - 3);
        if (i < 0 || i >= c->sources)
            return -1;
        *node = (uint32_t)i;
        return 0;
    }
    const char *t = len > 1 && name[0] == 's' ? memchr(name, 't', len) : NULL;
    if (!t)
        return -1;
    int64_t s = small_number(name + 1, (size_t)(t - name - 1)), i = small_number(t + 1, len - (size_t)(t - name) - 1);
    if (s < 0 || i < 0 || s >= c->stages || i >= c->parallelism)
        return -1;
    *node = c->sources + (uint32_t)s * c->parallelism + (uint32_t)i;
    return 0;
}

/* Does boundary `link` from sender index `from_index` reach receiver `index`? */
static bool link_joins(sim_link link, uint32_t from_index, uint32_t index)
{
    return link != SIM_LINK_FORWARD || from_index == index;
}

bool sim_channel_exists(const sim_config *c, uint32_t from, uint32_t to)
{
    uint32_t n_nodes = c->sources + c->stages * c->parallelism;
    if (to < c->sources || to >= n_nodes || from >= n_nodes || !c->parallelism)
        return false;
    uint32_t stage = (to - c->sources) / c->parallelism, index = (to - c->sources) % c->parallelism;
    if (stage == 0)
        return from < c->sources && link_joins(c->link[0], from, index);
    if (from < c->sources)
        return false;
    uint32_t from_stage = (from - c->sources) / c->parallelism, from_index = (from - c->sources) % c->parallelism;
    if (from_stage == stage - 1)
        return link_joins(c->link[stage], from_index, index);
    return from_stage == sim_in2_stage(c, stage) && link_joins(c->in2_link[stage], from_index, index);
}

/* An override's target: a source (INTERVAL), a task (SERVICE), a channel (LATENCY). */
static const char *hetero_problem(const sim_config *c, const sim_hetero *h)
{
    uint32_t n_nodes = c->sources + c->stages * c->parallelism;
    switch (h->kind) {
    case SIM_HETERO_INTERVAL:
        return h->node < c->sources ? NULL : "a per-source interval names a node that is not a source";
    case SIM_HETERO_SERVICE:
        return h->node >= c->sources && h->node < n_nodes ? NULL : "a per-task service time names a node that is not a task";
    case SIM_HETERO_LATENCY:
        return sim_channel_exists(c, h->node, h->to) ? NULL : "a per-channel latency names a channel the topology lacks";
    }
    return "unknown kind of override";
}

/* Counts nodes, channels and output slots. */
static void count(sim_world *w, const sim_config *c, size_t *outs)
{
    w->n_sources = c->sources;
    w->n_tasks = c->stages * c->parallelism;
    w->n_sinks = c->parallelism;
    w->n_nodes = w->n_sources + w->n_tasks;
    w->n_chans = 0;
    *outs = 0;
    for (uint32_t s = 0; s < c->stages; s++) {
        uint32_t per = c->link[s] == SIM_LINK_FORWARD ? 1 : senders_of(c, s);
        if (sim_in2_stage(c, s) != SIM_NONE_STAGE) /* the second input: stage u's tasks */
            per += c->in2_link[s] == SIM_LINK_FORWARD ? 1 : c->parallelism;
        w->n_chans += per * c->parallelism;
        *outs += (size_t)per * c->parallelism;
    }
}

static void name_nodes(sim_world *w, const sim_config *c)
{
    for (uint32_t i = 0; i < w->n_nodes; i++) {
        topo_node *n = &w->nodes[i];
        n->id = i;
        n->is_source = i < w->n_sources;
        n->stage = n->is_source ? SIM_NONE : (i - w->n_sources) / c->parallelism;
        n->index = n->is_source ? i : (i - w->n_sources) % c->parallelism;
        n->is_sink = !n->is_source && n->stage == c->stages - 1;
        if (n->is_source)
            snprintf(n->name, sizeof n->name, "src%u", n->index);
        else
            snprintf(n->name, sizeof n->name, "s%ut%u", n->stage, n->index);
    }
}

static uint32_t node_of(const sim_world *w, uint32_t stage, uint32_t index, bool sender)
{
    if (sender && stage == 0)
        return index;
    uint32_t st = sender ? stage - 1 : stage;
    return w->n_sources + st * w->cfg->parallelism + index;
}

/* Stage u's senders, when stage u feeds a second input: their second partition's size. */
static uint32_t second_outs(const sim_config *c, uint32_t u)
{
    uint32_t s = sim_in2_consumer(c, u);
    return s == SIM_NONE_STAGE ? 0 : c->in2_link[s] == SIM_LINK_FORWARD ? 1 : c->parallelism;
}

/* Gives boundary s's senders their output slots: the chain's first, then (stage u feeding
 * a second input) the second partition's, filled when that stage is wired. */
static void wire_senders(sim_world *w, const sim_config *c, uint32_t s, size_t *out_next)
{
    bool fwd = c->link[s] == SIM_LINK_FORWARD;
    uint32_t second = s == 0 ? 0 : second_outs(c, s - 1), to2 = s == 0 ? SIM_NONE_STAGE : sim_in2_consumer(c, s - 1);
    for (uint32_t i = 0; i < senders_of(c, s); i++) {
        topo_node *snd = &w->nodes[node_of(w, s, i, true)];
        snd->outs = &w->out_ids[*out_next];
        snd->out_split = fwd ? 1 : c->parallelism;
        snd->n_out = snd->out_split + second;
        snd->out_link = (uint8_t)c->link[s];
        if (second) {
            snd->out_link2 = (uint8_t)c->in2_link[to2];
            /* copies the chain brings to the two-input stage come first (sim_link_copies) */
            snd->copy_base2 = sim_link_copies(c, to2) * (c->link[to2] == SIM_LINK_BROADCAST ? c->parallelism : 1);
        }
        *out_next += snd->n_out;
    }
}

/* Joins receiver r of stage s to its senders on one input: `from` is the sending stage
 * (SIM_NONE_STAGE: the sources), ports from the gate's `port` on, outputs from `out0`. */
static void wire_input(sim_world *w, uint32_t s, uint32_t r, uint32_t from, sim_link link, uint32_t out0, uint32_t *ch)
{
    const sim_config *c = w->cfg;
    bool fwd = link == SIM_LINK_FORWARD;
    topo_node *rcv = &w->nodes[node_of(w, s, r, false)];
    uint32_t senders = from == SIM_NONE_STAGE ? c->sources : c->parallelism, port = *ch - rcv->in_first;
    for (uint32_t p = 0; p < (fwd ? 1 : senders); p++, (*ch)++) {
        uint32_t idx = fwd ? r : p;
        uint32_t snd = from == SIM_NONE_STAGE ? idx : w->n_sources + from * c->parallelism + idx;
        w->chans[*ch] = (topo_chan){.from = snd, .to = rcv->id, .port = port + p};
        w->nodes[snd].outs[out0 + (fwd ? 0 : r)] = *ch;
    }
    rcv->n_in += fwd ? 1 : senders;
}

/* Joins every boundary's senders to its receivers; each sender's outputs are its
 * receivers in order of receiver index (a second partition's after the chain's); each
 * receiver's gate channels are its first input's, then its second input's. */
static void wire(sim_world *w, const sim_config *c)
{
    uint32_t ch = 0;
    size_t out_next = 0;
    for (uint32_t s = 0; s < c->stages; s++) {
        uint32_t base = ch, u = sim_in2_stage(c, s);
        wire_senders(w, c, s, &out_next);
        for (uint32_t r = 0; r < c->parallelism; r++) {
            topo_node *rcv = &w->nodes[node_of(w, s, r, false)];
            rcv->in_first = ch;
            rcv->n_in = 0;
            wire_input(w, s, r, s == 0 ? SIM_NONE_STAGE : s - 1, c->link[s], 0, &ch);
            rcv->in_split = rcv->n_in;
            if (u != SIM_NONE_STAGE)
                wire_input(w, s, r, u, c->in2_link[s], w->nodes[w->n_sources + u * c->parallelism].out_split, &ch);
        }
        BS_ASSERT(ch - base <= (senders_of(c, s) + c->parallelism) * c->parallelism);
    }
    BS_ASSERT(ch == w->n_chans && out_next <= w->n_chans);
    for (uint32_t i = 0; i < w->n_nodes; i++) /* sinks: no output; sources and tasks: set above */
        BS_ASSERT(w->nodes[i].n_out == 0 || (w->nodes[i].out_split >= 1 && w->nodes[i].out_split <= w->nodes[i].n_out));
}

/* Items a channel's ring holds: credits plus marker slots (records), or what the byte
 * network's buffers can hold (net.c). */
static size_t ring_cap(const sim_world *w, const sim_config *c)
{
    return w->net_bytes ? net_ring_items(w, NULL) : (size_t)c->credits + SIM_MARKER_SLOTS;
}

static int alloc_arrays(sim_world *w, const sim_config *c, size_t outs)
{
    w->nodes = calloc(w->n_nodes, sizeof *w->nodes);
    w->chans = calloc(w->n_chans, sizeof *w->chans);
    w->out_ids = calloc(outs + 1, sizeof *w->out_ids);
    /* Not zeroed: a ring slot is read only between head and head + len, after it was
     * written (chan.c), and the byte network's rings are large (zeroing them cost more
     * than a short run's events). */
    w->rings = malloc((size_t)w->n_chans * ring_cap(w, c) * sizeof *w->rings);
    size_t ob = 0;
    for (uint32_t s = 0; s < c->stages; s++)
        ob += (size_t)senders_of(c, s) * (c->parallelism * OUTBOX_BROADCASTS + OUTBOX_BROADCASTS) +
              (s ? (size_t)senders_of(c, s) * second_outs(c, s - 1) * OUTBOX_BROADCASTS : 0);
    w->outboxes = calloc(ob + 1, sizeof *w->outboxes);
    w->tasks = calloc(w->n_tasks, sizeof *w->tasks);
    if (!w->nodes || !w->chans || !w->out_ids || !w->rings || !w->outboxes || !w->tasks)
        return BS_ENOMEM;
    return 0;
}

/* The job-wide distributions, then each override in order (a later one wins). */
static void place_distributions(sim_world *w, const sim_config *c)
{
    for (uint32_t i = 0; i < w->n_nodes; i++) {
        topo_node *n = &w->nodes[i];
        n->service = n->is_source ? NULL : &c->service[n->stage];
        n->interval_ns = c->source_interval_ns;
    }
    for (uint32_t i = 0; i < w->n_chans; i++)
        w->chans[i].latency = &c->latency;
    for (uint32_t k = 0; k < c->n_hetero; k++) {
        const sim_hetero *h = &c->hetero[k];
        if (h->kind == SIM_HETERO_SERVICE)
            w->nodes[h->node].service = &h->d;
        else if (h->kind == SIM_HETERO_INTERVAL)
            w->nodes[h->node].interval_ns = h->d.mean_ns;
        for (uint32_t i = 0; h->kind == SIM_HETERO_LATENCY && i < w->n_chans; i++)
            if (w->chans[i].from == h->node && w->chans[i].to == h->to)
                w->chans[i].latency = &h->d;
    }
}

static void place_buffers(sim_world *w, const sim_config *c)
{
    for (uint32_t i = 0; i < w->n_chans; i++) {
        w->chans[i].ring = &w->rings[(size_t)i * ring_cap(w, c)];
        w->chans[i].cap = (uint32_t)ring_cap(w, c);
        w->chans[i].credits = c->credits;
    }
    size_t ob = 0;
    for (uint32_t i = 0; i < w->n_nodes; i++) {
        topo_node *n = &w->nodes[i];
        if (n->n_out == 0)
            continue;
        n->outbox = &w->outboxes[ob];
        n->ob_cap = n->n_out * OUTBOX_BROADCASTS + OUTBOX_BROADCASTS;
        ob += n->ob_cap;
    }
}

int topo_build(sim_world *w, const sim_config *c, char *why, size_t why_len)
{
    int rc = check_config(c, why, why_len);
    if (rc)
        return rc;
    size_t outs;
    count(w, c, &outs);
    if (w->net_bytes && (double)w->n_chans * (double)net_ring_items(w, NULL) * sizeof(sim_item) > 512.0 * 1024 * 1024) {
        snprintf(why, why_len, "invalid configuration: the byte network needs more than 512 MiB of channel rings "
                 "for %u channels (records per buffer x buffers per channel); raise payload-bytes or lower "
                 "segment-size", w->n_chans);
        return BS_EINVAL;
    }
    if (alloc_arrays(w, c, outs)) {
        snprintf(why, why_len, "out of memory");
        return BS_ENOMEM;
    }
    name_nodes(w, c);
    wire(w, c);
    place_buffers(w, c);
    place_distributions(w, c);
    if (w->net_bytes && (rc = net_build(w, why, why_len)) != 0)
        return rc;
    for (uint32_t i = w->n_sources; i < w->n_nodes; i++) {
        rc = sim_task_open(w, &w->nodes[i], &w->tasks[i - w->n_sources], c->strategy);
        if (rc) {
            snprintf(why, why_len, "%s: cannot open a '%s' handler: %s", w->nodes[i].name, c->strategy,
                     bs_strerror(rc));
            return rc;
        }
    }
    return 0;
}

void topo_free(sim_world *w)
{
    for (uint32_t i = w->n_sources; w->nodes && i < w->n_nodes; i++)
        sim_task_close(w, &w->nodes[i]);
    if (w->net_bytes)
        net_free(w);
    for (uint32_t i = 0; w->nodes && i < w->n_sources; i++)
        sim_cs_source_free(&w->nodes[i]);
    free(w->nodes);
    free(w->chans);
    free(w->out_ids);
    free(w->rings);
    free(w->outboxes);
    free(w->tasks);
    w->nodes = NULL;
    w->chans = NULL;
    w->out_ids = NULL;
    w->rings = NULL;
    w->outboxes = NULL;
    w->tasks = NULL;
}
