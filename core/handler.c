/*
 * handler.c: the strategy-independent part of a handler: configuration checks, dispatch
 * through the strategy table, the sticky error, and listener notification helpers.
 *
 * Contract kept here for every strategy: once next() has returned an error the handler is
 * stopped and returns that error again; close() runs the strategy's cleanup exactly once.
 */
#include "core_int.h"

#include <stdarg.h>
#include <string.h>

static int handler_check_config(const bs_handler_config *cfg, const bs_strategy **ops)
{
    *ops = cfg->ops ? cfg->ops : bs_strategy_find(cfg->strategy);
    if (!*ops)
        return BS_EINVAL;
    if (cfg->channels < 1 || cfg->channels > BS_CHANNELS_MAX)
        return BS_EINVAL;
    if (cfg->page_size != 0 && cfg->page_size < 8)
        return BS_EINVAL;
    return 0;
}

int bs_handler_open(bs_handler **out, const bs_handler_config *cfg, const bs_gate *gate,
                    const bs_io *io, const bs_listener *listener)
{
    const bs_strategy *ops;
    *out = NULL;
    if (!cfg || !gate || !io)
        return BS_EINVAL;
    int rc = handler_check_config(cfg, &ops);
    if (rc)
        return rc;
    bs_handler *h = calloc(1, sizeof *h);
    if (!h)
        return BS_ENOMEM;
    h->ops = ops;
    h->cfg = *cfg;
    if (h->cfg.page_size == 0)
        h->cfg.page_size = BS_PAGE_SIZE_DEFAULT;
    h->gate = *gate;
    h->io = *io;
    if (listener)
        h->listener = *listener;
    rc = ops->open(h);
    if (rc) {
        free(h);
        return rc;
    }
    *out = h;
    return 0;
}

int bs_handler_next(bs_handler *h, bs_item *out)
{
    if (h->error)
        return h->error;
    int rc = h->ops->next(h, out);
    if (rc < 0 && rc != BS_EAGAIN) {
        h->error = rc;
        if (!h->errmsg[0])
            snprintf(h->errmsg, sizeof h->errmsg, "%s", bs_strerror(rc));
    }
    BS_ASSERT(rc <= 1);
    BS_ASSERT(rc != 1 || out->kind == BS_DATA || out->kind == BS_EOP);
    BS_ASSERT(rc != 1 || out->channel < h->cfg.channels);
    return rc;
}

int bs_handler_poll_priority(bs_handler *h)
{
    if (h->error)
        return h->error;
    if (!h->ops->poll || (!h->gate.next_priority && !h->gate.next_announcement))
        return 0;
    int rc = h->ops->poll(h);
    if (rc < 0 && rc != BS_EAGAIN) {
        h->error = rc;
        if (!h->errmsg[0])
            snprintf(h->errmsg, sizeof h->errmsg, "%s", bs_strerror(rc));
    }
    BS_ASSERT(rc <= 0);
    return rc == BS_EAGAIN ? 0 : rc;
}

bool bs_handler_is_empty(const bs_handler *h) { return h->ops->is_empty(h); }

const char *bs_handler_errmsg(const bs_handler *h) { return h->errmsg; }

int bs_handler_close(bs_handler *h, char *errmsg, size_t errmsg_len)
{
    if (!h)
        return 0;
    h->errmsg[0] = '\0';
    int rc = h->ops->close(h);
    if (rc && errmsg && errmsg_len)
        snprintf(errmsg, errmsg_len, "%s", h->errmsg[0] ? h->errmsg : bs_strerror(rc));
    free(h);
    return rc;
}

int bs_handler_snapshot(const bs_handler *h, unsigned flags, bs_buf *out)
{
    if (!h->ops->snapshot)
        return BS_EINVAL;
    return h->ops->snapshot(h, flags, out);
}

int bs_handler_restore(bs_handler *h, const uint8_t *snap, size_t len)
{
    if (!h->ops->restore)
        return BS_EINVAL;
    h->error = 0;
    h->errmsg[0] = '\0';
    return h->ops->restore(h, snap, len);
}

/* ---- for strategies ------------------------------------------------------------------ */
const bs_handler_config *bs_handler_cfg(const bs_handler *h) { return &h->cfg; }
void *bs_handler_state(const bs_handler *h) { return h->state; }
void bs_handler_set_state(bs_handler *h, void *state) { h->state = state; }
const bs_io *bs_handler_io(const bs_handler *h) { return &h->io; }

