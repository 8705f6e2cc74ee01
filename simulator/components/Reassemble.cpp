//===- Reassemble.cpp - Reassemble ----------------------------------------===//
//
// For every selector, takes the next chunk from each selected input, the
// earliest-arriving first, without interleaving, and closes the new
// dimension after the last one. One element per cycle.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

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
      std::vector<int32_t> left = selectedTargets(sel->value, n, "input");
      work(1);
      while (!left.empty()) {
        // The earliest head among the selected inputs.
        size_t pick = 0;
        Time best = 0;
        for (size_t k = 0; k < left.size(); ++k) {
          const Token *head = co_await peek(*inputs[left[k]]);
          if (!head)
            error("input #" + std::to_string(left[k]) +
                  " ended before its selectors");
          if (k == 0 || head->time < best) {
            best = head->time;
            pick = k;
          }
        }
        int32_t from = left[pick];
        left.erase(left.begin() + pick);
        while (true) {
          std::optional<Token> t = co_await dequeue(*inputs[from]);
          if (!t)
            error("input #" + std::to_string(from) + " ended inside a chunk");
          uint32_t level = std::min(t->stop, rank);
          if (t->stop >= rank && left.empty())
            level = rank + 1 + sel->stop;
          co_await send(out(0), std::move(t->value), level);
          work(1);
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
