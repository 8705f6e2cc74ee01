//===- Attention.cpp - grouped-query attention decode over a KV cache -----===//
//
// STeP's attention-decode graph for one KV head (reference/step.md §8.3;
// the artifact's build_flashattn_graph, described in
// simulator/docs/step-perf-routing-and-attention.md §4): all B requests in
// one region. The parallelization passes (--step-parallelize,
// --step-dynamic-parallelize) split it into regions.
//
//===----------------------------------------------------------------------===//

#include "frontends/layers/LayerSupport.h"
#include "frontends/layers/Layers.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::frontends;

func::FuncOp
mlir::step::frontends::buildAttentionDecode(OpBuilder &builder, Location loc,
                                            const ModelConfig &config,
                                            const ScheduleOptions &options) {
  func::FuncOp func =
      beginLayer(builder, loc, LayerKind::Attention, config, options,
                 "attention_decode_b" + std::to_string(options.batch));
  if (!func)
    return {};
  MLIRContext *ctx = builder.getContext();
  StreamBuilder sb(builder, loc);
  const int64_t b = options.batch, hd = config.headDim,
                qpk = config.numHeads / config.numKVHeads,
                tn = options.kvTileRows,
                rowOffset = options.maxKV / options.kvTileRows;
  const std::optional<int64_t> bw = options.computeBw;
  Type bf16 = BFloat16Type::get(ctx), i64 = IntegerType::get(ctx, 64);
  TileType meta = sb.tile(1, 1, i64), kvTile = sb.tile(tn, hd, bf16);
  SmallVector<int64_t> cacheShape{b * options.maxKV, hd};

  // Per request: q [qpk, hd], the new token's k and v rows [1, hd]; each a
  // stream [B, 1] (one chunk per request, as STeP's Flatten(1, 2)).
  auto request = [&](StringRef name, int64_t rows) {
    Value x =
        sb.linearLoad(name, {b * rows, hd}, sb.tile(rows, hd, bf16), {b, 1});
    return sb.flatten(x, 1, 2);
  };
  Value q = request("q", qpk);
  Value k = request("k", 1);
  Value v = request("v", 1);

  // idx, seq_len (tiles including the new token's row) and offset (the new
  // row in the last tile), all derived from the bound KV lengths.
  // Each is a [1, B] stream flattened to [B], as STeP's
  // Flatten(MetadataGen) (the flatten is one channel hop).
  auto metadata = [&](StringRef derive) -> Value {
    if (sb.failed())
      return {};
    Value m = builder
                  .create<MetadataGenOp>(loc, sb.stream({1, b}, meta),
                                         builder.getStringAttr("kv_lens"),
                                         builder.getStringAttr(derive),
                                         DenseI64ArrayAttr())
                  .getResult();
    return sb.flatten(m, 0, 1);
  };
  // Per-output FIFO depths of a broadcast (none when all are the default).
  auto depthsAttr = [&](ArrayRef<int64_t> depths) {
    return llvm::all_of(depths, [](int64_t d) { return d == 0; })
               ? DenseI64ArrayAttr()
               : builder.getDenseI64ArrayAttr(depths);
  };
  auto fanOut = [&](Value x, int64_t n) {
    SmallVector<int64_t> depths(n, options.metadataDepth);
    return sb.build<BroadcastOp>(n, {x}, x, builder.getI64IntegerAttr(n),
                                 depthsAttr(depths));
  };
  SmallVector<Value> idx = fanOut(metadata("index"), 5);
  SmallVector<Value> len =
      fanOut(metadata(("tiles" + llvm::Twine(tn)).str()), 6);
  SmallVector<Value> off =
      fanOut(metadata(("offset" + llvm::Twine(tn)).str()), 2);

  // One cache (K or V): read the request's tiles, split off the last one,
  // append the new row to it, write it back and put the tiles in order.
  auto cache = [&](StringRef tensor, Value row, Value idxRead, Value lenRead,
                   Value lenFilter, Value idxWrite, Value lenWrite,
                   Value offset) -> Value {
    Value addr = sb.build<CacheReadAddrGenOp>(
        1, {idxRead, lenRead}, idxRead, lenRead,
        builder.getI64IntegerAttr(rowOffset), builder.getStringAttr("N"))[0];
    Value tiles =
        sb.build<RandomLoadOp>(1, {addr}, addr, builder.getStringAttr(tensor),
                               builder.getDenseI64ArrayAttr(cacheShape),
                               TypeAttr::get(kvTile), IntegerAttr())[0];
    Value sel = sb.build<FilterLastTileOp>(1, {lenFilter}, lenFilter,
                                           builder.getStringAttr("N"))[0];
    SmallVector<Value> parts =
        sb.partition(tiles, sel, /*rank=*/0, {"NLast", "NRest"});
    Value last;
    if (!sb.failed())
      last =
          builder.create<AssumeShapeOp>(loc, sb.stream({b}, kvTile), parts[0])
              .getResult();
    Value placed =
        sb.mapWith({last, offset}, std::nullopt, false, [&](ValueRange a) {
          return sb.build<SetOffsetOp>(1, a, a[0], a[1])[0];
        });
    Value newRow = sb.flatten(row, 0, 1);
    Value appended =
        sb.mapWith({placed, newRow}, std::nullopt, false, [&](ValueRange a) {
          return sb.build<RowAppendOp>(1, a, a[0], a[1])[0];
        });
    SmallVector<Value> app = sb.build<BroadcastOp>(
        2, {appended}, appended, builder.getI64IntegerAttr(2),
        depthsAttr({0, options.writeBackDepth}));
    Value waddr = sb.mapWith(
        {idxWrite, lenWrite}, std::nullopt, false, [&](ValueRange a) {
          return sb.build<CacheWriteAddrOp>(
              1, a, a[0], a[1], builder.getI64IntegerAttr(rowOffset))[0];
        });
    Value ack = sb.build<RandomStoreOp>(
        1, {waddr, app[1]}, waddr, app[1], builder.getStringAttr(tensor),
        builder.getDenseI64ArrayAttr(cacheShape), IntegerAttr())[0];
    if (!sb.failed())
      builder.create<SinkOp>(loc, ack);
    Value ordered = sb.reassemble({app[0], parts[1]}, sel, /*rank=*/0);
    return sb.flatten(ordered, 0, 1);
  };
  Value kf =
      cache("k_cache", k, idx[0], len[0], len[1], idx[1], len[2], off[0]);
  Value vf =
      cache("v_cache", v, idx[2], len[3], len[4], idx[3], len[5], off[1]);

  // softmax(q K^T) V without the running max (as STeP's graph).
  Value qe =
      sb.build<ExpandOp>(1, {q, kf}, q, kf, builder.getI64IntegerAttr(1))[0];
  Value s = sb.mapWith({qe, kf}, bw, false, [&](ValueRange a) {
    return sb.build<MatmulOp>(1, a, a[0], a[1], /*transpose_b=*/true)[0];
  });
  Value e = sb.mapWith({s}, bw, false, [&](ValueRange a) {
    return sb.build<ExpOp>(1, a, a[0])[0];
  });
  Value ev = sb.accumWith({e, vf}, /*rank=*/1, sb.tile(qpk, hd, bf16), bw,
                          [&](Value acc, ValueRange a) {
                            Value p =
                                sb.build<MatmulOp>(1, a, a[0], a[1], false)[0];
                            return sb.add(acc, p);
                          });
  Value tileSums =
      sb.accumWith({e}, /*rank=*/1, sb.tile(qpk, tn, bf16), bw,
                   [&](Value acc, ValueRange a) { return sb.add(acc, a[0]); });
  Value sums = sb.mapWith({tileSums}, bw, false, [&](ValueRange a) {
    return sb.build<RowSumOp>(1, a, a[0])[0];
  });
  Value o = sb.mapWith({ev, sums}, bw, /*writeBack=*/true, [&](ValueRange a) {
    return sb.build<DivOp>(1, a, a[0], a[1])[0];
  });
  Value ack = sb.build<RandomStoreOp>(
      1, {idx[4], o}, idx[4], o, builder.getStringAttr("output"),
      builder.getDenseI64ArrayAttr({b * qpk, hd}), IntegerAttr())[0];
  if (!sb.failed())
    builder.create<SinkOp>(loc, ack);
  return finishLayer(builder, loc, func, sb, options);
}