int bs_handler_gate_next(bs_handler *h, const uint64_t *blocked, bs_item *out)
{
    int rc = h->gate.next(h->gate.ctx, blocked, out);
    BS_ASSERT(rc != 1 || out->channel < h->cfg.channels);
    BS_ASSERT(rc != 1 || out->kind != BS_DATA || out->len <= h->cfg.page_size);
    if (rc < 0 && rc != BS_EAGAIN && !h->errmsg[0])
        snprintf(h->errmsg, sizeof h->errmsg, "input gate: %s", bs_strerror(rc));
    return rc;
}

int bs_handler_gate_next_priority(bs_handler *h, const uint64_t *blocked, bs_item *out)
{
    if (!h->gate.next_priority)
        return 0;
    int rc = h->gate.next_priority(h->gate.ctx, blocked, out);
    BS_ASSERT(rc != 1 || out->channel < h->cfg.channels);
    BS_ASSERT(rc != 1 || out->kind == BS_BARRIER || out->kind == BS_CANCEL);
    if (rc == BS_EAGAIN)
        return 0; /* nothing queued now is nothing to overtake */
    if (rc < 0 && !h->errmsg[0])
        snprintf(h->errmsg, sizeof h->errmsg, "input gate: %s", bs_strerror(rc));
    return rc;
}

int bs_handler_gate_peek(bs_handler *h, uint32_t channel, uint32_t i, bs_item *out)
{
    BS_ASSERT(channel < h->cfg.channels);
    if (!h->gate.peek)
        return 0;
    int rc = h->gate.peek(h->gate.ctx, channel, i, out);
    BS_ASSERT(rc != 1 || (out->kind == BS_DATA && out->channel == channel));
    BS_ASSERT(rc != 1 || out->len <= h->cfg.page_size);
    if (rc < 0 && !h->errmsg[0])
        snprintf(h->errmsg, sizeof h->errmsg, "input gate: %s", bs_strerror(rc));
    return rc;
}

int bs_handler_gate_announcement(bs_handler *h, bs_item *out)
{
    if (!h->gate.next_announcement)
        return 0;
    int rc = h->gate.next_announcement(h->gate.ctx, out);
    BS_ASSERT(rc != 1 || (out->channel < h->cfg.channels && out->kind == BS_BARRIER));
    if (rc < 0 && !h->errmsg[0])
        snprintf(h->errmsg, sizeof h->errmsg, "input gate: %s", bs_strerror(rc));
    return rc;
}

int bs_handler_gate_convert(bs_handler *h, uint32_t channel, uint64_t id, bs_item *out)
{
    BS_ASSERT(channel < h->cfg.channels);
    if (!h->gate.convert)
        return 0;
    int rc = h->gate.convert(h->gate.ctx, channel, id, out);
    BS_ASSERT(rc != 1 || (out->channel == channel && out->kind == BS_BARRIER && out->id == id));
    if (rc < 0 && !h->errmsg[0])
        snprintf(h->errmsg, sizeof h->errmsg, "input gate: %s", bs_strerror(rc));
    return rc;
}

bool bs_handler_gate_can_peek(const bs_handler *h) { return h->gate.peek != NULL; }

bool bs_handler_gate_now(bs_handler *h, uint64_t *now_ns)
{
    if (!h->gate.now_ns)
        return false;
    *now_ns = h->gate.now_ns(h->gate.ctx);
    return true;
}

void bs_handler_gate_wake_at(bs_handler *h, uint64_t at_ns)
{
    if (h->gate.wake_at)
        h->gate.wake_at(h->gate.ctx, at_ns);
}

void bs_handler_begin(bs_handler *h, uint64_t id)
{
    if (h->listener.begin)
        h->listener.begin(h->listener.ctx, id);
}

void bs_handler_unaligned(bs_handler *h, uint64_t id)
{
    if (h->listener.unaligned)
        h->listener.unaligned(h->listener.ctx, id);
}

void bs_handler_trigger(bs_handler *h, uint64_t id)
{
    if (h->listener.trigger)
        h->listener.trigger(h->listener.ctx, id);
}

void bs_handler_abort(bs_handler *h, uint64_t id, bs_abort_reason why)
{
    if (h->listener.abort)
        h->listener.abort(h->listener.ctx, id, why);
}

void bs_handler_channel_state(bs_handler *h, uint64_t id, const bs_item *data)
{
    if (h->listener.channel_state)
        h->listener.channel_state(h->listener.ctx, id, data);
}

void bs_handler_done(bs_handler *h, uint64_t id)
{
    if (h->listener.done)
        h->listener.done(h->listener.ctx, id);
}

int bs_handler_fail(bs_handler *h, int code, const char *fmt, ...)
{
    if (!h->errmsg[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(h->errmsg, sizeof h->errmsg, fmt, ap);
        va_end(ap);
    }
    return code;
}
