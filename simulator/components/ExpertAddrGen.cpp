//===- ExpertAddrGen.cpp - ExpertAddrGen (time-multiplexing macro op) -----===//
//
// Per one-hot selector (expert e of the region): dequeues it, then sends the
// `tiles` addresses base + e*tiles + i as 1x1 i64 tiles, all requested at the
// selector's clock with no clock increments, so only FIFO credits pace them
// (step-perf's ExpertAddrGen, docs/step-perf-routing-and-attention.md §1).
// step-perf emits them as [.., tiles, 1] with stops 1 (2 on the last) and
// flattens; we emit the flattened form: Val, .., and the selector's stop + 1
// on the last address.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class ExpertAddrGen : public OpComponent {
public:
  ExpertAddrGen(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    tiles = intAttr("tiles");
    base = intAttr("base", 0);
    if (tiles < 1)
      error("tiles must be at least 1");
    if (base < 0)
      error("base must not be negative");
  }

  Task run() override {
    while (true) {
      std::optional<Token> sel = co_await dequeue(in(0));
      if (!sel)
        break;
      if (sel->value.kind != Value::Kind::Selector || !sel->value.selected ||
          sel->value.selected->size() != 1)
        error("expected a one-hot selector");
      int64_t first = base + sel->value.selected->front() * tiles;
      Time start = now;
      for (int64_t i = 0; i < tiles; ++i) {
        Value a = Value::tile(1, 1, 8);
        a.scalar = first + i;
        if (ctx.options.functional)
          a.data = std::make_shared<const std::vector<float>>(
              1, static_cast<float>(a.scalar));
        co_await send(out(0), std::move(a), i + 1 == tiles ? sel->stop + 1 : 0,
                      start);
      }
    }
  }

private:
  int64_t tiles = 1, base = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createExpertAddrGen(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<ExpertAddrGen>(op, ctx);
}
