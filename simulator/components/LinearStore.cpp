//===- LinearStore.cpp - LinearOffChipStore -------------------------------===//
//
// Writes each tile of its input linearly. The tile stays in the input FIFO
// (back-pressuring the producer) until every write has been acknowledged
// (docs/step-perf-semantics.md §3).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class LinearStore : public OpComponent {
public:
  LinearStore(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    name = stringAttr("tensor");
    tensorShape = intsAttr("tensor_shape");
    par = intAttr("par_dispatch", ctx.parDispatch);
    if (par < 1)
      error("par_dispatch must be at least 1");
    port = ctx.memory->addClient(this, /*isWriter=*/true);
    if (ctx.options.functional) {
      Tensor &t = ctx.stored[name];
      t.shape = tensorShape;
      t.floats.assign(t.numElements(), 0.0f);
    }
  }

  Task run() override {
    int64_t tileIndex = 0;
    while (true) {
      const Token *head = co_await peek(in(0));
      if (!head)
        break;
      Value v = head->value;
      if (v.kind != Value::Kind::Tile)
        error("expected tiles on its input");
      ctx.occupy(now, v.tileBytes());
      co_await ctx.memory->access(*this, port, requestsFor(v), par);
      ctx.offChipWritten += timingBytes(v);
      ctx.occupy(now, -v.tileBytes());
      if (ctx.options.functional)
        write(v, tileIndex);
      ++tileIndex;
      co_await dequeue(in(0));
    }
  }

  void onFinish() override { ctx.memory->clientFinished(now); }

private:
  void write(const Value &v, int64_t index) {
    Tensor &t = ctx.stored[name];
    int64_t rows = tensorShape[tensorShape.size() - 2], cols = tensorShape.back();
    if (!v.data || cols % v.cols || rows % v.rows)
      error("cannot place a " + std::to_string(v.rows) + "x" +
            std::to_string(v.cols) + " tile in the output tensor");
    int64_t gridCols = cols / v.cols, gridRows = rows / v.rows;
    int64_t plane = index / (gridRows * gridCols);
    int64_t rem = index % (gridRows * gridCols);
    int64_t tr = rem / gridCols, tc = rem % gridCols;
    if (plane * rows * cols >= t.numElements())
      error("more tiles than the output tensor holds");
    for (int64_t r = 0; r < v.rows; ++r)
      for (int64_t c = 0; c < v.cols; ++c)
        t.floats[plane * rows * cols + (tr * v.rows + r) * cols +
                 tc * v.cols + c] = (*v.data)[r * v.cols + c];
  }

  std::string name;
  std::vector<int64_t> tensorShape;
  int64_t par = 1;
  int port = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createLinearStore(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<LinearStore>(op, ctx);
}
