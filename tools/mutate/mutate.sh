#!/bin/sh
# mutate.sh: mutation testing of core/ (`make mutate`; docs/testing.md).
#
# Generates the one-line mutants of core/ (tools/mutate/gen.awk), builds each one (only the
# mutated object is recompiled, then the binaries are relinked) and runs it against the
# project's suites, fast ones first:
#   scenarios  barriersim run scenarios/*/*.yaml
#   check      barriersim check on a few small configurations, for every strategy it covers
#   fuzz       barriersim fuzz --seeds MUTATE_FUZZ_SEEDS (every strategy, every fault kind)
#   unit       the Criterion unit tests under ASan+UBSan, leaks included
# A suite kills a mutant when it fails (exit status not 0) or runs out of time (a hang is a
# kill, counted as a timeout). It prints the kill rate per suite and overall, and lists the
# survivors; the mutants named in tools/mutate/equivalent.txt (judged equivalent, each with
# its reason) are not run and leave the denominator. A mutant that does not compile is
# counted apart and leaves the denominator too.
#
# Needs only POSIX sh, awk, GNU timeout (coreutils) and the project's own build: `make mutate`
# passes the compiler, flags and object lists. Settings (environment):
#   MUTATE_SAMPLE=N      run N mutants drawn with MUTATE_SEED (default: all)
#   MUTATE_SEED=S        the sample's seed (default 1); the same seed and code, the same sample
#   MUTATE_FILES="..."   the core sources to mutate (default: every core/ source)
#   MUTATE_IDS="..."     run only these mutants (ids as printed beside survivors)
#   MUTATE_MODE=first    stop at a mutant's first killing suite (default), or
#   MUTATE_MODE=all      run every suite on every mutant (true per-suite kill rates)
#   MUTATE_SUITES="..."  the suites, in order (default: scenarios check fuzz unit)
#   MUTATE_JOBS=J        mutants built and run in parallel (default 2)
#   MUTATE_FUZZ_SEEDS=N  fuzz seeds per mutant (default 20000)
#   MUTATE_UNIT_FILTER=G Criterion --filter for the unit suite (default: the suites of
#                        MUTATE_UNIT_FILES, the test files that drive core/; see below)
#   MUTATE_TIMEOUT_FACTOR=F, MUTATE_TIMEOUT_MIN=S  per-suite time limit: F times the suite's
#                        time on the unmutated build, at least S seconds (defaults 5 and 60:
#                        on a shared machine a 4 s suite can take 20 s, and a timeout kills)
#   MUTATE_RUN_EQUIVALENTS=1  also run the mutants listed as equivalent (to re-judge them)
#   MUTATE_OUT=DIR       where results go (default build/mutate)
# Exit: 0 when the run completed (whatever the kill rate), 2 on a usage or setup error (the
# unmutated build failing a suite is one), 1 when MUTATE_MIN_RATE=P is set and the overall
# kill rate is below P percent.
set -eu

