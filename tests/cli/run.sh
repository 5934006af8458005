#!/bin/sh
# tests/cli/run.sh BINARY [PLANTED-BINARY]: the command line's contract (DESIGN.md section 6): exit codes,
# file:line:col errors for malformed scenarios, spill dump output, --help for every verb.
# Prints one line per check and a closing "N passed, N failed"; exits 1 on any failure.
set -u
bin=${1:?usage: tests/cli/run.sh BINARY [PLANTED-BINARY]}
planted=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/barriersim-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"

# --help for every verb, and the top level
expect_exit "help exits 0" 0 "$bin" --help
for verb in $("$bin" --help | awk '/^verbs:/{v=1; next} v && /^  [a-z]/ {print $1}'); do
    expect_exit "$verb --help exits 0" 0 "$bin" "$verb" --help
    grep -q "usage: barriersim $verb" "$tmp/out"; check "$verb --help prints its usage" $?
done
expect_exit "unknown verb exits 2" 2 "$bin" frobnicate
expect_exit "run without files exits 2" 2 "$bin" run
expect_exit "run with an unknown flag exits 2" 2 "$bin" run --frob x.yaml
expect_exit "run of a missing file exits 2" 2 "$bin" run "$tmp/missing.yaml"

# malformed scenarios: exit 2 and file:line:col as each file's first line says
for f in "$here"/bad/*.yaml; do
    [ -e "$f" ] || continue
    spec=$(sed -n '1s/^# expect-error: //p' "$f")
    pos=${spec%%: *} substr=${spec#*: }
    expect_exit "$(basename "$f") exits 2" 2 "$bin" run "$f"
    grep -q -F "$f:$pos:" "$tmp/err"; check "$(basename "$f") names $pos" $?
    grep -q -i -F "$substr" "$tmp/err"; check "$(basename "$f") says '$substr'" $?
done

# results: 0 pass, 1 unmet expectation with a reproduction command, highest code wins
expect_exit "a passing scenario exits 0" 0 "$bin" run "$here/good/passes.yaml"
expect_exit "an unmet expectation exits 1" 1 "$bin" run "$here/good/unmet-expectation.yaml"
grep -q "reproduce: .* run --trace .*unmet-expectation.yaml" "$tmp/out"; check "an unmet expectation prints the reproduction command" $?
bad_one=$(ls "$here"/bad/*.yaml 2>/dev/null | head -n 1)
if [ -n "$bad_one" ]; then
    expect_exit "with several files the highest exit code wins" 2 "$bin" run "$here/good/unmet-expectation.yaml" "$bad_one" "$here/good/passes.yaml"
fi
expect_exit "run --trace exits 0" 0 "$bin" run --trace "$here/good/passes.yaml"
grep -qx "trace passes: 0 t1 3 4 5 end" "$tmp/out"; check "run --trace prints the trace line alone on stdout" $?
expect_exit "run --json exits 0" 0 "$bin" run --json "$here/good/passes.yaml"
grep -q '"status": "pass"' "$tmp/out"; check "run --json reports the status" $?

# options anywhere before --, as GNU tools take them
expect_exit "run FILE --trace takes the option after the file" 0 "$bin" run "$here/good/passes.yaml" --trace
grep -qx "trace passes: 0 t1 3 4 5 end" "$tmp/out"; check "run FILE --trace prints the trace" $?
expect_exit "run --json=... is not a value option" 2 "$bin" run --json=x "$here/good/passes.yaml"
expect_exit "after -- an option-like name is a file" 2 "$bin" run -- --trace
grep -q -- "--trace:1:1: cannot read the file" "$tmp/err"; check "run -- --trace reads a file named --trace" $?

# run --json: a failure carries the command that reproduces it
expect_exit "run --json of an unmet expectation exits 1" 1 "$bin" run --json "$here/good/unmet-expectation.yaml"
grep -q '"reproduce": ".* run --trace .*unmet-expectation.yaml"' "$tmp/out"; check "run --json names the reproduce command of a failure" $?

# a scenario file larger than the limit: its real size is reported
head -c 3000000 /dev/zero | tr '\000' '#' >"$tmp/huge.yaml"
expect_exit "a 3 MB scenario file exits 2" 2 "$bin" run "$tmp/huge.yaml"
grep -q "the file is too large (3000000 bytes; at most 1048576)" "$tmp/err"; check "the too-large message reports the real size" $?
rm -f "$tmp/huge.yaml"

# spill files: a stranger's stale files never break a run, and are left alone
mkdir "$tmp/stale"
p=$$ n=0
while [ $n -lt 200 ]; do
    p=$((p + 1)) n=$((n + 1))
    for i in 1 2; do echo stranger >"$tmp/stale/barriersim-$p-$i-1.spill"; done
done
here_root=$(cd "$here/../.." && pwd)
TMPDIR="$tmp/stale" expect_exit "stale barriersim-<pid>-* files of the next 200 pids do not break a run" 0 \
    "$bin" run "$here_root/scenarios/handler/spill-design-example.yaml"
[ "$(ls "$tmp/stale" | wc -l)" -eq 400 ] && ! grep -L stranger "$tmp/stale"/* | grep -q .
check "the strangers' files are all left as they were, and none of the run's is left" $?
rm -rf "$tmp/stale"

# a signal removes the run's spill files and ends the run with 128 + the signal's number
{ printf 'name: big-spill\nstrategy: spill\nchannels: 2\noptions:\n  page-size: 16777216\ninput: |\n  0:b1'
  n=0; while [ $n -lt 24 ]; do printf ' 0:d/16777216'; n=$((n + 1)); done
  printf ' 1:b1\n  0:eop 1:eop\n'; } >"$tmp/big.yaml"
for signo in TERM:15 HUP:1; do
    sig=${signo%:*} want=$((128 + ${signo#*:}))
    mkdir "$tmp/sig"
    TMPDIR="$tmp/sig" "$bin" run "$tmp/big.yaml" >"$tmp/out" 2>"$tmp/err" &
    pid=$! tries=0
    while [ -z "$(ls "$tmp/sig")" ] && [ $tries -lt 400 ] && kill -0 $pid 2>/dev/null; do
        sleep 0.05; tries=$((tries + 1))
    done
    seen=$(ls "$tmp/sig" | wc -l)
    kill -s $sig $pid 2>/dev/null
    wait $pid 2>/dev/null; got=$?
    [ "$seen" -gt 0 ] && [ $got -eq $want ]
    check "SIG$sig during a spill ends the run with exit $want (got $got, $seen spill file(s) seen)" $?
    [ -z "$(ls "$tmp/sig")" ]; check "SIG$sig leaves no spill file behind" $?
    rm -rf "$tmp/sig"
done
rm -f "$tmp/big.yaml"

# spill dump: one record per line; a corrupt file lists what was read, then the error
# record 1: channel 2, data of 3 bytes; record 2: channel 1, barrier 7 (24 bytes); record 3: eop
printf '\002\000\000\000\003\000\000\000\000abc' >"$tmp/ok.spill"
printf '\001\000\000\000\030\000\000\000\001\000\000\000\001\000\000\000\000\000\000\000\007' >>"$tmp/ok.spill"
printf '\000\000\000\000\000\000\000\000\000\000\000\000' >>"$tmp/ok.spill"
printf '\000\000\000\000\004\000\000\000\001\000\000\000\000' >>"$tmp/ok.spill"
expect_exit "spill dump of a good file exits 0" 0 "$bin" spill dump "$tmp/ok.spill"
printf '2 data 3\n1 barrier 7 24\n0 eop 4\n' | cmp -s - "$tmp/out"; check "spill dump prints channel kind length" $?
cp "$tmp/ok.spill" "$tmp/bad.spill"
printf '\000\000\000\000\005\000\000\000\007zz' >>"$tmp/bad.spill"
expect_exit "spill dump of a corrupt file exits 2" 2 "$bin" spill dump "$tmp/bad.spill"
tail -n 1 "$tmp/out" | grep -qx "error: offset 58: unknown record kind 7"; check "spill dump names the failing record's offset" $?
[ "$(wc -l <"$tmp/out")" -eq 4 ]; check "spill dump lists the records read before the error" $?
expect_exit "spill dump --page-size 2 rejects a 3-byte buffer" 2 "$bin" spill dump --page-size 2 "$tmp/ok.spill"
grep -q "error: offset 0: spilled buffer (3 bytes) is larger than page size (2 bytes)" "$tmp/out"; check "spill dump --page-size is applied" $?
expect_exit "spill dump FILE --page-size 2 takes the option after the file" 2 "$bin" spill dump "$tmp/ok.spill" --page-size 2
grep -q "error: offset 0: spilled buffer (3 bytes) is larger than page size (2 bytes)" "$tmp/out"; check "spill dump FILE --page-size is applied" $?
expect_exit "spill dump of a missing file exits 2" 2 "$bin" spill dump "$tmp/none.spill"
expect_exit "spill dump --page-size x exits 2" 2 "$bin" spill dump --page-size x "$tmp/ok.spill"

# an injected disk fault is judged by the scenario's expect, not printed as a real disk error
expect_exit "the bundled scenarios pass" 0 "$bin" run "$here/../../scenarios/handler/"*.yaml
! grep -q -E "No space left on device|Permission denied" "$tmp/out" "$tmp/err"; check "injected ENOSPC and EACCES print no disk-error lines among passing runs" $?

# a run's memory is bounded by its configuration (docs/limits.md)
printf 'name: huge\nstrategy: block\nsimulation:\n  sources: 4\n  records-per-source: 1000000000000\n' >"$tmp/huge.yaml"
expect_exit "records-per-source 10^12 is refused before the run" 2 timeout 20 "$bin" run "$tmp/huge.yaml"
grep -q "huge.yaml:5:23: records-per-source: .* more than max-memory-bytes" "$tmp/err"; check "the refusal names the key, its place and max-memory-bytes" $?
printf 'name: long\nstrategy: block\nsimulation:\n  sources: 1\n  stages: 1\n  parallelism: 1\n  records-per-source: 10000000000\n  max-memory-bytes: 1099511627776\n  max-events: 100000\nexpect:\n  violation: none\n' >"$tmp/long.yaml"
expect_exit "a run of 10^10 records stopped at max-events ends at once" 0 timeout 20 "$bin" run "$tmp/long.yaml"
printf 'name: grows\nstrategy: block\nsimulation:\n  records-per-source: 37000\n  max-memory-bytes: 16777216\n' >"$tmp/grows.yaml"
expect_exit "a run whose history outgrows max-memory-bytes stops with exit 2" 2 timeout 60 "$bin" run "$tmp/grows.yaml"
grep -q "memory: the run's checkers hold [0-9]* bytes, more than max-memory-bytes (16777216)" "$tmp/err"; check "it says which bound it passed" $?

# check: exit 0 with no violation, 2 on bad flags, JSON for machines
expect_exit "check of a small configuration exits 0" 0 "$bin" check --channels 2 --checkpoints 1 --eop --cancel
grep -q "no violation: every interleaving explored" "$tmp/out"; check "check says the space was exhausted" $?
expect_exit "check --json exits 0" 0 "$bin" check --strategy tracker --channels 2 --json
grep -q '"violation": null' "$tmp/out" && grep -q '"states": [1-9]' "$tmp/out"; check "check --json reports states and no violation" $?
expect_exit "check --channels 0 exits 2" 2 "$bin" check --channels 0
expect_exit "check of an unknown strategy exits 2" 2 "$bin" check --strategy frob
expect_exit "check --strategy unaligned exits 0 (every strategy captures its state)" 0 "$bin" check --strategy unaligned
expect_exit "check --shard 3/2 exits 2" 2 "$bin" check --shard 3/2
expect_exit "check --scenario of a malformed file exits 2" 2 "$bin" check --scenario "$here/bad/unknown-key.yaml"
expect_exit "check --scenario takes a scenario's channel scripts" 0 "$bin" check --scenario "$here/good/passes.yaml" --cancel
if [ -n "$planted" ]; then
    cx="$tmp/cx.yaml"
    expect_exit "check finds a planted bug and exits 1" 1 "$planted" check --strategy planted-no-block --channels 2 --out "$cx"
    grep -q "reproduce: .* run --trace .*cx.yaml" "$tmp/out"; check "check prints the command that replays the counterexample" $?
    want=$(sed -n 's/^VIOLATION: //p' "$tmp/out")
    expect_exit "the counterexample replays to a violation" 1 "$planted" run "$cx"
    grep -q -F "$want" "$tmp/out"; check "the replay reports the violation check found" $?
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
