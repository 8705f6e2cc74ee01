//===- CrdDrop.cpp - coordinate dropper (SAM) -----------------------------===//
//
// Inputs: outer coordinates (0) and the inner coordinates of their fibers
// (1, one level deeper); outputs the same two streams without the outer
// coordinates whose inner fiber is empty (only stops or N) and without
// those fibers. A dropped fiber's stop Sn (n >= 1) still closes the outer
// levels: it raises the pending inner stop (a stop is held back until the
// next element or the end); with no kept fiber before it, it goes too.
// Outer stops pass through. One token per cycle.
// SAM's example: outer [0, 1, S0, D], inner [1, S0, S1, D] -> outer
// [0, S0, D], inner [1, S1, D].
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

#include <optional>

using namespace step::sim;

namespace {
class CrdDrop : public SamComponent {
public:
  using SamComponent::SamComponent;

  Task flushInner() {
    if (pending) {
      uint32_t level = *pending;
      pending.reset();
      co_await sendStop(1, level);
    }
  }
  /// A dropped fiber's stop raises the stop of the last kept fiber; with
  /// none pending it is dropped too (a bare stop would read as an empty
  /// fiber of a dropped coordinate).
  void raise(uint32_t level) {
    if (pending)
      pending = std::max(*pending, level);
  }

  Task run() override {
    while (true) {
      SamTok o;
      co_await peekSam(0, o);
      if (o.kind == SamTok::Done) {
        SamTok i;
        co_await peekSam(1, i);
        if (i.kind != SamTok::Done)
          error("its inner input goes on after the outer one ended (" +
                describeTok(i) + ")");
        break;
      }
      co_await popSam(0);
      if (o.isStop()) {
        // An empty outer fiber. The inner stream has no fiber for it, or a
        // bare S(n+1) (a scanner's answer to an empty fiber), taken here.
        SamTok i;
        co_await peekSam(1, i);
        if (i.isStop() && i.level == o.level + 1) {
          co_await popSam(1);
          raise(i.level);
        }
        co_await sendStop(0, o.level);
        work(1);
        continue;
      }
      // The inner fiber of this outer element.
      std::vector<SamTok> fiber;
      bool nonEmpty = false;
      uint32_t level = 0;
      while (true) {
        SamTok i;
        co_await peekSam(1, i);
        if (i.kind == SamTok::Done)
          error("its inner input ended inside a fiber");
        co_await popSam(1);
        if (i.isStop()) {
          level = i.level;
          break;
        }
        nonEmpty |= i.isVal();
        fiber.push_back(std::move(i));
      }
      if (nonEmpty) {
        co_await sendTok(0, o);
        co_await flushInner();
        for (const SamTok &t : fiber) {
          co_await sendTok(1, t);
          work(1);
        }
        pending = level;
      } else {
        raise(level);
      }
      if (level >= 1) {
        SamTok s;
        co_await peekSam(0, s);
        if (!s.isStop() || s.level + 1 != level)
          error("the inner stop S" + std::to_string(level) +
                " expects the outer stop S" + std::to_string(level - 1) +
                ", got " + describeTok(s));
        co_await popSam(0);
        co_await sendStop(0, s.level);
      }
      work(1);
    }
    co_await flushInner();
  }

private:
  std::optional<uint32_t> pending;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createCrdDrop(const proto::Operator &op,
                                                      SimContext &ctx) {
  return std::make_unique<CrdDrop>(op, ctx);
}
