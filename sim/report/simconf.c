/*
 * simconf.c: the configuration text format (see simconf.h). The parser is strict and
 * bounded: at most 64 KiB of text, lines of at most 1024 bytes, each key once.
 */
#include "simconf.h"

#include "../strategies.h"
#include "../simscen/simscen.h"
#include "swarm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SIMCONF_MAX_BYTES 65536
#define SIMCONF_LINE_MAX 1024

void simconf_write(FILE *f, const sim_config *c, uint64_t seed, const char *expect, const char *comment)
{
    if (comment)
        fprintf(f, "# %s\n", comment);
    fprintf(f, "seed: %llu\nstrategy: %s\nsources: %u\nstages: %u\nparallelism: %u\nlinks: ",
            (unsigned long long)seed, c->strategy, c->sources, c->stages, c->parallelism);
    for (uint32_t s = 0; s < c->stages && s < SIM_STAGES_MAX; s++)
        fprintf(f, "%s%s", s ? ", " : "", sim_link_name(c->link[s]));
    for (uint32_t s = 0, first = 1; s < c->stages && s < SIM_STAGES_MAX; s++) /* only a diamond has the key */
        if (sim_in2_stage(c, s) != SIM_NONE_STAGE) {
            fprintf(f, "%ss%u<-s%u:%s", first ? "\ntwo-input: " : ", ", s, sim_in2_stage(c, s),
                    sim_link_name(c->in2_link[s]));
            first = 0;
        }
    fprintf(f, "\ncredits: %u\nlatency: %llu/%llu/%llu\nservice: ", c->credits, (unsigned long long)c->latency.min_ns,
            (unsigned long long)c->latency.mean_ns, (unsigned long long)c->latency.max_ns);
    for (uint32_t s = 0; s < c->stages && s < SIM_STAGES_MAX; s++)
        fprintf(f, "%s%llu/%llu/%llu", s ? ", " : "", (unsigned long long)c->service[s].min_ns,
                (unsigned long long)c->service[s].mean_ns, (unsigned long long)c->service[s].max_ns);
    fprintf(f,
            "\nsource-interval: %llu\nrecords: %llu\npayload: %u\ncheckpoint-interval: %llu\n"
            "checkpoint-timeout: %llu\nmax-buffered-bytes: %llu\nmax-events: %llu\n",
            (unsigned long long)c->source_interval_ns, (unsigned long long)c->records_per_source, c->payload_len,
            (unsigned long long)c->checkpoint_interval_ns, (unsigned long long)c->checkpoint_timeout_ns,
            (unsigned long long)c->max_buffered_bytes, (unsigned long long)c->max_events);
    if (c->alignment_timeout_ns)
        fprintf(f, "alignment-timeout: %llu\n", (unsigned long long)c->alignment_timeout_ns);
    if (c->net.model == SIM_NET_BYTES) {
        const sim_net *n = &c->net;
        fprintf(f, "network: bytes\nsegment-size: %u\nbuffers-per-channel: %u\nfloating-buffers-per-gate: %u\n"
                   "max-buffers-per-channel: %u\nbuffer-timeout: %llu\ncredit-latency: %llu/%llu/%llu\n",
                n->segment_bytes, n->buffers_per_channel, n->floating_per_gate, n->max_buffers_per_channel,
                (unsigned long long)n->buffer_timeout_ns, (unsigned long long)n->credit_latency.min_ns,
                (unsigned long long)n->credit_latency.mean_ns, (unsigned long long)n->credit_latency.max_ns);
        const sim_debloat *d = &n->debloat;
        if (d->enabled)
            fprintf(f, "buffer-debloat: true\nbuffer-debloat-target: %llu\nbuffer-debloat-period: %llu\n"
                       "buffer-debloat-samples: %u\nbuffer-debloat-threshold-percentages: %u\nmin-segment-size: %u\n",
                    (unsigned long long)d->target_ns, (unsigned long long)d->period_ns, d->samples, d->threshold_pct,
                    d->min_segment_bytes);
        if (n->announce != 1)
            fprintf(f, "announce-barriers: %u\n", n->announce);
    }
    bool hash = sim_link_used(c, SIM_LINK_HASH); /* keys mean nothing without a hash link */
    if (hash && c->key_count != SIM_KEYS_DEFAULT)
        fprintf(f, "key-count: %u\n", c->key_count);
    if (hash && c->key_skew_milli)
        fprintf(f, "key-skew: %u\n", c->key_skew_milli);
    static const char *const hkeys[] = {"per-task-service", "per-source-interval", "per-channel-latency"};
    for (int kind = 0; kind < 3; kind++) {
        bool first = true;
        for (uint32_t i = 0; i < c->n_hetero; i++) {
            const sim_hetero *h = &c->hetero[i];
            if ((int)h->kind != kind)
                continue;
            char a[24], b[24];
            fprintf(f, "%s%s%s%s%s=", first ? hkeys[kind] : ", ", first ? ": " : "", sim_node_name(c, h->node, a, sizeof a),
                    h->kind == SIM_HETERO_LATENCY ? "->" : "",
                    h->kind == SIM_HETERO_LATENCY ? sim_node_name(c, h->to, b, sizeof b) : "");
            if (h->kind == SIM_HETERO_INTERVAL)
                fprintf(f, "%llu", (unsigned long long)h->d.mean_ns);
            else
                fprintf(f, "%llu/%llu/%llu", (unsigned long long)h->d.min_ns, (unsigned long long)h->d.mean_ns,
                        (unsigned long long)h->d.max_ns);
            first = false;
        }
        if (!first)
            fputc('\n', f);
    }
    for (size_t i = 0; simscen_key_at(i); i++) { /* checkpoint costs that are not 0 */
        const simscen_key *k = simscen_key_at(i);
        if (simscen_key_cost(k) && simscen_key_get(k, c))
            fprintf(f, "%s: %llu\n", k->name, (unsigned long long)simscen_key_get(k, c));
    }
    fputs("faults: ", f);
    bool any = false;
    for (uint32_t k = 0; k < sim_fault_kinds(); k++) {
        if (c->fault_ppm[k]) {
            fprintf(f, "%s%s=%u", any ? ", " : "", sim_fault_kind_name((sim_fault_kind)k), c->fault_ppm[k]);
            any = true;
        }
    }
    fprintf(f, "%s\nfault-draws: %u\n", any ? "" : "none", c->fault_draws);
    if (c->plant != SIM_PLANT_NONE)
        fprintf(f, "plant: %s\n", swarm_plant_name(c->plant));
    if (expect && *expect)
        fprintf(f, "expect: %s\n", expect);
}

