#!/usr/bin/env bash
# The Mixtral-8x7B MoE layer (batch 64, top-2) with static 16-row tiles and
# with dynamic tiling: STeP's cost report bound with the calibration routing
# counts (expert bin counts of iteration 8, layer 10), then a simulation of
# both on the SN40L-like fabric with a routing trace of those counts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
opt="$build/bin/step-opt"
sim="$build/bin/step-sim"
arch="$here/../../arch/sn40l_like.pbtxt"
bind="bind=B0=13,B1=10,B2=17,B3=14,B4=17,B5=10,B6=24,B7=23"
for f in moe_tile16 moe_dyn; do
  "$opt" "$here/$f.mlir" --step-insert-broadcast --step-verify-graph \
    --step-report-cost="$bind per-op=false" -o /dev/null
  echo "  simulated on $(basename "$arch"):"
  "$sim" "$here/$f.mlir" --arch "$arch" \
    --bind routing="$here/routing_calibration.csv" --quiet | sed -n '1,5s/^/    /p'
  echo
done
