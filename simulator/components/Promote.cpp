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
  }
  Task run() override {
    while (true) {
      std::optional<Token> t = co_await dequeue(in(0));
      if (!t)
        break;
      uint32_t s = t->stop;
      if (rank >= 0 && s >= static_cast<uint32_t>(rank))
        ++s;
      co_await send(out(0), std::move(t->value), s);
    }
  }

private:
  int64_t rank;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createPromote(const proto::Operator &op,
                                                      SimContext &ctx) {
  return std::make_unique<Promote>(op, ctx);
}
