/*
 * simconf.h: a simulation configuration as a small text file, the form in which `fuzz`
 * saves a shrunk failing run and `replay --config FILE` reads it back.
 *
 * Format: one "key: value" per line; blank lines and lines starting with '#' are
 * ignored; a key appears at most once; unknown keys, malformed numbers and values out of
 * range are errors reported as "FILE:LINE: what is wrong". Keys (the trace header's
 * names): seed (required), strategy, sources, stages, parallelism, links (one per stage,
 * comma-separated: all-to-all | forward), credits, latency (MIN/MEAN/MAX ns), service
 * (MIN/MEAN/MAX per stage, comma-separated), source-interval, records, payload,
 * checkpoint-interval, checkpoint-timeout, max-buffered-bytes, max-events,
 * alignment-timeout (ns; aligned-timeout; written only when not 0), faults
 * ("none" or KIND=PPM, ...: the chance per slot of each random fault kind, in
 * millionths; kinds as sim_fault_kind_name), fault-draws (slots per kind), plant (test
 * only: a planted simulation bug, swarm_plant_name; written only when not none), and expect
 * (the invariant the run is expected to violate, or "ok"; informative). A key left out
 * keeps sim_config_default()'s value.
 */
#ifndef SIM_REPORT_SIMCONF_H
#define SIM_REPORT_SIMCONF_H

#include "../engine/sim.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct simconf {
    sim_config cfg;   /* cfg.strategy points to a static name (the strategy table's) */
    uint64_t seed;
    char expect[128]; /* "" when the file has no expect key */
} simconf;

/* Writes cfg and seed in the format above, with a leading comment line `comment` (may be
 * NULL) and `expect` (may be NULL). */
void simconf_write(FILE *f, const sim_config *cfg, uint64_t seed, const char *expect, const char *comment);

/* Parses `len` bytes of text; `name` is the file name used in messages. Returns 0, or -1
 * with "name:line: message" in err. */
int simconf_parse(const char *text, size_t len, const char *name, simconf *out, char *err, size_t err_len);

/* Reads and parses the file at `path`; 0, or -1 with a message ("path: cannot read ..." or
 * "path:line: ...") in err. */
int simconf_load(const char *path, simconf *out, char *err, size_t err_len);

#endif
