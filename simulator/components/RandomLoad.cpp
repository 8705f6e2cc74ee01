//===- RandomLoad.cpp - RandomOffChipLoad ---------------------------------===//
//
// Reads one tile per address token, with a load's request pattern.
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
    par = intAttr("par_dispatch", ctx.parDispatch);
    port = ctx.memory->addClient(this, /*isWriter=*/false);
  }

  Task run() override {
    while (true) {
      std::optional<Token> addr = co_await dequeue(in(0));
      if (!addr)
        break;
      int64_t a = addr->value.kind == Value::Kind::Scalar ? addr->value.scalar
                                                          : addr->value.scalar;
      if (a < 0 || a >= tiles)
        error("address " + std::to_string(a) + " is outside the tensor's " +
              std::to_string(tiles) + " tiles");
      co_await ctx.memory->access(*this, port, requestsFor(tile), par);
      ctx.offChipRead += timingBytes(tile);
      co_await send(out(0), tile, addr->stop);
    }
  }

  void onFinish() override { ctx.memory->clientFinished(now); }

private:
  Value tile;
  int64_t tiles = 0, par = 1;
  int port = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createRandomLoad(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<RandomLoad>(op, ctx);
}
