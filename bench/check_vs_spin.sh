#!/usr/bin/env bash
# check_vs_spin.sh: `barriersim check` against SPIN's pan on the same abstraction and the
# same configurations, answering "how large a configuration can I exhaust, and how fast".
#
#   bench/check_vs_spin.sh [BARRIERSIM_BINARY]     (default build/barriersim)
#
# Rows: strategies spill and tracker; choices eop+cancel, then eop+cancel+skip; channels x
# checkpoints 2x1 2x2 3x1 3x2 3x3 4x3, 1 data item. Per row: states, then barriersim's CPU
# time to exhaust the state space and peak memory in its two orders (breadth-first, the
# default, whose counterexamples are shortest; --depth-first, which holds only the visited
# set, as pan's default search), then pan's; states/s; and the ratios barriersim CPU time /
# pan CPU time for each order (below 1.0: barriersim is faster). Last, for each tool and
# row group, the largest configuration it exhausted within the time limit.
#
# Fairness:
# - pan is built by sim/check/spin/run.sh from sim/check/spin/model.pml as SPIN recommends
#   for a safety search: -O2 -DSAFETY -DNOFAIR, partial-order reduction on (default), a
#   hash table of 2^W slots sized to the configuration (W from 20 to 26, as pan's -w rule:
#   at least as many slots as states), -DMEMLIM=BENCH_MEM_MB.
# - barriersim runs one job (pan is single-threaded) with --max-memory of the same
#   BENCH_MEM_MB (its peak resident set; pan's MEMLIM counts what it allocates), its
#   default reductions on (sleep sets, hash compaction, symmetry, forgetting ended
#   checkpoints, merging arrival orders in spill files).
# - Times are each tool's own report of its search (barriersim: JSON "seconds" and
#   "cpu_seconds"; pan: its elapsed time on a monotonic clock and its process CPU time, both
#   patched into pan.c by run.sh): neither includes process start or compiling pan. Both
#   tools are single-threaded here, so CPU time is the time the search needed; on a shared
#   machine other processes add wall time but not CPU time, so the CPU ratio is the one to
#   quote when the two differ (best of BENCH_REPEAT is chosen by CPU time).
# - Memory: barriersim's peak resident set (JSON memory_bytes), pan's "total actual memory
#   usage".
# - States are not expected to match exactly: the two models store different things (see
#   sim/check/spin/model.pml), which is why states/s is shown.
#
# Environment: BENCH_TIMEOUT (default 60 s per run), BENCH_REPEAT (best of N, default 1),
# BENCH_MEM_MB (default 8192), BENCH_CONFIGS (default "2:1 2:2 3:1 3:2 3:3 4:3"),
# BENCH_STRATEGIES (default "spill tracker"). Exit 0 unless a tool is missing or fails
# outright; a timeout is a result, not a failure.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/barriersim}
run="$root/sim/check/spin/run.sh"
tmo=${BENCH_TIMEOUT:-60}
repeat=${BENCH_REPEAT:-1}
mem_mb=${BENCH_MEM_MB:-8192}
configs=${BENCH_CONFIGS:-"2:1 2:2 3:1 3:2 3:3 4:3"}
strategies=${BENCH_STRATEGIES:-"spill tracker"}

[ -x "$bin" ] || { echo "check_vs_spin: $bin is not an executable" >&2; exit 2; }
case "$bin" in /*) ;; *) bin=$(pwd)/$bin ;; esac # barriersim runs in a scratch directory
command -v spin >/dev/null || { echo "check_vs_spin: spin is not installed" >&2; exit 2; }
[ -x "$run" ] || { echo "check_vs_spin: $run is missing" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/bs-bench-spin.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

jnum() { printf '%s\n' "$1" | sed -n "s/.*\"$2\": *\([0-9.eE+-]*\).*/\1/p" | head -n 1; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
rate() { awk -v s="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", s / t; else printf "-" }'; }
quot() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { if (b > 0) printf "%s%.2f", p, a / b; else printf "-" }'; }
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }
hashw() { # pan -w: 2^W slots, at least the states expected (from the channel count)
    case "$1:$2" in 2:*|3:1|3:2) echo 20 ;; 3:*) echo 22 ;; *) echo 26 ;; esac
}

# barriersim: sets b_states b_secs b_cpu b_mem b_note
run_bs() { # strategy n k skip [--depth-first]
    local skipflag="" out rc s
    [ "$4" = 1 ] && skipflag=--skip
    b_states=- b_secs= b_cpu=- b_mem=- b_note=ok
    for _ in $(seq "$repeat"); do
        out=$(cd "$scratch" &&
              timeout "$tmo" "$bin" check --strategy "$1" --channels "$2" --checkpoints "$3" --data 1 \
                  --eop --cancel $skipflag ${5:-} --max-memory "$mem_mb" --json 2>"$scratch/bs.err")
        rc=$?
        case "$rc" in
        0) ;;
        1) b_note=VIOLATION ;;
        3) b_note=memory; return ;; # stopped at --max-memory (incomplete)
        124|137) b_note=timeout; return ;;
        *) if grep -q "out of memory\|Cannot allocate" "$scratch/bs.err"; then b_note=memory; return; fi
           b_note=error; status=1; sed 's/^/  barriersim: /' "$scratch/bs.err" >&2; return ;;
        esac
        s=$(jnum "$out" cpu_seconds); b_states=$(jnum "$out" states)
        b_mem=$(awk -v b="$(jnum "$out" memory_bytes)" 'BEGIN { printf "%.0f", b / 1048576 }')
        [ -n "$s" ] || { b_note=error; status=1; return; }
        if [ -z "$b_secs" ] || less "$s" "$b_cpu"; then b_cpu=$s b_secs=$(jnum "$out" seconds); fi
    done
}

