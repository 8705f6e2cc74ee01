//===- FilterLastTile.cpp - selectors of a request's last tile ------------===//
//
// STeP's FilterLastTile macro (docs/step-perf-routing-and-attention.md §1):
// per seq_len n (dequeued), n-1 selectors of output 1, then one of output 0
// closing the request's dimension, all stamped at the current time (rate
// limited by FIFO credits only).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class FilterLastTile : public OpComponent {
public:
  FilterLastTile(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    for (int32_t i = 0; i < 2; ++i) {
      Value v;
      v.kind = Value::Kind::Selector;
      v.cols = 2;
      v.selected = std::make_shared<const std::vector<int32_t>>(1, i);
      pick[i] = v;
    }
  }
  Task run() override {
    while (true) {
      std::optional<Token> len = co_await dequeue(in(0));
      if (!len)
        break;
      int64_t n = len->value.scalar;
      if (n <= 0)
        error("seq_len " + std::to_string(n) + " is not positive");
      for (int64_t i = 0; i + 1 < n; ++i)
        co_await send(out(0), pick[1], 0);
      co_await send(out(0), pick[0], len->stop + 1);
    }
  }

private:
  Value pick[2];
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createFilterLastTile(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<FilterLastTile>(op, ctx);
}
