/*
 * strategies.c: the one table of strategies, and the helpers that read descriptors.
 * Adding a strategy = one file under core/strategy/ plus one row here; everything else
 * (verify's guarantee, the simulator's overtaking, the loaders' options, `check`'s state
 * capture, the usage texts) is read from its descriptor (bs_strategy.h).
 */
#include "core_int.h"

#include <string.h>

extern const bs_strategy bs_strategy_spill;
extern const bs_strategy bs_strategy_tracker;
extern const bs_strategy bs_strategy_block;
extern const bs_strategy bs_strategy_unaligned;
extern const bs_strategy bs_strategy_aligned_timeout;

const bs_strategy *const bs_strategies[] = {
    &bs_strategy_spill,
    &bs_strategy_tracker,
    &bs_strategy_block,
    &bs_strategy_unaligned,
    &bs_strategy_aligned_timeout,
    NULL,
};

/* The option slots alias bs_handler_config's named fields, in order, without padding. */
_Static_assert(offsetof(bs_handler_config, options) == offsetof(bs_handler_config, max_buffered_bytes),
               "options[] aliases the named option fields");
_Static_assert(offsetof(bs_handler_config, options) + sizeof(uint64_t) * BS_OPT_ALIGNMENT_TIMEOUT_NS ==
                   offsetof(bs_handler_config, alignment_timeout_ns),
               "BS_OPT_ALIGNMENT_TIMEOUT_NS is the slot of alignment_timeout_ns");
_Static_assert(sizeof(((bs_handler_config *)0)->options) == BS_OPT_SLOTS * sizeof(uint64_t),
               "one u64 per slot");

const bs_strategy *bs_strategy_find(const char *name)
{
    for (size_t i = 0; name && bs_strategies[i]; i++)
        if (strcmp(bs_strategies[i]->name, name) == 0)
            return bs_strategies[i];
    return NULL;
}

const char *bs_strategy_name(size_t i)
{
    for (size_t k = 0; bs_strategies[k]; k++)
        if (k == i)
            return bs_strategies[k]->name;
    return NULL;
}

const char *bs_guarantee_name(bs_guarantee g)
{
    static const char *const names[] = {
        [BS_GUARANTEE_EXACTLY_ONCE] = "exactly-once",
        [BS_GUARANTEE_AT_LEAST_ONCE] = "at-least-once",
    };
    _Static_assert(sizeof names / sizeof names[0] == BS_GUARANTEES, "one name per guarantee");
    return (unsigned)g < BS_GUARANTEES ? names[g] : "?";
}

const bs_option *bs_strategy_option(const bs_strategy *s, const char *name)
{
    BS_ASSERT(s != NULL);
    for (size_t i = 0; name && i < s->options_len; i++) {
        const bs_option *o = &s->options[i];
        if (strcmp(o->name, name) == 0 || (o->sim_name && strcmp(o->sim_name, name) == 0))
            return o;
    }
    return NULL;
}

const bs_option *bs_strategy_option_slot(const bs_strategy *s, bs_option_slot slot)
{
    BS_ASSERT(s != NULL);
    for (size_t i = 0; i < s->options_len; i++)
        if (s->options[i].slot == slot)
            return &s->options[i];
    return NULL;
}

static const char *option_problem(const bs_option *o)
{
    if (!o->name || !*o->name || !o->unit || !o->help)
        return "an option without a name, unit or help text";
    if ((unsigned)o->slot >= BS_OPT_SLOTS)
        return "an option slot out of range";
    if (o->min > o->max || (o->def && (o->def < o->min || o->def > o->max)))
        return "an option whose default or minimum is outside its range";
    return NULL;
}

const char *bs_strategy_problem(const bs_strategy *s)
{
    if (!s || !s->name || !*s->name)
        return "a strategy without a name";
    if (!s->open || !s->next || !s->close || !s->is_empty)
        return "a strategy without open, next, close or is_empty";
    if ((unsigned)s->guarantee >= BS_GUARANTEES)
        return "a guarantee out of range";
    if ((s->snapshot == NULL) != (s->restore == NULL))
        return "snapshot without restore (or restore without snapshot)";
    if (s->options_len > BS_STRATEGY_OPTIONS_MAX || (s->options_len && !s->options))
        return "an options table too long or missing";
    for (size_t i = 0; i < s->options_len; i++) {
        const char *p = option_problem(&s->options[i]);
        if (p)
            return p;
        for (size_t k = 0; k < i; k++)
            if (s->options[k].slot == s->options[i].slot)
                return "two options in one slot";
    }
    return NULL;
}
