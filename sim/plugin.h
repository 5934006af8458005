/*
 * plugin.h: loading strategy libraries (core/bs_plugin.h) into the command line.
 */
#ifndef SIM_PLUGIN_H
#define SIM_PLUGIN_H

#include <stddef.h>

/* Strategy libraries one process loads at most. */
#define SIM_PLUGINS_MAX 8u

/* Loads the shared object at path and runs its init, which registers its strategies.
 * 0, or -1 with why[] naming the file and the reason: not a shared object, a missing
 * symbol, another interface version, a refused descriptor, too many libraries. */
int sim_plugin_load(const char *path, char *why, size_t why_len);
/* Closes every library loaded (run at exit). */
void sim_plugins_close(void);

#endif
