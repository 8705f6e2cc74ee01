//===- FiberRepeat.cpp - repeater (SAM) -----------------------------------===//
//
// SAM's Repeat: input 0 is repeated along the fibers of the signal stream
// (input 1; any stream: an element means R, a stop S). Each R emits a copy
// of the current input element; a signal stop Sn emits Sn, consumes the
// current element and, when n >= 1, the input's following stop S(n-1) (SAM's
// "input Sn merges into the emitted stop as S(n+1)": the signal has the
// output's shape, so its stop already is the merged one). A standalone input
// stop S(n-1) (an empty input fiber) is consumed by a standalone signal Sn.
// A signal N emits N (the repeated operand is absent there: inferred, the
// digest does not say what Comal does). One output token per cycle.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class FiberRepeat : public SamComponent {
public:
  using SamComponent::SamComponent;
  Task run() override {
    while (true) {
      SamTok s;
      co_await peekSam(1, s);
      if (s.kind == SamTok::Done)
        break;
      SamTok v;
      co_await peekSam(0, v);
      co_await popSam(1);
      if (s.kind == SamTok::Empty) {
        co_await sendEmpty(0);
      } else if (s.isVal()) {
        if (!(v.isVal() || v.kind == SamTok::Empty))
          error("the repeat signal has an element where the input has " +
                describeTok(v));
        co_await sendTok(0, v);
      } else if (v.isStop()) {
        // An empty input fiber: the signal's standalone stop closes it.
        if (v.level + 1 != s.level)
          error("the signal's stop S" + std::to_string(s.level) +
                " does not match the input's standalone stop S" +
                std::to_string(v.level));
        co_await popSam(0);
        co_await sendStop(0, s.level);
      } else {
        if (v.kind == SamTok::Done)
          error("its input ended before the repeat signal");
        co_await popSam(0);
        if (s.level > 0) {
          SamTok after;
          co_await peekSam(0, after);
          if (!after.isStop() || after.level + 1 != s.level)
            error("the signal's stop S" + std::to_string(s.level) +
                  " expects the input stop S" + std::to_string(s.level - 1) +
                  ", got " + describeTok(after));
          co_await popSam(0);
        }
        co_await sendStop(0, s.level);
      }
      work(1);
    }
    SamTok rest;
    co_await peekSam(0, rest);
    if (rest.kind != SamTok::Done)
      error("the repeat signal ended before its input (" + describeTok(rest) +
            " left)");
  }
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createFiberRepeat(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<FiberRepeat>(op, ctx);
}
