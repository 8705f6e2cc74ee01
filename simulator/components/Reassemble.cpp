//===- Reassemble.cpp - Reassemble ----------------------------------------===//
//
// For every selector, waits until each selected input shows its next chunk,
// then forwards the chunks whole, earliest-arriving first, and closes the new
// dimension after the last one, as STeP's FlatReassemble
// (docs/step-perf-routing-and-attention.md): a switch cycle after a chunk's
// arrival is a floor, not a cost per element.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

#include <algorithm>

using namespace step::sim;

namespace {
class Reassemble : public OpComponent {
public:
  Reassemble(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    rank = static_cast<uint32_t>(intAttr("rank"));
  }
  Task run() override {
    size_t n = inputs.size() - 1;
    Channel &selIn = *inputs[n];
    while (true) {
      std::optional<Token> sel = co_await dequeue(selIn);
      if (!sel)
        break;
      // Join: every selected input shows its head, then the chunks go out
      // whole, earliest head first (ties: selector order).
      std::vector<std::pair<Time, int32_t>> order;
      for (int32_t i : selectedTargets(sel->value, n, "input")) {
        const Token *head = co_await peek(*inputs[i]);
        if (!head)
          error("input #" + std::to_string(i) + " ended before its selectors");
        order.push_back({head->time, i});
      }
      std::stable_sort(order.begin(), order.end(),
                       [](const auto &a, const auto &b) {
                         return a.first < b.first;
                       });
      for (size_t k = 0; k < order.size(); ++k) {
        int32_t from = order[k].second;
        // The switch cycle (and a memory-unit read of a tile in one) is a
        // floor after the chunk's first arrival, not a cost per element.
        const Token *first = co_await peek(*inputs[from]);
        Time floor = order[k].first + 1 +
                     (first->value.readFromMu
                          ? memCycles(timingBytes(first->value))
                          : 0);
        while (true) {
          const Token *head = co_await peek(*inputs[from]);
          if (!head)
            error("input #" + std::to_string(from) + " ended inside a chunk");
          if (floor > now)
            work(floor - now);
          std::optional<Token> t = co_await dequeue(*inputs[from]);
          uint32_t level = std::min(t->stop, rank);
          if (t->stop >= rank && k + 1 == order.size())
            level = rank + 1 + sel->stop;
          t->value.readFromMu = false;
          co_await send(out(0), std::move(t->value), level);
          if (t->stop >= rank)
            break;
        }
      }
    }
  }

private:
  uint32_t rank = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createReassemble(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<Reassemble>(op, ctx);
}
