//===- Partition.cpp - Partition ------------------------------------------===//
//
// For every selector, routes the next chunk (the inner `rank` dimensions) to
// each selected output. Timing (reference/step.md §5.2): the selector is
// taken, then each element of the chunk costs one switch cycle and is sent
// to every selected output; the next selector waits for the routing to end.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Partition : public OpComponent {
public:
  Partition(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    rank = static_cast<uint32_t>(intAttr("rank"));
  }
  Task run() override {
    while (true) {
      std::optional<Token> sel = co_await dequeue(in(1));
      if (!sel) {
        // (GCC 12 miscompiles co_await inside a condition: assign first.)
        const Token *moreInput = co_await peek(in(0));
        if (moreInput)
          error("'input' has more chunks than 'sel' has selectors");
        break;
      }
      if (sel->value.kind != Value::Kind::Selector || !sel->value.selected)
        error("'sel' carries no selectors");
      for (int32_t i : *sel->value.selected)
        if (i < 0 || static_cast<size_t>(i) >= outputs.size())
          error("a selector picks output " + std::to_string(i) + " of " +
                std::to_string(outputs.size()));
      while (true) {
        std::optional<Token> t = co_await dequeue(in(0));
        if (!t)
          error("'input' ended before 'sel'");
        work(1);
        for (int32_t i : *sel->value.selected)
          co_await waitRoom(out(i));
        uint32_t level = std::min(t->stop, rank);
        for (int32_t i : *sel->value.selected)
          co_await send(out(i), t->value, level, now);
        if (t->stop >= rank)
          break;
      }
    }
  }

private:
  uint32_t rank = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createPartition(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<Partition>(op, ctx);
}
