#!/usr/bin/env bash
# check_vs_spin.sh: `barriersim check` against SPIN on the same abstraction (strategy spill,
# 1 data item, eop and cancel choices; channels 2 and 3 x checkpoints 1 and 2): time to
# exhaust the state space and states per second of each, side by side, and the ratio
# barriersim time / pan time per row.
#
#   bench/check_vs_spin.sh [BARRIERSIM_BINARY]     (default build/barriersim)
#
# pan is built by sim/check/spin/run.sh from sim/check/spin/model.pml with its default
# partial-order reduction (-DSAFETY, no -DNOREDUCE). Times are each tool's own report of its
# search (barriersim: the JSON "seconds"; pan: its elapsed time, read from a monotonic clock),
# so neither includes process start-up or compiling pan; the best of BENCH_REPEAT runs
# (default 3) is kept. Each run is bounded by BENCH_TIMEOUT seconds (default 300): a row
# then says "timeout" instead of hanging. States are not expected to match: the two models
# store different things (see sim/check/spin/model.pml), which is why states/s is shown.
# Exit 0 unless a tool is missing or fails outright.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/barriersim}
run="$root/sim/check/spin/run.sh"
tmo=${BENCH_TIMEOUT:-300}
repeat=${BENCH_REPEAT:-3}

[ -x "$bin" ] || { echo "check_vs_spin: $bin is not an executable" >&2; exit 2; }
command -v spin >/dev/null || { echo "check_vs_spin: spin is not installed" >&2; exit 2; }
[ -x "$run" ] || { echo "check_vs_spin: $run is missing" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/bs-bench-spin.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

jnum() { printf '%s\n' "$1" | sed -n "s/.*\"$2\": *\([0-9.eE+-]*\).*/\1/p" | head -n 1; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
rate() { awk -v s="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", s / t; else printf "-" }'; }
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

status=0
fmt="%2s %2s | %9s %10s %11s %-8s | %9s %10s %11s %-8s | %8s\n"
echo "check vs spin: strategy spill, 1 data item, choices eop+cancel; best of $repeat; timeout ${tmo}s"
printf "$fmt" n k "bs states" "bs s" "bs st/s" "bs" "pan states" "pan s" "pan st/s" "pan" "bs/pan"
printf '%s\n' "----------------------------------------------------------------------------------------------------------"
for nk in 2:1 2:2 3:1 3:2; do
    n=${nk%:*} k=${nk#*:}

    # barriersim check
    b_states=- b_secs= b_note=ok
    for _ in $(seq "$repeat"); do
        out=$(cd "$scratch" && timeout "$tmo" "$bin" check --strategy spill --channels "$n" \
              --checkpoints "$k" --data 1 --eop --cancel --json 2>"$scratch/bs.err")
        rc=$?
        case "$rc" in
        0) ;;
        1) b_note=VIOLATION ;;
        124|137) b_note=timeout; break ;;
        *) b_note=error; status=1; sed 's/^/  barriersim: /' "$scratch/bs.err" >&2; break ;;
        esac
        s=$(jnum "$out" seconds); b_states=$(jnum "$out" states)
        [ -n "$s" ] || { b_note=error; status=1; break; }
        if [ -z "$b_secs" ] || less "$s" "$b_secs"; then b_secs=$s; fi
    done

    # pan
    p_states=- p_secs= p_note=ok
    for _ in $(seq "$repeat"); do
        line=$("$run" --timeout="$tmo" N="$n" K="$k" D=1 EOP=1 CANCEL=1 SKIP=0 STRATEGY=spill \
               2>"$scratch/spin.err")
        rc=$?
        case "$rc" in
        0) ;;
        1) p_note=VIOLATION ;;
        3) p_note=timeout; break ;;
        *) p_note=error; status=1; sed 's/^/  spin: /' "$scratch/spin.err" >&2; break ;;
        esac
        s=$(field "$line" seconds); p_states=$(field "$line" states)
        if [ -z "$p_secs" ] || less "$s" "$p_secs"; then p_secs=$s; fi
    done

    b_rate=- p_rate=- ratio=-
    [ "$b_note" = timeout ] && b_secs=">$tmo"
    [ "$p_note" = timeout ] && p_secs=">$tmo"
    case "$b_note" in ok|VIOLATION) b_rate=$(rate "$b_states" "$b_secs") ;; esac
    case "$p_note" in ok|VIOLATION) p_rate=$(rate "$p_states" "$p_secs") ;; esac
    if { [ "$b_note" = ok ] || [ "$b_note" = VIOLATION ]; } && { [ "$p_note" = ok ] || [ "$p_note" = VIOLATION ]; }; then
        ratio=$(awk -v a="$b_secs" -v b="$p_secs" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }')
    fi
    printf "$fmt" "$n" "$k" "$b_states" "${b_secs:--}" "$b_rate" "$b_note" "$p_states" "${p_secs:--}" "$p_rate" "$p_note" "$ratio"
done
exit "$status"
