/*
 * verify.c: observation intake and the bookkeeping shared by the invariants.
 *
 * For each observation: identify what it concerns, run every applicable invariant's hook
 * (they see the state before the observation), then update the bookkeeping. The first
 * violation stops checking; its message names the step (observations counted from 1).
 */
#include "verify_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool verify_guarantee_of(const char *strategy, verify_guarantee *out)
{
    static const struct { const char *name; verify_guarantee g; } table[] = {
        {"spill", VERIFY_EXACTLY_ONCE},
        {"block", VERIFY_EXACTLY_ONCE},
        {"tracker", VERIFY_AT_LEAST_ONCE},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].name, strategy) == 0) {
            *out = table[i].g;
            return true;
        }
    }
    return false;
}

int verify_fail(verify *v, const char *invariant, const char *fmt, ...)
{
    if (v->failed)
        return VERIFY_VIOLATION;
    int n = snprintf(v->msg, sizeof v->msg, "step %llu: %s: ", (unsigned long long)v->step, invariant);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof v->msg)
        vsnprintf(v->msg + n, sizeof v->msg - (size_t)n, fmt, ap);
    va_end(ap);
    v->failed = true;
    return VERIFY_VIOLATION;
}

const char *verify_item_str(const verify *v, size_t i, char *buf, size_t len)
{
    const verify_item *it = &v->items[i];
    switch (it->kind) {
    case BS_DATA: snprintf(buf, len, "%zu (%u:d)", i, it->channel); break;
    case BS_BARRIER: snprintf(buf, len, "%zu (%u:b%llu)", i, it->channel, (unsigned long long)it->id); break;
    case BS_CANCEL: snprintf(buf, len, "%zu (%u:x%llu)", i, it->channel, (unsigned long long)it->id); break;
    case BS_EOP: snprintf(buf, len, "%zu (%u:eop)", i, it->channel); break;
    }
    return buf;
}

static int marker_cmp(const void *a, const void *b)
{
    const verify_marker *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Counts items per channel, then fills the per-channel index arrays. */
static int verify_index_input(verify *v)
{
    for (size_t i = 0; i < v->cfg.items_len; i++) {
        verify_channel *c = &v->ch[v->items[i].channel];
        if (v->items[i].kind == BS_DATA)
            c->data_len++;
        else if (v->items[i].kind != BS_EOP)
            c->markers_len++;
    }
    for (uint32_t k = 0; k < v->cfg.channels; k++) {
        verify_channel *c = &v->ch[k];
        c->data = calloc(c->data_len + 1, sizeof *c->data);
        c->markers = calloc(c->markers_len + 1, sizeof *c->markers);
        if (!c->data || !c->markers)
            return BS_ENOMEM;
        c->data_len = c->markers_len = 0;
        c->eop = c->last_returned = VERIFY_NONE;
    }
    for (size_t i = 0; i < v->cfg.items_len; i++) {
        const verify_item *it = &v->items[i];
        verify_channel *c = &v->ch[it->channel];
        if (it->kind == BS_DATA)
            c->data[c->data_len++] = i;
        else if (it->kind == BS_EOP)
            c->eop = c->eop == VERIFY_NONE ? i : c->eop;
        else
            c->markers[c->markers_len++] = (verify_marker){it->id, i, it->kind};
    }
    for (uint32_t k = 0; k < v->cfg.channels; k++)
        qsort(v->ch[k].markers, v->ch[k].markers_len, sizeof(verify_marker), marker_cmp);
    return 0;
}

int verify_open(verify **out, const verify_config *cfg)
{
    *out = NULL;
    verify *v = calloc(1, sizeof *v);
    if (!v)
        return BS_ENOMEM;
    v->cfg = *cfg;
    v->items = malloc((cfg->items_len + 1) * sizeof *v->items);
    v->returned = calloc(cfg->items_len + 1, sizeof *v->returned);
    v->ch = calloc(cfg->channels, sizeof *v->ch);
    v->ckpts_cap = 64;
    v->ckpts = calloc(v->ckpts_cap, sizeof *v->ckpts);
    if (!v->items || !v->returned || !v->ch || !v->ckpts)
        goto out_free;
    if (cfg->items_len)
        memcpy(v->items, cfg->items, cfg->items_len * sizeof *v->items);
    v->cfg.items = v->items;
    for (size_t i = 0; i < cfg->items_len; i++)
        if (v->items[i].channel >= cfg->channels)
            goto out_free;
    if (verify_index_input(v))
        goto out_free;
    *out = v;
    return 0;
out_free:
    verify_close(v);
    return BS_ENOMEM;
}

void verify_close(verify *v)
{
    if (!v)
        return;
    for (uint32_t k = 0; v->ch && k < v->cfg.channels; k++) {
        free(v->ch[k].data);
        free(v->ch[k].markers);
    }
    free(v->ch);
    free(v->ckpts);
    free(v->open_ids);
    free(v->returned);
    free(v->items);
    free(v);
}

size_t verify_first_marker(const verify_channel *c, uint64_t id, bs_kind kind)
{
    size_t lo = 0, hi = c->markers_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->markers[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < c->markers_len && c->markers[i].id == id; i++)
        if (c->markers[i].kind == kind)
            return c->markers[i].index;
    return VERIFY_NONE;
}

size_t verify_data_before(const verify_channel *c, size_t index)
{
    size_t lo = 0, hi = c->data_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->data[mid] < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int verify_ckpt_grow(verify *v)
{
    verify_ckpt *old = v->ckpts;
    size_t old_cap = v->ckpts_cap;
    v->ckpts = calloc(2 * old_cap, sizeof *v->ckpts);
    if (!v->ckpts) {
        v->ckpts = old;
        return BS_ENOMEM;
    }
    v->ckpts_cap = 2 * old_cap;
    v->ckpts_len = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].used)
            *verify_ckpt_get(v, old[i].id) = old[i];
    }
    free(old);
    return 0;
}

verify_ckpt *verify_ckpt_get(verify *v, uint64_t id)
{
    if (2 * (v->ckpts_len + 1) > v->ckpts_cap && verify_ckpt_grow(v))
        return NULL;
    size_t mask = v->ckpts_cap - 1;
    size_t i = (size_t)(id * 0x9E3779B97F4A7C15ull) & mask;
    while (v->ckpts[i].used && v->ckpts[i].id != id)
        i = (i + 1) & mask;
    if (!v->ckpts[i].used) {
        v->ckpts[i] = (verify_ckpt){.id = id, .used = true, .resolved_at = VERIFY_NONE};
        v->ckpts_len++;
    }
    return &v->ckpts[i];
}