/* ---- parsing ---------------------------------------------------------------------------- */
typedef struct pstate {
    const char *name;
    unsigned line;
    char *err;
    size_t err_len;
    simconf *out;
    unsigned links_line, service_line, stages_line;
    uint32_t links_n, service_n;
} pstate;

static int perr(pstate *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(pstate *p, const char *fmt, ...)
{
    int n = snprintf(p->err, p->err_len, "%s:%u: ", p->name, p->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < p->err_len)
        vsnprintf(p->err + n, p->err_len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out, const char **end)
{
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *e;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || v > max)
        return false;
    *out = v;
    if (end)
        *end = e;
    else if (*e)
        return false;
    return true;
}

static int num(pstate *p, const char *key, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!parse_u64(v, max, out, NULL) || *out < min)
        return perr(p, "%s: '%s' is not a whole number from %llu to %llu", key, v, (unsigned long long)min,
                    (unsigned long long)max);
    return 0;
}

static int dist(pstate *p, const char *key, const char *v, sim_dist *d, const char **end)
{
    uint64_t a, b, c;
    const char *e1, *e2, *e3;
    if (!parse_u64(v, UINT64_MAX / 4, &a, &e1) || *e1 != '/' || !parse_u64(e1 + 1, UINT64_MAX / 4, &b, &e2) ||
        *e2 != '/' || !parse_u64(e2 + 1, UINT64_MAX / 4, &c, &e3))
        return perr(p, "%s: '%s' is not MIN/MEAN/MAX in nanoseconds", key, v);
    *d = (sim_dist){a, b, c};
    *end = e3;
    return 0;
}

