#!/bin/bash
# barriersim fuzz as a Slurm job array: array task K runs shard K/N of one seed range
# (SLURM_ARRAY_TASK_ID is K; N is the array's size), each writing its --json report to a
# shared directory; a dependent job merges them into totals equal to an unsharded run.
#
#   sbatch deploy/slurm-fuzz.sh                       # 8 shards of 100000 seeds
#   SEEDS=1000000 sbatch --array=0-63 deploy/slurm-fuzz.sh
#
# The array must start at 0 and have no gaps (--array=0-N-1). The first task submits the
# merge job (afterany: it runs whether shards passed or found failures); its output file,
# barriersim-merge-<jobid>.out, holds the verdict, and its exit code is 0 (no failing seed),
# 1 (a failing seed, listed with its replay command) or 2 (a missing or malformed report).
#
#SBATCH --job-name=barriersim-fuzz
#SBATCH --array=0-7
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --mem=512M
#SBATCH --time=02:00:00
#SBATCH --output=barriersim-fuzz-%A_%a.out
set -u

BARRIERSIM=${BARRIERSIM:-barriersim}
SEEDS=${SEEDS:-100000}
SEED_BASE=${SEED_BASE:-0}
STRATEGY=${STRATEGY:-any}
OUT=${OUT:-$PWD/barriersim-results-$SLURM_ARRAY_JOB_ID}

if [ "${SLURM_ARRAY_TASK_MIN:-0}" -ne 0 ]; then
    echo "barriersim: the array must start at 0 (--array=0-N-1)" >&2
    exit 2
fi
k=$SLURM_ARRAY_TASK_ID
shards=$((SLURM_ARRAY_TASK_MAX + 1))
mkdir -p "$OUT"

if [ "$k" -eq 0 ]; then
    sbatch --dependency="afterany:$SLURM_ARRAY_JOB_ID" --job-name=barriersim-merge \
        --output="barriersim-merge-$SLURM_ARRAY_JOB_ID.out" --ntasks=1 --time=00:10:00 \
        --wrap="$BARRIERSIM merge --json '$OUT/merged.json' --junit '$OUT/merged.xml' --tap '$OUT/merged.tap' '$OUT'/shard-*.json"
fi

"$BARRIERSIM" fuzz --seeds "$SEEDS" --seed-base "$SEED_BASE" --strategy "$STRATEGY" \
    --shard "$k/$shards" --json "$OUT/shard-$k.json" --junit "$OUT/shard-$k.xml" \
    --shrink-out "$OUT/shrunk-shard-$k.conf"
rc=$?
# 1 is a result (a failing seed, in the report): the merge job reports it. 2 is a usage error.
[ "$rc" -le 1 ] || exit "$rc"
exit 0
