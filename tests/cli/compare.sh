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
expect_exit "compare --warmup takes a unit, as a study file does" 0 "$bin" compare "$scen" --strategies block --seeds 1 --bootstrap 10 --warmup 400us --cooldown 1ms --json --out "$tmp/units"
grep -q '"warmup_ns": 400000, "cooldown_ns": 1000000' "$tmp/out"; check "400us and 1ms are read as 400000 and 1000000 ns" $?
expect_exit "compare --warmup 4x exits 2" 2 "$bin" compare "$scen" --warmup 4x
grep -q "is not a time" "$tmp/err"; check "compare --warmup 4x says it is not a time" $?
expect_exit "compare of a handler-level file exits 2" 2 "$bin" compare scenarios/handler/$(ls scenarios/handler | head -1) --out "$tmp/x"
grep -q "not a simulation scenario" "$tmp/err"; check "a handler-level file is refused as such" $?
expect_exit "compare --strategies nope exits 2" 2 "$bin" compare "$scen" --strategies spill,nope
grep -q "unknown strategy 'nope'" "$tmp/err"; check "an unknown strategy is named" $?
expect_exit "compare --seeds 0 exits 2" 2 "$bin" compare "$scen" --seeds 0
expect_exit "compare --sweep bogus=1 exits 2" 2 "$bin" compare "$scen" --sweep bogus=1
grep -q "unknown key 'bogus'" "$tmp/err"; check "an unknown sweep key is named" $?
grep -q "payload-bytes" "$tmp/err"; check "the error lists the sweepable keys (from the key table)" $?
expect_exit "compare --sweep credits=x exits 2" 2 "$bin" compare "$scen" --sweep credits=2,x
expect_exit "compare --sweep credits=0 (out of range) exits 2" 2 "$bin" compare "$scen" --sweep credits=0
grep -q "credits: 0 is out of range" "$tmp/err"; check "an out-of-range sweep value names the range" $?
expect_exit "a second --sweep of the same key exits 2" 2 "$bin" compare "$scen" --sweep credits=2 --sweep credits=4
grep -q "'credits' is swept twice" "$tmp/err"; check "a key swept twice is named" $?
[ ! -e compare-out ]; check "a usage error writes no output folder" $?
expect_exit "compare --frob exits 2" 2 "$bin" compare "$scen" --frob 1

o="$tmp/cmp"
expect_exit "a small comparison exits 0" 0 "$bin" compare "$scen" --strategies spill,unaligned --seeds 2 \
    --sweep credits=2,8 --bootstrap 200 --out "$o"
grep -q "^open $o/index.html$" "$tmp/out"; check "compare says where to open it" $?
for f in metrics.json runs.csv checkpoints.csv alignments.csv buffered.csv summary.md index.html; do
    [ -s "$o/$f" ]; check "compare writes $f" $?
done
! ls -d "$o".tmp-* >/dev/null 2>&1; check "no temporary folder is left beside the output" $?
# 2 points x 2 seeds x (2 strategies + baseline) runs, plus the header
[ "$(wc -l <"$o/runs.csv")" -eq 13 ]; check "runs.csv has one row per run" $?
head -1 "$o/runs.csv" | grep -q '^scenario,strategy,credits,seed,outcome,trace_hash,n_checkpoint_duration_ns,'
check "runs.csv names the swept key as a column, units last" $?
head -1 "$o/checkpoints.csv" | grep -q ',duration_ns,'; check "checkpoints.csv has duration_ns" $?
head -1 "$o/alignments.csv" | grep -q ',alignment_ns,'; check "alignments.csv has alignment_ns" $?
head -1 "$o/buffered.csv" | grep -q ',held_incl_channel_state_bytes$'
check "a metric that includes channel state says so in its name" $?
! grep -q 'buffered_per_checkpoint' "$o/runs.csv"; check "the ambiguous 'buffered' metric is gone" $?
grep -q '^spill-clean-2x4-all-to-all,baseline,2,42,ok,' "$o/runs.csv"; check "runs.csv holds the baseline runs" $?
grep -q "95% CI\|95%% CI" "$o/summary.md" || grep -q "95% two-stage bootstrap" "$o/summary.md"
check "summary.md states its intervals" $?
grep -q "No claims declared" "$o/summary.md"; check "a study without claims reports none" $?
! grep -qi "published behaviours\|reproduced" "$o/summary.md"; check "no verdicts written in C" $?
grep -q "(simulated" "$o/summary.md"; check "table headers say the times are simulated" $?
grep -q "<img src=" "$o/index.html" || ! command -v gnuplot >/dev/null 2>&1; check "index.html shows the plots" $?
if command -v gnuplot >/dev/null 2>&1; then
    for p in duration-vs-credits duration-cdf alignment-cdf held-over-time; do
        [ -s "$o/spill-clean-2x4-all-to-all-$p.png" ] && [ -s "$o/spill-clean-2x4-all-to-all-$p.svg" ]
        check "compare draws $p as PNG and SVG" $?
    done
    grep -q "simulated" "$o/spill-clean-2x4-all-to-all-duration-cdf.svg"; check "time axes say simulated" $?
    ! grep -q "warning" "$o/gnuplot.log"; check "gnuplot draws without warnings" $?
