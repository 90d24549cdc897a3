#!/bin/bash
# Submits a sharded sweep: an array of N tasks and the merge that waits for all of them.
#   scripts/slurm/submit_array.sh CONFIG OUT N
set -euo pipefail
CONFIG=${1:?usage: submit_array.sh CONFIG OUT N}
OUT=${2:?usage: submit_array.sh CONFIG OUT N}
N=${3:?usage: submit_array.sh CONFIG OUT N}
here=$(dirname "$0")
array=$(sbatch --parsable --array=1-"$N" --export=ALL,CONFIG="$CONFIG",OUT="$OUT" "$here/array_sweep.sbatch")
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL,OUT="$OUT",PARTS="$N" "$here/merge.sbatch")
echo "array job $array (tasks 1-$N), merge job $merge -> $OUT"
