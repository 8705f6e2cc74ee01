//===- Promote.cpp - Promote ----------------------------------------------===//
//
// Adds a dimension: outermost (stops unchanged; the new dimension ends with
// the stream) or at rank r (stops >= r move up by one). 0 cycles.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Promote : public OpComponent {
public:
  Promote(const proto::Operator &op, SimContext &ctx) : OpComponent(op, ctx) {
    rank = hasAttr("rank") ? intAttr("rank") : -1;
    auto ty = ctx.channelTypes.find(op.inputs_size() ? op.inputs(0) : -1);
    if (ty == ctx.channelTypes.end())
      error("expected one input stream");
    inputRank = static_cast<uint32_t>(ty->second->shape_size() - 1);
  }
  Task run() override {
    if (rank >= 0) {
      while (true) {
        std::optional<Token> t = co_await dequeue(in(0));
        if (!t)
          break;
        uint32_t s = t->stop;
        if (s >= static_cast<uint32_t>(rank))
          ++s;
        co_await send(out(0), std::move(t->value), s);
      }
      co_return;
    }
    // A new outermost dimension turns the end of the stream into a stop
    // token (the old outermost dimension now ends inside the stream), which
    // is fused on the last element: hold one element back until the next
    // one, or the end, shows whether it is the last.
    std::optional<Token> held;
    while (true) {
      std::optional<Token> t = co_await dequeue(in(0));
      if (!t)
        break;
      if (held)
        co_await send(out(0), std::move(held->value), held->stop);
      held = std::move(t);
    }
    if (held)
      co_await send(out(0), std::move(held->value), inputRank + 1);
  }

private:
  int64_t rank;
  uint32_t inputRank = 0;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createPromote(const proto::Operator &op,
                                                      SimContext &ctx) {
  return std::make_unique<Promote>(op, ctx);
}
