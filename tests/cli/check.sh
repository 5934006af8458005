#!/bin/sh
# tests/cli/check.sh BINARY [PLANTED-BINARY]: the `check` verb's contract (issue 11): exit
# codes (0 exhausted, 1 violation, 2 usage, 3 incomplete), honest bitstate and bounded
# searches, --jobs, scenarios as given, every strategy, liveness. One line per check and a
# closing "N passed, N failed"; exits 1 on any failure.
set -u
bin=${1:?usage: tests/cli/check.sh BINARY [PLANTED-BINARY]}
planted=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/barriersim-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"

# honest modes: a bitstate or bounded search never says "every interleaving explored"
expect_exit "check --bitstate exits 3 (incomplete)" 3 "$bin" check --channels 3 --checkpoints 2 --eop --cancel --bitstate 12
grep -q "INCOMPLETE: bitstate search" "$tmp/out" && ! grep -q "every interleaving explored" "$tmp/out"
check "check --bitstate says it is incomplete, with bits set and hash factor" $?
expect_exit "check --bitstate --json exits 3" 3 "$bin" check --channels 3 --checkpoints 2 --bitstate 12 --json
grep -q '"complete": false, "incomplete": "bitstate", "bitstate": {"bits": 4096, "bits_set": [1-9]' "$tmp/out"
check "check --bitstate --json says incomplete with coverage figures" $?
expect_exit "check --max-states exits 3" 3 "$bin" check --channels 3 --checkpoints 2 --max-states 50
grep -q "INCOMPLETE: stopped at --max-states 50" "$tmp/out"; check "check --max-states says where it stopped" $?
expect_exit "check --max-memory exits 3" 3 "$bin" check --channels 4 --checkpoints 3 --eop --cancel --skip --max-memory 40
grep -q "INCOMPLETE: stopped at --max-memory 40 MiB" "$tmp/out"; check "check --max-memory says where it stopped" $?
expect_exit "check --max-memory 0 is a usage error" 2 "$bin" check --max-memory 0
expect_exit "check --max-depth exits 3" 3 "$bin" check --channels 3 --checkpoints 2 --max-depth 4 --json
grep -q '"incomplete": "max-depth"' "$tmp/out"; check "check --max-depth --json names the bound" $?

# --jobs: one visited set, so as many states as one job
"$bin" check --channels 3 --checkpoints 2 --eop --cancel --json >"$tmp/one" 2>&1
"$bin" check --channels 3 --checkpoints 2 --eop --cancel --jobs 2 --json >"$tmp/two" 2>&1
s1=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/one"); s2=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/two")
[ -n "$s1" ] && [ "$s1" = "$s2" ]; check "check --jobs 2 stores as many states as one job ($s1 vs $s2)" $?
grep -q '"complete": true' "$tmp/two"; check "check --jobs 2 is complete" $?

# --depth-first: one job, the same states as breadth-first, and said in the JSON
"$bin" check --channels 3 --checkpoints 2 --eop --cancel --depth-first --json >"$tmp/dfs" 2>&1
s3=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/dfs")
[ -n "$s3" ] && [ "$s1" = "$s3" ]; check "check --depth-first stores as many states as breadth-first ($s1 vs $s3)" $?
grep -q '"order": "depth-first", "complete": true' "$tmp/dfs"; check "check --depth-first --json names the order, complete" $?
expect_exit "check --depth-first --jobs 2 is a usage error" 2 "$bin" check --depth-first --jobs 2

# interrupted: prints what it found as incomplete, then dies of the signal (128 + 15 for
# SIGTERM; SIGINT alike, but a background job of a script ignores SIGINT, so it stays
# ignored)
"$bin" check --channels 4 --checkpoints 3 --eop --cancel --skip --max-memory 1024 --json >"$tmp/int" 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
st=$?
[ "$st" = 143 ]; check "check interrupted by SIGTERM dies of it, status 143 ($st)" $?
grep -q '"incomplete": "interrupted"' "$tmp/int"; check "check interrupted says so in its JSON, with what it found" $?

