//===- FlatMap.cpp - FlatMap ----------------------------------------------===//
//
// Expands every element into the sub-stream its region yields (split_rows:
// the rows of a tile, without padding rows with drop_padding). As STeP's
// RetileStreamify: the element is released, then every row is sent at the
// same clock, so FIFO credits set the pace.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class FlatMap : public OpComponent {
public:
  FlatMap(const proto::Operator &op, SimContext &ctx) : OpComponent(op, ctx) {
    if (op.regions_size() != 1)
      error("expected one region");
    program = TileProgram(op.regions(0), describe(), /*accumulating=*/false);
  }

  Task run() override {
    std::vector<Value> args(inputs.size());
    while (true) {
      uint32_t stop = 0;
      size_t ended = 0;
      for (size_t i = 0; i < inputs.size(); ++i) {
        std::optional<Token> t = co_await dequeue(*inputs[i]);
        if (!t) {
          ++ended;
          continue;
        }
        stop = i == 0 ? t->stop : stop;
        args[i] = std::move(t->value);
      }
      if (ended == inputs.size())
        break;
      if (ended)
        error("its inputs have different lengths");
      int64_t f = 0;
      std::vector<Value> rows =
          program.evaluateStream(args, ctx.options.functional, f);
      flops += f;
      if (rows.empty() && stop > 0)
        error("an element that ends a dimension expanded to nothing");
      for (size_t j = 0; j < rows.size(); ++j)
        co_await send(out(0), std::move(rows[j]),
                      j + 1 == rows.size() ? stop : 0);
    }
  }

private:
  TileProgram program;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createFlatMap(const proto::Operator &op,
                                                      SimContext &ctx) {
  return std::make_unique<FlatMap>(op, ctx);
}
