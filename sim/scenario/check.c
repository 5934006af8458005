/*
 * check.c: the invariants of a loaded scenario, stated once on the struct itself.
 *
 * Contract: sc_scenario_check returns 0 exactly when the scenario holds everything the
 * schema promises (names, ranges, options for the right strategy, faults well formed,
 * items in range and nothing after a channel's eop, positions set). The child asserts it
 * before sending a scenario; the parent checks it again after decoding one, so that a
 * confused child cannot hand the simulator a scenario the loader would have refused.
 */
#include "sc_int.h"

#include "../strategies.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sc_check_fail(char *why, size_t why_len, const char *fmt, ...) SC_PRINTF(3, 4);
static int sc_check_fail(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && why_len)
        vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return -1;
}

static bool sc_check_str(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    return n > 0 && n < cap;
}

/* An optional text: absent, or valid (and non-empty unless it may be empty). */
static bool sc_check_opt_text(const char *s, bool multiline, bool may_be_empty)
{
    return !s || ((may_be_empty || s[0] != '\0') && !sc_string_problem(s, strlen(s), multiline));
}

static int sc_check_head(const scenario *sc, char *why, size_t why_len)
{
    if (!sc_check_str(sc->name, sizeof sc->name) ||
        strspn(sc->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
            strlen(sc->name))
        return sc_check_fail(why, why_len, "bad name");
    sim_strategy found;
    if (!sc_check_str(sc->strategy, sizeof sc->strategy) ||
        !sim_strategy_find(sc->strategy, &found))
        return sc_check_fail(why, why_len, "bad strategy");
    if (sc->channels < 1 || sc->channels > BS_CHANNELS_MAX)
        return sc_check_fail(why, why_len, "bad channel count %u", sc->channels);
    const char *opt = sc_options_problem(sc);
    if (opt)
        return sc_check_fail(why, why_len, "bad option %s", opt);
    if (!sc_check_opt_text(sc->description, true, true) ||
        !sc_check_opt_text(sc->expect_trace, false, false) ||
        !sc_check_opt_text(sc->expect_error, false, false))
        return sc_check_fail(why, why_len, "bad description or expectation");
    return 0;
}

static int sc_check_faults(const scenario *sc, char *why, size_t why_len)
{
    if (sc->faults_len > SC_FAULTS_MAX || (sc->faults_len > 0 && !sc->faults))
        return sc_check_fail(why, why_len, "bad fault count");
    for (size_t i = 0; i < sc->faults_len; i++) {
        const sc_fault *f = &sc->faults[i];
        bool can_short = f->call == SC_CALL_WRITE || f->call == SC_CALL_READ;
        bool ok = (unsigned)f->call < SC_CALL_COUNT && f->nth >= 1 && f->pos.line >= 1 &&
                  f->pos.col >= 1 &&
                  (f->err != 0 ? sc_errno_name(f->err) && f->short_bytes == 0
                               : can_short && f->short_bytes >= 1);
        if (!ok)
            return sc_check_fail(why, why_len, "bad fault %zu", i);
    }
    return 0;
}

static bool sc_check_item(const scenario *sc, const sc_item *it)
{
    if (it->channel >= sc->channels || it->pos.line < 1 || it->pos.col < 1)
        return false;
    if (it->wait)
        return it->kind == BS_DATA && it->channel == 0 && it->len == 0 && it->id == 0;
    switch (it->kind) {
    case BS_DATA: return it->len >= SC_DATA_BYTES_MIN && it->len <= sc->page_size;
    case BS_BARRIER:
    case BS_CANCEL: return it->id >= 1;
    case BS_EOP: return true;
    default: return false;
    }
}

static int sc_check_items(const scenario *sc, char *why, size_t why_len)
{
    if (sc->items_len > SC_ITEMS_MAX || (sc->items_len > 0 && !sc->items))
        return sc_check_fail(why, why_len, "bad item count");
    uint64_t *eop = calloc(bs_chanset_words(sc->channels), sizeof *eop);
    if (!eop)
        return sc_check_fail(why, why_len, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < sc->items_len && rc == 0; i++) {
        const sc_item *it = &sc->items[i];
        if (!sc_check_item(sc, it) || (!it->wait && bs_chanset_has(eop, it->channel)))
            rc = sc_check_fail(why, why_len, "bad item %zu", i);
        else if (it->kind == BS_EOP)
            bs_chanset_add(eop, it->channel);
    }
    free(eop);
    return rc;
}

int sc_scenario_check(const scenario *sc, char *why, size_t why_len)
{
    if (sc_check_head(sc, why, why_len) != 0 || sc_check_faults(sc, why, why_len) != 0)
        return -1;
    return sc_check_items(sc, why, why_len);
}
