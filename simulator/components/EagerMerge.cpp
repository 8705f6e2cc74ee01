//===- EagerMerge.cpp - EagerMerge ----------------------------------------===//
//
// Forwards whole chunks from whichever input has the earliest head token
// (ties: the lowest input), one element per cycle, and emits the input's
// index as a one-hot selector per chunk (reference/step.md §5.2). It runs
// after the other operators at equal clocks, so when it picks at cycle t no
// earlier token can still arrive.
//
// While an input is empty and still open, a head waiting on another input
// for a later cycle cannot be picked yet: the merge waits for that cycle or
// for a token on an empty input, whichever comes first, and its clock moves
// to that event (STeP's merge ticks while it waits), so the selector of a
// chunk never leaves before the merge could know about the chunk.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

#include <limits>

using namespace step::sim;

namespace {
/// Suspends until a token arrives on (or the end of) one of `channels`, or,
/// when `until` >= 0, until the clock `until`; the clock then moves to the
/// earliest of those events. It holds the channel list by pointer: GCC 12
/// destroys an awaitable with non-trivially destructible members twice when
/// the enclosing loop `continue`s after the co_await (a double free).
struct WaitArrival {
  Component &self;
  const std::vector<Channel *> *channels;
  Time until;
  bool await_ready() const { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = WaitKind::Input;
    self.waitChannel = channels->front();
    for (Channel *ch : *channels)
      ch->waitingReceiver = &self;
    if (until >= 0)
      self.engine->wake(&self, until);
  }
  void await_resume() {
    self.waitKind = WaitKind::None;
    Time t = until >= 0 ? until : std::numeric_limits<Time>::max();
    for (Channel *ch : *channels) {
      if (ch->waitingReceiver == &self)
        ch->waitingReceiver = nullptr;
      if (!ch->queue.empty())
        t = std::min(t, ch->queue.front().time);
      else if (ch->closed)
        t = std::min(t, ch->closedAt + ch->latency);
    }
    if (t != std::numeric_limits<Time>::max() && t > self.now) {
      self.stats.stalledIn += t - self.now;
      self.now = t;
    }
  }
};

class EagerMerge : public OpComponent {
public:
  EagerMerge(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    rank = static_cast<uint32_t>(intAttr("rank"));
    priority = 1;
  }
  Task run() override {
    while (true) {
      open.clear();
      int best = -1;
      for (size_t i = 0; i < inputs.size(); ++i) {
        Channel &ch = *inputs[i];
        if (!ch.queue.empty()) {
          if (best < 0 ||
              ch.queue.front().time < inputs[best]->queue.front().time)
            best = static_cast<int>(i);
        } else if (!ch.closed) {
          open.push_back(&ch);
        }
      }
      if (best < 0) {
        if (open.empty())
          break;
        co_await WaitArrival{*this, &open, -1};
        continue;
      }
      Time at = std::max(now, inputs[best]->queue.front().time);
      if (!open.empty()) {
        if (engine->hasRunnableBefore(at, priority)) {
          // Something earlier may still arrive on an empty input.
          co_await WaitArrival{*this, &open, at};
          continue;
        }
        // Nothing can arrive on the empty inputs before `at`: decide then.
        if (at > now) {
          stats.stalledIn += at - now;
          now = at;
        }
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
        // One cycle per element, but none after the one that ends the chunk
        // (STeP's eager_merge.rs): at rank 0 merging costs no cycles.
        if (t->stop >= rank)
          break;
        work(1);
      }
    }
  }

private:
  uint32_t rank = 0;
  /// The empty, open inputs of the current decision.
  std::vector<Channel *> open;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createEagerMerge(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<EagerMerge>(op, ctx);
}
