/*
 * after_end.c: once the handler has reported the end of its input, it returns nothing
 * and notifies nothing more.
 */
#include "../verify_int.h"

static int after(verify *v, const char *what)
{
    return v->ended ? verify_fail(v, "after-end", "%s after the end was reported", what) : 0;
}

static int on_begin(verify *v, uint64_t id) { (void)id; return after(v, "a checkpoint began"); }
static int on_trigger(verify *v, uint64_t id) { (void)id; return after(v, "a trigger"); }
static int on_abort(verify *v, uint64_t id, bs_abort_reason why) { (void)id; (void)why; return after(v, "an abort"); }
static int on_done(verify *v, uint64_t id) { (void)id; return after(v, "a done"); }
static int on_return(verify *v, uint32_t channel, size_t pos) { (void)channel; (void)pos; return after(v, "an item"); }
static int on_end(verify *v) { return after(v, "a second end"); }

const verify_invariant verify_after_end = {
    .name = "after-end",
    .on_begin = on_begin,
    .on_trigger = on_trigger,
    .on_abort = on_abort,
    .on_done = on_done,
    .on_return = on_return,
    .on_end = on_end,
};
