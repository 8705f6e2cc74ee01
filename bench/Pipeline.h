//===- Pipeline.h - a long operator pipeline for benchmarks ------*- C++ -*-===//
//
// A source, `stages` operators that each spend `compute` cycles per token,
// and a sink, joined by channels of a given depth, on the step engine. The
// same pipeline is written against SystemC in systemc_pipeline.cpp. This
// header stays C++17 (the SystemC side is built as C++17, like Debian's
// libsystemc).
//
//===----------------------------------------------------------------------===//

#ifndef STEP_BENCH_PIPELINE_H
#define STEP_BENCH_PIPELINE_H

#include <cstdint>

namespace step::bench {

struct PipelineResult {
  int64_t cycles = 0;
  uint64_t transfers = 0, resumptions = 0;
};

/// Runs the pipeline on the step engine.
PipelineResult runStepPipeline(int stages, int64_t tokens, int64_t compute,
                               int64_t depth);

} // namespace step::bench

#endif // STEP_BENCH_PIPELINE_H
