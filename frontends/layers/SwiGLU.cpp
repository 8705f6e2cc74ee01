//===- SwiGLU.cpp - the SwiGLU expert pipeline and the dense FFN ----------===//
//
// The expert of STeP's MoE graph (reference/step.md §3.3), shared by the MoE
// layer (once per expert, over the tokens routed to it) and the dense FFN
// (once, over the whole batch).
//
//===----------------------------------------------------------------------===//

#include "frontends/layers/LayerSupport.h"
#include "frontends/layers/Layers.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::frontends;
namespace sym = ::step::sym;

Value mlir::step::frontends::buildSwiGLUExpert(StreamBuilder &sb, Value tokens,
                                               const ModelConfig &config,
                                               const ScheduleOptions &options,
                                               llvm::StringRef w1,
                                               llvm::StringRef w3,
                                               llvm::StringRef w2) {
  if (sb.failed() || !tokens)
    return {};
  MLIRContext *ctx = sb.getContext();
  Type bf16 = BFloat16Type::get(ctx), f32 = Float32Type::get(ctx);
  const int64_t d = config.dim, f = config.interDim, tf = options.tileF;
  const int64_t nf = f / tf;
  // The token count: a partition's symbol for an expert, the batch size for
  // the dense FFN.
  sym::Expr n = cast<StreamType>(tokens.getType()).getShape().front();

  // Token tiles: the accumulator packs `rows` rows of the [N] stream.
  Value chunks;
  sym::Expr rows;
  if (options.isDynamicTiling()) {
    chunks = sb.promote(tokens);
    rows = n;
  } else {
    chunks = sb.reshape(tokens, /*rank=*/0, *options.tileRows);
    rows = sym::constant(*options.tileRows);
  }
  TileType tok = sb.tile(rows, sym::constant(d), f32);
  Value t = sb.accum(chunks, /*rank=*/1, tok, [&](Value acc, ValueRange r) {
    return sb.retileRows(acc, r[0]);
  });
  Value rep = sb.repeat(t, nf);

  // Weights, re-read for every token tile (`ref`), so an expert without
  // tokens reads none.
  TileType upTile = sb.tile(d, tf, bf16), downTile = sb.tile(tf, d, bf16);
  Value w1s = sb.flatten(sb.linearLoad(w1, {d, f}, upTile, {1, nf}, t), 0, 1);
  Value w3s = sb.flatten(sb.linearLoad(w3, {d, f}, upTile, {1, nf}, t), 0, 1);
  Value w2s = sb.flatten(sb.linearLoad(w2, {f, d}, downTile, {nf, 1}, t), 0, 1);

  auto matmul = [&](ValueRange a) { return sb.matmul(a[0], a[1]); };
  Value h1 = sb.map({rep, w1s}, matmul);
  Value h3 = sb.map({rep, w3s}, matmul);
  Value s = sb.map(h1, [&](ValueRange a) { return sb.silu(a[0]); });
  Value m = sb.map({s, h3}, [&](ValueRange a) { return sb.mul(a[0], a[1]); });
  Value y = sb.accum({m, w2s}, /*rank=*/1, tok, [&](Value acc, ValueRange a) {
    Value p = sb.matmul(a[0], a[1]);
    return sb.add(acc, p);
  });

  // Back to rows. Static tiles drop the reshape's padding, which makes the
  // row count data-dependent unless N is a known multiple of the tile; a
  // dynamic tile holds exactly N rows, but the flatmap's rule only knows
  // that when N is static.
  bool dropPadding = false;
  std::string dim;
  if (options.isDynamicTiling()) {
    if (!n.isStatic())
      dim = dimToString(n);
  } else {
    std::optional<int64_t> count = n.getConstant();
    dropPadding = !count || *count % *options.tileRows != 0;
    if (dropPadding)
      dim = dimToString(n);
  }
  return sb.flatMap(
      y, dim, [&](ValueRange a) { return sb.splitRows(a[0], dropPadding); });
}

func::FuncOp
mlir::step::frontends::buildSwiGLUFFN(OpBuilder &builder, Location loc,
                                      const ModelConfig &config,
                                      const ScheduleOptions &options) {
  func::FuncOp func = beginLayer(builder, loc, LayerKind::SwiGLUFFN, config,
                                 options, layerName("ffn", options));
  if (!func)
    return {};
  StreamBuilder sb(builder, loc, options.computeBw);
  const int64_t b = options.batch, d = config.dim;
  TileType row = sb.tile(1, d, BFloat16Type::get(builder.getContext()));
  Value x = sb.linearLoad("input", {b, d}, row, {b, 1});
  // [1, B, 1] -> [B]: the token stream an expert of the MoE layer gets.
  Value tokens = sb.flatten(x, 0, 2);
  Value out = buildSwiGLUExpert(sb, tokens, config, options, "w1", "w3", "w2");
  sb.linearStore(out, "output", {b, d});
  return finishLayer(builder, loc, func, sb, options);
}