fi
if command -v python3 >/dev/null 2>&1; then
    python3 - "$o/metrics.json" <<'PY'; check "metrics.json: every run with its provenance and the summary" $?
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["runs"]) == 12
for r in d["runs"]:
    assert r["version"].startswith("barriersim"), r["version"]
    assert len(r["trace_hash"]) == 16
    assert "--seed-base %d" % r["seed"] in r["reproduce"]
    assert r["config"]["credits"] == r["point"]["credits"]
    assert "simulation:" in r["config"]["scenario_yaml"]
base = [r for r in d["runs"] if r["strategy"] == "baseline"]
assert base and all(r["metrics"]["checkpoints_completed"] == 0 for r in base)
assert d["summary"]["groups"][0]["metrics"]["checkpoint_duration_ns"]["median"]["ci95"]
assert d["summary"]["claims"] == []
# every run that delivered records has latency samples and a throughput above zero
for r in d["runs"]:
    assert r["samples"]["latency_ns"] and r["samples"]["latency_ns"]["n"] > 0, r["strategy"]
    assert r["samples"]["throughput_records_per_s"]["median"] > 0, r["strategy"]
PY
    cmd=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][4]; print(r["reproduce"].replace("--out compare-repro", "--out '"$tmp"'/repro")); print(r["trace_hash"], r["strategy"])' "$o/metrics.json")
    h=$(echo "$cmd" | tail -1 | cut -d' ' -f1) st=$(echo "$cmd" | tail -1 | cut -d' ' -f2)
    sh -c "$(echo "$cmd" | head -1)" >/dev/null 2>&1
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [r for r in d["runs"] if r["strategy"] == sys.argv[2] and r["trace_hash"] == sys.argv[3]]' \
        "$tmp/repro/metrics.json" "$st" "$h"
    check "the printed reproduce command reruns that point with the same trace hash" $?
fi
! grep -q "$(printf '\r')" "$tmp/err"; check "compare prints no progress line when stderr is not a terminal" $?

# the same inputs give the same files, byte for byte (intervals included)
expect_exit "the same study again exits 0" 0 "$bin" compare "$scen" --strategies spill,unaligned --seeds 2 \
    --sweep credits=2,8 --bootstrap 200 --out "$tmp/again"
diff -r -x gnuplot.log "$o" "$tmp/again" >/dev/null; check "reports are byte-identical for the same seed" $?

# a grid: repeated --sweep of different keys
expect_exit "a grid of two keys exits 0" 0 "$bin" compare "$scen" --strategies unaligned --seeds 1 \
    --sweep credits=2,8 --sweep payload-bytes=64,512 --bootstrap 50 --out "$tmp/grid"
[ "$(wc -l <"$tmp/grid/runs.csv")" -eq 9 ]; check "2 x 2 grid points x (1 strategy + baseline) runs" $?
grep -q "^spill-clean-2x4-all-to-all,unaligned,8,512,42,ok," "$tmp/grid/runs.csv"; check "runs are labelled by their swept values" $?
grep -q "credits=8, payload-bytes=64" "$tmp/grid/summary.md"; check "tables label points by the swept values" $?

# the checkpoint-free baseline of a scripted scenario has no checkpoints
expect_exit "compare of a scripted scenario exits 0" 0 "$bin" compare scenarios/sim/scripted-spill-early-barrier.yaml \
    --strategies spill --seeds 1 --bootstrap 10 --out "$tmp/scr"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "checkpoints_completed") c = i }
         $2 == "baseline" { seen = 1; if ($c != 0) bad = 1 } END { exit !(seen && !bad) }' "$tmp/scr/runs.csv"