die() { echo "mutate: $*" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
: "${CC:=cc}"
: "${MUTATE_CFLAGS:?run through make mutate}"
: "${MUTATE_SAN_FLAGS:?run through make mutate}"
: "${MUTATE_PLAIN_OBJS:?run through make mutate}"
: "${MUTATE_ASAN_OBJS:?run through make mutate}"
: "${MUTATE_CORE_SRC:?run through make mutate}"
: "${MUTATE_LIBS:=-lfyaml}"
: "${MUTATE_TEST_LIBS:=-lcriterion -lfyaml}"
: "${MUTATE_LDFLAGS:=-O2 -g}"
: "${MUTATE_SEED:=1}"
: "${MUTATE_SAMPLE:=}"
: "${MUTATE_IDS:=}"
: "${MUTATE_FILES:=$MUTATE_CORE_SRC}"
: "${MUTATE_MODE:=first}"
: "${MUTATE_SUITES:=scenarios check fuzz unit}"
: "${MUTATE_JOBS:=2}"
: "${MUTATE_FUZZ_SEEDS:=20000}"
: "${MUTATE_TIMEOUT_FACTOR:=5}"
: "${MUTATE_TIMEOUT_MIN:=60}"
: "${MUTATE_RUN_EQUIVALENTS:=0}"
: "${MUTATE_OUT:=build/mutate}"
: "${MUTATE_EQUIVALENTS:=$HERE/equivalent.txt}"
: "${MUTATE_MIN_RATE:=}"
# The unit suite: by default the Criterion suites of the test files that drive core/
# (strategies, spill files, snapshots, the model checker, planted bugs, verify, and
# tests/test_core_*.c). Parser, plot, command-line and engine suites are left out: they
# cannot kill a core mutant or the fuzz suite does their work far harder, and under ASan
# each test costs a fork of a large process.
: "${MUTATE_UNIT_FILES:=tests/test_strategies_*.c tests/test_spill_*.c tests/test_snapshot*.c tests/test_check*.c tests/test_planted*.c tests/test_verify*.c tests/test_core_*.c}"
if [ -z "${MUTATE_UNIT_FILTER:-}" ]; then
    # shellcheck disable=SC2086
    suites=$(cat $MUTATE_UNIT_FILES 2>/dev/null | sed -n 's/^BS_TEST(\([A-Za-z0-9_]*\),.*/\1/p' | sort -u | paste -sd'|' -)
    [ -n "$suites" ] || die "no unit suite in MUTATE_UNIT_FILES: $MUTATE_UNIT_FILES"
    MUTATE_UNIT_FILTER="@($suites)/*"
fi
# Check configurations (one a line); a strategy/configuration pair that `check` refuses on
# the unmutated build (exit 2) is left out and reported.
: "${MUTATE_CHECK_CONFIGS:=--channels 2 --checkpoints 2 --eop --cancel
--channels 3 --checkpoints 1 --skip --disk-fault
--channels 2 --checkpoints 2 --data 2 --skip --disk-fault}"

SAN_ENV="ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 LSAN_OPTIONS=exitcode=23"

case "$MUTATE_MODE" in first|all) ;; *) die "MUTATE_MODE must be first or all, not '$MUTATE_MODE'";; esac
for v in MUTATE_JOBS MUTATE_FUZZ_SEEDS MUTATE_TIMEOUT_FACTOR MUTATE_TIMEOUT_MIN MUTATE_SEED; do
    eval "val=\$$v"
    case "$val" in ''|*[!0-9]*) die "$v must be a non-negative integer, not '$val'";; esac
done
[ "$MUTATE_JOBS" -ge 1 ] && [ "$MUTATE_JOBS" -le 64 ] || die "MUTATE_JOBS must be 1..64, not $MUTATE_JOBS"
case "$MUTATE_SAMPLE" in ''|*[!0-9]*) [ -z "$MUTATE_SAMPLE" ] || die "MUTATE_SAMPLE must be a positive integer, not '$MUTATE_SAMPLE'";; esac
[ "$MUTATE_SAMPLE" != 0 ] || die "MUTATE_SAMPLE must be a positive integer, not 0"
for s in $MUTATE_SUITES; do
    case "$s" in scenarios|check|fuzz|unit) ;; *) die "unknown suite '$s' (scenarios, check, fuzz, unit)";; esac
done
command -v timeout >/dev/null 2>&1 || die "needs timeout(1) from GNU coreutils"
for f in $MUTATE_FILES; do [ -f "$f" ] || die "MUTATE_FILES: no such file: $f"; done

