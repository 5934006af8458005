#!/usr/bin/env bash
# crosscheck.sh: `barriersim check` and SPIN (sim/check/spin/model.pml) must agree on whether
# a violation exists, for spill, tracker and the four planted bugs, over small configurations.
#
#   sim/check/spin/crosscheck.sh BARRIERSIM_BINARY [PLANTED_BINARY]
#   sim/check/spin/crosscheck.sh -              (SPIN side alone, nothing is compared)
#
# Configurations: channels 2 and 3 x checkpoints 1 and 2, 1 data item, eop and cancel on,
# skip off and on. The planted strategies (planted-no-block, planted-replay-order,
# planted-ignore-closed, planted-lose-on-rollover) exist only in the test build:
# PLANTED_BINARY defaults to barriersim-planted next to BARRIERSIM_BINARY; when it is
# missing, BARRIERSIM_BINARY is asked, and a strategy it does not know (exit 2) is "skipped".
#
# The barriersim side is run as
#   BIN check --strategy S --channels N --checkpoints K --data D [--eop] [--cancel] [--skip] --json
# (exit 0 no violation, 1 violation, 2 usage error; the JSON's "violation" is null or a string).
#
# A row passes when both tools finish and agree, and, for spill and tracker (correct
# strategies), neither finds a violation. Each tool is bounded by CHECK_TIMEOUT seconds
# (default 300); a timeout fails the row. After the table: every planted bug should be found
# in at least one configuration (reported; a bug neither tool finds anywhere fails too).
# Prints "N passed, N failed[, N skipped]"; exit 1 when anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
run="$here/run.sh"
tmo=${CHECK_TIMEOUT:-300}

[ $# -ge 1 ] || { echo "usage: $0 BARRIERSIM_BINARY [PLANTED_BINARY] | $0 -" >&2; exit 2; }
bin=$1
planted=${2:-}
if [ "$bin" != - ]; then
    [ -x "$bin" ] || { echo "crosscheck: $bin is not an executable" >&2; exit 2; }
    if [ -z "$planted" ]; then
        planted="$(dirname "$bin")/barriersim-planted"
        [ -x "$planted" ] || planted=$bin
    fi
    [ -x "$planted" ] || { echo "crosscheck: $planted is not an executable" >&2; exit 2; }
fi

strategies="spill tracker block planted-no-block planted-replay-order planted-ignore-closed planted-lose-on-rollover"
configs="2:1 2:2 3:1 3:2"
d=1 eop=1 cancel=1

field() { # line key: value of key=value in a run.sh line
    printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
jnum() { # json key: a number field
    printf '%s\n' "$1" | sed -n "s/.*\"$2\": *\([0-9.eE+-]*\).*/\1/p" | head -n 1
}

# barriersim side: sets bs_v (yes|no|timeout|error|skipped), bs_states, bs_secs
run_bs() { # strategy n k skip
    local b=$bin
    case "$1" in planted-*) b=$planted ;; esac
    local args=(check --strategy "$1" --channels "$2" --checkpoints "$3" --data "$d" --json)
    [ "$eop" = 1 ] && args+=(--eop)
    [ "$cancel" = 1 ] && args+=(--cancel)
    [ "$4" = 1 ] && args+=(--skip)
    local out rc
    out=$(cd "$scratch" && timeout "$tmo" "$b" "${args[@]}" 2>"$scratch/bs.err")
    rc=$?
    bs_states=$(jnum "$out" states); bs_secs=$(jnum "$out" seconds)
    bs_states=${bs_states:--} bs_secs=${bs_secs:--}
    local jv=none
    if printf '%s' "$out" | grep -q '"violation": *null'; then jv=no
    elif printf '%s' "$out" | grep -q '"violation": *"'; then jv=yes; fi
    case "$rc" in
    0) bs_v=no ;;
    1) bs_v=yes ;;
    2) bs_v=skipped ;;
    124|137) bs_v=timeout; return ;;
    *) bs_v=error ;;
    esac
    if [ "$bs_v" = skipped ]; then
        grep -qi "strateg" "$scratch/bs.err" || bs_v=error   # a usage error not about the strategy
    elif [ "$bs_v" != error ] && [ "$jv" != "$bs_v" ]; then
        echo "crosscheck: $b exited $rc but its JSON says violation=$jv" >&2
        bs_v=error
    fi
    [ "$bs_v" = error ] && { echo "crosscheck: $b ${args[*]}: exit $rc" >&2; cat "$scratch/bs.err" >&2; }
}

