#!/usr/bin/env bash
# Prints the STeP cost report of the Mixtral-8x7B MoE layer (batch 64, top-2)
# with static 16-row tiles and with dynamic tiling, bound with the calibration
# routing counts of STeP's artifact (expert bin counts of iteration 8, layer 10).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
opt="$build/bin/step-opt"
bind="bind=B0=13,B1=10,B2=17,B3=14,B4=17,B5=10,B6=24,B7=23"
for f in moe_tile16 moe_dyn; do
  "$opt" "$here/$f.mlir" --step-insert-broadcast --step-verify-graph \
    --step-report-cost="$bind per-op=false" -o /dev/null
  echo
done
