#!/usr/bin/env bash
# run.sh: model-check one configuration of sim/check/spin/model.pml with SPIN.
#
#   sim/check/spin/run.sh [OPTIONS] CONFIG-FLAGS...
#
# CONFIG-FLAGS: -DN=3 -DK=2 -DD=1 -DEOP=1 -DCANCEL=1 -DSKIP=0 -DSTRATEGY=SPILL (the -D may be
# left out: N=3 K=2 ...). STRATEGY is SPILL, TRACKER, BLOCK, NO_BLOCK, REPLAY_ORDER, IGNORE_CLOSED,
# LOSE_ON_ROLLOVER, or the barriersim name (spill, tracker, planted-no-block, ...). Defaults:
# N=2 K=1 D=1 EOP=1 CANCEL=1 SKIP=0 STRATEGY=SPILL.
#
# OPTIONS:
#   --noreduce     compile pan with -DNOREDUCE (default: partial-order reduction on; with
#                  the model's single process it prunes nothing, the counts are the same)
#   --collapse     -DCOLLAPSE state compression
#   --hc4          -DHC4 hash compaction (may miss states: a "no" is then not a proof)
#   --bitstate     -DBITSTATE supertrace (likewise)
#   --hash=W       ./pan -wW, a hash table of 2^W slots (default 20: ample for the small
#                  configurations, and cheap to set up; pan's own default, 24, costs 0.5 s)
#   --depth=M      ./pan -mM (default 10000; the model's depth is about the item count)
#   --memlim=MB    -DMEMLIM (default 16384)
#   --timeout=S    stop pan after S seconds (prints violation=timeout, exit 3)
#   --trail        on a violation, print the counterexample (spin -t) to standard error
#   --keep         keep the temporary directory (its path goes to standard error)
#
# Prints one line on standard output:
#   spin strategy=S n=N k=K d=D eop=0/1 cancel=0/1 skip=0/1 violation=yes|no states=S transitions=T seconds=X cpu_seconds=C memory_mb=M
# states = pan's "states, stored", transitions = "transitions (= stored+matched)", seconds =
# memory_mb = pan's "total actual memory usage"; seconds = pan's "elapsed time" (the search alone; pan.c is patched to read CLOCK_MONOTONIC instead of
# its 10 ms times() ticks; should the patch not apply to another pan version, and pan print
# less than one tick, the monotonic wall time around ./pan is given instead); cpu_seconds =
# the CPU time of pan's process over the same span (CLOCK_PROCESS_CPUTIME_ID, patched in
# likewise; "-" without the patch).
# Exit: 0 no violation, 1 violation, 2 usage or tool error (violation=error), 3 timeout.
set -u

here=$(cd "$(dirname "$0")" && pwd)
model="$here/model.pml"

die() { echo "run.sh: $*" >&2; exit 2; }

n=2 k=1 d=1 eop=1 cancel=1 skip=0 strat=SPILL
noreduce=0 store="" hashw=20 depth=10000 memlim=16384 tmo="" trail=0 keep=0
for a in "$@"; do
    case "$a" in
    --noreduce) noreduce=1 ;;
    --collapse) store="-DCOLLAPSE" ;;
    --hc4) store="-DHC4" ;;
    --bitstate) store="-DBITSTATE" ;;
    --hash=*) hashw=${a#--hash=} ;;
    --depth=*) depth=${a#--depth=} ;;
    --memlim=*) memlim=${a#--memlim=} ;;
    --timeout=*) tmo=${a#--timeout=} ;;
    --trail) trail=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -D*=*|[A-Z]*=*)
        kv=${a#-D}; key=${kv%%=*}; val=${kv#*=}
        case "$key" in
        N) n=$val ;; K) k=$val ;; D) d=$val ;;
        EOP) eop=$val ;; CANCEL) cancel=$val ;; SKIP) skip=$val ;;
        STRATEGY) strat=$val ;;
        *) die "unknown configuration flag: $a" ;;
        esac ;;
    *) die "unknown argument: $a (see --help)" ;;
    esac
