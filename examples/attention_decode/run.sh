#!/bin/bash
# STeP's attention-decode calibration (reference/step.md §8.3): Qwen3-30B-A3B,
# one KV head, B = 64 "med" batches, 4 regions; static coarse, static
# interleaved and dynamic parallelization, each simulated once and timed.
# Usage: examples/attention_decode/run.sh [BUILD_DIR] [--depths as-run|stated]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
DEPTHS=as-run
if [ "${2:-}" = --depths ]; then DEPTHS=${3:?--depths needs as-run or stated}; fi
BIN=$BUILD/bin
ARCH=$ROOT/arch/sn40l_like.pbtxt
BATCHES=$ROOT/data/traces/step_kv_batches_azure2023_conv.csv
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# as-run: the FIFO depths STeP's simulator used (the channel depth, 1);
# stated: the 16 / 4 its scripts ask for (see README.md).
FLAGS=()
[ "$DEPTHS" = as-run ] && FLAGS=(--metadata-depth 0 --write-back-depth 0)
"$BIN/step-gen" attention --batch 64 --max-kv 6464 "${FLAGS[@]}" -o "$TMP/one.mlir"
"$BIN/step-opt" "$TMP/one.mlir" --step-parallelize="regions=4 strategy=coarse" -o "$TMP/coarse.mlir"
"$BIN/step-opt" "$TMP/one.mlir" --step-parallelize="regions=4 strategy=interleaved" -o "$TMP/interleaved.mlir"
"$BIN/step-opt" "$TMP/one.mlir" --step-dynamic-parallelize="regions=4" -o "$TMP/dynamic.mlir"

# STeP's cycles (anchor runs of its artifact; step.md §8.3).
declare -A STEP=(
  [b64_s4007_e4070/coarse]=70210 [b64_s4007_e4070/interleaved]=64362 [b64_s4007_e4070/dynamic]=49094
  [b64_s3123_e3186/coarse]=66610 [b64_s3123_e3186/interleaved]=79782 [b64_s3123_e3186/dynamic]=57669
  [b64_s0733_e0796/coarse]=52164 [b64_s0733_e0796/interleaved]=66244 [b64_s0733_e0796/dynamic]=42671)

printf "%-17s %-12s %9s %9s %8s %7s\n" batch strategy cycles STeP diff sim_s
for id in b64_s4007_e4070 b64_s3123_e3186 b64_s0733_e0796; do
  "$BIN/step-trace" kv-lengths --batches "$BATCHES" --batch "$id" -o "$TMP/$id.npy" > /dev/null
  for s in coarse interleaved dynamic; do
    start=$(date +%s.%N)
    cycles=$("$BIN/step-sim" "$TMP/$s.mlir" --arch "$ARCH" --bind "kv_lens=$TMP/$id.npy" \
               --mock-bf16 | sed -n 's/^cycles: //p')
    end=$(date +%s.%N)
    ref=${STEP[$id/$s]}
    printf "%-17s %-12s %9d %9d %+7.2f%% %7.3f\n" "$id" "$s" "$cycles" "$ref" \
      "$(echo "100 * ($cycles - $ref) / $ref" | bc -l)" "$(echo "$end - $start" | bc -l)"
  done
done
