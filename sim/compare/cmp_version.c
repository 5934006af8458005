/*
 * cmp_version.c: the binary's version for compare's provenance (metrics.json): the release
 * and the git commit it was built from (`git describe --always --dirty`, passed in by the
 * Makefile as BARRIERSIM_GIT; "unknown" outside a git checkout).
 */
#include "compare.h"

#ifndef BARRIERSIM_GIT
#define BARRIERSIM_GIT "unknown"
#endif

const char *cmp_version(void) { return "barriersim 0.1 (" BARRIERSIM_GIT ")"; }
