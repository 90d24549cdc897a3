#!/bin/bash
# Submits a sharded sweep: an array of N tasks and the merge that waits for all of them.
#   scripts/slurm/submit_array.sh CONFIG OUT N
#   GPUS=1 scripts/slurm/submit_array.sh CONFIG OUT N     # each task with one GPU
# Environment: GPUS, GPUs per task (default 0: CPU tasks); SBATCH_ARGS, more sbatch options for
# the array (e.g. "--partition=gpu --time=08:00:00").
set -euo pipefail
CONFIG=${1:?usage: submit_array.sh CONFIG OUT N}
OUT=${2:?usage: submit_array.sh CONFIG OUT N}
N=${3:?usage: submit_array.sh CONFIG OUT N}
here=$(dirname "$0")
gpus=()
if [ "${GPUS:-0}" != 0 ]; then
  gpus=(--gpus="$GPUS")
fi
read -r -a extra <<< "${SBATCH_ARGS:-}"
array=$(sbatch --parsable --array=1-"$N" "${gpus[@]}" "${extra[@]}" \
  --export=ALL,CONFIG="$CONFIG",OUT="$OUT" "$here/array_sweep.sbatch")
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL,OUT="$OUT",PARTS="$N" "$here/merge.sbatch")
echo "array job $array (tasks 1-$N), merge job $merge -> $OUT"