# symmetry: on by default where the strategy can rename channels, named in the output
"$bin" check --channels 3 --checkpoints 1 --eop --cancel --json >"$tmp/sym" 2>&1
"$bin" check --channels 3 --checkpoints 1 --eop --cancel --no-symmetry --json >"$tmp/nosym" 2>&1
grep -q '"reductions": {"sleep_sets": true, "hash_compaction": true, "symmetry": true, "forget_ended": true, "merge_order": true}' "$tmp/sym"
check "check --json says which reductions were on" $?
grep -q '"symmetry": false, "symmetry_off": "--no-symmetry"' "$tmp/nosym"; check "check --no-symmetry turns it off and says so" $?
s1=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/sym"); s2=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/nosym")
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" -lt "$s2" ]; check "symmetry stores fewer states ($s1 vs $s2)" $?
# forgetting ended checkpoints: on by default, --keep-ended turns it off and says so
"$bin" check --strategy tracker --channels 3 --checkpoints 2 --eop --cancel --keep-ended --json >"$tmp/keep" 2>&1
"$bin" check --strategy tracker --channels 3 --checkpoints 2 --eop --cancel --json >"$tmp/forget" 2>&1
grep -q '"forget_ended": false' "$tmp/keep"; check "check --keep-ended turns forgetting off and says so" $?
s1=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/forget"); s2=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/keep")
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" -lt "$s2" ]; check "forgetting ended checkpoints stores fewer states ($s1 vs $s2)" $?
"$bin" check --strategy tracker --channels 2 --checkpoints 1 --keep-ended >"$tmp/keeptxt" 2>&1
grep -q "ended checkpoints kept (--keep-ended)" "$tmp/keeptxt"; check "check --keep-ended is named in the text output" $?
# merging arrival orders in spill files: on by default, --keep-order and fault choices keep them
"$bin" check --channels 3 --checkpoints 2 --eop --cancel --keep-order --json >"$tmp/order" 2>&1
"$bin" check --channels 3 --checkpoints 2 --eop --cancel --json >"$tmp/merged" 2>&1
grep -q '"merge_order": false, "order_off": "--keep-order"' "$tmp/order"; check "check --keep-order keeps arrival orders and says so" $?
s1=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/merged"); s2=$(sed -n 's/.*"states": \([0-9]*\).*/\1/p' "$tmp/order")
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" -lt "$s2" ]; check "merging arrival orders stores fewer states ($s1 vs $s2)" $?
"$bin" check --channels 2 --checkpoints 1 --disk-fault >"$tmp/ordertxt" 2>&1
grep -q "arrival orders kept (fault choices (--disk-fault))" "$tmp/ordertxt"; check "with fault choices arrival orders are kept, and the text says why" $?
for s in block unaligned aligned-timeout; do
    expect_exit "check of $s exits 0" 0 "$bin" check --strategy $s --channels 3 --checkpoints 1 --eop --cancel
    grep -q "symmetry on" "$tmp/out"; check "$s is explored with symmetry (its relabel hook)" $?
done

# --scenario: the file decides strategy, channels, options, faults and scripts
sc="$here/../../scenarios/handler/spill-fault-eio-read.yaml"
expect_exit "check --scenario with faults exits 0" 0 "$bin" check --scenario "$sc"
grep -q "with its faults" "$tmp/out"; check "check --scenario applies the file's faults" $?
expect_exit "check --scenario --strategy contradicting the file exits 2" 2 "$bin" check --scenario "$sc" --strategy tracker
grep -q -- "--strategy contradicts .*the file's strategy is spill" "$tmp/err"; check "the contradiction is named" $?
expect_exit "check --scenario --channels contradicting the file exits 2" 2 "$bin" check --scenario "$sc" --channels 3
expect_exit "check --scenario --checkpoints exits 2" 2 "$bin" check --scenario "$sc" --checkpoints 2
expect_exit "check --scenario --strategy agreeing with the file exits 0" 0 "$bin" check --scenario "$sc" --strategy spill --channels 2
simf=$(ls "$here"/../../scenarios/sim/*.yaml | head -n 1)
expect_exit "check --scenario of a simulation scenario exits 2" 2 "$bin" check --scenario "$simf"
grep -q "is a simulation scenario" "$tmp/err" && ! grep -q "unknown key" "$tmp/err"
check "check says a simulation scenario is one" $?
expect_exit "check with a channel script past 65535 items exits 2" 2 "$bin" check --checkpoints 1000 --data 1000
grep -q "makes 1002000 items on one channel; the checker handles at most 65535" "$tmp/err"
check "check names the script length it refuses" $?

if [ -n "$planted" ]; then
    expect_exit "a too small bitstate misses the replay-order bug and says incomplete" 3 \
        "$planted" check --strategy planted-replay-order --channels 3 --checkpoints 2 --eop --cancel --bitstate 10 --no-symmetry --out "$tmp/b.yaml"
    grep -q "INCOMPLETE" "$tmp/out"; check "the missed bug's bitstate search says INCOMPLETE" $?
    expect_exit "check --jobs 2 finds the replay-order bug" 1 \
        "$planted" check --strategy planted-replay-order --channels 3 --checkpoints 2 --eop --cancel --jobs 2 --out "$tmp/j.yaml"
    grep -q "shortest counterexample (10 steps)" "$tmp/out"; check "check --jobs 2 gives the shortest counterexample" $?
    expect_exit "its counterexample replays to a violation" 1 "$planted" run "$tmp/j.yaml"
    expect_exit "check of a shim without relabel hook exits 1 (its bug)" 1 \
        "$planted" check --strategy planted-unaligned-lose-state --channels 2 --out "$tmp/s.yaml"
    grep -q "symmetry off (the strategy cannot rename channels" "$tmp/out"; check "a strategy without relabel is explored without symmetry, said" $?
    # a counterexample that cannot be written is not lost: it is printed instead, exit still 1
    if [ -w /dev/full ]; then
        expect_exit "check whose counterexample cannot be written still exits 1" 1 \
            "$planted" check --strategy planted-no-block --channels 2 --out /dev/full
        grep -q "which could not be written to /dev/full:" "$tmp/out" && grep -q "^strategy: planted-no-block" "$tmp/out" &&
            ! grep -q "written to /dev/full$" "$tmp/out"
        check "it prints the counterexample instead of claiming it was written" $?
        grep -q "cannot write the counterexample to /dev/full" "$tmp/err"; check "and warns why" $?
    else
        echo "skip a counterexample that cannot be written: no writable /dev/full here"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