check "the scripted scenario's baseline completes no checkpoint" $?
awk -F, '$2 == "spill" { n++ } END { exit !(n > 0) }' "$tmp/scr/checkpoints.csv"; check "its spill run does" $?

# different checkpoint counts between strategies are reported
expect_exit "compare of strategies completing different counts exits 0" 0 "$bin" compare reports/study/backpressure.yaml \
    --strategies tracker,unaligned --seeds 1 --sweep sink-service-ns=3000 --bootstrap 10 --out "$tmp/counts"
grep -q "completed different numbers of checkpoints" "$tmp/counts/summary.md"; check "different checkpoint counts are reported" $?

# no partial output on error, and an existing output keeps its content
mkdir -p "$tmp/keep" && echo '{}' >"$tmp/keep/metrics.json" && echo old >"$tmp/keep/marker"
expect_exit "a run that fails midway exits 2" 2 "$bin" compare scenarios/sim/spill-clean-forward-1x4.yaml \
    --strategies spill --seeds 1 --sweep parallelism=4,2 --out "$tmp/keep"
grep -q "parallelism=2" "$tmp/err"; check "the error names the point" $?
[ "$(cat "$tmp/keep/marker")" = old ] && [ "$(cat "$tmp/keep/metrics.json")" = '{}' ]
check "the previous output folder is left as it was" $?
! ls -d "$tmp"/keep.tmp-* >/dev/null 2>&1; check "no partial folder is left behind" $?
expect_exit "a failing run into a new folder exits 2" 2 "$bin" compare scenarios/sim/spill-clean-forward-1x4.yaml \
    --strategies spill --seeds 1 --sweep parallelism=4,2 --out "$tmp/new"
[ ! -e "$tmp/new" ]; check "the output folder is not created on error" $?
mkdir -p "$tmp/other" && echo mine >"$tmp/other/notes.txt"
expect_exit "a folder that is not a compare output is refused" 2 "$bin" compare "$scen" --strategies spill \
    --seeds 1 --out "$tmp/other"
[ "$(cat "$tmp/other/notes.txt")" = mine ]; check "and left alone" $?

# declared claims: evaluated with intervals; bad ones are errors at file:line:col
cat >"$tmp/claims.yaml" <<'YAML'
name: claims
strategy: spill
seed: 3
simulation: {sources: 2, records-per-source: 300, stages: 2, parallelism: 2, credits: 4, checkpoint-interval-ns: 100000}
study: {strategies: [spill, unaligned], seeds: 2}
claims:
  - claim: "unaligned checkpoints are not longer than spill's"
    source: "a test"
    metric: checkpoint_duration_ns
    strategy: unaligned
    compare: ratio
    to: {strategy: spill}
    holds-if: "<= 10"
YAML
expect_exit "a study with a claim exits 0" 0 "$bin" compare "$tmp/claims.yaml" --bootstrap 100 --out "$tmp/cl"
grep -q "\[holds\] claims: unaligned checkpoints" "$tmp/out"; check "the claim's verdict is printed" $?
grep -q "95% CI" "$tmp/cl/summary.md" && grep -q "Source: a test" "$tmp/cl/summary.md"
check "summary.md reports the claim with its source and interval" $?
sed 's/metric: checkpoint_duration_ns/metric: checkpoint_time/' "$tmp/claims.yaml" >"$tmp/bad.yaml"
expect_exit "a claim naming an unknown metric exits 2" 2 "$bin" compare "$tmp/bad.yaml" --out "$tmp/bad"
grep -q "bad.yaml:9:13: metric: unknown metric 'checkpoint_time'" "$tmp/err"; check "it is named at file:line:col" $?
sed 's/holds-if: "<= 10"/holds-if: "about 10"/' "$tmp/claims.yaml" >"$tmp/bad2.yaml"
expect_exit "a malformed holds-if exits 2" 2 "$bin" compare "$tmp/bad2.yaml" --out "$tmp/bad"
grep -q "bad2.yaml:13:15: holds-if" "$tmp/err"; check "it is named at file:line:col" $?

# Flink 1.14+ aligned checkpoint timeout (issue 9): under back-pressure, in the byte network,
# a 1 ms timeout lands between unaligned and aligned checkpoints, far closer to unaligned.
# The validation study's job (reports/validation/), shortened: 8000 records per source, no sweep or claims.
sed -e 's/records-per-source: 40000/records-per-source: 8000/' -e '/^study:/,$d' \
    reports/validation/checkpointing-time.yaml >"$tmp/ctb.yaml"