done

for v in "$n" "$k" "$d" "$eop" "$cancel" "$skip" "$depth" "$memlim"; do
    case "$v" in ''|*[!0-9]*) die "not a number: '$v'" ;; esac
done
case "$eop$cancel$skip" in *[!01]*) die "EOP, CANCEL and SKIP are 0 or 1" ;; esac

# STRATEGY token for the model, and the barriersim name for the output line.
case "$strat" in
SPILL|spill) tok=SPILL name=spill ;;
TRACKER|tracker) tok=TRACKER name=tracker ;;
BLOCK|block) tok=BLOCK name=block ;;
NO_BLOCK|no-block|planted-no-block) tok=NO_BLOCK name=planted-no-block ;;
REPLAY_ORDER|replay-order|planted-replay-order) tok=REPLAY_ORDER name=planted-replay-order ;;
IGNORE_CLOSED|ignore-closed|planted-ignore-closed) tok=IGNORE_CLOSED name=planted-ignore-closed ;;
LOSE_ON_ROLLOVER|lose-on-rollover|planted-lose-on-rollover) tok=LOSE_ON_ROLLOVER name=planted-lose-on-rollover ;;
*) die "unknown strategy: $strat" ;;
esac

command -v spin >/dev/null || die "spin not found"
command -v "${CC:-gcc}" >/dev/null || die "${CC:-gcc} not found"
[ -r "$model" ] || die "cannot read $model"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bs-spin.XXXXXX") || die "mktemp failed"
cleanup() { if [ "$keep" = 1 ]; then echo "run.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

defs=(-DN="$n" -DK="$k" -DD="$d" -DEOP="$eop" -DCANCEL="$cancel" -DSKIP="$skip" -DSTRATEGY="$tok")
line_head="spin strategy=$name n=$n k=$k d=$d eop=$eop cancel=$cancel skip=$skip"
fail() { # message
    echo "run.sh: $*" >&2
    echo "$line_head violation=error states=0 transitions=0 seconds=0"
    exit 2
}

cp "$model" "$tmp/model.pml"
cd "$tmp" || fail "cannot enter $tmp"
spin "${defs[@]}" -a model.pml >spin.out 2>&1 || { cat spin.out >&2; fail "spin -a failed"; }
# As SPIN recommends for a safety-only search: -O2, -DSAFETY (no cycle detection), -DNOFAIR
# (no weak-fairness code); -DMEMLIM caps pan's memory (the bench gives barriersim the same).
cflags=(-O2 -w -DSAFETY -DNOFAIR -DMEMLIM="$memlim")
[ "$noreduce" = 1 ] && cflags+=(-DNOREDUCE)
[ -n "$store" ] && cflags+=("$store")
# pan times its search with times() (10 ms ticks): make it read a monotonic clock instead,
# so that small searches get a real duration. Without the patch, the wall time is used.
perl -0pi -e '
    s/^/#include <time.h>\n/;
    s/(clock_t start_time;)/$1\nstruct timespec bs_mono0, bs_cpu0;/ and $n++;
    s/(start_time = times\(&start_tm\);)/$1 clock_gettime(CLOCK_MONOTONIC, &bs_mono0); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &bs_cpu0);/ and $n++;
    s{(delta_time = \(\(double\) \(stop_time - start_time\)\) / \(\(double\) sysconf\(_SC_CLK_TCK\)\);)}
     {$1 { struct timespec bs_t1, bs_c1; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &bs_c1);
           clock_gettime(CLOCK_MONOTONIC, &bs_t1);
           delta_time = (double) (bs_t1.tv_sec - bs_mono0.tv_sec)
                      + (double) (bs_t1.tv_nsec - bs_mono0.tv_nsec) / 1e9;
           printf("pan: cpu time %.6f seconds\\n", (double) (bs_c1.tv_sec - bs_cpu0.tv_sec)
                  + (double) (bs_c1.tv_nsec - bs_cpu0.tv_nsec) / 1e9); }} and $n++;
    END { exit($n == 3 ? 0 : 1) }' pan.c && patched=1 || patched=0
