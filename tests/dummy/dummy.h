/*
 * dummy.h: the test-only strategy and fault kind of build/barriersim-dummy (registry.c),
 * which show that adding either is one file or function and one row.
 */
#ifndef TESTS_DUMMY_H
#define TESTS_DUMMY_H

#include "../../core/bs_strategy.h"
#include "../../sim/engine/sim.h"

extern const bs_strategy dummy_strategy;
extern const sim_fault_desc dummy_fault;

#endif