expect_exit "the checkpointing-time job exits 0" 0 "$bin" compare "$tmp/ctb.yaml" \
    --strategies block,unaligned,aligned-timeout --seeds 2 --warmup 600ms --bootstrap 10 --out "$tmp/ctb"
# the median checkpoint duration of each strategy, from checkpoints.csv
median() { # median STRATEGY
    awk -F, -v s="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "duration_ns") d = i; next }
        $2 == s && $8 == "completed" { print $d }' "$tmp/ctb/checkpoints.csv" | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print -1 }'
}
un=$(median unaligned); at=$(median aligned-timeout); al=$(median block)
[ "$un" -gt 0 ] && [ "$un" -lt "$at" ] && [ "$at" -lt "$al" ]
check "a 1 ms timeout is between unaligned ($un ns) and aligned ($al ns): $at ns" $?
[ $((at - un)) -lt $((al - at)) ]; check "... and closer to unaligned" $?
sed 's/^  network: bytes/  network: bytes\n  announce-barriers: 0/' "$tmp/ctb.yaml" >"$tmp/ctb0.yaml"
expect_exit "the same job timed per task exits 0" 0 "$bin" compare "$tmp/ctb0.yaml" \
    --strategies aligned-timeout --seeds 2 --warmup 600ms --bootstrap 10 --out "$tmp/ctb0"
