//===- Partition.cpp - Partition ------------------------------------------===//
//
// For every selector, routes the next chunk (the inner `rank` dimensions) to
// each selected output, as STeP's FlatPartition
// (docs/step-perf-routing-and-attention.md): per element, a memory-unit read
// if the tile sits in a memory unit, then one switch cycle, then a copy to
// each selected output in index order. Routed tiles no longer sit in a
// memory unit.
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
      const std::vector<int32_t> &targets =
          selectedTargets(sel->value, outputs.size(), "output");
      while (true) {
        const Token *head = co_await peek(in(0));
        if (!head)
          error("'input' ended before 'sel'");
        if (head->value.readFromMu)
          work(memCycles(timingBytes(head->value)));
        std::optional<Token> t = co_await dequeue(in(0));
        work(1); // the switch cycle of the selected outputs
        t->value.readFromMu = false;
        uint32_t level = std::min(t->stop, rank);
        for (int32_t i : targets)
          co_await send(out(i), t->value, level);
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
