//===- Simulator.h - the simulator's public API ------------------*- C++ -*-===//
//
// Simulates a SimGraph on an architecture with runtime inputs bound, and
// returns cycles and statistics. C++17, no MLIR: tools, the tuner and tests
// call this.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_SIMULATOR_H
#define STEP_SIMULATOR_SIMULATOR_H

#include "simulator/Arch.h"
#include "simulator/proto/sim_graph.pb.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace step::sim {

/// A dense tensor: floats (off-chip data) or integers (traces, metadata).
struct Tensor {
  std::vector<int64_t> shape;
  bool isInteger = false;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

/// Named runtime inputs: routing traces and metadata for select_gen and
/// metadata_gen, off-chip tensors for loads in functional mode.
using RuntimeInputs = std::map<std::string, Tensor>;

struct SimOptions {
  /// Tiles carry data and tile ops compute (otherwise shapes only).
  bool functional = false;
  /// Record busy intervals for a Chrome trace.
  bool trace = false;
  /// Check against request-by-request off-chip memory (slow; tests).
  bool requestLevelMemory = false;
  /// STeP's `mock_bf16`: timing counts every 4-byte (f32) tile element as 2
  /// bytes (off-chip requests, memory-unit cycles, reported bytes), as STeP's
  /// MoE experiments ran with f32 tensors standing in for bf16.
  bool mockBf16 = false;
  /// Measure the peak on-chip occupancy. Its record holds two entries per
  /// channel transfer until the end of the run (components' clocks are
  /// local, so no change is final earlier), so long sparse runs turn it off.
  bool peakOnChip = true;
  /// Called now and then with the simulated cycle reached.
  std::function<void(int64_t cycle)> progress;
};

struct OperatorStats {
  int id = 0;
  std::string kind, location;
  int64_t busy = 0, stalledIn = 0, stalledOut = 0, idle = 0;
  int64_t flops = 0;
  int64_t computeBw = 0;  // FLOPs/cycle allocated (0: none)
  double utilization = 0; // busy / cycles
  std::vector<std::pair<int64_t, int64_t>> busyIntervals;
};

struct SimResult {
  int64_t cycles = 0;
  std::vector<OperatorStats> operators;
  int64_t offChipBytesRead = 0, offChipBytesWritten = 0;
  int64_t offChipRequests = 0;
  /// Largest on-chip occupancy at any cycle: tokens in FIFOs plus what
  /// operators hold (accumulators, buffers, tiles being loaded or stored).
  int64_t peakOnChipBytes = 0;
  /// Sum of the compute bandwidth allocated to operators that compute, and
  /// FLOPs actually computed per cycle.
  int64_t allocatedFlopsPerCycle = 0;
  double achievedFlopsPerCycle = 0;
  int64_t totalFlops = 0;
  uint64_t resumptions = 0, transfers = 0;
  /// Functional mode: tensors written by linear_store, by name.
  std::map<std::string, Tensor> stored;
};

/// Runs the graph. Throws InputError (bad graph, missing or malformed
/// binding) or DeadlockError (with the blocked operators and channels).
SimResult simulate(const proto::SimGraph &graph, const Architecture &arch,
                   const RuntimeInputs &inputs, const SimOptions &options);

} // namespace step::sim

#endif // STEP_SIMULATOR_SIMULATOR_H