at0=$(awk -F, 'NR > 1 && $2 == "aligned-timeout" && $8 == "completed" { print $7 }' "$tmp/ctb0/checkpoints.csv" |
      sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
[ "$at0" -gt $((10 * at)) ]; check "timed per task (announce-barriers: 0) it pays off far less: $at0 ns" $?

# Output state of a barrier converted in an outbox after its task triggered aligned (the
# validation job, 16 KiB segments) counts in the checkpoint's statistics but leaves the
# buffered series once the checkpoint is over: the series' last sample holds no channel
# state (it kept 503808 bytes to the end of the run before).
expect_exit "the validation job's aligned-timeout at 16 KiB exits 0" 0 "$bin" compare reports/validation/checkpointing-time.yaml \
    --strategies aligned-timeout --seeds 1 --sweep segment-size=16384 --bootstrap 10 --out "$tmp/conv"
last=$(awk -F, 'NR > 1 && $2 == "aligned-timeout" { v = $8 } END { print v }' "$tmp/conv/buffered.csv")
cs=$(awk -F, 'NR > 1 && $2 == "aligned-timeout" && $16 > 0 { n++ } END { print n + 0 }' "$tmp/conv/checkpoints.csv")
[ "$last" = 0 ] && [ "$cs" -gt 0 ]; check "converted output state leaves the buffered series (last sample $last B; $cs checkpoints with channel state)" $?
# its alignment CDF starts at 0: the axis starts a little below, so a step at 0 is not
# drawn on the border (unaligned's alignment is all 0)
grep -q '^set xrange \[-[0-9.e+-]*:\]$' "$tmp/conv/plots.gp"; check "a CDF axis from 0 starts below 0, so a step at 0 shows" $?
# a swept on/off key is an axis of two categories, and the held-over-time title wraps
# after its point label (one line ran off both sides of a 1000-pixel plot)
expect_exit "the validation job with debloating off and on exits 0" 0 "$bin" compare \
    reports/validation/checkpointing-time-aligned.yaml --seeds 1 --bootstrap 10 --out "$tmp/onoff"
grep -q '^set xtics ("off" 0, "on" 1)$' "$tmp/onoff/plots.gp"; check "a swept on/off key's axis reads off and on" $?
grep -q 'buffer-debloat 1:\\nheld for alignment and channel state' "$tmp/onoff/plots.gp"
check "the held-over-time title wraps after its point label" $?

if command -v gnuplot >/dev/null 2>&1; then
    expect_exit "a sweep of a key with a unit exits 0" 0 "$bin" compare "$scen" --strategies spill --seeds 1 \
        --sweep alignment-timeout-ns=5000,20000,5000000 --bootstrap 10 --out "$tmp/units"
    grep -q 'set title "alignment-timeout 5 µs"' "$tmp/units/plots.gp" && ! grep -q 'alignment-timeout-ns=5000' "$tmp/units/plots.gp"
    check "plot panels name swept values in human units, not raw ns" $?
    # 5 us .. 5 ms: over three decades only powers of ten are labelled, 2 and 5 are minor
    # tics (labelled, they overlapped on a narrow panel)
    grep -q '^set xtics (.*"" [0-9.e+-]* 1' "$tmp/units/plots.gp" && ! grep -q '^set xtics (.*, 0.02,' "$tmp/units/plots.gp"
    check "a log axis over more than three decades labels only powers of ten" $?
fi

expect_exit "compare --json exits 0" 0 "$bin" compare "$scen" --strategies tracker --seeds 1 --bootstrap 10 --out "$tmp/j" --json
head -c 1 "$tmp/out" | grep -q '{'; check "compare --json leaves stdout to the JSON" $?
expect_exit "compare without gnuplot still exits 0" 0 env PATH=/nonexistent "$bin" compare "$scen" --strategies spill --seeds 1 --bootstrap 10 --out "$tmp/ng"
grep -q "plots skipped: gnuplot is not installed" "$tmp/err"; check "a missing gnuplot is a clear warning" $?
grep -q "Plots missing" "$tmp/ng/summary.md"; check "summary.md says the plots are missing" $?

# Buffer debloating (issue 9 point 2, reports/study/debloat.yaml): under back-pressure the
# aligned checkpoint stays near the 1 ms debloat target at 4 KiB and 32 KiB segments, 2 and
# 8 exclusive buffers, and follows the in-flight bytes without debloating. One seed here.
expect_exit "the debloating study exits 0" 0 "$bin" compare reports/study/debloat.yaml --seeds 1 --bootstrap 100 \
    --out "$tmp/db" --json
[ "$(grep -c '^  \[holds\] debloat: ' "$tmp/err")" -eq 4 ]
check "with debloating the aligned duration stays near the target whatever the buffers (4 claims hold)" $?
grep -q '"buffer-debloat": 1' "$tmp/db/metrics.json"; check "metrics.json records the swept debloating switch" $?
# Checkpoint costs and Flink's checkpoint statistics (docs/compare.md): a sweep of the
# shared storage's bandwidth; the statistics are columns of every output and metrics of
# the claims; slower storage makes unaligned checkpoints longer, aligned ones persist nothing.
cat >"$tmp/costs.yaml" <<'YAML'
name: costs
strategy: unaligned
simulation: {sources: 2, records-per-source: 600, stages: 2, parallelism: 2, credits: 8, payload-bytes: 256,
             service-ns: [{min: 200, mean: 400, max: 4000}, {min: 2000, mean: 3000, max: 10000}],
             checkpoint-interval-ns: 100000, state-bytes: 4096, sync-ns: 2000, storage-latency-ns: 5000,
             ack-latency-ns: 1000, metadata-bytes: 1024}
study: {strategies: [unaligned, block], seeds: 2}
claims:
  - claim: "unaligned checkpoints persist in-flight data"
    source: "a test"
    metric: persisted_in_flight_bytes
    statistic: mean
    strategy: unaligned
    at: {storage-bytes-per-s: 200000000}
    compare: difference
    to: {strategy: block}
    holds-if: "> 0"
YAML
expect_exit "a costs sweep exits 0" 0 "$bin" compare "$tmp/costs.yaml" --sweep storage-bytes-per-s=200000000,2000000000 \
    --bootstrap 100 --out "$tmp/co"
grep -q 'title "storage-bytes-per-s 200 MB/s"' "$tmp/co/plots.gp" && ! grep -q 'storage-bytes-per-s 200000000' "$tmp/co/plots.gp"
check "plot panels name a swept bandwidth in MB/s, not raw bytes per second" $?
for m in start_delay_ns sync_duration_ns async_duration_ns checkpointed_size_bytes persisted_in_flight_bytes \
         processed_in_flight_bytes operator_state_bytes metadata_write_ns; do
    head -1 "$tmp/co/runs.csv" | grep -q ",n_$m,median_$m,p99_$m"; check "runs.csv has $m" $?
    grep -q "\"$m\"" "$tmp/co/metrics.json"; check "metrics.json has $m" $?
done
head -1 "$tmp/co/checkpoints.csv" | grep -q ',checkpointed_size_bytes,processed_in_flight_bytes,metadata_write_ns$'
check "checkpoints.csv has the checkpoint statistics" $?
head -1 "$tmp/co/alignments.csv" | grep -q ',start_delay_ns,processed_in_flight_bytes,acked,sync_ns,async_ns,'
check "alignments.csv has the per-task statistics" $?
grep -q "checkpointed data size" "$tmp/co/summary.md" && grep -q "sync duration per task" "$tmp/co/summary.md"
check "summary.md reports the checkpoint statistics" $?
# column of NAME in runs.csv for (strategy, storage bandwidth), seed 42's row
col() { awk -F, -v n="$1" -v s="$2" -v b="$3" 'NR==1{for(i=1;i<=NF;i++)if($i==n)c=i;next} $2==s&&$3==b{print $c;exit}' "$tmp/co/runs.csv"; }
slow=$(col median_checkpoint_duration_ns unaligned 200000000); fast=$(col median_checkpoint_duration_ns unaligned 2000000000)
awk -v a="$slow" -v b="$fast" 'BEGIN{exit !(a > 2*b)}'; check "slower storage makes checkpoints longer ($slow vs $fast ns)" $?
[ "$(col median_persisted_in_flight_bytes block 200000000)" = 0 ]; check "aligned checkpoints persist no in-flight data" $?
awk -v a="$(col median_persisted_in_flight_bytes unaligned 200000000)" 'BEGIN{exit !(a > 0)}'
check "unaligned checkpoints persist in-flight data" $?
awk -v a="$(col median_sync_duration_ns block 200000000)" 'BEGIN{exit !(a >= 2000)}'; check "the sync phase is measured" $?
grep -q "\[holds\] costs: unaligned checkpoints persist in-flight data" "$tmp/out"
check "a claim over a checkpoint statistic is judged" $?
sed 's/state-bytes: 4096/state-bytes: 4096, storage-bytes-per-s: 2000000000000/' "$tmp/costs.yaml" >"$tmp/badcost.yaml"
expect_exit "a cost out of its range exits 2" 2 "$bin" compare "$tmp/badcost.yaml" --out "$tmp/bad"
grep -q "badcost.yaml:5:.*storage-bytes-per-s" "$tmp/err"; check "it is named at file:line:col" $?

# Key skew (docs/sim-scenarios.md, Link kinds): key-skew is a numeric key, so compare sweeps
# it; a Zipf exponent of 2 over 100 keys puts over 60 % of the records on the hot key's task
# of the hash link (service 1.5 us for 2 records/us), which back-pressures the job: the
# throughput falls and aligned checkpoints wait longer for the hot task.
cat >"$tmp/skew.yaml" <<'YAML'
name: skew
strategy: block
simulation: {sources: 4, records-per-source: 600, stages: 2, parallelism: 4, link: [all-to-all, hash],
             credits: 4, key-count: 100, source-interval-ns: 2000,
             service-ns: [{min: 200, mean: 300, max: 3000}, {min: 1000, mean: 1500, max: 6000}],
             checkpoint-interval-ns: 100000}
YAML
expect_exit "a key-skew sweep exits 0" 0 "$bin" compare "$tmp/skew.yaml" --strategies block --seeds 1 \
    --sweep key-skew=0,2000 --bootstrap 20 --out "$tmp/sk"
skcol() { awk -F, -v n="$1" -v v="$2" 'NR==1{for(i=1;i<=NF;i++)if($i==n)c=i;next} $2=="block"&&$3==v{print $c;exit}' "$tmp/sk/runs.csv"; }
head -1 "$tmp/sk/runs.csv" | grep -q '^scenario,strategy,key-skew,seed'; check "runs.csv has a key-skew column" $?
even=$(skcol throughput_records_per_s 0); hot=$(skcol throughput_records_per_s 2000)
awk -v a="$even" -v b="$hot" 'BEGIN{exit !(a > 1.5*b)}'; check "a hot key lowers the throughput ($even vs $hot records/s)" $?
even=$(skcol median_checkpoint_duration_ns 0); hot=$(skcol median_checkpoint_duration_ns 2000)
awk -v a="$even" -v b="$hot" 'BEGIN{exit !(b > 1.5*a)}'; check "a hot key makes aligned checkpoints longer ($even vs $hot ns)" $?
expect_exit "a key-skew out of its range exits 2" 2 "$bin" compare "$tmp/skew.yaml" --sweep key-skew=0,9000
grep -q "key-skew: 9000 is out of range (0 .. 5000)" "$tmp/err"; check "it names the range" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
