#!/usr/bin/env bash
# Runs the simulator benchmarks and prints their tables; writes
# results/bench_systemc.csv and results/bench_sim.json. Quote ratios measured
# in one run, with the machine.
#   bench/run.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
mkdir -p "$root/results"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== step engine vs SystemC 2.3 (same pipeline, same cycles) =="
{
  echo "stages,tokens,compute,depth,cycles,step_seconds,systemc_seconds,ratio"
  for args in "64 20000 2 2" "16 100000 2 2" "64 20000 1 1"; do
    "$build/bin/step-bench-systemc" $args 2>/dev/null | tee /dev/stderr | sed -n 's/^csv,//p'
  done
} > "$tmp/systemc.csv" 2> >(grep -E "^(pipeline|kernel|step |SystemC |same|MISMATCH)" >&2)
mv "$tmp/systemc.csv" "$root/results/bench_systemc.csv"

echo "== simulator throughput (Google Benchmark) =="
# The MoE layer of examples/moe_expert (tile 16) with a routing trace whose
# expert counts are STeP's calibration counts [13,10,17,14,17,10,24,23].
python3 - "$tmp/routing.csv" <<'PY'
import sys
counts = [13, 10, 17, 14, 17, 10, 24, 23]
slots = [e for e, c in enumerate(counts) for _ in range(c)]
with open(sys.argv[1], "w") as f:
    f.write("token,expert_0,expert_1\n")
    for t in range(64):
        f.write(f"{t},{slots[t]},{slots[t + 64]}\n")
PY
"$build/bin/step-translate" --emit-sim-graph "$root/examples/moe_expert/moe_tile16.mlir" -o "$tmp/moe.pb"
STEP_BENCH_GRAPH="$tmp/moe.pb" STEP_BENCH_ARCH="$root/arch/sn40l_like.pbtxt" \
STEP_BENCH_BIND="routing=$tmp/routing.csv" \
  "$build/bin/step-bench-sim" --benchmark_out="$root/results/bench_sim.json" \
  --benchmark_out_format=json