# pan: sets p_states p_secs p_mem p_note
run_pan() { # strategy n k skip
    local line rc s
    p_states=- p_secs= p_cpu=- p_mem=- p_note=ok
    for _ in $(seq "$repeat"); do
        line=$("$run" --timeout="$tmo" --memlim="$mem_mb" --hash="$(hashw "$2" "$3")" N="$2" K="$3" D=1 \
               EOP=1 CANCEL=1 SKIP="$4" STRATEGY="$1" 2>"$scratch/spin.err")
        rc=$?
        case "$rc" in
        0) ;;
        1) p_note=VIOLATION ;;
        3) p_note=timeout; return ;;
        *) if grep -q "out of memory" "$scratch/spin.err"; then p_note=memory; return; fi
           p_note=error; status=1; sed 's/^/  spin: /' "$scratch/spin.err" >&2; return ;;
        esac
        s=$(field "$line" cpu_seconds); p_states=$(field "$line" states)
        p_mem=$(awk -v m="$(field "$line" memory_mb)" 'BEGIN { printf "%.0f", m }')
        [ "$s" = - ] && s=$(field "$line" seconds) # run.sh could not patch pan: wall time
        if [ -z "$p_secs" ] || less "$s" "$p_cpu"; then p_cpu=$s p_secs=$(field "$line" seconds); fi
    done
}

done_ok() { [ "$1" = ok ] || [ "$1" = VIOLATION ]; }

# The ratio column for one barriersim order: CPU time against pan's when both finished;
# "<x" when only barriersim did within the limit (its wall time / the limit pan ran out);
# ">x" the other way; "p:mem" / "b:mem" when only one finished and the other ran out of
# memory; "-" when neither finished.
ratio_of() { # bs_note bs_cpu bs_secs
    if done_ok "$1" && done_ok "$p_note"; then quot "$2" "$p_cpu" ""
    elif done_ok "$1" && [ "$p_note" = timeout ]; then quot "$3" "$tmo" "<"
    elif done_ok "$p_note" && [ "$1" = timeout ]; then quot "$tmo" "$p_secs" ">"
    elif done_ok "$1" && [ "$p_note" = memory ]; then printf 'p:mem'
    elif done_ok "$p_note" && [ "$1" = memory ]; then printf 'b:mem'
    else printf -- '-'
    fi
}

status=0
fmt="%-7s %-4s %3s | %10s | %8s %6s %-7s | %8s %6s %-7s %8s | %10s %8s %6s %-7s %8s | %7s %7s\n"
echo "check vs pan: 1 data item; best of $repeat (by CPU time); limit ${tmo}s and ${mem_mb} MiB per run; one barriersim job"
echo "barriersim breadth-first (bfs: shortest counterexamples) and --depth-first (dfs: as pan searches)"
printf "$fmt" strat skip NxK "bs states" "bfs cpu" "MiB" "bfs" "dfs cpu" "MiB" "dfs" "dfs st/s" "pan states" "pan cpu" \
    "MiB" "pan" "pan st/s" "bfs/pan" "dfs/pan"
printf '%s\n' "---------------------------------------------------------------------------------------------------------------------------------------------"
summary=""
for strat in $strategies; do
    for skip in 0 1; do
        bfs_best=none dfs_best=none p_best=none
        for nk in $configs; do
            n=${nk%:*} k=${nk#*:}
            run_bs "$strat" "$n" "$k" "$skip"
            f_states=$b_states f_cpu=$b_cpu f_secs=$b_secs f_mem=$b_mem f_note=$b_note
            run_bs "$strat" "$n" "$k" "$skip" --depth-first
            run_pan "$strat" "$n" "$k" "$skip"
            b_rate=- p_rate=-
            done_ok "$f_note" && bfs_best="${n}x$k"
            done_ok "$b_note" && { b_rate=$(rate "$b_states" "$b_cpu"); dfs_best="${n}x$k"; }
            done_ok "$p_note" && { p_rate=$(rate "$p_states" "$p_cpu"); p_best="${n}x$k"; }
            [ "$f_states" = - ] && f_states=$b_states
            fr=$(ratio_of "$f_note" "$f_cpu" "${f_secs:-0}")
            dr=$(ratio_of "$b_note" "$b_cpu" "${b_secs:-0}")
            printf "$fmt" "$strat" "$skip" "${n}x$k" "$f_states" "$f_cpu" "$f_mem" "$f_note" "$b_cpu" "$b_mem" "$b_note" \
                "$b_rate" "$p_states" "$p_cpu" "$p_mem" "$p_note" "$p_rate" "$fr" "$dr"
        done
        summary="$summary$(printf '%-7s skip=%s: barriersim bfs %-5s dfs %-5s pan %s' "$strat" "$skip" "$bfs_best" \
            "$dfs_best" "$p_best")
"
    done
done
echo
echo "largest configuration exhausted within ${tmo}s (in the order $configs):"
printf '%s' "$summary"
exit "$status"
