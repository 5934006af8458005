/*
 * core_int.h: internals of core/ shared by its files; nothing outside core/ includes it.
 */
#ifndef BS_CORE_INT_H
#define BS_CORE_INT_H

#include "bs_assert.h"
#include "bs_strategy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bs_handler {
    const bs_strategy *ops;
    bs_handler_config cfg;
    bs_gate gate;
    bs_io io;
    bs_listener listener;
    void *state;
    int error;          /* the sticky error once the handler has stopped, else 0 */
    char errmsg[256];
};

/* The strategy table (core/strategies.c). */
extern const bs_strategy *const bs_strategies[];

/* Channel sets a strategy's relabel hook renames on the stack: up to 64 words (4096
 * channels; the model checker explores at most 16). */
#define BS_CHANSET_RELABEL_WORDS 64u

/* Reads a channel set of `channels` channels (bs_chanset_words little-endian u64s) from c
 * and appends it to out with every member k renamed perm[k]. 0, BS_ENOMEM, or BS_ESTATE
 * (short input, a member beyond `channels`, or more channels than the stack set holds). */
static inline int bs_chanset_relabel(bs_cursor *c, uint32_t channels, const uint32_t *perm, bs_buf *out)
{
    size_t words = bs_chanset_words(channels);
    uint64_t set[BS_CHANSET_RELABEL_WORDS];
    if (words > BS_CHANSET_RELABEL_WORDS)
        return BS_ESTATE;
    memset(set, 0, words * sizeof *set); /* the words in use only: the model checker calls
                                            this for every set of every state it renames */
    for (size_t w = 0; w < words; w++) {
        uint64_t v;
        if (!bs_cursor_get_u64(c, &v))
            return BS_ESTATE;
        if (w == words - 1 && channels % 64 && (v >> (channels % 64)))
            return BS_ESTATE;
        for (uint32_t k = (uint32_t)(64 * w); k < channels && k < 64 * (w + 1); k++)
            if ((v >> (k % 64)) & 1)
                bs_chanset_add(set, perm[k]);
    }
    for (size_t w = 0; w < words; w++)
        if (bs_buf_put_u64(out, set[w]))
            return BS_ENOMEM;
    return 0;
}

#endif
