# barriersim: build, test, bench and fuzz.
#
#   make            build/barriersim and build/libbarriersim.a
#   make run        the main job: the bundled scenario suite, then the study of reports/
#                   (barriersim compare into build/study/; open build/study/index.html)
#   make test       unit tests and scenarios, plainly and under ASan+UBSan (installs its deps)
#   make bench      benchmarks, each printed as a ratio to a baseline measured in the same run
#   make fuzz       libFuzzer harnesses (clang); FUZZ_SECONDS per harness (default 60)
#   make mutate     mutation testing of core/ against the suites (docs/testing.md);
#                   MUTATE_SAMPLE=N, MUTATE_FILES=..., MUTATE_JOBS=J, MUTATE_MODE=all
#   make DEV=1 ...  extra warnings
#
# Sources are found by wildcard: a new strategy, invariant or verb is a new file, not a
# Makefile edit. Objects go to build/<variant>/, one variant per set of flags.

# The first rule below is a dependency-only line for cmp_version.o; without this, a plain
# `make` would build that one object and stop.
.DEFAULT_GOAL := all

CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
PKG_CONFIG ?= pkg-config
FYAML_CFLAGS := $(shell $(PKG_CONFIG) --cflags libfyaml 2>/dev/null)
FYAML_LIBS := $(shell $(PKG_CONFIG) --libs libfyaml 2>/dev/null || echo -lfyaml)
CRITERION_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
ifeq ($(DEV),1)
WARN += -Wconversion -Wno-sign-conversion -Wformat=2 -Wcast-qual
endif
CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT ?= -O2 -g
BASE_CFLAGS := $(CSTD) $(WARN) $(OPT) $(FYAML_CFLAGS) -MMD -MP
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Link-time optimisation for the plain barriersim binary: the model checker's hot path
# crosses files (core/buf.c's cursors, the strategies' restore, verify/), and inlining
# across them made `check` ~10% faster (tracker 3x2 skip, best of 7: 0.103 -> 0.092 s CPU).
# Fat objects keep ordinary code too, so libbarriersim.a, the unit tests and the other
# builds link them as before; -rdynamic keeps the core's exports for strategy libraries.
LTO ?= -flto=auto -ffat-lto-objects

CORE_SRC := $(sort $(wildcard core/*.c core/*/*.c))
APP_SRC := $(sort $(wildcard sim/*.c sim/*/*.c sim/engine/checks/*.c verify/*.c verify/*/*.c))
MAIN_SRC := sim/main.c
LIB_APP_SRC := $(filter-out $(MAIN_SRC),$(APP_SRC))
DUMMY_SRC := $(sort $(wildcard tests/dummy/*.c))
TEST_SRC := $(filter-out $(DUMMY_SRC),$(sort $(wildcard tests/*.c tests/*/*.c)))
BENCH_SRC := $(sort $(wildcard bench/*.c))
SCENARIOS := $(sort $(wildcard scenarios/*/*.yaml))

# The git commit goes into compare's provenance (sim/compare/cmp_version.c); the object is
# rebuilt when build/version.txt changes, and that file only when the commit does.
GIT_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(shell mkdir -p build && (echo '$(GIT_VERSION)' | cmp -s - build/version.txt || echo '$(GIT_VERSION)' > build/version.txt))
build/plain/sim/compare/cmp_version.o build/asan/sim/compare/cmp_version.o: build/version.txt
build/plain/sim/compare/cmp_version.o build/asan/sim/compare/cmp_version.o: BASE_CFLAGS += -DBARRIERSIM_GIT='"$(GIT_VERSION)"'

# $(call objs,variant,sources)
objs = $(patsubst %.c,build/$(1)/%.o,$(2))

.PHONY: all run test test-unit test-asan test-scenarios deps bench fuzz mutate clean help
all: build/barriersim build/libbarriersim.a

help:
	@sed -n '2,12p' Makefile | sed 's/^# \{0,1\}//'

# ---- plain build -------------------------------------------------------------------------
build/plain/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(LTO) -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -c $< -o $@

build/libbarriersim.a: $(call objs,plain,$(CORE_SRC))
	@mkdir -p build
	rm -f $@ && ar rcs $@ $^

