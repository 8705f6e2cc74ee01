//===- RandomLoad.cpp - RandomOffChipLoad ---------------------------------===//
//
// Reads one tile per address token, with a load's request pattern, as
// step-perf's RandomOffChipLoad (docs/step-perf-routing-and-attention.md §1):
// the address is dequeued first; the tile's requests go out `par_dispatch`
// per cycle, one tile in flight; the tile is sent when its last response has
// arrived, flagged as sitting in a memory unit, with the address's stop
// level. An address is a tile index into the tensor's row-major tile grid
// (leading dims, then rows/tile_rows, then cols/tile_cols); the HBM model
// spreads requests over channels regardless of address, as step-perf does,
// so only the index's range matters for timing. In functional mode the tile
// is read from the bound tensor.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class RandomLoad : public OpComponent {
public:
  RandomLoad(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    tile = makeTile(typeAttr("tile"));
    tile.readFromMu = true;
    tensor = tiledTensor(tile);
    par = intAttr("par_dispatch", ctx.parDispatch);
    if (par < 1)
      error("par_dispatch must be at least 1");
    port = ctx.memory->addClient(this, /*isWriter=*/false);
  }

  Task run() override {
    while (true) {
      std::optional<Token> addr = co_await dequeue(in(0));
      if (!addr)
        break;
      int64_t a = addr->value.scalar;
      if (a < 0 || a >= tensor.tiles)
        error("address " + std::to_string(a) + " is outside the tensor's " +
              std::to_string(tensor.tiles) + " tiles");
      ctx.occupy(now, tile.tileBytes());
      co_await ctx.memory->access(*this, port, requestsFor(tile), par);
      ctx.offChipRead += timingBytes(tile);
      ctx.occupy(now, -tile.tileBytes());
      Value v = tile;
      if (tensor.data)
        v.data = tensor.readTile(tile, a);
      co_await send(out(0), std::move(v), addr->stop);
    }
  }

  void onFinish() override { ctx.memory->clientFinished(now); }

private:
  Value tile;
  TiledTensor tensor;
  int64_t par = 1;
  int port = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createRandomLoad(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<RandomLoad>(op, ctx);
}
