/*
 * strategies.c: the command line's view of the strategies (see strategies.h). Lookups go,
 * in order, through the core's table, the test build's extras and the registered ones; a
 * name is unique across the three (registration refuses a known name).
 */
#include "strategies.h"

#include <stdio.h>
#include <string.h>

__attribute__((weak)) const bs_strategy *const *sim_extra_strategies(size_t *count)
{
    *count = 0;
    return NULL;
}

static const bs_strategy *registered[SIM_STRATEGIES_REGISTERED_MAX];
static size_t registered_len;

/* The i-th descriptor across the three sources, or NULL past the last. */
static const bs_strategy *nth(size_t i, bool *builtin)
{
    size_t core = 0;
    while (bs_strategy_name(core))
        core++;
    *builtin = i < core;
    if (i < core)
        return bs_strategy_find(bs_strategy_name(i));
    i -= core;
    size_t n;
    const bs_strategy *const *extra = sim_extra_strategies(&n);
    if (i < n)
        return extra[i];
    i -= n;
    return i < registered_len ? registered[i] : NULL;
}

bool sim_strategy_find(const char *name, sim_strategy *out)
{
    bool builtin;
    const bs_strategy *s;
    for (size_t i = 0; name && (s = nth(i, &builtin)) != NULL; i++) {
        if (strcmp(s->name, name) != 0)
            continue;
        /* Every strategy ends a checkpoint in the call that reads the last item that decides
         * it: spill and tracker read in order; block leaves blocked channels unread, but
         * nothing it has read waits; unaligned's priority reads announce the data a barrier
         * overtook, and the progress invariant waits for that data too
         * (verify/invariants/progress.c); aligned-timeout is block, then unaligned without
         * priority reads. */
        *out = (sim_strategy){s->name, s, s->guarantee, true, s->overtakes, builtin};
        return true;
    }
    return false;
}

const char *sim_strategy_name(size_t i)
{
    bool builtin;
    const bs_strategy *s = nth(i, &builtin);
    return s ? s->name : NULL;
}

const char *sim_strategy_static(const char *name)
{
    for (size_t i = 0; name && sim_strategy_name(i); i++)
        if (strcmp(sim_strategy_name(i), name) == 0)
            return sim_strategy_name(i);
    return NULL;
}

const char *sim_strategy_list(char *buf, size_t len)
{
    size_t o = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; sim_strategy_name(i) && o < len; i++) {
        int n = snprintf(buf + o, len - o, "%s%s", i ? ", " : "", sim_strategy_name(i));
        if (n < 0)
            break;
        o += (size_t)n;
    }
    return buf;
}

int sim_strategy_register(const bs_strategy *s, char *why, size_t why_len)
{
    const char *problem = bs_strategy_problem(s);
    sim_strategy known;
    if (problem) {
        snprintf(why, why_len, "%s", problem);
        return -1;
    }
    if (sim_strategy_find(s->name, &known)) {
        snprintf(why, why_len, "strategy '%s' is already known", s->name);
        return -1;
    }
    if (registered_len == SIM_STRATEGIES_REGISTERED_MAX) {
        snprintf(why, why_len, "more than %u strategies registered", SIM_STRATEGIES_REGISTERED_MAX);
        return -1;
    }
    registered[registered_len++] = s;
    return 0;
}

const bs_option *sim_option_of_slot(bs_option_slot slot)
{
    bool builtin;
    const bs_strategy *s;
    for (size_t i = 0; (s = nth(i, &builtin)) != NULL; i++) {
        const bs_option *o = bs_strategy_option_slot(s, slot);
        if (o)
            return o;
    }
    return NULL;
}

const bs_option *sim_option_find(const char *name)
{
    bool builtin;
    const bs_strategy *s;
    for (size_t i = 0; name && (s = nth(i, &builtin)) != NULL; i++) {
        const bs_option *o = bs_strategy_option(s, name);
        if (o)
            return o;
    }
    return NULL;
}

const char *sim_option_owners(bs_option_slot slot, char *buf, size_t len)
{
    bool builtin;
    const bs_strategy *s;
    size_t o = 0;
    if (len)
        buf[0] = '\0';
    const bs_option *seen[8];
    size_t seen_len = 0;
    for (size_t i = 0; (s = nth(i, &builtin)) != NULL && o < len; i++) {
        const bs_option *row = bs_strategy_option_slot(s, slot);
        bool shared = false; /* a wrapper (test-only planted shims) sharing its base's row */
        for (size_t k = 0; k < seen_len; k++)
            shared = shared || seen[k] == row;
        if (!row || shared)
            continue;
        if (seen_len < sizeof seen / sizeof seen[0])
            seen[seen_len++] = row;
        int n = snprintf(buf + o, len - o, "%s'%s'", o ? ", " : "", s->name);
        if (n < 0)
            break;
        o += (size_t)n;
    }
    return buf;
}

void sim_options_usage(FILE *f)
{
    for (unsigned k = 0; k < BS_OPT_SLOTS; k++) {
        const bs_option *o = sim_option_of_slot((bs_option_slot)k);
        char owners[256], flag[64];
        if (!o)
            continue;
        snprintf(flag, sizeof flag, "--%s N", o->name);
        fprintf(f, "  %-24s %s\n  %-24s %s, %llu..%llu; read by %s\n", flag, o->help, "", o->unit,
                (unsigned long long)o->min, (unsigned long long)o->max,
                sim_option_owners((bs_option_slot)k, owners, sizeof owners));
    }
}
