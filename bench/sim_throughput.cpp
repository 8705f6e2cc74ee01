//===- sim_throughput.cpp - simulator throughput (Google Benchmark) -------===//
//
// BM_Pipeline: a long operator pipeline on the step engine (channel
// transfers and operator resumptions per second).
// BM_Graph: a whole SimGraph, for example the MoE layer; the graph, the
// architecture and the bindings come from the environment (bench/run.sh sets
// them): STEP_BENCH_GRAPH=g.pb STEP_BENCH_ARCH=a.pbtxt
// STEP_BENCH_BIND=name=file[,name=file...].
//
//===----------------------------------------------------------------------===//

#include "bench/Pipeline.h"
#include "runtime/Tensors.h"
#include "simulator/Simulator.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace step;

static void BM_Pipeline(benchmark::State &state) {
  int stages = static_cast<int>(state.range(0));
  int64_t tokens = state.range(1);
  bench::PipelineResult r;
  for (auto _ : state)
    r = bench::runStepPipeline(stages, tokens, /*compute=*/2, /*depth=*/2);
  state.counters["cycles"] = static_cast<double>(r.cycles);
  state.counters["transfers/s"] = benchmark::Counter(
      static_cast<double>(r.transfers), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["resumptions/s"] = benchmark::Counter(
      static_cast<double>(r.resumptions), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Pipeline)->Args({16, 100000})->Args({64, 20000})->Unit(benchmark::kMillisecond);

static void BM_Graph(benchmark::State &state) {
  const char *graphPath = std::getenv("STEP_BENCH_GRAPH");
  const char *archPath = std::getenv("STEP_BENCH_ARCH");
  if (!graphPath || !archPath) {
    state.SkipWithError("set STEP_BENCH_GRAPH and STEP_BENCH_ARCH (bench/run.sh)");
    for (auto _ : state) {
    }
    return;
  }
  std::ifstream in(graphPath, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  sim::proto::SimGraph graph;
  if (!graph.ParseFromString(buf.str())) {
    state.SkipWithError("cannot read STEP_BENCH_GRAPH");
    for (auto _ : state) {
    }
    return;
  }
  sim::Architecture arch = sim::Architecture::loadFile(archPath);
  std::vector<std::string> binds;
  if (const char *b = std::getenv("STEP_BENCH_BIND")) {
    std::stringstream ss(b);
    std::string item;
    while (std::getline(ss, item, ','))
      binds.push_back(item);
  }
  sim::RuntimeInputs inputs = runtime::loadBindings(binds);
  sim::SimResult r;
  for (auto _ : state)
    r = sim::simulate(graph, arch, inputs, sim::SimOptions());
  state.counters["cycles"] = static_cast<double>(r.cycles);
  state.counters["requests/s"] = benchmark::Counter(
      static_cast<double>(r.offChipRequests), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["transfers/s"] = benchmark::Counter(
      static_cast<double>(r.transfers), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Graph)->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();