/* A comma-separated list, ", " or "," between elements; each element parsed by `one`. */
static int list(pstate *p, const char *key, const char *v, uint32_t *count, int (*one)(pstate *, const char *,
                                                                                        const char *, uint32_t,
                                                                                        const char **))
{
    uint32_t n = 0;
    const char *s = v;
    for (;;) {
        if (n >= SIM_STAGES_MAX)
            return perr(p, "%s: more than %d elements", key, SIM_STAGES_MAX);
        const char *e = s;
        if (one(p, key, s, n, &e))
            return -1;
        n++;
        if (!*e)
            break;
        if (*e != ',')
            return perr(p, "%s: unexpected '%s'", key, e);
        s = e + 1;
        while (*s == ' ')
            s++;
    }
    *count = n;
    return 0;
}

static int one_link(pstate *p, const char *key, const char *s, uint32_t i, const char **end)
{
    size_t len = strcspn(s, ",");
    int l = sim_link_find(s, len);
    if (l < 0)
        return perr(p, "%s: '%.*s' is not all-to-all, forward, rebalance, hash or broadcast", key, (int)len, s);
    p->out->cfg.link[i] = (sim_link)l;
    *end = s + len;
    return 0;
}

static int one_service(pstate *p, const char *key, const char *s, uint32_t i, const char **end)
{
    return dist(p, key, s, &p->out->cfg.service[i], end);
}

/* "sS<-sU:KIND, ...": two-input stages (sim.h, SIM_IN2_NONE); check_whole checks the shape. */
static int two_input_list(pstate *p, const char *key, const char *v)
{
    sim_config *c = &p->out->cfg;
    for (const char *s = v; *s;) {
        unsigned st, u;
        int used = 0;
        if (sscanf(s, "s%u<-s%u:%n", &st, &u, &used) != 2 || used == 0 || st >= SIM_STAGES_MAX || u + 1 >= st)
            return perr(p, "%s: '%.*s' is not sS<-sU:KIND with U < S-1 < %d", key, (int)strcspn(s, ","), s,
                        SIM_STAGES_MAX);
        size_t len = strcspn(s + used, ",");
        int l = sim_link_find(s + used, len);
        if (l < 0)
            return perr(p, "%s: '%.*s' is not all-to-all, forward, rebalance, hash or broadcast", key, (int)len,
                        s + used);
        if (c->in2_from[st] != SIM_IN2_NONE)
            return perr(p, "%s: s%u is given twice", key, st);
        c->in2_from[st] = (uint8_t)(u + 1);
        c->in2_link[st] = (sim_link)l;
        s += used + len;
        s += *s == ',';
        while (*s == ' ')
            s++;
    }
    return 0;
}