"${CC:-gcc}" "${cflags[@]}" -o pan pan.c >cc.out 2>&1 || { cat cc.out >&2; fail "compiling pan.c failed"; }

panargs=(-m"$depth")
[ -n "$hashw" ] && panargs+=(-w"$hashw")

# Run ./pan, timing it with a monotonic clock; the wall time goes to pan.wall.
timer='use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
my $t = clock_gettime(CLOCK_MONOTONIC);
my $rc = system(@ARGV);
open(my $f, ">", "pan.wall") or die; printf $f "%.6f\n", clock_gettime(CLOCK_MONOTONIC) - $t;
exit($rc == -1 ? 127 : ($rc & 127) ? 128 + ($rc & 127) : $rc >> 8);'
if [ -n "$tmo" ]; then
    timeout "$tmo" perl -e "$timer" ./pan "${panargs[@]}" >pan.out 2>&1
else
    perl -e "$timer" ./pan "${panargs[@]}" >pan.out 2>&1
fi
rc=$?

states=$(awk '/states, stored/ {printf "%.0f", $1; exit}' pan.out)
trans=$(awk '/transitions \(= stored\+matched\)/ {printf "%.0f", $1; exit}' pan.out)
secs=$(awk '/pan: elapsed time/ {print $4; exit}' pan.out)
cpu=$(awk '/pan: cpu time/ {print $4; exit}' pan.out)
mem=$(awk '/total actual memory usage/ {print $1; exit}' pan.out)
wall=$(cat pan.wall 2>/dev/null || echo "")

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "$line_head violation=timeout states=${states:-0} transitions=${trans:-0} seconds=$tmo"
    exit 3
fi
# pan either fails an allocation ("out of memory") or, past -DMEMLIM, stops its search
# early ("reached -DMEMLIM bound") and still reports errors: 0: neither is an exhausted space.
if grep -q "out of memory\|reached -DMEMLIM bound" pan.out; then
    tail -n 20 pan.out >&2
    fail "pan ran out of memory (try --collapse, --hc4 or --bitstate, or a larger --memlim)"
fi
[ -n "$states" ] || { tail -n 20 pan.out >&2; fail "pan did not report its state count (exit $rc)"; }
grep -q "max search depth too small" pan.out && fail "search depth $depth too small (use --depth)"
errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.out | head -n 1)
if [ "${errors:-0}" = 0 ]; then
    violation=no
elif grep -q "assertion violated" pan.out; then
    violation=yes
else
    # Not an invariant: an invalid end state or an index out of bounds is a model bug.
    grep -E "^pan:|error" pan.out >&2
    fail "pan reported an error that is not an assertion"
fi

# Unpatched, pan's clock counts 10 ms ticks: below one tick, the monotonic wall time.
if [ -z "$secs" ] || { [ "$patched" = 0 ] && awk -v s="$secs" 'BEGIN {exit !(s + 0 < 0.01)}'; }; then
    secs=${wall:-0}
fi

if [ "$violation" = yes ]; then
    grep "assertion violated" pan.out | head -n 1 >&2
    if [ "$trail" = 1 ]; then
        echo "---- counterexample ($name n=$n k=$k d=$d eop=$eop cancel=$cancel skip=$skip)" >&2
        spin "${defs[@]}" -T -t model.pml 2>&1 | sed -n '/^#processes/q;p' >&2
    fi
fi

echo "$line_head violation=$violation states=$states transitions=$trans seconds=$secs cpu_seconds=${cpu:--} memory_mb=${mem:-0}"
[ "$violation" = yes ] && exit 1
exit 0
