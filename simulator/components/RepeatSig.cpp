//===- RepeatSig.cpp - repeat-signal generator (SAM) ----------------------===//
//
// SAM's RepeatSig: R for every element of its input (a 1 of i1), the stop
// for every stop (with its level kept, which fiber_repeat uses), N for N.
// One token per cycle.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class RepeatSig : public SamComponent {
public:
  using SamComponent::SamComponent;
  Task run() override {
    while (true) {
      SamTok t;
      co_await peekSam(0, t);
      if (t.kind == SamTok::Done)
        break;
      co_await popSam(0);
      if (t.isVal())
        t.value = Value::scalarValue(1);
      co_await sendTok(0, t);
      work(1);
    }
  }
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createRepeatSig(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<RepeatSig>(op, ctx);
}
