#!/bin/sh
# reports/study/run.sh BINARY OUTDIR: the bundled study (reports/README.md): every strategy
# on the two study scenarios, 5 seeds, sink service time swept across the sinks' arrival
# rate (one record per 2 us). Strategies this binary does not know are left out, with a
# warning (the comparison strategies land in the core one by one).
set -eu
bin=${1:?usage: reports/study/run.sh BINARY OUTDIR}
out=${2:?usage: reports/study/run.sh BINARY OUTDIR}
here=$(dirname "$0")
want="spill block unaligned aligned-timeout tracker"
have=""
for s in $want; do
    if "$bin" compare --strategies "$s" --help >/dev/null 2>&1; then
        have="${have:+$have,}$s"
    else
        echo "study: warning: this barriersim has no strategy '$s'; it is left out" >&2
    fi
done
"$bin" compare "$here/backpressure.yaml" "$here/restore.yaml" --strategies "$have" --seeds 5 \
    --sweep sink-service-ns=500,1000,1500,1800,2000,2200,2400,2700,3000 --out "$out"