OUT=$MUTATE_OUT
rm -rf "$OUT"
mkdir -p "$OUT"
SCENARIOS=$(ls scenarios/*/*.yaml)

# ---- the mutants -----------------------------------------------------------------------
awk -f "$HERE/gen.awk" $MUTATE_FILES > "$OUT/all.tsv"
[ -s "$OUT/all.tsv" ] || die "no mutant generated from: $MUTATE_FILES"

# equivalent.txt: "<id> <where> <mutation> -- <reason>"; only the id and the reason count.
awk -v out="$OUT/equivalent.ids" '
    /^[ ]*(#|$)/ { next }
    {
        if ($1 !~ /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/ || length($1) != 16) {
            printf "%s:%d: not a mutant id: %s\n", FILENAME, FNR, $1 > "/dev/stderr"; bad = 1; next
        }
        r = index($0, " -- ")
        if (r == 0 || substr($0, r + 4) ~ /^[ ]*$/) {
            printf "%s:%d: an equivalent mutant needs its reason after \" -- \"\n", FILENAME, FNR > "/dev/stderr"; bad = 1; next
        }
        print $1 > out
    }
    END { exit bad }' "$MUTATE_EQUIVALENTS" || die "bad equivalents file $MUTATE_EQUIVALENTS"
touch "$OUT/equivalent.ids"

# Stale entries (code changed since the judgement) are reported, not fatal.
awk -F'\t' 'NR == FNR { have[$1] = 1; next } !($1 in have) { print $1 }' \
    "$OUT/all.tsv" "$OUT/equivalent.ids" > "$OUT/equivalent.stale"

# The candidates: every mutant, less the equivalents unless asked; then the seeded sample.
awk -F'\t' -v eqf="$OUT/equivalent.ids" '
    BEGIN { while ((getline l < eqf) > 0) eq[l] = 1 }
    { print (($1 in eq) ? "eq" : "run") "\t" $0 }' "$OUT/all.tsv" > "$OUT/tagged.tsv"
n_all=$(wc -l < "$OUT/all.tsv")
# The sample: the N mutants whose hash of (seed, id) is smallest, so a mutant's selection does
# not depend on which other mutants exist.
awk -F'\t' -v seed="$MUTATE_SEED" -v runeq="$MUTATE_RUN_EQUIVALENTS" -v ids="$MUTATE_IDS" '
    BEGIN { for (i = 32; i < 127; i++) ORD[sprintf("%c", i)] = i }
    function h(s,    i, x) { x = 5381; for (i = 1; i <= length(s); i++) x = (x * 33 + ORD[substr(s, i, 1)]) % 2147483647; return x }
    BEGIN { n = split(ids, I, /[ ,\n]+/); for (i = 1; i <= n; i++) if (I[i] != "") want[I[i]] = 1 }
    $1 == "eq" && runeq != 1 && !($2 in want) { next }
    ids != "" && !($2 in want) { next }
    { printf "%010d\t%s\n", h(seed ":" $2), $0 }' "$OUT/tagged.tsv" | sort > "$OUT/scored.tsv"
if [ -n "$MUTATE_SAMPLE" ]; then
    head -n "$MUTATE_SAMPLE" "$OUT/scored.tsv" > "$OUT/picked.tsv"
else
    cp "$OUT/scored.tsv" "$OUT/picked.tsv"
fi
# run order: the sample's order (by the hash of seed and id), so that the mutants a run
# interrupted part-way has finished are themselves a seeded sample, not the first files
cut -f2- "$OUT/picked.tsv" > "$OUT/selected.tsv"
n_sel=$(wc -l < "$OUT/selected.tsv")
n_eq_all=$(awk -F'\t' '$1 == "eq"' "$OUT/tagged.tsv" | wc -l)
echo "mutate: $n_all mutants of $(echo $MUTATE_FILES | wc -w) files ($n_eq_all listed equivalent); running $n_sel${MUTATE_SAMPLE:+ (sample of $MUTATE_SAMPLE, seed $MUTATE_SEED)}, mode $MUTATE_MODE, $MUTATE_JOBS jobs"

# ---- suites ------------------------------------------------------------------------------
# run_suite SUITE DIR: 0 passed, 1 failed, 2 timed out. DIR holds barriersim and unit-tests.
run_timed() { # LIMIT LOG CMD...: runs CMD with a time limit; 0, 1 or 2 as run_suite
    limit=$1; log=$2; shift 2
    rc=0
    timeout -k 5 "$limit" "$@" > "$log" 2>&1 &
    echo $! > "$CHILD_PIDFILE"
    wait $! 2>/dev/null || rc=$?  # quiet: no "Aborted" from the shell
    : > "$CHILD_PIDFILE"
    case $rc in 0) return 0;; 124|137) return 2;; *) return 1;; esac
}

suite_limit() { eval "echo \${LIMIT_$1:-600}"; }

run_suite() {
    suite=$1; dir=$2; log=$dir/$suite.log
    lim=$(suite_limit "$suite")
    case $suite in
    scenarios)
        # shellcheck disable=SC2086
        run_timed "$lim" "$log" "$dir/barriersim" run $SCENARIOS ;;
    fuzz)
        run_timed "$lim" "$log" "$dir/barriersim" fuzz --seeds "$MUTATE_FUZZ_SEEDS" --no-shrink ;;
    check)
        # every covered (strategy, configuration) pair, under one time limit in total
        run_timed "$lim" "$log" sh -c '
            bin=$1; out=$2; pairs=$3
            while IFS="|" read -r s cfg; do
                [ -n "$s" ] || continue
                # shellcheck disable=SC2086
                "$bin" check --strategy "$s" $cfg --out "$out" || { echo "check --strategy $s $cfg: failed"; exit 1; }
            done < "$pairs"' check "$dir/barriersim" "$dir/check-cx.yaml" "$OUT/check-pairs" ;;
    unit)
        # --fail-fast: the first failing test kills the mutant; the rest need not run
        run_timed "$lim" "$log" env $SAN_ENV "$dir/unit-tests" --jobs 1 --fail-fast --filter "$MUTATE_UNIT_FILTER" || return $?
        # a leak at a worker's exit shows only as this line (see the Makefile's test-asan)
        if grep -q "crashed during its setup or teardown" "$log"; then return 1; fi ;;
    esac
}

now_s() { date +%s; }

# ---- baseline: every suite passes on the unmutated build, and how long it takes ----------
BASE=$OUT/base
mkdir -p "$BASE/tmp"
CHILD_PIDFILE=$BASE/child.pid
ln -s "$(pwd)/build/barriersim" "$BASE/barriersim"
ln -s "$(pwd)/build/asan/unit-tests" "$BASE/unit-tests"
export TMPDIR="$(pwd)/$BASE/tmp"
strategies=$(sed -n 's/^[ ]*\.name = "\([^"]*\)".*/\1/p' core/strategy/*.c)
: > "$OUT/check-pairs"
: > "$OUT/check-skipped"
for s in $strategies; do
    echo "$MUTATE_CHECK_CONFIGS" | while IFS= read -r cfg; do
        [ -n "$cfg" ] || continue
        rc=0
        # shellcheck disable=SC2086
        build/barriersim check --strategy "$s" $cfg --out "$BASE/check-cx.yaml" > "$BASE/check-probe.log" 2>&1 || rc=$?
        case $rc in
        0) echo "$s|$cfg" >> "$OUT/check-pairs" ;;
        2) echo "$s|$cfg" >> "$OUT/check-skipped" ;;
        # A deadlock of the unmutated strategy is a property of the strategy under those
        # choices (block with --skip: docs/check.md, "Expected results by strategy"; make
        # test pins which strategies are deadlock-free), no oracle for mutants: the pair is
        # left out, and said so. Any other violation is a broken build.
        1) if grep -q "^VIOLATION: deadlock" "$BASE/check-probe.log"; then
               echo "$s|$cfg (deadlocks unmutated, as documented)" >> "$OUT/check-skipped"
           else
               cat "$BASE/check-probe.log" >&2; die "the unmutated build fails: check --strategy $s $cfg"
           fi ;;
        *) cat "$BASE/check-probe.log" >&2; die "the unmutated build fails: check --strategy $s $cfg" ;;
        esac
    done
