/*
 * swarm.h: the built-in randomized configurations of `fuzz`, `replay` and `soak` (swarm
 * testing): every seed draws a whole simulation configuration (topology, credits,
 * latencies, service times, intervals, records, strategy options) and, when the engine
 * offers fault knobs, which faults are on.
 *
 * Contract: swarm_draw is a pure function of (seed, strategy): the same pair gives the same
 * configuration on any machine (it draws only from the engine's rng, stream "swarm", and
 * fault choices from a separate stream "swarm-faults", so adding a fault knob never moves
 * the topology a seed draws). Faults: each seed switches on a random subset of the fault
 * kinds (sim_config.fault_ppm, 10-100% per slot, 1-3 slots per kind); the engine then
 * draws their times and targets from the seed. The configuration starts from sim_config_default() and sets
 * fields by name, so fields the engine gains later keep their defaults.
 */
#ifndef SIM_REPORT_SWARM_H
#define SIM_REPORT_SWARM_H

#include "../engine/sim.h"

#include <stdbool.h>
#include <stdint.h>

/* The strategy name meaning "each seed draws one of the core's strategies". */
#define SWARM_ANY "any"

/*
 * Fills *cfg with the configuration seed `seed` draws. `strategy` is a strategy name
 * (kept as is, not copied: it must outlive cfg) or SWARM_ANY. Never fails; the result
 * passes the engine's configuration check (sources == parallelism when the first link is
 * forward).
 */
void swarm_draw(uint64_t seed, const char *strategy, sim_config *cfg);

/* A set of fault kinds, bit k for sim_fault_kind k. */
/* Every fault kind this build knows (sim_fault_kinds(): the table's rows). */
#define SWARM_FAULTS_ALL (sim_fault_kinds() >= 32 ? UINT32_MAX : (1u << sim_fault_kinds()) - 1)

/* Same as swarm_draw, with the fault kinds a seed may switch on limited to `faults`
 * (the topology drawn does not depend on it). swarm_draw allows every kind. */
void swarm_draw_faults(uint64_t seed, const char *strategy, uint32_t faults, sim_config *cfg);

/* Parses "all", "none" or a comma-separated list of fault kind names (sim_fault_kind_name);
 * *ok is false on an unknown name. */
uint32_t swarm_faults_parse(const char *list, bool *ok);

/* The planted simulation bugs by name ("none", "early-complete", "wrong-offsets",
 * "drop-replayed"): test-only, for proving the invariants catch them. */
const char *swarm_plant_name(sim_plant p);
/* False when `name` is not one of the names above. */
bool swarm_plant_parse(const char *name, sim_plant *out);

/*
 * The network model a seed runs (sim_config.net): "records" (the default, as before),
 * "bytes" (Flink's credit-based flow control in bytes, its knobs drawn from the seed) or
 * "any" (each seed draws one). From its own stream ("swarm-net"), so the draws of
 * swarm_draw_faults stay put; a pure function of (seed, network). NULL means "records".
 */
#define SWARM_NETWORKS "records, bytes or any"
bool swarm_network_known(const char *network);
void swarm_draw_network(uint64_t seed, const char *network, sim_config *cfg);
/* Heterogeneity (sim_config.hetero), for half of the seeds: one to three overrides, each a
 * straggler task (2-4x its stage's service time), a slow or fast source (its interval 2-4x
 * longer or shorter) or a slow channel (2-4x the latency); the liveness bound grows by the
 * largest factor. From its own stream ("swarm-hetero"): the other draws stay put. fuzz_draw
 * calls it after swarm_draw_network. */
void swarm_draw_hetero(uint64_t seed, sim_config *cfg);
/* Link kinds (sim_link) for half of the seeds: the boundaries that are not forward take
 * all-to-all, rebalance, hash or broadcast (one at most), hash links a key count; the
 * liveness bound grows by the parallelism when a link copies or keys records. From its own
 * stream ("swarm-links"); fuzz_draw calls it after swarm_draw_costs. */
void swarm_draw_links(uint64_t seed, sim_config *cfg);
/* With the byte network, half of the seeds switch buffer debloating (FLIP-183) on, its
 * knobs drawn from their own stream ("swarm-debloat"); swarm_draw_network calls it. */
void swarm_draw_debloat(uint64_t seed, sim_config *cfg);

/*
 * Checkpoint costs a seed runs with (sim_config.costs, ckpt_cost.c): "off" (the default, as
 * before), "on" (each cost knob on or off and its value drawn from the seed, at least one
 * on) or "any" (each seed draws off or on). From its own stream ("swarm-costs"); a pure
 * function of (seed, costs, the configuration drawn so far). With costs on, the liveness
 * bound grows by what the drawn costs can add to a checkpoint. NULL means "off".
 */
#define SWARM_COSTS "off, on or any"
bool swarm_costs_known(const char *costs);
void swarm_draw_costs(uint64_t seed, const char *costs, sim_config *cfg);

/*
 * The topology a seed runs: "chain" (the default, as before: sources, then 1-3 stages each
 * reading the one before), "two-input" (every seed: a diamond, sim.h SIM_IN2_NONE, on 3-4
 * stages: one stage s >= 2 also reads an earlier stage, with a drawn link kind) or "any"
 * (half of the seeds). From its own stream ("swarm-topology"), drawn last (fuzz_draw), so a
 * chain seed draws exactly what it drew before. NULL means "chain".
 */
#define SWARM_TOPOLOGIES "chain, two-input or any"
bool swarm_topology_known(const char *topology);
void swarm_draw_topology(uint64_t seed, const char *topology, sim_config *cfg);
/* True when `name` is SWARM_ANY or a strategy the command line knows. */
bool swarm_strategy_known(const char *name);

#endif
