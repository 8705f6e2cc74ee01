//===- Broadcast.cpp - explicit fan-out -----------------------------------===//
//
// Takes an element, waits until every output has room, then sends it to all
// at the same clock (STeP's Broadcast).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Broadcast : public OpComponent {
public:
  using OpComponent::OpComponent;
  Task run() override {
    while (true) {
      std::optional<Token> t = co_await dequeue(in(0));
      if (!t)
        break;
      for (Channel *ch : outputs)
        co_await waitRoom(*ch);
      for (Channel *ch : outputs)
        co_await send(*ch, t->value, t->stop, now);
    }
  }
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createBroadcast(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<Broadcast>(op, ctx);
}
