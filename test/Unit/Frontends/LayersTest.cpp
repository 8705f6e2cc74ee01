//===- LayersTest.cpp - the layer builders' C++ API -----------------------===//
//
// Configs and options, and the builders used in-process: several layers in
// one module, errors as diagnostics with nothing left behind, the channel
// depth on the module.
//
//===----------------------------------------------------------------------===//

#include "frontends/layers/Layers.h"

#include "dialects/Step/StepOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
namespace fe = mlir::step::frontends;

namespace {

TEST(ModelConfigTest, LooksUpTheNamedConfigs) {
  std::optional<fe::ModelConfig> qwen = fe::lookupModelConfig("qwen3-30b-a3b");
  ASSERT_TRUE(qwen);
  EXPECT_EQ(qwen->numExperts, 128);
  EXPECT_EQ(qwen->topK, 8);
  EXPECT_EQ(qwen->dim, 2048);
  EXPECT_EQ(qwen->interDim, 768);
  EXPECT_EQ(qwen->numHeads, 32);
  EXPECT_EQ(qwen->numKVHeads, 4);
  EXPECT_EQ(qwen->headDim, 64);
  std::optional<fe::ModelConfig> mixtral =
      fe::lookupModelConfig("mixtral-8x7b");
  ASSERT_TRUE(mixtral);
  EXPECT_EQ(mixtral->numExperts, 8);
  EXPECT_EQ(mixtral->topK, 2);
  EXPECT_EQ(mixtral->dim, 4096);
  EXPECT_EQ(mixtral->interDim, 14336);
  EXPECT_EQ(mixtral->numHeads, 32);
  EXPECT_EQ(mixtral->numKVHeads, 8);
  EXPECT_EQ(mixtral->headDim, 128);
  EXPECT_EQ(fe::getKnownModelConfigs().size(), 2u);
}

TEST(ModelConfigTest, UnknownNameListsTheKnownOnes) {
  std::string error;
  EXPECT_FALSE(fe::lookupModelConfig("Mixtral-8x7B", &error));
  EXPECT_EQ(error, "unknown model 'Mixtral-8x7B'; known models: "
                   "qwen3-30b-a3b, mixtral-8x7b");
}

TEST(ModelConfigTest, OverridesReplaceOnlyTheSetFields) {
  fe::ModelOverrides o;
  o.topK = 1;
  o.interDim = 512;
  fe::ModelConfig c =
      fe::applyOverrides(*fe::lookupModelConfig("mixtral-8x7b"), o);
  EXPECT_EQ(c.numExperts, 8);
  EXPECT_EQ(c.topK, 1);
  EXPECT_EQ(c.dim, 4096);
  EXPECT_EQ(c.interDim, 512);
  EXPECT_EQ(c.headDim, 128);
}

TEST(ScheduleOptionsTest, ParsesTilings) {
  fe::ScheduleOptions o;
  std::string error;
  ASSERT_TRUE(succeeded(fe::parseTiling("dyn", o, error)));
  EXPECT_TRUE(o.isDynamicTiling());
  ASSERT_TRUE(succeeded(fe::parseTiling("32", o, error)));
  EXPECT_EQ(o.tileRows, 32);
  for (const char *bad : {"0", "-4", "16x", "", "DYN"}) {
    EXPECT_TRUE(failed(fe::parseTiling(bad, o, error))) << bad;
    EXPECT_EQ(o.tileRows, 32) << "a failed parse changed the options";
  }
}

TEST(ScheduleOptionsTest, ValidatesPerLayer) {
  fe::ModelConfig c = *fe::lookupModelConfig("mixtral-8x7b");
  fe::ScheduleOptions o;
  std::string error;
  EXPECT_TRUE(succeeded(fe::validate(fe::LayerKind::MoE, c, o, error)));
  // The FFN has no routing: its expert count and top-k do not matter.
  c.topK = 0;
  EXPECT_TRUE(succeeded(fe::validate(fe::LayerKind::SwiGLUFFN, c, o, error)));
  EXPECT_TRUE(failed(fe::validate(fe::LayerKind::MoE, c, o, error)));
  EXPECT_EQ(error, "top-k must be positive, got 0");
}

class LayersTest : public ::testing::Test {
protected:
  LayersTest() {
    ctx.loadDialect<mlir::step::StepDialect, func::FuncDialect>();
    config = *fe::lookupModelConfig("mixtral-8x7b");
    config.dim = 256;
    config.interDim = 512;
    module = ModuleOp::create(loc());
    handler.emplace(&ctx, [this](Diagnostic &d) {
      diagnostics.push_back(d.str());
      return success();
    });
  }
  Location loc() { return UnknownLoc::get(&ctx); }
  size_t numFuncs() { return llvm::range_size(module->getOps<func::FuncOp>()); }

