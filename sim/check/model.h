/*
 * model.h: the explorer's model of one handler's input: channel scripts, the choices
 * each position offers, and the execution of one transition against the real core and
 * the checker. Internal to sim/check/.
 */
#ifndef SIM_CHECK_MODEL_H
#define SIM_CHECK_MODEL_H

#include "check.h"

#include "../../core/bs_assert.h"
#include "../fault/io_fault.h"

#include <stdio.h>
#include <stdlib.h>

#define MC_ALTS 4u                   /* per channel: as scripted, cancel, skip, eop */
#define MC_ALT_SCRIPT 0u
#define MC_ALT_CANCEL 1u
#define MC_ALT_SKIP 2u
#define MC_ALT_EOP 3u
#define MC_FAULT_SHIFT 16u           /* transition | (j << 16): the j-th I/O call fails */
#define MC_CHANNELS_MAX CHECK_CHANNELS_MAX /* transitions and sleep sets fit a 64-bit mask */

typedef struct mc_chan {             /* explorer-side state of one channel */
    uint16_t pos;                    /* next script position */
    uint8_t done;                    /* delivered its eop */
    uint8_t pad;                     /* keeps the struct free of padding: states hash */
} mc_chan;

typedef struct mc_vars {             /* the explorer's own part of a state */
    mc_chan ch[MC_CHANNELS_MAX];
    uint16_t blocked;                /* channels the handler left unread at its request */
    uint8_t waiting_at_gate;         /* the handler's gate request is pending */
    uint8_t exhausted;               /* the gate reported the end */
    uint8_t terminal;                /* the handler ended or stopped with an error */
    uint8_t fault_used;
    uint8_t clock_read;              /* the handler has read the gate's clock on this path */
    uint8_t pad;                     /* no padding: states hash as bytes */
    uint16_t calls[IO_CALLS];        /* with a scenario's faults: I/O calls so far by kind,
                                        saturated at the largest nth of that kind (calls
                                        past it are alike: no rule can fire any more) */
} mc_vars;
_Static_assert(sizeof(mc_vars) == MC_CHANNELS_MAX * sizeof(mc_chan) + 8 + 2 * IO_CALLS,
               "mc_vars is hashed as bytes: it must have no padding");
_Static_assert(MC_CHANNELS_MAX <= 8 * sizeof(((mc_vars *)0)->blocked),
               "mc_vars.blocked is a bit mask of channels");
_Static_assert(CHECK_SCRIPT_MAX <= UINT16_MAX, "mc_chan.pos is a 16-bit script position");
_Static_assert(CHECK_FAULT_NTH_MAX <= UINT16_MAX, "mc_vars.calls saturate at a 16-bit nth");
_Static_assert(MC_CHANNELS_MAX * MC_ALTS + 2 <= (1u << MC_FAULT_SHIFT),
               "a transition (with exhaust and timeout) fits below the fault bits");

typedef struct mc_script_item {
    bs_kind kind;
    uint64_t id;
    uint32_t len;
} mc_script_item;

typedef struct mc_step_info {        /* what one transition did (mc_step sets each field:
                                        a new one must be set there too) */
    bool pure;                       /* returned the data it yielded, nothing else */
    bool noop;                       /* a timeout transition that changed nothing: no successor */
    bool violation;
    bool terminal;
    uint64_t io_calls;
    char message[1024];
} mc_step_info;

typedef struct mc_model mc_model;

int mc_model_open(mc_model **out, const check_config *cfg);
void mc_model_close(mc_model *m);

/* The initial state as a full blob (restorable) and its canonical form. */
int mc_initial(mc_model *m, bs_buf *full, bs_buf *canon);

/* Fills `t` with the transitions enabled in state `full` (restored first); returns count. */
size_t mc_enabled(mc_model *m, const mc_vars *vars, uint32_t *t, size_t t_cap);

/* Restores state `full`, executes transition t, and writes the successor's canonical form
 * (its full blob: mc_full, before the next mc_step). `again`: the previous mc_step of this
 * model restored the same blob (a cheaper restore, see model.c). */
int mc_step(mc_model *m, const uint8_t *full, size_t full_len, bool again, uint32_t t, mc_step_info *info,
            bs_buf *next_canon);

/* The full blob (restorable) of the state the last mc_step (or mc_initial) reached. */
int mc_full(mc_model *m, bs_buf *full);

/* Reads the explorer variables of a full blob. */
void mc_vars_of(const uint8_t *full, mc_vars *vars);

/* The item transition t yields in state vars (false: none: skip, exhaustion). */
bool mc_transition_item(const mc_model *m, const mc_vars *vars, uint32_t t, bs_item *it);

typedef struct mc_replay_step {      /* one transition of a path, run straight */
    bool has_item;
    bs_item item;                    /* what the gate yielded (data: without payload) */
    bool fault;
    io_call fault_call;
    uint64_t fault_nth;              /* that call's count in the run */
    bool fault_from_scenario;        /* the fault is one of the scenario's own */
    bool wait;                       /* the alignment timeout fired here (`wait` in the input) */
} mc_replay_step;

/* Runs a path from the initial state of a freshly opened model without snapshots, as
 * `barriersim run` would, so I/O calls are counted and items numbered as a plain run does;
 * msg receives the violation the replay meets ("" if none). */
int mc_replay(mc_model *m, const uint32_t *path, size_t len, mc_replay_step *steps, char *msg,
              size_t msg_len);

/* After mc_replay: the script items still unread (channels not done), channel by channel,
 * into out (cap entries; data without payload); returns how many. A deadlock's
 * counterexample lists them after the path: they are the input the handler never gets. */
size_t mc_leftover(const mc_model *m, bs_item *out, size_t cap);
/* After mc_replay: true (with the message) when the replay ended in a deadlock. */
bool mc_replay_deadlock(const mc_model *m, char *msg, size_t msg_len);

uint32_t mc_exhaust_transition(const mc_model *m);
/* The transition "the alignment timeout fires now" (exhaust + 1): enabled in every waiting
 * state when the configuration has an alignment timeout and the handler has read the
 * clock on the path; a firing that changes nothing is reported as noop (no successor). */
uint32_t mc_timeout_transition(const mc_model *m);
uint32_t mc_channels(const mc_model *m);

/* Symmetry (model.c, SYMMETRY REDUCTION): on or off (and why off: "" when on); after a
 * state was written (mc_initial, mc_step), the permutation from its channels to the names
 * of its canonical form (identity when off); the states canonicalised inexactly; with
 * count_orbits, the last state's symmetric canonical form. */
bool mc_symmetric(const mc_model *m);
const char *mc_symmetry_off(const mc_model *m);
/* Why arrival orders are kept in a state's identity ("" when merged: model.c, MERGING
 * ARRIVAL ORDERS). */
const char *mc_order_off(const mc_model *m);
const uint8_t *mc_perm(const mc_model *m);
uint64_t mc_symmetry_inexact(const mc_model *m);
const bs_buf *mc_orbit_canon(const mc_model *m);

/* Deadlock: state `vars` is not terminal, no transition is enabled, and input remains (on
 * channels the handler keeps blocked). Writes the message and returns true. */
bool mc_deadlock(const mc_model *m, const mc_vars *vars, char *msg, size_t msg_len);

#endif
