#!/bin/sh
# reports/study/run.sh BINARY OUTDIR: the bundled studies (reports/README.md):
#  - OUTDIR/: back-pressure: every strategy on backpressure.yaml and restore.yaml, the sink
#    service time swept across the sinks' arrival rate; the study settings (seeds, window,
#    sweep) and the claims with their sources are in backpressure.yaml / restore.yaml;
#  - OUTDIR/timeout-grid/: where aligned-timeout pays off: in-flight data (the byte network's
#    segment size) x aligned checkpoint timeout under back-pressure (timeout-grid.yaml);
#  - OUTDIR/debloat/: buffer debloating (FLIP-183) on and off over segment sizes and
#    exclusive buffers under back-pressure, byte network (debloat.yaml);
#  - OUTDIR/validation/: flink-benchmarks' CheckpointingTimeBenchmark in shape, with the
#    published claims it tests (reports/validation/).
#  - OUTDIR/io-tradeoff/: unaligned checkpoints' I/O trade-off with checkpoint costs on:
#    in-flight data (credits) x shared storage bandwidth (io-tradeoff.yaml).
set -eu
bin=${1:?usage: reports/study/run.sh BINARY OUTDIR}
out=${2:?usage: reports/study/run.sh BINARY OUTDIR}
here=$(dirname "$0")
"$bin" compare "$here/backpressure.yaml" "$here/restore.yaml" --out "$out"
"$bin" compare "$here/timeout-grid.yaml" --out "$out/timeout-grid"
"$bin" compare "$here/debloat.yaml" --out "$out/debloat"
"$bin" compare "$here/../validation/checkpointing-time.yaml" --out "$out/validation"
"$bin" compare "$here/../validation/checkpointing-time-aligned.yaml" --out "$out/validation-aligned"
"$bin" compare "$here/io-tradeoff.yaml" --out "$out/io-tradeoff"
