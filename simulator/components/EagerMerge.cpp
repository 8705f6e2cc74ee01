//===- EagerMerge.cpp - EagerMerge ----------------------------------------===//
//
// Forwards whole chunks from whichever input has the earliest head token
// (ties: the lowest input), one element per cycle, and emits the input's
// index as a one-hot selector per chunk (reference/step.md §5.2). It runs
// after the other operators at equal clocks, so when it picks at cycle t no
// earlier token can still arrive.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/MergeSupport.h"
#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class EagerMerge : public OpComponent {
public:
  EagerMerge(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    rank = static_cast<uint32_t>(intAttr("rank"));
    priority = 1;
  }
  Task run() override {
    while (true) {
      std::vector<Channel *> open;
      int best = -1;
      for (size_t i = 0; i < inputs.size(); ++i) {
        Channel &ch = *inputs[i];
        if (!ch.queue.empty()) {
          if (best < 0 || ch.queue.front().time <
                              inputs[best]->queue.front().time)
            best = static_cast<int>(i);
        } else if (!ch.closed) {
          open.push_back(&ch);
        }
      }
      if (best < 0) {
        if (open.empty())
          break;
        co_await WaitAnyInput{*this, open};
        continue;
      }
      Time at = std::max(now, inputs[best]->queue.front().time);
      if (!open.empty() && engine->hasRunnableBefore(at, priority)) {
        // Something earlier may still arrive on an empty input.
        co_await ResumeAt{*this, at};
        continue;
      }
      Value sel;
      sel.kind = Value::Kind::Selector;
      sel.cols = static_cast<int64_t>(inputs.size());
      sel.selected = std::make_shared<std::vector<int32_t>>(1, best);
      co_await send(out(1), std::move(sel), 0);
      while (true) {
        std::optional<Token> t = co_await dequeue(*inputs[best]);
        if (!t)
          error("input #" + std::to_string(best) + " ended inside a chunk");
        co_await send(out(0), std::move(t->value), std::min(t->stop, rank));
        work(1);
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
step::sim::createEagerMerge(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<EagerMerge>(op, ctx);
}