/* "NAME=VALUE, NAME=VALUE": overrides of one kind; names under the topology given so far. */
static int hetero_list(pstate *p, const char *key, sim_hetero_kind kind, const char *v)
{
    sim_config *c = &p->out->cfg;
    for (const char *s = v; *s;) {
        const char *eq = strchr(s, '=');
        if (c->n_hetero == SIM_HETERO_MAX)
            return perr(p, "%s: more than %d overrides in all", key, SIM_HETERO_MAX);
        sim_hetero h = {.kind = kind};
        const char *arrow = kind == SIM_HETERO_LATENCY && eq ? strstr(s, "->") : NULL;
        bool ok = eq && (kind != SIM_HETERO_LATENCY || (arrow && arrow < eq));
        if (ok && kind == SIM_HETERO_LATENCY)
            ok = !sim_node_find(c, s, (size_t)(arrow - s), &h.node) &&
                 !sim_node_find(c, arrow + 2, (size_t)(eq - arrow - 2), &h.to) && sim_channel_exists(c, h.node, h.to);
        else if (ok)
            ok = !sim_node_find(c, s, (size_t)(eq - s), &h.node) &&
                 (kind == SIM_HETERO_INTERVAL ? h.node < c->sources : h.node >= c->sources);
        if (!ok)
            return perr(p, "%s: '%.*s' does not name a %s of the topology given above (sources, stages, parallelism, "
                           "links)", key, (int)strcspn(s, ","), s,
                        kind == SIM_HETERO_LATENCY ? "channel FROM->TO" : kind == SIM_HETERO_SERVICE ? "task" : "source");
        const char *e;
        if (kind == SIM_HETERO_INTERVAL) {
            if (!parse_u64(eq + 1, UINT64_MAX / 4, &h.d.mean_ns, &e))
                return perr(p, "%s: '%s' is not a whole number of nanoseconds", key, eq + 1);
            h.d.min_ns = h.d.max_ns = h.d.mean_ns;
        } else if (dist(p, key, eq + 1, &h.d, &e)) {
            return -1;
        }
        if (*e && *e != ',')
            return perr(p, "%s: unexpected '%s'", key, e);
        c->hetero[c->n_hetero++] = h;
        s = *e ? e + 1 : e;
        while (*s == ' ')
            s++;
    }
    return 0;
}

/* "none" or "kind=ppm, kind=ppm": the chance per slot of each fault kind, in millionths. */
static int fault_list(pstate *p, const char *v)
{
    if (strcmp(v, "none") == 0)
        return 0;
    for (const char *s = v; *s;) {
        size_t n = strcspn(s, "=,");
        int k = sim_fault_kind_find(s, n);
        if (k < 0 || s[n] != '=') {
            char kinds[512];
            return perr(p, "faults: '%.*s' is not KIND=PPM with a fault kind (%s)", (int)strcspn(s, ","), s,
                        sim_fault_kind_list(kinds, sizeof kinds, ", "));
        }
        uint64_t ppm;
        const char *e;
        if (!parse_u64(s + n + 1, 1000000, &ppm, &e) || (*e && *e != ','))
            return perr(p, "faults: %.*s: the chance must be a whole number of millionths, 0 .. 1000000",
                        (int)n, s);
        p->out->cfg.fault_ppm[k] = (uint32_t)ppm;
        s = *e ? e + 1 : e;
        while (*s == ' ')
            s++;
    }
    return 0;
}

