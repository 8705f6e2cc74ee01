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
    std::vector<int64_t> shape = intsAttr("tensor_shape");
    if (shape.size() < 2 || shape[shape.size() - 2] % tile.rows ||
        shape.back() % tile.cols)
      error("the tile does not divide the tensor");
    tiles = 1;
    for (size_t i = 0; i + 2 < shape.size(); ++i)
      tiles *= shape[i];
    tiles *= (shape[shape.size() - 2] / tile.rows) * (shape.back() / tile.cols);
    grid.assign(shape.begin(), shape.end() - 2);
    grid.push_back(shape[shape.size() - 2] / tile.rows);
    grid.push_back(shape.back() / tile.cols);
    tensorShape = shape;
    par = intAttr("par_dispatch", ctx.parDispatch);
    if (par < 1)
      error("par_dispatch must be at least 1");
    port = ctx.memory->addClient(this, /*isWriter=*/false);
    if (ctx.options.functional) {
      std::string name = stringAttr("tensor");
      auto it = ctx.inputs.find(name);
      if (it == ctx.inputs.end())
        error("functional mode needs the tensor '" + name + "' bound (--bind " +
              name + "=FILE.npy)");
      data = &it->second;
      if (data->isInteger)
        error("the tensor bound to '" + name +
              "' holds integers; the load reads floats");
      if (data->shape != tensorShape)
        error("the tensor bound to '" + name +
              "' does not have the shape the load reads");
    }
  }

  Task run() override {
    while (true) {
      std::optional<Token> addr = co_await dequeue(in(0));
      if (!addr)
        break;
      int64_t a = addr->value.scalar;
      if (a < 0 || a >= tiles)
        error("address " + std::to_string(a) + " is outside the tensor's " +
              std::to_string(tiles) + " tiles");
      ctx.occupy(now, tile.tileBytes());
      co_await ctx.memory->access(*this, port, requestsFor(tile), par);
      ctx.offChipRead += timingBytes(tile);
      ctx.occupy(now, -tile.tileBytes());
      Value v = tile;
      if (data)
        v.data = readTile(a);
      co_await send(out(0), std::move(v), addr->stop);
    }
  }

  void onFinish() override { ctx.memory->clientFinished(now); }

private:
  /// The tile at grid address `a` of the bound tensor.
  std::shared_ptr<const std::vector<float>> readTile(int64_t a) const {
    int64_t gridCols = grid.back(), gridRows = grid[grid.size() - 2];
    int64_t plane = a / (gridRows * gridCols);
    int64_t rem = a % (gridRows * gridCols);
    int64_t tr = rem / gridCols, tc = rem % gridCols;
    int64_t rows = tensorShape[tensorShape.size() - 2],
            cols = tensorShape.back();
    auto d = std::make_shared<std::vector<float>>(tile.rows * tile.cols);
    for (int64_t r = 0; r < tile.rows; ++r)
      for (int64_t c = 0; c < tile.cols; ++c)
        (*d)[r * tile.cols + c] =
            data->floats[plane * rows * cols + (tr * tile.rows + r) * cols +
                         tc * tile.cols + c];
    return d;
  }

  Value tile;
  std::vector<int64_t> tensorShape, grid;
  const Tensor *data = nullptr;
  int64_t tiles = 0, par = 1;
  int port = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createRandomLoad(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<RandomLoad>(op, ctx);
}
