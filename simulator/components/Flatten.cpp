//===- Flatten.cpp - Flatten ----------------------------------------------===//
//
// Merges the dimensions of ranks min..max: stops inside the range fold into
// min, stops above it drop by max - min. 0 cycles (one channel hop).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Flatten : public OpComponent {
public:
  Flatten(const proto::Operator &op, SimContext &ctx) : OpComponent(op, ctx) {
    lo = static_cast<uint32_t>(intAttr("min"));
    hi = static_cast<uint32_t>(intAttr("max"));
  }
  Task run() override {
    while (true) {
      std::optional<Token> t = co_await dequeue(in(0));
      if (!t)
        break;
      uint32_t s = t->stop;
      uint32_t level = s <= lo ? s : s <= hi ? lo : s - (hi - lo);
      co_await send(out(0), std::move(t->value), level);
    }
  }

private:
  uint32_t lo = 0, hi = 1;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createFlatten(const proto::Operator &op,
                                                      SimContext &ctx) {
  return std::make_unique<Flatten>(op, ctx);
}
