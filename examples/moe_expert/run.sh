#!/usr/bin/env bash
# The demo (`make demo`): the Mixtral-8x7B MoE layer (batch 64, top-2) with
# static token tiles and with dynamic tiling, simulated on the SN40L-like
# fabric and compared.
#
#  1. STeP's cost model on the committed graphs (moe_tile16.mlir,
#     moe_dyn.mlir) bound with STeP's calibration routing counts.
#  2. A routing trace derived from real routing data: 64 tokens drawn by
#     `step-trace sample-routing` from Fiddler's per-layer expert counts of
#     Mixtral-8x7B-Instruct (layer 10, all MMLU subjects, seed 1), then the
#     layer built by step-gen for tiles 16, 32, 64 and dynamic tiling,
#     costed and simulated by scripts/reproduce_step.py dyn-tiling.
#  3. The same on STeP's calibration counts, next to STeP's published cycles.
#
# Usage: run.sh [BUILD_DIR]   (default: ../../build). Writes only under
# BUILD_DIR/demo/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
opt="$build/bin/step-opt"
trace="$build/bin/step-trace"
out="$build/demo"
mkdir -p "$out"

echo "== 1. STeP's cost model, calibration counts B = [13,10,17,14,17,10,24,23] =="
bind="bind=B0=13,B1=10,B2=17,B3=14,B4=17,B5=10,B6=24,B7=23"
for f in moe_tile16 moe_dyn; do
  echo "  @$f:"
  "$opt" "$here/$f.mlir" --step-insert-broadcast --step-verify-graph \
    --step-report-cost="$bind per-op=false" -o /dev/null |
    grep -E '^  total .* = ' | sed 's/^  /    /'
done
echo

echo "== 2. Routing sampled from real Mixtral-8x7B expert counts =="
routing="$out/routing_fiddler_instruct_l10_b64_seed1.csv"
rm -f "$routing"  # our own output of a previous run
"$trace" sample-routing --counts "$root/data/traces/fiddler_mixtral_expert_popularity_mmlu.csv" \
  --model mixtral_8x7b_instruct --layer 10 --tokens 64 --topk 2 --seed 1 \
  -o "$routing" | sed 's/^/  /'
"$root/scripts/reproduce_step.py" dyn-tiling --build "$build" --model mixtral-8x7b \
  --batch 64 --routing "$routing" --tiles 16,32,64,dyn \
  --out "$out/dyn_tiling_fiddler.csv" | sed 's/^/  /'
echo

echo "== 3. STeP's calibration routing (reference/step.md §8.1) =="
"$root/scripts/reproduce_step.py" dyn-tiling --build "$build" --model mixtral-8x7b \
  --batch 64 --routing "$here/routing_calibration.csv" --tiles 16,64,dyn \
  --out "$out/dyn_tiling_calibration.csv" | sed 's/^/  /'
echo "  STeP's simulator (reference/anchor_runs.md): tile 16 4,644,975; tile 64 2,810,632;"
echo "  dyn 2,817,876 cycles (paper v1: 4,644,999 / 2,813,010 / 2,782,672)."