done
[ -s "$OUT/check-pairs" ] || echo "mutate: check covers none of: $strategies" >&2
echo "mutate: check covers $(cut -d'|' -f1 "$OUT/check-pairs" | sort -u | tr '\n' ' ')($(wc -l < "$OUT/check-pairs") configurations)"
for suite in $MUTATE_SUITES; do
    t0=$(now_s)
    eval "LIMIT_$suite=3600"
    rc=0; run_suite "$suite" "$BASE" || rc=$?
    [ "$rc" = 0 ] || { tail -20 "$BASE/$suite.log" >&2; die "the unmutated build fails suite '$suite' (log: $BASE/$suite.log)"; }
    t=$(( $(now_s) - t0 ))
    lim=$(( t * MUTATE_TIMEOUT_FACTOR )); [ "$lim" -ge "$MUTATE_TIMEOUT_MIN" ] || lim=$MUTATE_TIMEOUT_MIN
    eval "LIMIT_$suite=$lim"
    echo "mutate: baseline $suite passes in ${t}s; limit per mutant ${lim}s"
done

# ---- one mutant --------------------------------------------------------------------------
core_objs() { # VARIANT MUTATED_SRC MUTATED_OBJ: the core objects, one replaced
    for src in $MUTATE_CORE_SRC; do
        if [ "$src" = "$2" ]; then echo "$3"; else echo "build/$1/${src%.c}.o"; fi
    done
}

