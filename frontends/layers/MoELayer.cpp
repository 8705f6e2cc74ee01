//===- MoELayer.cpp - the MoE layer of STeP's Figure 2 --------------------===//
//
// Tokens routed top-k over the experts by a partition, a SwiGLU expert per
// output, the routing weights applied, a reassemble back to token order and
// the sum over the top-k (reference/step.md §3.3). The same graph, op for
// op and in the same order, as examples/moe_expert/gen_moe.py writes; a lit
// test (test/Frontends/step-gen-moe.test) compares the two.
//
//===----------------------------------------------------------------------===//

#include "frontends/layers/LayerSupport.h"
#include "frontends/layers/Layers.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::frontends;

func::FuncOp
mlir::step::frontends::buildMoELayer(OpBuilder &builder, Location loc,
                                     const ModelConfig &config,
                                     const ScheduleOptions &options) {
  func::FuncOp func = beginLayer(builder, loc, LayerKind::MoE, config, options,
                                 layerName("moe", options));
  if (!func)
    return {};
  MLIRContext *ctx = builder.getContext();
  StreamBuilder sb(builder, loc, options.computeBw);
  const int64_t e = config.numExperts, k = config.topK, b = options.batch,
                d = config.dim;
  Type bf16 = BFloat16Type::get(ctx), f32 = Float32Type::get(ctx);

  // One [1, D] bf16 row per token.
  Value x0 = sb.linearLoad("input", {b, d}, sb.tile(1, d, bf16), {b, 1});
  Value x = sb.flatten(x0, 0, 1);
  StreamType routing = sb.stream({1, b}, SelectorType::get(ctx, e, k));
  Value sel = sb.selectGen("routing", routing);
  SmallVector<std::string> names;
  for (int64_t i = 0; i < e; ++i)
    names.push_back("B" + std::to_string(i));
  SmallVector<Value> tokens = sb.partition(x, sel, /*rank=*/0, names);

  // Routing weights: one bf16 scalar per (token, choice), routed like the
  // tokens by a one-hot selector per choice; the shared names assert that
  // both partitions send an expert the same number of tokens.
  Value g0 =
      sb.linearLoad("routing_weights", {b, k}, sb.tile(1, 1, bf16), {b, k});
  Value gsel = sb.selectGen("routing",
                            sb.stream({1, b, k}, SelectorType::get(ctx, e, 1)));
  SmallVector<Value> gates = sb.partition(g0, gsel, /*rank=*/0, names);

  SmallVector<Value> outs;
  for (int64_t i = 0; i < e; ++i) {
    std::string suffix = "_e" + std::to_string(i);
    Value rows = buildSwiGLUExpert(sb, tokens[i], config, options,
                                   "w1" + suffix, "w3" + suffix, "w2" + suffix);
    outs.push_back(sb.map({gates[i], rows},
                          [&](ValueRange a) { return sb.mul(a[0], a[1]); }));
  }

  // The reassemble reads the routing itself, as STeP's graph does: sharing
  // the partition's selectors through a broadcast would deadlock, since
  // reassembly cannot start before the experts have whole token tiles.
  Value rsel = sb.selectGen("routing", routing);
  Value back = sb.reassemble(outs, rsel, /*rank=*/0);
  Value sum =
      sb.accum(back, /*rank=*/1, sb.tile(1, d, f32),
               [&](Value acc, ValueRange v) { return sb.add(acc, v[0]); });
  sb.linearStore(sum, "output", {b, d});
  return finishLayer(builder, loc, func, sb, options);
}
