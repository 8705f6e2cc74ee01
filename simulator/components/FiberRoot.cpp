//===- FiberRoot.cpp - root reference generator (SAM) ---------------------===//
//
// Emits SAM's `[0, D]`: the reference of a tensor's root fiber. One cycle.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class FiberRoot : public SamComponent {
public:
  using SamComponent::SamComponent;
  Task run() override {
    co_await sendVal(0, Value::scalarValue(0));
    work(1);
  }
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createFiberRoot(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<FiberRoot>(op, ctx);
}