build/asan/libbarriersim.a: $(call objs,asan,$(CORE_SRC))
	rm -f $@ && ar rcs $@ $^

# -rdynamic: the core's functions are exported to strategy libraries (--strategy-lib,
# core/bs_plugin.h), which link against nothing.
EXE_LDFLAGS := -rdynamic
EXE_LIBS := $(FYAML_LIBS) -ldl

build/barriersim: $(call objs,plain,$(APP_SRC)) build/libbarriersim.a
	$(CC) $(OPT) $(LTO) $(EXE_LDFLAGS) -o $@ $^ $(EXE_LIBS)

build/asan/barriersim: $(call objs,asan,$(APP_SRC)) build/asan/libbarriersim.a
	$(CC) $(OPT) $(SAN_FLAGS) $(EXE_LDFLAGS) -o $@ $^ $(EXE_LIBS)

# The example strategy library (examples/strategy-lib/, docs/strategy-lib.md): built against
# the public headers only, loaded by both binaries above.
build/examples/libext_block.so: examples/strategy-lib/ext_block.c core/bs_plugin.h core/bs_strategy.h core/barriersim.h core/bs_assert.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) -fPIC -shared -I core -o $@ $<

# A test build whose command line also knows the planted-bug handlers of tests/planted/,
# so that `check` can hunt them and `run` can replay their counterexamples.
PLANTED_SRC := $(sort $(wildcard tests/planted/*.c))
build/barriersim-planted: $(call objs,plain,$(APP_SRC) $(PLANTED_SRC)) build/libbarriersim.a
	$(CC) $(OPT) $(EXE_LDFLAGS) -o $@ $^ $(EXE_LIBS)

# A test build with a dummy strategy and a dummy fault kind (tests/dummy/: one file or
# function and one row each), which tests/cli/dummy.sh runs through every verb.
build/barriersim-dummy: $(call objs,plain,$(APP_SRC) $(DUMMY_SRC)) build/libbarriersim.a
	$(CC) $(OPT) $(EXE_LDFLAGS) -o $@ $^ $(EXE_LIBS)

# The unit tests can fail the Nth allocation of the code linked into them (tests/alloc_fail.h).
TEST_LDFLAGS := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc

build/unit-tests: $(call objs,plain,$(TEST_SRC) $(LIB_APP_SRC)) build/libbarriersim.a
	$(CC) $(OPT) $(TEST_LDFLAGS) -o $@ $^ $(CRITERION_LIBS) $(EXE_LIBS)

build/asan/unit-tests: $(call objs,asan,$(TEST_SRC) $(LIB_APP_SRC)) build/asan/libbarriersim.a
	$(CC) $(OPT) $(SAN_FLAGS) $(TEST_LDFLAGS) -o $@ $^ $(CRITERION_LIBS) $(EXE_LIBS)

# ---- the two README commands ----------------------------------------------------------
deps:
	@sh .ci/deps

run: deps
	@$(MAKE) --no-print-directory build/barriersim
	./build/barriersim run $(SCENARIOS)
	sh reports/study/run.sh ./build/barriersim build/study

# Sanitizer settings: any report aborts the process, so a Criterion worker dies and its
# test fails; leaks are checked at the end of every test (tests/leakcheck.c).
SAN_ENV := ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:halt_on_error=1 \
           UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
           LSAN_OPTIONS=exitcode=23
CRITERION_ARGS ?= --jobs 2

test: deps
	@$(MAKE) --no-print-directory test-unit test-asan test-leakcheck test-scenarios

test-unit: build/unit-tests build/barriersim
	./build/unit-tests $(CRITERION_ARGS)

# A leak reported at a worker's exit shows only as "crashed during its setup or teardown":
# such a line fails the target too (BS_TEST makes the test itself fail as well).
test-asan: build/asan/unit-tests build/asan/barriersim
	@{ $(SAN_ENV) ./build/asan/unit-tests $(CRITERION_ARGS); echo $$? > build/asan/unit-tests.rc; } 2>&1 \
	    | tee build/asan/unit-tests.log
	@test "$$(cat build/asan/unit-tests.rc)" = 0
	@! grep -n "crashed during its setup or teardown" build/asan/unit-tests.log

# The leak check must be able to fail: a deliberately leaking test has to fail here.
test-leakcheck: build/asan/unit-tests
	@if BS_LEAKCHECK_SELFTEST=1 $(SAN_ENV) ./build/asan/unit-tests --filter 'leakcheck/*' \
	    >build/asan/leakcheck.log 2>&1; then \
	    echo "leak check self-test: a leaking test passed"; exit 1; \
	else echo "leak check self-test: a leaking test fails, as it must"; fi

test-scenarios: build/barriersim build/asan/barriersim build/barriersim-planted build/barriersim-dummy \
                build/examples/libext_block.so
	./build/barriersim run $(SCENARIOS)
	$(SAN_ENV) ./build/asan/barriersim run $(SCENARIOS)
	sh tests/cli/run.sh ./build/barriersim ./build/barriersim-planted
	$(SAN_ENV) sh tests/cli/run.sh ./build/asan/barriersim
	sh tests/cli/check.sh ./build/barriersim ./build/barriersim-planted
	$(SAN_ENV) sh tests/cli/check.sh ./build/asan/barriersim
	sh tests/cli/sim.sh ./build/barriersim ./build/barriersim-planted
	$(SAN_ENV) sh tests/cli/sim.sh ./build/asan/barriersim
	sh tests/cli/compare.sh ./build/barriersim
	$(SAN_ENV) sh tests/cli/compare.sh ./build/asan/barriersim
	sh tests/cli/readme.sh ./build/barriersim ./build/barriersim-planted --self-test
	$(SAN_ENV) sh tests/cli/readme.sh ./build/asan/barriersim
	sh tests/cli/page.sh ./build/barriersim
	sh tests/cli/dummy.sh ./build/barriersim-dummy
	sh tests/cli/plugin.sh ./build/barriersim ./build/examples/libext_block.so
	$(SAN_ENV) sh tests/cli/plugin.sh ./build/asan/barriersim ./build/examples/libext_block.so

# ---- benchmarks --------------------------------------------------------------------------
build/bench: $(call objs,plain,$(BENCH_SRC) $(LIB_APP_SRC)) build/libbarriersim.a
	$(CC) $(OPT) -o $@ $^ $(EXE_LIBS) -lm

# The model checker is compared with SPIN's pan on the same configurations (issue 5).
bench: deps
	@sh .ci/deps bench
	@$(MAKE) --no-print-directory build/bench build/barriersim
	./build/bench
	@if [ -f bench/check_vs_spin.sh ]; then sh bench/check_vs_spin.sh $(CURDIR)/build/barriersim; fi

# ---- mutation testing (tools/mutate/, docs/testing.md) --------------------------------------
# Each mutant recompiles one core object (warnings stay warnings: a mutant is valid C even
# when it makes a variable unused) and relinks barriersim and the ASan unit tests.
mutate: deps
	@$(MAKE) --no-print-directory build/barriersim build/asan/unit-tests
	@CC="$(CC)" MUTATE_CFLAGS="$(filter-out -Werror -MMD -MP,$(BASE_CFLAGS))" \
	    MUTATE_SAN_FLAGS="$(SAN_FLAGS)" MUTATE_LDFLAGS="$(OPT)" \
	    MUTATE_LIBS="$(FYAML_LIBS)" MUTATE_TEST_LIBS="$(TEST_LDFLAGS) $(CRITERION_LIBS) $(FYAML_LIBS)" \
	    MUTATE_PLAIN_OBJS="$(call objs,plain,$(APP_SRC))" \
	    MUTATE_ASAN_OBJS="$(call objs,asan,$(TEST_SRC) $(LIB_APP_SRC))" \
	    MUTATE_CORE_SRC="$(CORE_SRC)" sh tools/mutate/mutate.sh

# ---- fuzzing (clang + libFuzzer) ---------------------------------------------------------
FUZZ_CC ?= clang-14
FUZZ_FLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(FYAML_CFLAGS)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/fuzz_*.c))

build/fuzz/%: fuzz/%.c $(CORE_SRC) $(LIB_APP_SRC)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(EXE_LIBS)

fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	  n=$$(basename $$t); mkdir -p build/fuzz/corpus-$$n; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	      build/fuzz/corpus-$$n fuzz/corpus/$$n || exit 1; \
	done

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