static int set_key(pstate *p, const char *k, const char *v)
{
    sim_config *c = &p->out->cfg;
    uint64_t x = 0;
    int rc = 0;
    const char *e = v;
    const bs_option *o;
    const simscen_key *ck;
    if (strcmp(k, "seed") == 0) rc = num(p, k, v, 0, UINT64_MAX, &p->out->seed);
    else if (strcmp(k, "strategy") == 0) {
        c->strategy = sim_strategy_static(v);
        if (!c->strategy)
            return perr(p, "strategy: unknown strategy '%s'", v);
    } else if (strcmp(k, "sources") == 0) { rc = num(p, k, v, 1, SIM_SOURCES_MAX, &x); c->sources = (uint32_t)x; }
    else if (strcmp(k, "stages") == 0) {
        rc = num(p, k, v, 1, SIM_STAGES_MAX, &x);
        c->stages = (uint32_t)x;
        p->stages_line = p->line;
    } else if (strcmp(k, "parallelism") == 0) { rc = num(p, k, v, 1, SIM_PARALLELISM_MAX, &x); c->parallelism = (uint32_t)x; }
    else if (strcmp(k, "links") == 0) { rc = list(p, k, v, &p->links_n, one_link); p->links_line = p->line; }
    else if (strcmp(k, "key-count") == 0) { rc = num(p, k, v, 1, SIM_KEYS_MAX, &x); c->key_count = (uint32_t)x; }
    else if (strcmp(k, "key-skew") == 0) { rc = num(p, k, v, 0, SIM_KEY_SKEW_MAX, &x); c->key_skew_milli = (uint32_t)x; }
    else if (strcmp(k, "credits") == 0) { rc = num(p, k, v, 1, SIM_CREDITS_MAX, &x); c->credits = (uint32_t)x; }
    else if (strcmp(k, "latency") == 0) {
        rc = dist(p, k, v, &c->latency, &e);
        if (!rc && *e)
            return perr(p, "latency: unexpected '%s' after MIN/MEAN/MAX", e);
    } else if (strcmp(k, "service") == 0) { rc = list(p, k, v, &p->service_n, one_service); p->service_line = p->line; }
    else if (strcmp(k, "source-interval") == 0) rc = num(p, k, v, 0, UINT64_MAX / 4, &c->source_interval_ns);
    else if (strcmp(k, "records") == 0) rc = num(p, k, v, 0, (1ULL << 40) - 1, &c->records_per_source);
    else if (strcmp(k, "payload") == 0) { rc = num(p, k, v, 8, 4096, &x); c->payload_len = (uint32_t)x; }
    else if (strcmp(k, "checkpoint-interval") == 0) rc = num(p, k, v, 0, UINT64_MAX / 4, &c->checkpoint_interval_ns);
    else if (strcmp(k, "checkpoint-timeout") == 0) rc = num(p, k, v, 0, UINT64_MAX / 4, &c->checkpoint_timeout_ns);
    else if (strcmp(k, "max-events") == 0) rc = num(p, k, v, 0, UINT64_MAX / 4, &c->max_events);
    else if (strcmp(k, "network") == 0) {
        if (strcmp(v, "records") == 0)
            c->net.model = SIM_NET_RECORDS;
        else if (strcmp(v, "bytes") == 0)
            c->net.model = SIM_NET_BYTES;
        else
            return perr(p, "network: '%s' is not records or bytes", v);
    } else if (strcmp(k, "segment-size") == 0) {
        rc = num(p, k, v, SIM_NET_SEGMENT_MIN, SIM_NET_SEGMENT_MAX, &x);
        c->net.segment_bytes = (uint32_t)x;
    } else if (strcmp(k, "buffers-per-channel") == 0) {
        rc = num(p, k, v, 1, SIM_NET_BUFFERS_MAX, &x);
        c->net.buffers_per_channel = (uint32_t)x;
    } else if (strcmp(k, "floating-buffers-per-gate") == 0) {
        rc = num(p, k, v, 0, SIM_NET_BUFFERS_MAX, &x);
        c->net.floating_per_gate = (uint32_t)x;
    } else if (strcmp(k, "max-buffers-per-channel") == 0) {
        rc = num(p, k, v, 1, SIM_NET_BUFFERS_MAX, &x);
        c->net.max_buffers_per_channel = (uint32_t)x;
    } else if (strcmp(k, "buffer-timeout") == 0) rc = num(p, k, v, 0, UINT64_MAX / 4, &c->net.buffer_timeout_ns);
    else if (strcmp(k, "buffer-debloat") == 0) {
        if (strcmp(v, "true") && strcmp(v, "false"))
            return perr(p, "buffer-debloat: '%s' is not true or false", v);
        c->net.debloat.enabled = strcmp(v, "true") == 0;
    } else if (strcmp(k, "buffer-debloat-target") == 0) rc = num(p, k, v, 1, UINT64_MAX / 4, &c->net.debloat.target_ns);
    else if (strcmp(k, "buffer-debloat-period") == 0)
        rc = num(p, k, v, SIM_DEBLOAT_PERIOD_MIN_NS, UINT64_MAX / 4, &c->net.debloat.period_ns);
    else if (strcmp(k, "buffer-debloat-samples") == 0) {
        rc = num(p, k, v, 1, SIM_DEBLOAT_SAMPLES_MAX, &x);
        c->net.debloat.samples = (uint32_t)x;
    } else if (strcmp(k, "buffer-debloat-threshold-percentages") == 0) {
        rc = num(p, k, v, 0, 100, &x);
        c->net.debloat.threshold_pct = (uint32_t)x;
    } else if (strcmp(k, "min-segment-size") == 0) {
        rc = num(p, k, v, SIM_NET_SEGMENT_MIN, SIM_NET_SEGMENT_MAX, &x);
        c->net.debloat.min_segment_bytes = (uint32_t)x;
    }
    else if (strcmp(k, "announce-barriers") == 0) {
        rc = num(p, k, v, 0, 1, &x);
        c->net.announce = (uint32_t)x;
    } else if (strcmp(k, "credit-latency") == 0) {
        rc = dist(p, k, v, &c->net.credit_latency, &e);
        if (!rc && *e)
            return perr(p, "credit-latency: unexpected '%s' after MIN/MEAN/MAX", e);
    }
    else if ((ck = simscen_key_find(k)) != NULL && simscen_key_cost(ck)) {
        rc = num(p, k, v, ck->min, ck->max, &x);
        if (!rc)
            simscen_key_set(ck, c, x, NULL, 0);
    }
    else if ((o = sim_option_find(k)) != NULL && strcmp(o->name, k) == 0) {
        /* A strategy option (the descriptors' options tables): 0 (off) or in its range. */
        rc = num(p, k, v, 0, o->max, &c->options[o->slot]);
        if (!rc && !sim_option_value_ok(o, c->options[o->slot]))
            return perr(p, "%s: %s is out of range (0 or %llu..%llu %s)", k, v, (unsigned long long)o->min,
                        (unsigned long long)o->max, o->unit);
    }
    else if (strcmp(k, "two-input") == 0) rc = two_input_list(p, k, v);
    else if (strcmp(k, "per-task-service") == 0) rc = hetero_list(p, k, SIM_HETERO_SERVICE, v);
    else if (strcmp(k, "per-source-interval") == 0) rc = hetero_list(p, k, SIM_HETERO_INTERVAL, v);
    else if (strcmp(k, "per-channel-latency") == 0) rc = hetero_list(p, k, SIM_HETERO_LATENCY, v);
    else if (strcmp(k, "faults") == 0) rc = fault_list(p, v);
    else if (strcmp(k, "fault-draws") == 0) { rc = num(p, k, v, 0, 64, &x); c->fault_draws = (uint32_t)x; }
    else if (strcmp(k, "plant") == 0) {
        if (!swarm_plant_parse(v, &c->plant))
            return perr(p, "plant: '%s' is not none, early-complete, wrong-offsets or drop-replayed", v);
    }
    else if (strcmp(k, "expect") == 0) {
        if (strlen(v) >= sizeof p->out->expect)
            return perr(p, "expect: longer than %zu bytes", sizeof p->out->expect - 1);
        snprintf(p->out->expect, sizeof p->out->expect, "%s", v);
    } else
        return perr(p, "unknown key '%s'", k);
    return rc;
}

