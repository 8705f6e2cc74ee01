//===- Repeat.cpp - static Expand (RepeatStatic) --------------------------===//
//
// Sends `count` copies of every element at clocks t, t+1, ..., then advances
// by `count` and releases the element (STeP's RepeatStatic). The last copy
// ends the new innermost dimension (stop s + 1, or 1).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Repeat : public OpComponent {
public:
  Repeat(const proto::Operator &op, SimContext &ctx) : OpComponent(op, ctx) {
    count = intAttr("count");
    if (count < 1)
      error("count must be at least 1");
  }
  Task run() override {
    while (true) {
      const Token *head = co_await peek(in(0));
      if (!head)
        break;
      Value v = head->value;
      uint32_t s = head->stop;
      Time start = now;
      for (int64_t i = 0; i < count; ++i)
        co_await send(out(0), v, i + 1 == count ? s + 1 : 0, start + i);
      work(count);
      co_await dequeue(in(0));
    }
  }

private:
  int64_t count = 1;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createRepeat(const proto::Operator &op,
                                                     SimContext &ctx) {
  return std::make_unique<Repeat>(op, ctx);
}
