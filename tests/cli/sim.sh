#!/bin/sh
# tests/cli/sim.sh BINARY [PLANTED-BINARY]: the contract of the simulator's CI verbs (fuzz, replay,
# soak, merge): exit codes, --help, a byte-identical trace for the same seed, four merged shards
# equal to the unsharded run, exit 2 on bad flags and on a malformed --config file (FILE:LINE),
# and, with the planted binary, exit 1 with a reproduction command and a shrunk configuration
# that replays to the same failure. Prints one line per check and "N passed, N failed"; exits 1
# on any failure. Small seed counts: a few seconds in all.
set -u
bin=${1:?usage: tests/cli/sim.sh BINARY [PLANTED-BINARY]}
planted=${2:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/barriersim-simcli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"

totals() { grep '"totals"' "$1"; }

# --help
for verb in fuzz replay soak merge; do
    expect_exit "$verb --help exits 0" 0 "$bin" $verb --help
    grep -q "usage: barriersim $verb" "$tmp/out"; check "$verb --help prints its usage" $?
done

# fuzz: pass, machine formats, progress only on a terminal
expect_exit "fuzz of 40 seeds exits 0" 0 "$bin" fuzz --seeds 40 --json "$tmp/f.json" --junit "$tmp/f.xml" --tap "$tmp/f.tap"
grep -q '"seeds": 40, "passed": 40, "failed": 0' "$tmp/f.json"; check "fuzz --json counts the seeds" $?
head -n 2 "$tmp/f.tap" | tr '\n' ' ' | grep -qx 'TAP version 13 1\.\.1 '; check "fuzz --tap has a version 13 plan" $?
grep -q '^ok 1 - 40 seeds: 40 passed, 0 failed$' "$tmp/f.tap"; check "fuzz --tap's summary line passes" $?
grep -q '<testsuite name="barriersim.fuzz" tests="1" failures="0"' "$tmp/f.xml"; check "fuzz --junit has a summary testcase" $?
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$tmp/f.xml"; check "fuzz --junit is well-formed XML" $?
    python3 -c 'import sys, json; json.load(open(sys.argv[1]))' "$tmp/f.json"; check "fuzz --json is valid JSON" $?
fi
! grep -q "$(printf '\r')" "$tmp/err"; check "fuzz prints no progress line when stderr is not a terminal" $?
# A terminal is needed: `script` must be there and able to open a pseudo-terminal.
if command -v script >/dev/null 2>&1 && script -qc true /dev/null >/dev/null 2>&1; then
    script -qc "'$bin' fuzz --seeds 300 >/dev/null" /dev/null >"$tmp/tty" 2>&1
    grep -q "fuzz: [0-9]* seeds" "$tmp/tty"; check "fuzz shows a progress line on a terminal" $?
else
    echo "skip fuzz shows a progress line on a terminal: no pseudo-terminal can be opened here (script)"
fi
expect_exit "fuzz --json - writes JSON to stdout" 0 "$bin" fuzz --seeds 3 --json -
head -c 1 "$tmp/out" | grep -q '{'; check "fuzz --json - leaves stdout to the JSON" $?
expect_exit "fuzz --check-determinism exits 0" 0 "$bin" fuzz --seeds 20 --check-determinism
expect_exit "fuzz --seconds exits 0" 0 "$bin" fuzz --seconds 0.3 --seeds 100000

# bad flags exit 2
expect_exit "fuzz --shard 4/4 exits 2" 2 "$bin" fuzz --shard 4/4
expect_exit "fuzz --shard x exits 2" 2 "$bin" fuzz --shard 1/x
expect_exit "fuzz --shard 1/0 exits 2" 2 "$bin" fuzz --shard 1/0
expect_exit "fuzz --seeds 0 exits 2" 2 "$bin" fuzz --seeds 0
expect_exit "fuzz --seeds -3 exits 2" 2 "$bin" fuzz --seeds -3
expect_exit "fuzz --seeds 1e3 exits 2" 2 "$bin" fuzz --seeds 1e3
expect_exit "fuzz --seeds without a value exits 2" 2 "$bin" fuzz --seeds
expect_exit "fuzz --seconds 0 exits 2" 2 "$bin" fuzz --seconds 0
expect_exit "fuzz --strategy nope exits 2" 2 "$bin" fuzz --strategy nope --seeds 1
expect_exit "fuzz --faults bogus exits 2" 2 "$bin" fuzz --faults eop,bogus --seeds 1
expect_exit "fuzz --frob exits 2" 2 "$bin" fuzz --frob 1
expect_exit "fuzz --seconds 99999999999999 exits 2" 2 "$bin" fuzz --seconds 99999999999999
grep -q "out of range (from 0.001 to 1e+07 seconds)" "$tmp/err"; check "fuzz --seconds names its range" $?
expect_exit "fuzz --seeds beyond 2^64 exits 2" 2 "$bin" fuzz --seeds 99999999999999999999999
grep -q "out of range (min 1, max 281474976710656)" "$tmp/err"; check "fuzz --seeds names its range" $?
expect_exit "fuzz --strategy nope lists the strategies" 2 "$bin" fuzz --strategy nope
grep -q "known: any, spill, tracker" "$tmp/err"; check "an unknown strategy's message lists the known ones" $?

# output paths are checked before any seed runs
expect_exit "fuzz --json into a missing directory exits 2 before running" 2 "$bin" fuzz --seeds 100000000 --json /no/such/dir/x.json
grep -q -- "--json /no/such/dir/x.json: cannot write there" "$tmp/err" && [ ! -s "$tmp/out" ]
check "fuzz names the output it cannot write, and ran nothing" $?
expect_exit "fuzz --shrink-out into a missing directory exits 2 before running" 2 "$bin" fuzz --seeds 100000000 --shrink-out /no/such/dir/x.yaml
expect_exit "soak --tap into a missing directory exits 2" 2 "$bin" soak --seconds 100 --tap /no/such/dir/x.tap

# a violation stays a violation (exit 1, printed) when its shrink file cannot be written
mkdir "$tmp/ro"
s=0; while [ $s -lt 20 ]; do mkdir "$tmp/ro/fuzz-failure-$s.yaml"; s=$((s + 1)); done
abs_bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
(cd "$tmp/ro" && "$abs_bin" fuzz --seeds 20 --plant early-complete --shrink-runs 5 >"$tmp/out" 2>"$tmp/err")
[ $? -eq 1 ]; check "fuzz whose shrink file cannot be written still exits 1" $?
grep -q "reproduce: .* --plant early-complete" "$tmp/out" && grep -q "warning: cannot write the shrunk failure" "$tmp/err"
check "the violation is printed and the unwritable shrink file is a warning" $?
rm -rf "$tmp/ro"
expect_exit "replay without a seed exits 2" 2 "$bin" replay
expect_exit "replay --seed x exits 2" 2 "$bin" replay --seed x
expect_exit "soak without --seconds exits 2" 2 "$bin" soak
expect_exit "soak --seconds 1 --warmup 5 exits 2" 2 "$bin" soak --seconds 1 --warmup 5
grep -q "warmup 5 must be shorter than --seconds 1" "$tmp/err"; check "soak says the warm-up must be shorter than the run" $?
expect_exit "soak --seconds 99999999999999 exits 2" 2 "$bin" soak --seconds 99999999999999
grep -q "out of range (from 0.001 to 1e+07 seconds)" "$tmp/err"; check "soak --seconds names its range" $?
expect_exit "soak takes no operand" 2 "$bin" soak --seconds 1 extra
expect_exit "merge without files exits 2" 2 "$bin" merge

# replay: the same seed twice gives the same bytes; the configuration comes first
expect_exit "replay --seed 7 exits 0" 0 "$bin" replay --seed 7
cp "$tmp/out" "$tmp/r1"
head -n 3 "$tmp/r1" | grep -q '^seed: 7$'; check "replay prints the configuration first" $?
grep -q '^# barriersim sim seed=7 ' "$tmp/r1"; check "replay prints the trace header" $?
[ "$(wc -l <"$tmp/r1")" -gt 30 ]; check "replay prints the event trace" $?
"$bin" replay --seed 7 >"$tmp/r2" 2>/dev/null
cmp -s "$tmp/r1" "$tmp/r2"; check "replay of the same seed twice gives identical trace bytes" $?
expect_exit "replay --trace-out exits 0" 0 "$bin" replay --seed 7 --trace-out "$tmp/t7"
grep -v '^[a-z-]*: ' "$tmp/r1" | sed 1d | cmp -s - "$tmp/t7"; check "replay --trace-out writes the same trace" $?
expect_exit "replay --check-determinism exits 0" 0 "$bin" replay --seed 7 --no-trace --check-determinism
grep -q "identical" "$tmp/err"; check "replay --check-determinism compares the hashes" $?
# The drawn liveness bound leaves room for a credit round trip per buffer of a record that
# spans several (434-byte records in 64-byte segments, one credit): this seed waited
# 5.065 ms against a bound of 5.056 ms before, for spill and tracker.
for s in spill tracker; do
    expect_exit "replay --seed 172182 --strategy $s --network bytes --costs any exits 0" 0 \
        "$bin" replay --seed 172182 --strategy $s --network bytes --costs any --no-trace
done

# replay --config: the printed configuration replays the seed exactly; malformed files exit 2
grep '^[a-z-]*: ' "$tmp/r1" >"$tmp/seven.conf"
expect_exit "replay --config of a printed configuration exits 0" 0 "$bin" replay --config "$tmp/seven.conf"
cmp -s "$tmp/r1" "$tmp/out"; check "replay --config reproduces the seed's trace" $?
printf 'seed: 1\nsources: 2\nsorces: 3\n' >"$tmp/bad.conf"
expect_exit "replay --config of a malformed file exits 2" 2 "$bin" replay --config "$tmp/bad.conf"
grep -q "$tmp/bad.conf:3: unknown key 'sorces'" "$tmp/err"; check "a malformed --config names file:line" $?
printf 'seed: 1\nrecords: many\n' >"$tmp/bad2.conf"
expect_exit "replay --config with a bad number exits 2" 2 "$bin" replay --config "$tmp/bad2.conf"
grep -q "$tmp/bad2.conf:2: records:" "$tmp/err"; check "a bad number names file:line" $?
expect_exit "replay --config of a missing file exits 2" 2 "$bin" replay --config "$tmp/none.conf"

# merge: 4 shards == unsharded
"$bin" fuzz --seeds 60 --seed-base 100 --json "$tmp/all.json" >/dev/null 2>&1
for k in 0 1 2 3; do "$bin" fuzz --seeds 60 --seed-base 100 --shard $k/4 --json "$tmp/shard-$k.json" >/dev/null 2>&1; done
expect_exit "merge of 4 shards exits 0" 0 "$bin" merge --json "$tmp/merged.json" "$tmp"/shard-*.json
[ -n "$(totals "$tmp/all.json")" ] && [ "$(totals "$tmp/merged.json")" = "$(totals "$tmp/all.json")" ]
check "4 shards merged equal the unsharded totals" $?
expect_exit "merge FILE... --json FILE takes the option after the files" 0 "$bin" merge "$tmp"/shard-*.json --json "$tmp/merged2.json"
[ "$(totals "$tmp/merged2.json")" = "$(totals "$tmp/all.json")" ]; check "merge with options last writes the same totals" $?
"$bin" fuzz --seeds 60 --seed-base 100 --shard 3/8 >"$tmp/out" 2>&1
grep -q "seeds 100..159 (shard 3 of 8): " "$tmp/out"; check "a shard's summary names its shard" $?
expect_exit "merge of 2 of 4 shards" 2 "$bin" merge "$tmp/shard-1.json" "$tmp/shard-2.json"
"$bin" merge --allow-partial "$tmp/shard-1.json" "$tmp/shard-2.json" >"$tmp/out" 2>&1
grep -q "(2 of 4 shards)" "$tmp/out"; check "a merged partial report says how many shards it holds" $?
sed 's/"passed": 15,/"passed": 14,/' "$tmp/shard-1.json" >"$tmp/edited.json" # 15 run, 14 passed, 0 failed
expect_exit "merge of a shard whose totals do not add up exits 2" 2 "$bin" merge "$tmp/shard-0.json" "$tmp/edited.json" "$tmp/shard-2.json" "$tmp/shard-3.json"
grep -q "edited.json: inconsistent totals" "$tmp/err"; check "merge names the inconsistent shard file" $?
sed 's/"seeds": 15,/"seeds": 16,/; s/"passed": 15,/"passed": 16,/' "$tmp/shard-1.json" >"$tmp/edited2.json"
expect_exit "merge of a shard claiming more seeds than its range holds exits 2" 2 "$bin" merge "$tmp/shard-0.json" "$tmp/edited2.json" "$tmp/shard-2.json" "$tmp/shard-3.json"
grep -q "edited2.json: inconsistent: 16 seeds run" "$tmp/err"; check "merge says the seed count does not fit the shard" $?
expect_exit "merge of 3 of 4 shards exits 2" 2 "$bin" merge "$tmp/shard-0.json" "$tmp/shard-1.json" "$tmp/shard-2.json"
expect_exit "merge --allow-partial of 3 of 4 shards exits 0" 0 "$bin" merge --allow-partial "$tmp/shard-0.json" "$tmp/shard-1.json" "$tmp/shard-2.json"
expect_exit "merge of a shard twice exits 2" 2 "$bin" merge "$tmp"/shard-*.json "$tmp/shard-0.json"
expect_exit "merge of an unsharded report and a shard exits 2" 2 "$bin" merge "$tmp/all.json" "$tmp/shard-0.json"
printf '{"format": "barriersim-fuzz-1", "totals": {"seeds": x}}' >"$tmp/broken.json"
expect_exit "merge of a malformed report exits 2" 2 "$bin" merge "$tmp/broken.json"
grep -q "broken.json: byte" "$tmp/err"; check "merge names the byte it cannot read" $?

# soak: a short run passes and reports the resources it watched (a generous memory limit: under
# ASan freed memory sits in quarantine, so resident memory grows by design)
expect_exit "soak --seconds 1 exits 0" 0 "$bin" soak --seconds 1 --warmup 0.3 --max-rss-growth 1073741824 --json "$tmp/soak.json"
grep -q "resident memory: start" "$tmp/out" && grep -q "open file descriptors: start" "$tmp/out"
check "soak reports memory and descriptors" $?
! grep -q "TMPDIR" "$tmp/out" && grep -q "spill files: on the simulator's in-memory disk" "$tmp/out"
check "soak watches no \$TMPDIR it cannot leak into, and says where spill files live" $?
grep -q '"soak": {"warmup_seconds"' "$tmp/soak.json"; check "soak --json adds the resource figures" $?

# planted simulation bugs are found (test-only --plant)
expect_exit "fuzz --plant early-complete exits 1" 1 "$bin" fuzz --seeds 20 --plant early-complete --no-shrink
grep -q "consistent cut" "$tmp/out"; check "fuzz --plant early-complete reports a broken consistent cut" $?
grep -q "reproduce: .* --plant early-complete" "$tmp/out"; check "the reproduction command keeps --plant" $?

# a planted simulation bug found by fuzz is shrunk into a scenario file that `run` replays (exit 1)
expect_exit "fuzz --plant early-complete with --shrink-out exits 1" 1 "$bin" fuzz --seeds 20 --plant early-complete \
    --shrink-out "$tmp/early.yaml" --shrink-runs 60
grep -q "written to .*early.yaml (a simulation scenario); replay it: .* run .*early.yaml" "$tmp/out"
check "fuzz prints the shrunk scenario file and the run command" $?
grep -q '^plant: early-complete$' "$tmp/early.yaml" && ! grep -q '^expect:' "$tmp/early.yaml"
check "the shrunk scenario keeps the plant and states no expectation" $?
expect_exit "run of the shrunk scenario exits 1 while the bug is there" 1 "$bin" run "$tmp/early.yaml"
grep -q "consistent cut" "$tmp/out"; check "the shrunk scenario fails with the same invariant" $?
grep -v '^plant:' "$tmp/early.yaml" >"$tmp/fixed.yaml"
expect_exit "the shrunk scenario without the bug exits 0" 0 "$bin" run "$tmp/fixed.yaml"

# a failing seed: exit 1, the reproduction command, a shrunk file that replays to the same failure
if [ -n "$planted" ]; then
    # an assertion inside the core during fuzz (tests/planted/assert_core.c) prints where, the
    # seed, the simulation's time and event, and the command that reproduces the seed
    (ulimit -c 0; "$planted" fuzz --seeds 20 --strategy planted-core-assert --no-shrink >"$tmp/out" 2>"$tmp/err"
     echo $? >"$tmp/rc") 2>/dev/null
    [ "$(cat "$tmp/rc")" -gt 128 ]; check "an assertion failure in the core during fuzz aborts" $?
    grep -q '^barriersim: BUG: core/handler.c:[0-9]*: bs_handler_next: assertion failed: ' "$tmp/err"
    check "the core's assertion names its file, line and function" $?
    grep -q '^  fuzz: seed 0$' "$tmp/err"; check "the core's assertion during fuzz prints the seed" $?
    grep -q '^  reproduce: .*barriersim-planted replay --seed 0 --strategy planted-core-assert$' "$tmp/err"
    check "the core's assertion during fuzz prints the reproduce command" $?
    grep -q '^  simulation: seed 0, strategy planted-core-assert, simulated time [0-9]* ns, event [0-9]*$' "$tmp/err"
    check "the core's assertion prints the simulated time and event number" $?
    (ulimit -c 0; "$planted" replay --seed 0 --strategy planted-core-assert >"$tmp/out" 2>"$tmp/err"
     echo $? >"$tmp/rc") 2>/dev/null
    [ "$(cat "$tmp/rc")" -gt 128 ] && grep -q '^  reproduce: .* replay --seed 0 --strategy planted-core-assert$' "$tmp/err"
    check "the printed reproduce command reproduces the assertion" $?
    abs_planted=$(cd "$(dirname "$planted")" && pwd)/$(basename "$planted")
    (cd "$tmp" && "$abs_planted" fuzz --seeds 30 --strategy planted-no-block --faults none >"$tmp/out" 2>&1)
    [ $? -eq 1 ]; check "fuzz of a planted handler bug exits 1" $?
    yaml=$(ls "$tmp"/fuzz-failure-*.yaml 2>/dev/null | head -n 1)
    [ -n "$yaml" ]; check "fuzz writes fuzz-failure-<seed>.yaml by default" $?
    expect_exit "run of the shrunk planted failure exits 1" 1 "$planted" run "${yaml:-/nonexistent}"
    grep -q "exactly-once" "$tmp/out"; check "the shrunk scenario replays the exactly-once violation" $?
    want=$(sed -n 's/^description: "shrunk from fuzz seed [0-9]*: \(.*\)"$/\1/p' "${yaml:-/nonexistent}")
    [ -n "$want" ] && grep -q -F "$want" "$tmp/out"; check "run reports exactly the violation the shrunk run found" $?
    expect_exit "fuzz of a planted bug exits 1" 1 "$planted" fuzz --seeds 30 --strategy planted-no-block --faults none \
        --shrink-out "$tmp/shrunk.conf" --junit "$tmp/p.xml" --tap "$tmp/p.tap" --json "$tmp/p.json"
    grep -q "reproduce: .* replay --seed [0-9]* --strategy planted-no-block --faults none$" "$tmp/out"
    check "fuzz prints the replay command of a failing seed" $?
    cmd=$(sed -n 's/^  reproduce: //p' "$tmp/out" | head -n 1)
    sh -c "$cmd" >/dev/null 2>&1; [ $? -eq 1 ]; check "the printed reproduction command fails again" $?
    grep -q '^expect: exactly-once$' "$tmp/shrunk.conf"; check "fuzz writes the shrunk configuration" $?
    expect_exit "replay --config of the shrunk run exits 1" 1 "$planted" replay --config "$tmp/shrunk.conf" --no-trace
    grep -q "exactly-once" "$tmp/err"; check "the shrunk run fails with the same invariant" $?
    grep -q '^not ok 1 - seed ' "$tmp/p.tap"; check "fuzz --tap lists the failing seed" $?
    grep -q '<failure type="exactly-once"' "$tmp/p.xml"; check "fuzz --junit lists the failing seed" $?
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$tmp/p.xml"; check "a failing --junit is well-formed XML" $?
    fi
    expect_exit "merge of a failing report exits 1" 1 "$planted" merge "$tmp/p.json"
fi

# replay --scenario: a simulation scenario's full trace and its own verdict
simfile=$(ls "$(dirname "$0")"/../../scenarios/sim/*.yaml 2>/dev/null | head -n 1)
if [ -n "$simfile" ]; then
    expect_exit "replay --scenario of a bundled simulation file exits 0" 0 "$bin" replay --scenario "$simfile"
    [ -s "$tmp/out" ]; check "replay --scenario prints the event trace" $?
    expect_exit "replay --scenario twice gives the same trace" 0 "$bin" replay --scenario "$simfile" --trace-out "$tmp/t2"
    "$bin" replay --scenario "$simfile" --trace-out "$tmp/t3" >/dev/null 2>&1
    cmp -s "$tmp/t2" "$tmp/t3"; check "replay --scenario is byte-for-byte deterministic" $?
fi
expect_exit "replay --scenario of a handler-level file exits 2" 2 "$bin" replay --scenario "$(dirname "$0")/good/passes.yaml"

# two-input stages: the opt-in topology, and a malformed two-input key refused at FILE:LINE:COL
expect_exit "fuzz --topology two-input exits 0" 0 "$bin" fuzz --seeds 30 --topology two-input --json "$tmp/ti.json"
grep -q '"topology": "two-input"' "$tmp/ti.json"; check "fuzz --json names the two-input topology" $?
expect_exit "fuzz --topology bogus exits 2" 2 "$bin" fuzz --seeds 1 --topology bogus
grep -q "fuzz: --topology: 'bogus' is not chain, two-input or any" "$tmp/err"; check "fuzz --topology names its choices" $?
expect_exit "replay --topology two-input exits 0" 0 "$bin" replay --seed 3 --strategy block --topology two-input --no-trace
grep -q '^two-input: s[0-9]<-s[0-9]:' "$tmp/out"; check "replay --topology two-input prints the second input" $?
printf 'name: j\nstrategy: block\nsimulation:\n  stages: 3\n  two-input:\n    s2: {inputs: [s1]}\n' >"$tmp/one.yaml"
expect_exit "run of a two-input stage with one input exits 2" 2 "$bin" run "$tmp/one.yaml"
grep -q "one.yaml:6:18: inputs: a two-input stage needs two inputs, s2 has 1" "$tmp/err" "$tmp/out"
check "a two-input stage with one input is refused at its line and column" $?
printf 'name: j\nstrategy: block\nsimulation:\n  stages: 3\n  two-input:\n    s2: {inputs: [s1, s4]}\n' >"$tmp/unk.yaml"
expect_exit "run of a two-input stage reading an unknown stage exits 2" 2 "$bin" run "$tmp/unk.yaml"
grep -q "unk.yaml:6:23: inputs: unknown stage 's4' (the stages are s0 .. s2)" "$tmp/err" "$tmp/out"
check "an unknown input stage is refused at its line and column" $?
printf 'name: j\nstrategy: block\nsimulation:\n  stages: 3\n  two-input:\n    s2: {inputs: [s1, s2]}\n' >"$tmp/cyc.yaml"
expect_exit "run of a two-input stage reading itself exits 2" 2 "$bin" run "$tmp/cyc.yaml"
grep -q "cyc.yaml:6:23: inputs: s2 reading s2 would make a cycle" "$tmp/err" "$tmp/out"
check "a cycle is refused at its line and column" $?
printf 'seed: 1\nstrategy: block\nsources: 2\nstages: 3\nparallelism: 2\nlinks: all-to-all, all-to-all, all-to-all\ntwo-input: s2<-s2:hash\n' >"$tmp/bad.conf"
expect_exit "replay --config with a bad two-input line exits 2" 2 "$bin" replay --config "$tmp/bad.conf"
grep -q "bad.conf:7: two-input: 's2<-s2:hash' is not sS<-sU:KIND" "$tmp/err"; check "replay --config names the bad two-input line" $?

# deploy/README.md names the shrink file the tool writes (the default in fuzz --help)
root=$(cd "$(dirname "$0")/../.." && pwd)
"$bin" fuzz --help | grep -q 'default fuzz-failure-<seed>.yaml' && grep -q 'fuzz-failure-<seed>.yaml' "$root/deploy/README.md" &&
    ! grep -q -e 'fuzz-seed-<seed>' -e "The text for the repository" "$root/deploy/README.md"
check "deploy/README.md names the shrink file fuzz writes, and no stray line" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
