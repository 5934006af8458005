/*
 * hrun.c: the handler-level runner (see hrun.h).
 */
#include "hrun.h"

#include "../fault/io_fault.h"
#include "../strategies.h"
#include "gate_script.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct hrun {
    verify *checker;
    char *trace;
    size_t len, cap;
    bool oom;
} hrun;

static void trace_add(hrun *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void trace_add(hrun *r, const char *fmt, ...)
{
    char tok[1200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tok, sizeof tok, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t need = r->len + (size_t)n + 2;
    if (need > r->cap) {
        size_t cap = r->cap ? r->cap : 256;
        while (cap < need)
            cap *= 2;
        char *q = realloc(r->trace, cap);
        if (!q) {
            r->oom = true;
            return;
        }
        r->trace = q;
        r->cap = cap;
    }
    if (r->len)
        r->trace[r->len++] = ' ';
    memcpy(r->trace + r->len, tok, (size_t)n + 1);
    r->len += (size_t)n;
}

/* Listener: every notification becomes a token (until a violation) and is checked. */
static void on_begin(void *ctx, uint64_t id)
{
    hrun *r = ctx;
    verify_begin(r->checker, id);
}

static void on_unaligned(void *ctx, uint64_t id)
{
    hrun *r = ctx;
    verify_unaligned(r->checker, id);
}

static void on_trigger(void *ctx, uint64_t id)
{
    hrun *r = ctx;
    if (verify_failed(r->checker))
        return;
    trace_add(r, "t%llu", (unsigned long long)id);
    verify_trigger(r->checker, id);
}

static void on_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    hrun *r = ctx;
    if (verify_failed(r->checker))
        return;
    trace_add(r, "a%llu:%s", (unsigned long long)id, bs_abort_reason_name(why));
    verify_abort(r->checker, id, why);
}

static void on_channel_state(void *ctx, uint64_t id, const bs_item *data)
{
    hrun *r = ctx;
    verify_channel_state(r->checker, id, data);
}

static void on_done(void *ctx, uint64_t id)
{
    hrun *r = ctx;
    if (verify_failed(r->checker))
        return;
    trace_add(r, "d%llu", (unsigned long long)id);
    verify_done(r->checker, id);
}

static int hrun_checker_open(const scenario *sc, verify_guarantee g, bool progress, verify **out)
{
    verify_config cfg = {sc->channels, g, progress};
    return verify_open(out, &cfg);
}

static int hrun_add_faults(const scenario *sc, io_fault *iof)
{
    static const io_call calls[SC_CALL_COUNT] = {IO_OPEN, IO_WRITE, IO_READ, IO_CLOSE, IO_UNLINK};
    for (size_t i = 0; i < sc->faults_len; i++) {
        const sc_fault *f = &sc->faults[i];
        if (io_fault_add(iof, calls[f->call], f->nth, f->err, f->short_bytes))
            return BS_EINVAL;
    }
    return 0;
}

/* Drives the handler to its end, an error or a violation. */
static hrun_outcome hrun_drive(hrun *r, bs_handler *h, gate_script *gs, size_t items_len, hrun_result *res)
{
    /* A correct handler returns each data item and eop once, then the end: a handler that
     * goes on past that is stopped by conservation; the bound is a second guard. Each
     * wake-up is bounded likewise (a handler asks for one per alignment). */
    size_t wakes = 0;
    for (size_t calls = 0; calls <= items_len + 1; calls++) {
        bs_item it;
        int rc = bs_handler_next(h, &it);
        if (verify_failed(r->checker))
            return HRUN_VIOLATION;
        if (rc == 1) {
            uint64_t label;
            if (verify_returned(r->checker, &it, &label))
                return HRUN_VIOLATION;
            trace_add(r, "%llu", (unsigned long long)label);
            res->items_returned++;
        } else if (rc == 0) {
            if (verify_end(r->checker))
                return HRUN_VIOLATION;
            trace_add(r, "end");
            return HRUN_END;
        } else if (rc == BS_EAGAIN && wakes <= items_len && gate_script_wake(gs)) {
            wakes++;
            calls--; /* a wake-up is not a call that consumed input */
        } else if (rc == BS_EAGAIN) {
            snprintf(res->message, sizeof res->message,
                     "deadlock: the handler waits for input that only blocked channels hold");
            return HRUN_VIOLATION;
        } else {
            snprintf(res->message, sizeof res->message, "%s", bs_handler_errmsg(h));
            return HRUN_ERROR;
        }
    }
    snprintf(res->message, sizeof res->message, "the handler returned more items than its input holds");
    return HRUN_VIOLATION;
}

typedef struct hrun_env {
    bs_io posix, mem, io;
    bs_io_posix posix_ctx;
    bs_io_mem mem_ctx;
    io_fault faults;
    gate_script gs;
    bs_gate gate;
} hrun_env;

static int hrun_env_open(hrun_env *e, const scenario *sc, const hrun_options *opt, verify *checker)
{
    memset(e, 0, sizeof *e);
    bs_io_mem_init(&e->mem, &e->mem_ctx);
    if (bs_io_posix_init(&e->posix, &e->posix_ctx, NULL))
        return BS_EINVAL;
    io_fault_init(&e->io, &e->faults, opt->mem_io ? &e->mem : &e->posix);
    if (hrun_add_faults(sc, &e->faults))
        return BS_EINVAL;
    return gate_script_init(&e->gate, &e->gs, sc->items, sc->items_len, sc->channels,
                            sc->page_size, checker);
}

static void hrun_finish(hrun *r, hrun_env *e, bs_handler *h, hrun_result *res)
{
    char msg[512] = "";
    int rc = bs_handler_close(h, msg, sizeof msg);
    if (rc && res->outcome == HRUN_END) {
        res->outcome = HRUN_ERROR;
        snprintf(res->message, sizeof res->message, "%s", msg);
    }
    if (res->outcome != HRUN_VIOLATION && verify_cleanup(r->checker, e->faults.live_files))
        res->outcome = HRUN_VIOLATION;
    if (res->outcome == HRUN_VIOLATION && verify_failed(r->checker))
        snprintf(res->message, sizeof res->message, "%s", verify_message(r->checker));
    if (res->outcome == HRUN_ERROR)
        trace_add(r, "error: %s", res->message);
    else if (res->outcome == HRUN_VIOLATION)
        trace_add(r, "violation: %s", res->message);
    res->spill_files = e->faults.files_created;
    gate_script_close(&e->gs);
    bs_io_mem_close(&e->mem_ctx);
}

int hrun_scenario(const scenario *sc, const hrun_options *opt, hrun_result *res)
{
    static const hrun_options defaults = {0};
    opt = opt ? opt : &defaults;
    memset(res, 0, sizeof *res);
    verify_guarantee g = opt->guarantee;
    bool progress = opt->check_progress;
    const bs_strategy *ops = opt->ops;
    if (!ops) {
        sim_strategy st;
        if (!sim_strategy_find(sc->strategy, &st))
            return BS_EINVAL;
        g = st.guarantee;
        progress = st.check_progress;
        ops = st.ops;
    }
    hrun r = {0};
    if (hrun_checker_open(sc, g, progress, &r.checker))
        return BS_ENOMEM;
    hrun_env e;
    int rc = hrun_env_open(&e, sc, opt, r.checker);
    bs_handler_config cfg = {.strategy = sc->strategy, .ops = ops, .channels = sc->channels,
                             .page_size = sc->page_size, .max_buffered_bytes = sc->max_buffered_bytes,
                             .alignment_timeout_ns = sc->alignment_timeout_ns,
                             /* a fault the scenario injects ends in the trace ("error: spill file
                                1: write: No space left on device") and is judged by `expect`: no
                                stderr line that reads like a real disk error among passing runs */
                             .quiet = sc->faults_len > 0};
    bs_listener lis = {.ctx = &r, .begin = on_begin, .trigger = on_trigger, .abort = on_abort,
                       .channel_state = on_channel_state, .done = on_done, .unaligned = on_unaligned};
    bs_handler *h = NULL;
    if (!rc)
        rc = bs_handler_open(&h, &cfg, &e.gate, &e.io, &lis);
    if (rc) {
        gate_script_close(&e.gs);
        bs_io_mem_close(&e.mem_ctx);
        verify_close(r.checker);
        return rc;
    }
    res->outcome = hrun_drive(&r, h, &e.gs, sc->items_len, res);
    hrun_finish(&r, &e, h, res);
    verify_close(r.checker);
    res->trace = r.trace ? r.trace : calloc(1, 1);
    return r.oom || !res->trace ? BS_ENOMEM : 0;
}

void hrun_result_free(hrun_result *res)
{
    free(res->trace);
    res->trace = NULL;
}

/* Case-insensitive substring search. */
static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

int hrun_judge(const scenario *sc, const hrun_result *res, char *why, size_t why_len)
{
    why[0] = '\0';
    if (res->outcome == HRUN_VIOLATION) {
        snprintf(why, why_len, "invariant violated: %s", res->message);
        return 1;
    }
    if (sc->expect_trace && strcmp(sc->expect_trace, res->trace) != 0) {
        snprintf(why, why_len, "trace differs\n  expected: %s\n  actual:   %s", sc->expect_trace, res->trace);
        return 1;
    }
    if (sc->expect_error) {
        if (res->outcome != HRUN_ERROR) {
            snprintf(why, why_len, "expected an error containing \"%s\", but the run ended normally", sc->expect_error);
            return 1;
        }
        if (!contains_nocase(res->message, sc->expect_error)) {
            snprintf(why, why_len, "expected an error containing \"%s\", got: %s", sc->expect_error, res->message);
            return 1;
        }
        return 0;
    }
    if (res->outcome == HRUN_ERROR && !sc->expect_trace) {
        snprintf(why, why_len, "stopped by an unexpected error: %s", res->message);
        return 1;
    }
    return 0;
}
