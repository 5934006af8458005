#!/bin/sh
# tests/cli/compare.sh BINARY: the contract of `barriersim compare`: --help, usage errors exit
# 2 with a message naming the problem (a missing or non-simulation scenario file too), and a
# small comparison that writes every file: metrics.json (valid JSON), the four CSVs with their
# headers, summary.md with its verdicts, index.html, and, when gnuplot is installed, the SVGs;
# --json prints the summary; no progress line when stderr is not a terminal. A few seconds.
set -u
bin=${1:?usage: tests/cli/compare.sh BINARY}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/barriersim-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
scen=scenarios/sim/spill-clean-2x4-all-to-all.yaml

expect_exit "compare --help exits 0" 0 "$bin" compare --help
grep -q "usage: barriersim compare" "$tmp/out"; check "compare --help prints its usage" $?
expect_exit "compare without a scenario exits 2" 2 "$bin" compare --seeds 1
expect_exit "compare of a missing file exits 2" 2 "$bin" compare "$tmp/nope.yaml" --out "$tmp/x"
grep -q "cannot read $tmp/nope.yaml" "$tmp/err"; check "a missing scenario is named in the error" $?
expect_exit "compare of a handler-level file exits 2" 2 "$bin" compare scenarios/handler/$(ls scenarios/handler | head -1) --out "$tmp/x"
grep -q "not a simulation scenario" "$tmp/err"; check "a handler-level file is refused as such" $?
expect_exit "compare --strategies nope exits 2" 2 "$bin" compare "$scen" --strategies spill,nope
grep -q "unknown strategy 'nope'" "$tmp/err"; check "an unknown strategy is named" $?
expect_exit "compare --seeds 0 exits 2" 2 "$bin" compare "$scen" --seeds 0
expect_exit "compare --sweep bogus=1 exits 2" 2 "$bin" compare "$scen" --sweep bogus=1
grep -q "unknown key 'bogus'" "$tmp/err"; check "an unknown sweep key is named" $?
expect_exit "compare --sweep credits=x exits 2" 2 "$bin" compare "$scen" --sweep credits=2,x
expect_exit "compare --frob exits 2" 2 "$bin" compare "$scen" --frob 1

o="$tmp/cmp"
expect_exit "a small comparison exits 0" 0 "$bin" compare "$scen" --strategies spill,tracker --seeds 2 \
    --sweep credits=2,8 --out "$o"
grep -q "^open $o/index.html$" "$tmp/out"; check "compare says where to open it" $?
for f in metrics.json runs.csv checkpoints.csv alignments.csv buffered.csv summary.md index.html; do
    [ -s "$o/$f" ]; check "compare writes $f" $?
done
# 2 points x 2 seeds x (2 strategies + baseline) runs, plus the header
[ "$(wc -l <"$o/runs.csv")" -eq 13 ]; check "runs.csv has one row per run" $?
head -1 "$o/runs.csv" | grep -q '^scenario,strategy,sweep_key,sweep_value,seed,outcome,checkpoint_duration_p50_ns,'
check "runs.csv's header names its columns with units" $?
head -1 "$o/checkpoints.csv" | grep -q ',duration_ns,'; check "checkpoints.csv has duration_ns" $?
head -1 "$o/alignments.csv" | grep -q ',alignment_ns,'; check "alignments.csv has alignment_ns" $?
grep -q '^spill-clean-2x4-all-to-all,baseline,credits,2,42,ok,' "$o/runs.csv"; check "runs.csv holds the baseline runs" $?
grep -q "Verdicts on the published behaviours" "$o/summary.md"; check "summary.md has the verdicts" $?
grep -q "<img src=" "$o/index.html" || ! command -v gnuplot >/dev/null 2>&1; check "index.html shows the plots" $?
if command -v gnuplot >/dev/null 2>&1; then
    n=$(ls "$o"/*.svg 2>/dev/null | wc -l)
    [ "$n" -eq 4 ]; check "compare draws 4 SVG plots with gnuplot" $?
    grep -q "<svg" "$o/spill-clean-2x4-all-to-all-alignment-times.svg"; check "the plots are SVG" $?
fi
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, json; d = json.load(open(sys.argv[1])); assert len(d["runs"]) == 12; assert d["summary"]["verdicts"]' \
        "$o/metrics.json"; check "metrics.json is valid JSON with every run and the verdicts" $?
fi
! grep -q "$(printf '\r')" "$tmp/err"; check "compare prints no progress line when stderr is not a terminal" $?
expect_exit "compare --json exits 0" 0 "$bin" compare "$scen" --strategies tracker --seeds 1 --out "$tmp/j" --json
head -c 1 "$tmp/out" | grep -q '{'; check "compare --json leaves stdout to the JSON" $?
expect_exit "compare without gnuplot still exits 0" 0 env PATH=/nonexistent "$bin" compare "$scen" --strategies spill --seeds 1 --out "$tmp/ng"
grep -q "plots skipped: gnuplot is not installed" "$tmp/err"; check "a missing gnuplot is a clear warning" $?
grep -q "Plots missing" "$tmp/ng/summary.md"; check "summary.md says the plots are missing" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