  MLIRContext ctx;
  fe::ModelConfig config;
  OwningOpRef<ModuleOp> module;
  std::optional<ScopedDiagnosticHandler> handler;
  std::vector<std::string> diagnostics;
};

TEST_F(LayersTest, BuildsSeveralLayersInOneModuleInOrder) {
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  fe::ScheduleOptions tiled, dyn;
  dyn.tileRows = std::nullopt;
  func::FuncOp moe = fe::buildMoELayer(b, loc(), config, tiled);
  func::FuncOp ffn = fe::buildSwiGLUFFN(b, loc(), config, dyn);
  ASSERT_TRUE(moe && ffn) << (diagnostics.empty() ? "" : diagnostics[0]);
  EXPECT_EQ(moe.getSymName(), "moe_tile16");
  EXPECT_EQ(ffn.getSymName(), "ffn_dyn");
  EXPECT_EQ(moe->getNextNode(), ffn.getOperation());
  EXPECT_TRUE(succeeded(verify(*module)));
  EXPECT_TRUE(diagnostics.empty());
  // Without a channel depth the module gets no attribute.
  EXPECT_FALSE((*module)->hasAttr("step.channel_depth"));
  // Every stream op's result types are the ones its shape rule infers.
  size_t partitions = 0;
  moe.walk([&](mlir::step::PartitionOp op) {
    ++partitions;
    EXPECT_EQ(op.getOutputs().size(), 8u);
  });
  EXPECT_EQ(partitions, 2u);
}

TEST_F(LayersTest, BadParametersAreADiagnosticAndBuildNothing) {
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  fe::ScheduleOptions o;
  o.tileF = 96;
  EXPECT_FALSE(fe::buildMoELayer(b, loc(), config, o));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0],
            "tile_F 96 does not divide the intermediate size 512");
  EXPECT_EQ(numFuncs(), 0u);
}

TEST_F(LayersTest, AShapeRuleFailureErasesThePartialFunction) {
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  fe::ScheduleOptions o;
  o.tileRows = 7;
  o.batch = std::numeric_limits<int64_t>::max();
  EXPECT_FALSE(fe::buildMoELayer(b, loc(), config, o));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].find("more tiles than int64 can count"),
            std::string::npos)
      << diagnostics[0];
  EXPECT_EQ(numFuncs(), 0u);
  // The builder can go on after the failure.
  o.batch = 64;
  EXPECT_TRUE(fe::buildMoELayer(b, loc(), config, o));
  EXPECT_EQ(numFuncs(), 1u);
}

