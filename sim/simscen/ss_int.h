/*
 * ss_int.h: the simulation scenario loader's helpers shared by load.c and schedule.c
 * (the child side of simscen_load: they report "line:col: message" into cx->err).
 */
#ifndef SIM_SIMSCEN_SS_INT_H
#define SIM_SIMSCEN_SS_INT_H

#include "simscen.h"

#include "../scenario/loader.h"

int ss_map(const sc_ctx *cx, uint32_t node, const char *key, const sc_keyspec *keys, size_t n, uint32_t *vals);
int ss_u64(const sc_ctx *cx, uint32_t node, const char *key, uint64_t min, uint64_t max, uint64_t *out);
int ss_u32(const sc_ctx *cx, uint32_t node, const char *key, uint64_t min, uint64_t max, uint32_t *out);
int ss_name(const sc_ctx *cx, uint32_t node, const char *key, const char *what, const char *const *names, size_t n,
            int *out);
/* One fault mapping of `faults:` (or of a schedule's fault step). */
int ss_fault(const sc_ctx *cx, uint32_t map, const sim_config *c, sim_fault *f);
/* schedule.c: the `schedule:` key (after `simulation:` and `faults:`); `sim` is the
 * simulation mapping, for the keys a schedule excludes. */
int ss_schedule(const sc_ctx *cx, uint32_t node, uint32_t sim, simscen *sc);
/* A duration: a whole number of ns, or with a unit (ns, us, ms, s): "120us". */
int ss_duration(const sc_ctx *cx, uint32_t node, const char *key, uint64_t *out_ns);

/* claims.c: the `study:` and `claims:` keys. */
int ss_study(const sc_ctx *cx, uint32_t node, simscen *sc);
int ss_claims(const sc_ctx *cx, uint32_t node, simscen *sc);

#endif
