//===- Parallelize.cpp - static round-robin -------------------------------===//
//
// Deals chunks (the inner `rank` dimensions) to the outputs in turn; 0
// cycles (one hop), as STeP's Parallelize.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Parallelize : public OpComponent {
public:
  Parallelize(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    rank = static_cast<uint32_t>(intAttr("rank"));
  }
  Task run() override {
    size_t next = 0;
    while (true) {
      std::optional<Token> t = co_await dequeue(in(0));
      if (!t)
        break;
      co_await send(out(next), std::move(t->value), std::min(t->stop, rank));
      if (t->stop >= rank)
        next = (next + 1) % outputs.size();
    }
  }

private:
  uint32_t rank = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createParallelize(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<Parallelize>(op, ctx);
}