TEST_F(LayersTest, ChannelDepthIsAModuleAttributeThatMustAgree) {
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  fe::ScheduleOptions o;
  o.channelDepth = 4;
  ASSERT_TRUE(fe::buildSwiGLUFFN(b, loc(), config, o));
  auto depth = (*module)->getAttrOfType<IntegerAttr>("step.channel_depth");
  ASSERT_TRUE(depth);
  EXPECT_EQ(depth.getInt(), 4);
  // The same depth again is fine; another one is an error.
  ASSERT_TRUE(fe::buildMoELayer(b, loc(), config, o));
  o.channelDepth = 8;
  o.tileRows = 32;
  EXPECT_FALSE(fe::buildMoELayer(b, loc(), config, o));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(
      diagnostics[0],
      "the module already records channel depth 4, this layer asks for 8");
  EXPECT_EQ(numFuncs(), 2u);
  EXPECT_EQ(
      (*module)->getAttrOfType<IntegerAttr>("step.channel_depth").getInt(), 4);
}

TEST_F(LayersTest, BuildLayerModule) {
  fe::ScheduleOptions o;
  o.computeBw = 512;
  OwningOpRef<ModuleOp> m =
      fe::buildLayerModule(&ctx, loc(), fe::LayerKind::MoE, config, o);
  ASSERT_TRUE(m);
  size_t withBw = 0, computeOps = 0;
  m->walk([&](Operation *op) {
    if (isa<mlir::step::MapOp, mlir::step::AccumOp>(op)) {
      ++computeOps;
      if (auto bw = op->getAttrOfType<IntegerAttr>("compute_bw"))
        withBw += bw.getInt() == 512;
    }
  });
  EXPECT_EQ(computeOps, 8u * 7 + 1);
  EXPECT_EQ(withBw, computeOps);
  config.numExperts = 0;
  EXPECT_FALSE(
      fe::buildLayerModule(&ctx, loc(), fe::LayerKind::MoE, config, o));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0], "the number of experts must be positive, got 0");
}

} // namespace

namespace {

// Attention decode (frontends/layers/Attention.cpp): the op counts of STeP's
// build_flashattn_graph and the per-model query tiles.
TEST_F(LayersTest, AttentionDecodeHasStepsGraph) {
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  fe::ScheduleOptions o;
  o.batch = 8;
  o.maxKV = 128;
  for (const char *name : {"qwen3-30b-a3b", "mixtral-8x7b"}) {
    fe::ModelConfig c = *fe::lookupModelConfig(name);
    func::FuncOp f = fe::buildAttentionDecode(b, loc(), c, o);
    ASSERT_TRUE(f) << (diagnostics.empty() ? "" : diagnostics[0]);
    size_t addrGens = 0, filters = 0, loads = 0, stores = 0, partitions = 0;
    f.walk([&](Operation *op) {
      addrGens += isa<mlir::step::CacheReadAddrGenOp>(op);
      filters += isa<mlir::step::FilterLastTileOp>(op);
      loads += isa<mlir::step::RandomLoadOp>(op);
      stores += isa<mlir::step::RandomStoreOp>(op);
      partitions += isa<mlir::step::PartitionOp>(op);
    });
    EXPECT_EQ(addrGens, 2u);
    EXPECT_EQ(filters, 2u);
    EXPECT_EQ(loads, 2u);
    EXPECT_EQ(stores, 3u); // K and V write-back, output
    EXPECT_EQ(partitions, 2u);
    // q is one [heads / KV heads, head_dim] tile per request.
    auto q = *f.getOps<mlir::step::LinearLoadOp>().begin();
    auto tile = q.getTile();
    EXPECT_EQ(tile.getRows(), ::step::sym::constant(c.numHeads / c.numKVHeads));
    EXPECT_EQ(tile.getCols(), ::step::sym::constant(c.headDim));
    f.erase();
  }
  EXPECT_TRUE(diagnostics.empty());
}

TEST_F(LayersTest, AttentionDecodeRejectsACacheOfPartialTiles) {
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  fe::ScheduleOptions o;
  o.maxKV = 100;
  EXPECT_FALSE(fe::buildAttentionDecode(
      b, loc(), *fe::lookupModelConfig("qwen3-30b-a3b"), o));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0],
            "tile_N 32 does not divide the KV-cache rows per request 100");
  EXPECT_EQ(numFuncs(), 0u);
}

} // namespace