# SPIN side: sets sp_v, sp_states, sp_secs
run_spin() { # strategy n k skip
    local line rc
    line=$("$run" --timeout="$tmo" N="$2" K="$3" D="$d" EOP="$eop" CANCEL="$cancel" SKIP="$4" \
           STRATEGY="$1" 2>"$scratch/spin.err")
    rc=$?
    sp_v=$(field "$line" violation); sp_states=$(field "$line" states); sp_secs=$(field "$line" seconds)
    sp_v=${sp_v:-error} sp_states=${sp_states:--} sp_secs=${sp_secs:--}
    [ "$rc" -le 3 ] || sp_v=error
    [ "$sp_v" = error ] && cat "$scratch/spin.err" >&2
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/bs-crosscheck.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

passed=0 failed=0 skipped=0
found_spin="" found_bs=""
fmt="%-26s %2s %2s %4s | %-7s %9s %9s | %-7s %9s %9s | %s\n"
printf "$fmt" strategy n k skip spin states seconds bsim states seconds result
printf '%s\n' "---------------------------------------------------------------------------------------------------------"
for s in $strategies; do
    for nk in $configs; do
        n=${nk%:*} k=${nk#*:}
        for skip in 0 1; do
            run_spin "$s" "$n" "$k" "$skip"
            [ "$sp_v" = yes ] && found_spin="$found_spin $s"
            if [ "$bin" = - ]; then
                bs_v=- bs_states=- bs_secs=-
                result=spin-only
                case "$s:$sp_v" in
                spill:no|tracker:no|block:no|block:yes|planted-*:yes|planted-*:no) ;;
                *) result=FAIL ;;
                esac
            else
                run_bs "$s" "$n" "$k" "$skip"
                [ "$bs_v" = yes ] && found_bs="$found_bs $s"
                if [ "$bs_v" = skipped ]; then
                    result=skipped
                elif [ "$sp_v" != "$bs_v" ] || { [ "$sp_v" != yes ] && [ "$sp_v" != no ]; }; then
                    result=FAIL
                elif [ "$sp_v" = yes ] && { [ "$s" = spill ] || [ "$s" = tracker ] ||
                                             { [ "$s" = block ] && [ "$skip" = 0 ]; }; }; then
                    result="FAIL (agree, but a correct strategy must not violate)"
                else
                    result=ok
                fi
            fi
            case "$result" in
            ok|spin-only) passed=$((passed + 1)) ;;
            skipped) skipped=$((skipped + 1)) ;;
            *) failed=$((failed + 1)) ;;
            esac
            printf "$fmt" "$s" "$n" "$k" "$skip" "$sp_v" "$sp_states" "$sp_secs" "$bs_v" "$bs_states" "$bs_secs" "$result"
        done
    done
done

echo
for s in $strategies; do
    case "$s" in planted-*) ;; *) continue ;; esac
    in_spin=no in_bs=no
    case " $found_spin " in *" $s "*) in_spin=yes ;; esac
    case " $found_bs " in *" $s "*) in_bs=yes ;; esac
    if [ "$bin" = - ]; then
        echo "$s: found by spin in some configuration: $in_spin"
        [ "$in_spin" = yes ] || failed=$((failed + 1))
    else
        echo "$s: found in some configuration: spin $in_spin, barriersim $in_bs"
        [ "$in_spin" = yes ] || [ "$in_bs" = yes ] || failed=$((failed + 1))
    fi
done

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
