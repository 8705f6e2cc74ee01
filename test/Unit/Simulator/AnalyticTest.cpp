//===- AnalyticTest.cpp - whole pipelines against first-order bounds ------===//
//
// A pipeline limited by off-chip bandwidth must take about its traffic over
// the peak bandwidth (channels * request bytes / initiation interval); one
// limited by compute about its FLOPs over the compute bandwidth. Both are
// run through simulate(), with both memory models for the first.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

using namespace steptest;

namespace {

/// The HBM of STeP's HDL validation: 8 channels, 64-byte requests, II 2,
/// latency 2, start-up 14: a peak of 8 * 64 / 2 = 256 bytes/cycle.
ArchSpec hdlHbm() {
  ArchSpec spec;
  spec.channels = 8;
  spec.requestBytes = 64;
  spec.ii = 2;
  spec.latency = 2;
  spec.startUp = 14;
  spec.depth = 2;
  return spec;
}

TEST(AnalyticTest, MemoryBoundPipelineRunsAtPeakBandwidth) {
  // load -> exp -> store over a 512x512 f32 tensor in 64x64 tiles (16 KB,
  // 256 requests each), par_dispatch 8: each client alone can offer 8
  // requests a cycle, twice what the channels take (8 / II 2 = 4). Memory
  // units and compute are made fast enough to stay out of the way.
  ArchSpec spec = hdlHbm();
  spec.muBandwidth = 1 << 20;
  spec.computeBw = 1 << 20;
  proto::SimGraph g;
  int loaded = addChannel(g), mapped = addChannel(g);
  addLinearLoad(g, loaded, "x", 64, 64, 8, 8, 8);
  proto::Operator &map = addOp(g, "map", {loaded}, {mapped});
  RegionBuilder r;
  r.yield(r.op("exp", {r.arg(tileType(64, 64))}, tileType(64, 64)));
  *map.add_regions() = r.region;
  addLinearStore(g, mapped, "y", {512, 512}, 8);

  step::sim::Architecture arch = makeArch(spec);
  const double peak = arch.getOffChipBytesPerCycle();
  ASSERT_EQ(peak, 256.0);
  for (bool requestLevel : {false, true}) {
    SCOPED_TRACE(requestLevel ? "request-level" : "aggregate");
    step::sim::SimOptions opts;
    opts.requestLevelMemory = requestLevel;
    step::sim::SimResult res = step::sim::simulate(g, arch, {}, opts);
    const int64_t bytes = res.offChipBytesRead + res.offChipBytesWritten;
    ASSERT_EQ(bytes, 2 * 512 * 512 * 4);
    // 2 MiB / 256 B per cycle = 8192 cycles of transfer, plus one request's
    // start-up and latency.
    const double ideal = double(bytes) / peak + spec.startUp + spec.latency;
    EXPECT_GE(res.cycles, int64_t(double(bytes) / peak))
        << "faster than the peak bandwidth";
    EXPECT_LE(std::fabs(double(res.cycles) - ideal), 0.02 * ideal)
        << "cycles " << res.cycles << ", ideal " << ideal;
  }
}

TEST(AnalyticTest, ComputeBoundPipelineRunsAtComputeBandwidth) {
  // 8 pairs of 16x64 and 64x16 f32 tiles multiplied by a map with
  // compute_bw 16: 2 * 16 * 64 * 16 = 32768 FLOPs = 2048 cycles each,
  // against a few dozen cycles of memory traffic per tile.
  ArchSpec spec = hdlHbm();
  proto::SimGraph g;
  int a = addChannel(g), b = addChannel(g), c = addChannel(g);
  for (auto [ch, name, rows, cols] :
       {std::tuple{a, "a", 16, 64}, std::tuple{b, "b", 64, 16}}) {
    proto::Operator &op = addOp(g, "linear_load", {}, {ch});
    auto &attrs = *op.mutable_attrs();
    attrs["tensor"] = strAttr(name);
    attrs["tensor_shape"] = intsAttr({rows, 8 * cols});
    attrs["tile"] = typeAttr(tileType(rows, cols));
    // A one-dimensional view of 8 tiles along the columns: [1, 8].
    attrs["view"] = intsAttr({8});
  }
  proto::Operator &map = addOp(g, "map", {a, b}, {c});
  (*map.mutable_attrs())["compute_bw"] = intAttr(16);
  RegionBuilder r;
  int x = r.arg(tileType(16, 64));
  int w = r.arg(tileType(64, 16));
  r.yield(r.op("matmul", {x, w}, tileType(16, 16)));
  *map.add_regions() = r.region;
  addLinearStore(g, c, "y", {16, 128}, 4);

  step::sim::SimResult res =
      step::sim::simulate(g, makeArch(spec), {}, step::sim::SimOptions());
  const int64_t flops = 8 * 2 * 16 * 64 * 16;
  EXPECT_EQ(res.totalFlops, flops);
  const double ideal = double(flops) / 16.0;
  EXPECT_GE(res.cycles, int64_t(ideal)) << "faster than compute_bw";
  EXPECT_LE(std::fabs(double(res.cycles) - ideal), 0.02 * ideal)
      << "cycles " << res.cycles << ", ideal " << ideal;
  // The map is busy all that time.
  EXPECT_EQ(res.operators.at(2).kind, "map");
  EXPECT_EQ(res.operators.at(2).busy, int64_t(ideal));
  EXPECT_NEAR(res.achievedFlopsPerCycle, 16.0, 0.02 * 16.0);
}

} // namespace