static const char *const simconf_keys[] = {
    "seed", "strategy", "sources", "stages", "parallelism", "links", "key-count", "key-skew", "credits", "latency", "service",
    "source-interval", "records", "payload", "checkpoint-interval", "checkpoint-timeout",
    "max-buffered-bytes", "max-events", "alignment-timeout", "faults", "fault-draws", "plant", "expect",
    "network", "segment-size", "buffers-per-channel", "floating-buffers-per-gate", "max-buffers-per-channel",
    "buffer-timeout", "credit-latency", "buffer-debloat", "buffer-debloat-target", "buffer-debloat-period",
    "buffer-debloat-samples", "buffer-debloat-threshold-percentages", "min-segment-size", "announce-barriers",
    "per-task-service", "per-source-interval", "per-channel-latency", "two-input",
    "state-bytes", "state-bytes-per-record", "sync-ns", "sync-ps-per-byte", "storage-bytes-per-s",
    "storage-latency-ns", "channel-state-bytes-per-s", "ack-latency-ns", "metadata-bytes", NULL,
};

/* One line (no newline): comment, blank, or "key: value". `seen` marks keys by index. */
static int parse_line(pstate *p, char *s, bool *seen)
{
    size_t len = strlen(s);
    if (len && s[len - 1] == '\r')
        s[--len] = '\0';
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return perr(p, "control character (byte %u) in column %zu", (unsigned char)s[i], i + 1);
    while (len && s[len - 1] == ' ')
        s[--len] = '\0';
    if (!len || s[0] == '#')
        return 0;
    char *colon = strstr(s, ": ");
    if (!colon && len && s[len - 1] == ':')
        return perr(p, "'%s' has no value", s);
    if (!colon || colon == s)
        return perr(p, "expected 'key: value', found '%s'", s);
    *colon = '\0';
    char *v = colon + 2;
    while (*v == ' ')
        v++;
    size_t k = 0;
    while (simconf_keys[k] && strcmp(simconf_keys[k], s) != 0)
        k++;
    if (simconf_keys[k] && seen[k])
        return perr(p, "key '%s' appears twice", s);
    if (simconf_keys[k])
        seen[k] = true;
    if (!*v)
        return perr(p, "'%s' has no value", s);
    return set_key(p, s, v);
}