# run_mutant ID FILE LINE TEXT DIR: prints "status<TAB>killed-by<TAB>ran".
run_mutant() {
    id=$1; file=$2; line=$3; text=$4; dir=$5
    cp "$file" "$dir/src/$file"
    MUTANT_TEXT=$text awk -v n="$line" 'FNR == n { print ENVIRON["MUTANT_TEXT"]; next } { print }' \
        "$file" > "$dir/src/$file.tmp"
    mv "$dir/src/$file.tmp" "$dir/src/$file"
    rm -f "$dir/plain.o" "$dir/asan.o" "$dir/barriersim" "$dir/unit-tests"
    # shellcheck disable=SC2086
    if ! $CC $MUTATE_CFLAGS -c "$dir/src/$file" -o "$dir/plain.o" > "$dir/compile.log" 2>&1 ||
       ! $CC $MUTATE_LDFLAGS -o "$dir/barriersim" $MUTATE_PLAIN_OBJS $(core_objs plain "$file" "$dir/plain.o") \
            $MUTATE_LIBS >> "$dir/compile.log" 2>&1; then
        cp "$file" "$dir/src/$file"
        printf 'uncompilable\t-\t-\n'; return 0
    fi
    killed=; ran=; status=survived
    for suite in $MUTATE_SUITES; do
        if [ "$suite" = unit ] && [ ! -x "$dir/unit-tests" ]; then
            # shellcheck disable=SC2086
            if ! $CC $MUTATE_CFLAGS $MUTATE_SAN_FLAGS -c "$dir/src/$file" -o "$dir/asan.o" >> "$dir/compile.log" 2>&1 ||
               ! $CC $MUTATE_LDFLAGS $MUTATE_SAN_FLAGS -o "$dir/unit-tests" $MUTATE_ASAN_OBJS \
                    $(core_objs asan "$file" "$dir/asan.o") $MUTATE_TEST_LIBS >> "$dir/compile.log" 2>&1; then
                killed="${killed:+$killed,}unit:build"; ran="${ran:+$ran,}unit"; status=killed
                continue
            fi
        fi
        ran="${ran:+$ran,}$suite"
        rm -rf "$dir/tmp"; mkdir -p "$dir/tmp"
        rc=0; TMPDIR="$(pwd)/$dir/tmp" run_suite "$suite" "$dir" || rc=$?
        case $rc in
        1) killed="${killed:+$killed,}$suite"; [ "$status" = timeout ] || status=killed ;;
        2) killed="${killed:+$killed,}$suite:timeout"; status=timeout ;;
        esac
        [ "$status" = survived ] || [ "$MUTATE_MODE" = all ] || break
    done
    cp "$file" "$dir/src/$file"
    printf '%s\t%s\t%s\n' "$status" "${killed:--}" "$ran"
}

worker() { # K: runs mutants K, K+J, K+2J, ... of the selection
    k=$1; dir=$OUT/job$k
    mkdir -p "$dir/src"
    cp -R core "$dir/src/core"
    CHILD_PIDFILE=$dir/child.pid
    # a trapped signal interrupts `wait` in run_timed: the worker ends between two steps
    trap 'exit 143' TERM INT
    awk -F'\t' -v k="$k" -v j="$MUTATE_JOBS" '(NR - 1) % j == k' "$OUT/selected.tsv" > "$dir/list.tsv"
    while IFS="$(printf '\t')" read -r tag id file line fn desc text; do
        t0=$(now_s)
        run_mutant "$id" "$file" "$line" "$text" "$dir" > "$dir/res"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$tag" "$(cat "$dir/res")" "$(( $(now_s) - t0 ))" \
            "$file" "$line" "$fn" "$desc" >> "$dir/results.tsv"
    done < "$dir/list.tsv"
}

