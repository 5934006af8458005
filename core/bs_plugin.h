/*
 * bs_plugin.h: the versioned interface of a strategy library, a shared object that
 * barriersim loads with `--strategy-lib PATH` (docs/strategy-lib.md) and that registers one
 * or more strategies. A strategy in a library is written exactly as one in core/strategy/:
 * against core/barriersim.h and core/bs_strategy.h (the descriptor, its options table, its
 * optional state capture), whose functions the barriersim executable exports to it.
 *
 * A library exports two symbols (BS_PLUGIN_DEFINE writes both):
 *   const uint32_t barriersim_plugin_abi;   the BS_PLUGIN_ABI_VERSION it was built against
 *   int barriersim_plugin_init(const bs_plugin_host *host, char *why, size_t why_len);
 * barriersim checks the version before calling anything: a library built against another
 * version is refused (exit 2), as are a missing symbol and a file that is not a shared
 * object. init registers each strategy with host->register_strategy (which checks the
 * descriptor, bs_strategy_problem, and refuses a name already known) and returns 0, or
 * non-zero with why[] saying what is wrong. Descriptors must live as long as the library
 * (static storage); the library stays loaded until the process exits.
 *
 * The version changes whenever a structure a library shares with barriersim changes
 * layout or meaning (bs_strategy, bs_option, bs_item, bs_handler_config, bs_buf,
 * bs_cursor, bs_plugin_host) or a function it calls changes its contract; sim/plugin.c
 * holds _Static_asserts on those layouts so that a change cannot go unnoticed.
 */
#ifndef BS_PLUGIN_H
#define BS_PLUGIN_H

#include "bs_strategy.h"

#include <stddef.h>
#include <stdint.h>

#define BS_PLUGIN_ABI_VERSION 2u

typedef struct bs_plugin_host {
    uint32_t abi_version; /* the host's BS_PLUGIN_ABI_VERSION */
    /* Registers a strategy: 0, or -1 with why[] (an unsound descriptor, a known name, too many). */
    int (*register_strategy)(const bs_strategy *s, char *why, size_t why_len);
} bs_plugin_host;

typedef int bs_plugin_init_fn(const bs_plugin_host *host, char *why, size_t why_len);

#define BS_PLUGIN_ABI_SYMBOL "barriersim_plugin_abi"
#define BS_PLUGIN_INIT_SYMBOL "barriersim_plugin_init"

/* In the library: BS_PLUGIN_DEFINE(my_init) exports the version and `my_init` as its init. */
#define BS_PLUGIN_DEFINE(init)                                                               \
    extern const uint32_t barriersim_plugin_abi;                                             \
    const uint32_t barriersim_plugin_abi = BS_PLUGIN_ABI_VERSION;                            \
    int barriersim_plugin_init(const bs_plugin_host *host, char *why, size_t why_len);       \
    int barriersim_plugin_init(const bs_plugin_host *host, char *why, size_t why_len)        \
    {                                                                                        \
        return init(host, why, why_len);                                                     \
    }

#endif
