#!/bin/sh
# tests/cli/dummy.sh DUMMY-BINARY: adding a strategy is one file and one row, adding a fault
# kind one function and one row. build/barriersim-dummy is the command line plus
# tests/dummy/ (a strategy `dummy-block`, a fault kind `dummy`, one registry row each,
# nothing else); this script shows both reach every verb: the strategy run, fuzz, soak,
# replay, compare and check; the fault kind scenario loading (faults: and random-faults:),
# fuzz --faults, soak, replay, the usage text and the trace. Prints one line per check and
# "N passed, N failed"; exits 1 on any failure. A few seconds in all.
set -u
bin=${1:?usage: tests/cli/dummy.sh DUMMY-BINARY}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/barriersim-dummy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"

cat >"$tmp/s.yaml" <<'YAML'
name: dummy-reaches-run
description: the test-only strategy and fault kind in a simulation scenario
strategy: dummy-block
seed: 7
simulation: {sources: 2, records-per-source: 300, stages: 2, parallelism: 2, credits: 2}
faults:
  - {kind: dummy, target: 3, at-ns: 20000, arg: 5}
  - {kind: fail, target: 2, checkpoint: 2, at-ns: 1000}
random-faults: {dummy: 1000000, draws: 2}
expect:
  violation: none
  restarts-min: 1
  faults-fired-min: 3
YAML

# the strategy and the fault kind: run (scenario loading, the engine's dispatch, the trace)
expect_exit "run: a scenario naming dummy-block and the dummy fault passes" 0 "$bin" run "$tmp/s.yaml"
expect_exit "replay --scenario: its event trace" 0 "$bin" replay --scenario "$tmp/s.yaml"
grep -q "faults fault 0: dummy on s0t1 at 20000 ns arg 5" "$tmp/out"; check "replay: the trace lists the scripted dummy fault" $?
grep -q "fault-ppm=0,0,0,0,0,0,0,0,0,0,0,0,0,1000000 " "$tmp/out"; check "replay: the trace header carries the dummy kind's chance" $?
sed 's/kind: dummy,/kind: dumy,/' "$tmp/s.yaml" >"$tmp/typo.yaml"
expect_exit "run: a misspelt fault kind exits 2" 2 "$bin" run "$tmp/typo.yaml"
grep -q "typo.yaml:7:.*unknown fault kind 'dumy' (did you mean 'dummy'?)" "$tmp/err"; check "run: the misspelt kind is named at file:line:col" $?
sed 's/kind: dummy, target: 3, at-ns: 20000, arg: 5/kind: dummy, target: 3, arg: 8/' "$tmp/s.yaml" >"$tmp/arg.yaml"
expect_exit "run: an argument outside the row's range exits 2" 2 "$bin" run "$tmp/arg.yaml"
grep -q "arg: 8 is out of range (0..7)" "$tmp/err"; check "run: the range is the row's" $?

# fuzz, with the strategy and with the fault kind
expect_exit "fuzz --strategy dummy-block passes" 0 "$bin" fuzz --strategy dummy-block --seeds 60 --json "$tmp/f.json"
grep -q '"failed": 0' "$tmp/f.json"; check "fuzz --strategy dummy-block: 0 failed" $?
expect_exit "fuzz --faults dummy passes" 0 "$bin" fuzz --strategy dummy-block --faults dummy --seeds 60 --json "$tmp/g.json"
fired=$(sed -n 's/.*"faults_fired": \([0-9]*\).*/\1/p' "$tmp/g.json" | head -n 1)
[ "${fired:-0}" -gt 0 ]; check "fuzz --faults dummy: dummy faults fire ($fired)" $?
expect_exit "fuzz --help lists the dummy kind" 0 "$bin" fuzz --help
grep -q "reorder,dummy" "$tmp/out"; check "fuzz --help: the kinds come from the table" $?

# replay, soak
expect_exit "replay --strategy dummy-block --faults dummy passes" 0 "$bin" replay --seed 3 --strategy dummy-block --faults dummy,fail
expect_exit "soak --strategy dummy-block --faults dummy passes" 0 "$bin" soak --strategy dummy-block --faults dummy,fail --seconds 1 --warmup 0.3 --max-rss-growth 1073741824 --json "$tmp/s.json"
grep -q '"failed": 0' "$tmp/s.json"; check "soak: 0 failed" $?

# compare against a built-in strategy
expect_exit "compare --strategies block,dummy-block passes" 0 "$bin" compare "$tmp/s.yaml" --strategies block,dummy-block --seeds 2 --bootstrap 10 --out "$tmp/cmp" --json
grep -q '"dummy-block"' "$tmp/out"; check "compare: dummy-block is a group of the summary" $?

# check: dummy-block has block's state capture
expect_exit "check --strategy dummy-block passes" 0 "$bin" check --strategy dummy-block --channels 2 --checkpoints 1 --eop --cancel
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
