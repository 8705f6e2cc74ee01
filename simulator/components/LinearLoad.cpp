//===- LinearLoad.cpp - LinearOffChipLoad ---------------------------------===//
//
// Reads the view of an off-chip tensor tile by tile, once (static) or once
// per reference element. Per tile: one request per row and 64-byte column
// chunk, `par_dispatch` per cycle, one tile in flight; the tile is sent when
// its last response has arrived (docs/step-perf-semantics.md §3).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class LinearLoad : public OpComponent {
public:
  LinearLoad(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    tile = makeTile(typeAttr("tile"));
    tile.readFromMu = true;
    view = intsAttr("view");
    tensor = tiledTensor(tile);
    const std::vector<int64_t> &grid = tensor.grid;
    if (hasAttr("stride")) {
      stride = intsAttr("stride");
    } else {
      size_t off = grid.size() >= view.size() ? grid.size() - view.size() : 0;
      for (size_t i = 0; i < view.size(); ++i) {
        int64_t s = 1;
        for (size_t j = off + i + 1; j < grid.size(); ++j)
          s *= grid[j];
        stride.push_back(s);
      }
    }
    if (stride.size() != view.size())
      error("stride and view differ in length");
    par = intAttr("par_dispatch", ctx.parDispatch);
    if (par < 1)
      error("par_dispatch must be at least 1");
    port = ctx.memory->addClient(this, /*isWriter=*/false);
  }

  Task run() override {
    bool hasRef = !inputs.empty();
    int64_t gridTiles = tensor.tiles;
    while (true) {
      uint32_t refStop = 0;
      if (hasRef) {
        std::optional<Token> ref = co_await dequeue(in(0));
        if (!ref)
          break;
        refStop = ref->stop;
      }
      std::vector<int64_t> idx(view.size(), 0);
      while (true) {
        int64_t address = 0;
        for (size_t i = 0; i < view.size(); ++i)
          address += idx[i] * stride[i];
        if (address >= gridTiles)
          error("the view reads tile " + std::to_string(address) +
                " of a tensor with " + std::to_string(gridTiles) + " tiles");
        ctx.occupy(now, tile.tileBytes());
        co_await ctx.memory->access(*this, port, requestsFor(tile), par);
        ctx.offChipRead += timingBytes(tile);
        ctx.occupy(now, -tile.tileBytes());
        Value v = tile;
        if (tensor.data)
          v.data = tensor.readTile(tile, address);
        // The stop level: how many trailing view dims end here; past the
        // whole view, the reference element's own stop follows.
        uint32_t level = 0;
        size_t k = view.size();
        while (k > 0 && idx[k - 1] == view[k - 1] - 1) {
          --k;
          ++level;
        }
        if (k == 0)
          level += refStop;
        co_await send(out(0), std::move(v), level);
        // Next index, row-major.
        size_t d = view.size();
        while (d > 0 && ++idx[d - 1] == view[d - 1])
          idx[--d] = 0;
        if (d == 0)
          break;
      }
      if (!hasRef)
        break;
    }
  }

  void onFinish() override { ctx.memory->clientFinished(now); }

private:
  Value tile;
  TiledTensor tensor;
  std::vector<int64_t> view, stride;
  int64_t par = 1;
  int port = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createLinearLoad(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<LinearLoad>(op, ctx);
}