static int check_whole(pstate *p, const bool *seen)
{
    const sim_config *c = &p->out->cfg;
    if (!seen[0]) {
        p->line = 1;
        return perr(p, "no 'seed' key: the seed is required");
    }
    if (p->links_line && p->links_n != c->stages) {
        p->line = p->links_line;
        return perr(p, "links: %u given for %u stages", p->links_n, c->stages);
    }
    if (p->service_line && p->service_n != c->stages) {
        p->line = p->service_line;
        return perr(p, "service: %u given for %u stages", p->service_n, c->stages);
    }
    const char *in2 = sim_in2_problem(c);
    if (in2)
        return perr(p, "two-input: %s (stages %u)", in2, c->stages);
    if (c->link[0] == SIM_LINK_FORWARD && c->sources != c->parallelism) {
        p->line = p->links_line;
        return perr(p, "links: a forward link from the sources needs sources == parallelism (%u != %u)",
                    c->sources, c->parallelism);
    }
    return 0;
}

int simconf_parse(const char *text, size_t len, const char *name, simconf *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    sim_config_default(&out->cfg);
    out->cfg.strategy = sim_strategy_static("spill");
    pstate p = {.name = name, .err = err, .err_len = err_len, .out = out};
    bool seen[sizeof simconf_keys / sizeof simconf_keys[0]] = {0};
    if (len > SIMCONF_MAX_BYTES) {
        p.line = 1;
        return perr(&p, "longer than %d bytes", SIMCONF_MAX_BYTES);
    }
    size_t pos = 0;
    while (pos < len) {
        p.line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (n >= SIMCONF_LINE_MAX)
            return perr(&p, "line longer than %d bytes", SIMCONF_LINE_MAX - 1);
        char line[SIMCONF_LINE_MAX];
        memcpy(line, text + pos, n);
        line[n] = '\0';
        if (memchr(text + pos, '\0', n))
            return perr(&p, "NUL byte");
        if (parse_line(&p, line, seen))
            return -1;
        pos += n + (nl ? 1 : 0);
    }
    return check_whole(&p, seen);
}

int simconf_load(const char *path, simconf *out, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(SIMCONF_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, err_len, "%s: out of memory", path);
        return -1;
    }
    size_t n = fread(buf, 1, SIMCONF_MAX_BYTES + 1, f);
    bool bad = ferror(f);
    fclose(f);
    int rc = -1;
    if (bad)
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
    else
        rc = simconf_parse(buf, n, path, out, err, err_len);
    free(buf);
    return rc;
}
