//===- Expand.cpp - Expand ------------------------------------------------===//
//
// Repeats each input element once per element of the reference's inner
// `rank` dimensions, taking the reference's stops; one copy per cycle, like
// RepeatStatic.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Expand : public OpComponent {
public:
  Expand(const proto::Operator &op, SimContext &ctx) : OpComponent(op, ctx) {
    rank = static_cast<uint32_t>(intAttr("rank"));
  }
  Task run() override {
    while (true) {
      const Token *head = co_await peek(in(0));
      if (!head) {
        // (GCC 12 miscompiles co_await inside a condition: assign first.)
        const Token *moreRef = co_await peek(in(1));
        if (moreRef)
          error("'ref' is longer than 'input'");
        break;
      }
      Value v = head->value;
      while (true) {
        std::optional<Token> r = co_await dequeue(in(1));
        if (!r)
          error("'ref' ended before 'input'");
        co_await send(out(0), v, r->stop);
        work(1);
        if (r->stop >= rank)
          break;
      }
      co_await dequeue(in(0));
    }
  }

private:
  uint32_t rank = 1;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createExpand(const proto::Operator &op,
                                                     SimContext &ctx) {
  return std::make_unique<Expand>(op, ctx);
}
