/*
 * plugin.c: strategy libraries (core/bs_plugin.h, docs/strategy-lib.md). sim_plugin_load
 * opens a shared object with dlopen, checks its interface version before calling anything,
 * and lets its init register strategies (sim_strategy_register). Every library stays loaded
 * until the process exits, when sim_plugins_close (registered with atexit by the first
 * load) closes them all, so that nothing leaks. The command line takes `--strategy-lib
 * PATH` on every verb (main.c, cli_strategy_libs) and repeats it in every reproduce
 * command (cli_argv0).
 */
#include "plugin.h"

#include "../core/bs_plugin.h"
#include "strategies.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shared layouts of ABI version 2 (version 2 added bs_strategy.relabel): a change here
 * must bump BS_PLUGIN_ABI_VERSION (and these figures). */
_Static_assert(BS_PLUGIN_ABI_VERSION == 2, "update the layout checks below with the version");
_Static_assert(offsetof(bs_strategy, relabel) == 11 * sizeof(void *) && sizeof(bs_strategy) == 12 * sizeof(void *),
               "bs_strategy changed: bump BS_PLUGIN_ABI_VERSION");
_Static_assert(sizeof(bs_option) == 8 * 8 && offsetof(bs_option, slot) == 6 * 8,
               "bs_option changed: bump BS_PLUGIN_ABI_VERSION");
_Static_assert(BS_OPT_SLOTS == 2 && sizeof(bs_handler_config) == 2 * sizeof(void *) + 8 + 8 * BS_OPT_SLOTS + 8,
               "bs_handler_config changed: bump BS_PLUGIN_ABI_VERSION");
_Static_assert(sizeof(bs_plugin_host) == 2 * sizeof(void *), "bs_plugin_host changed: bump BS_PLUGIN_ABI_VERSION");

static void *handles[SIM_PLUGINS_MAX];
static size_t handles_len;

void sim_plugins_close(void)
{
    while (handles_len > 0)
        dlclose(handles[--handles_len]);
}

/* Closes h, which registered nothing (its version or symbols were refused). */
static int refuse(void *h, char *why, size_t why_len, const char *path, const char *what)
{
    snprintf(why, why_len, "%s: %s", path, what);
    dlclose(h);
    return -1;
}

int sim_plugin_load(const char *path, char *why, size_t why_len)
{
    static const bs_plugin_host host = {BS_PLUGIN_ABI_VERSION, sim_strategy_register};
    char msg[512];
    if (handles_len == SIM_PLUGINS_MAX) {
        snprintf(why, why_len, "%s: more than %u strategy libraries", path, SIM_PLUGINS_MAX);
        return -1;
    }
    /* A path without a slash would be searched for in the library path: name the file. */
    char local[4096];
    if (!strchr(path, '/') && snprintf(local, sizeof local, "./%s", path) < (int)sizeof local)
        path = local;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, why_len, "cannot load it as a shared object: %s", dlerror());
        return -1;
    }
    const uint32_t *abi = dlsym(h, BS_PLUGIN_ABI_SYMBOL);
    bs_plugin_init_fn *init = (bs_plugin_init_fn *)(uintptr_t)dlsym(h, BS_PLUGIN_INIT_SYMBOL);
    if (!abi || !init)
        return refuse(h, why, why_len, path,
                      "not a strategy library: it lacks the symbol " BS_PLUGIN_ABI_SYMBOL " or "
                      BS_PLUGIN_INIT_SYMBOL " (core/bs_plugin.h, BS_PLUGIN_DEFINE)");
    if (*abi != BS_PLUGIN_ABI_VERSION) {
        snprintf(msg, sizeof msg, "built for strategy-library interface version %u; this barriersim has version %u "
                 "(rebuild it against this tree's core/bs_plugin.h)", *abi, BS_PLUGIN_ABI_VERSION);
        return refuse(h, why, why_len, path, msg);
    }
    if (handles_len == 0)
        atexit(sim_plugins_close);
    handles[handles_len++] = h; /* registered descriptors point into it from now on */
    msg[0] = '\0';
    if (init(&host, msg, sizeof msg) != 0) {
        snprintf(why, why_len, "%s: its init failed: %s", path, msg[0] ? msg : "(no reason given)");
        return -1;
    }
    return 0;
}