# ---- report ------------------------------------------------------------------------------
report() {
cat "$OUT"/job*/results.tsv 2>/dev/null | sort -t"$(printf '\t')" -k7,7 -k8,8n -k1,1 > "$OUT/results.tsv" || true
# results.tsv: id tag status killed-by ran seconds file line function description
awk -F'\t' -v all="$OUT/all.tsv" -v suites="$MUTATE_SUITES" -v mode="$MUTATE_MODE" \
    -v stale="$(wc -l < "$OUT/equivalent.stale")" -v eqall="$n_eq_all" -v runeq="$MUTATE_RUN_EQUIVALENTS" \
    -v minrate="$MUTATE_MIN_RATE" -v survivors="$OUT/survivors.txt" '
    BEGIN { ns = split(suites, S, " ") }
    {
        id = $1; tag = $2; st = $3
        if (st == "uncompilable") { uncompilable++; next }
        if (tag == "eq") {
            if (st != "survived") eqkilled[++neqk] = $7 ":" $8 " " $10 " [" id "] killed by " $4
            next
        }
        total++
        if (st == "killed" || st == "timeout") killed++
        if (st == "timeout") timeouts++
        n = split($5, R, ","); for (i = 1; i <= n; i++) ran[R[i]]++
        n = split($4, K, ",")
        for (i = 1; i <= n; i++) {
            s = K[i]; to = sub(/:timeout$/, "", s); sub(/:build$/, "", s)
            kill[s]++; if (to) tmo[s]++
        }
        if (st == "survived") {
            while ((getline l < all) > 0) { split(l, A, "\t"); if (A[1] == id) { mut = A[6]; break } }
            close(all)
            gsub(/^ +/, "", mut)
            surv[++nsurv] = sprintf("  %s:%s  %s  in %s()  [%s]\n      -> %s", $7, $8, $10, $9, id, mut)
        }
    }
    END {
        printf "\nmutate: results (mode %s)\n", mode
        printf "  %-10s %8s %8s %8s %9s\n", "suite", "ran", "killed", "timeouts", "kill rate"
        for (i = 1; i <= ns; i++) {
            s = S[i]
            printf "  %-10s %8d %8d %8d %8.1f%%\n", s, ran[s], kill[s], tmo[s], ran[s] ? 100 * kill[s] / ran[s] : 0
        }
        rate = total ? 100 * killed / total : 0
        printf "  %-10s %8d %8d %8d %8.1f%%   (killed / non-equivalent mutants that compile)\n", "overall", total, killed, timeouts, rate
        printf "  not compiling (discarded): %d; listed equivalent: %d of all mutants%s; stale equivalents entries: %d\n",
            uncompilable, eqall, runeq == 1 ? " (run)" : " (not run)", stale
        if (mode == "first")
            printf "  (mode first: a suite runs only on the mutants the suites before it left alive,\n   so its rate is among those; MUTATE_MODE=all gives each suite on every mutant)\n"
        printf "\nsurvivors (%d):\n", nsurv > survivors
        for (i = 1; i <= nsurv; i++) print surv[i] > survivors
        for (i = 1; i <= neqk; i++) printf "listed equivalent but killed (remove from equivalent.txt): %s\n", eqkilled[i] > survivors
        close(survivors)
        if (minrate != "" && rate < minrate + 0) exit 1
    }' "$OUT/results.tsv" || below=1
cat "$OUT/survivors.txt"
if [ -s "$OUT/equivalent.stale" ]; then
    echo "stale entries of $(basename "$MUTATE_EQUIVALENTS") (no such mutant any more):"
    sed 's/^/  /' "$OUT/equivalent.stale"
fi
echo "mutate: details in $OUT/results.tsv, survivors in $OUT/survivors.txt"
}

# timeout(1) puts each suite in a process group of its own: an interrupted run stops the
# workers, then the suites they were running (timeout passes the signal to its group).
pids=
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 1
    for f in "$OUT"/job*/child.pid; do
        [ -s "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    # the mutants finished so far (a seeded sample of the sample: see the run order)
    echo "mutate: interrupted after $(cat "$OUT"/job*/results.tsv 2>/dev/null | wc -l) of $n_sel mutants; their results:" >&2
    report || true
    exit 130
}
trap cleanup INT TERM HUP
k=0
while [ "$k" -lt "$MUTATE_JOBS" ]; do
    : > "$OUT/job$k.started"
    worker "$k" &
    pids="$pids $!"
    k=$((k + 1))
done
if [ -t 1 ]; then
    while :; do
        alive=0
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
        done_n=$(cat "$OUT"/job*/results.tsv 2>/dev/null | wc -l)
        killed_n=$(cat "$OUT"/job*/results.tsv 2>/dev/null | awk -F'\t' '$3 == "killed" || $3 == "timeout"' | wc -l)
        printf '\rmutate: %d/%d mutants run, %d killed ' "$done_n" "$n_sel" "$killed_n"
        [ "$alive" = 1 ] || break
        sleep 2
    done
    printf '\n'
fi
for p in $pids; do wait "$p" || die "a worker failed"; done
trap - INT TERM HUP

report
[ -z "${below:-}" ] || { echo "mutate: kill rate below MUTATE_MIN_RATE=$MUTATE_MIN_RATE%"; exit 1; }
exit 0
