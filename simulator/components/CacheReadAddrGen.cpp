//===- CacheReadAddrGen.cpp - KV-cache read addresses ---------------------===//
//
// STeP's CacheReadAddrGen macro (docs/step-perf-routing-and-attention.md
// §1): per (idx, seq_len) pair, dequeued first, seq_len 1x1 addresses
// idx * row_offset + i requested at start + i (at most one per cycle, FIFO
// credits permitting), the last closing the request's dimension.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class CacheReadAddrGen : public OpComponent {
public:
  CacheReadAddrGen(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    rowOffset = intAttr("row_offset");
  }
  Task run() override {
    while (true) {
      std::optional<Token> idx = co_await dequeue(in(0));
      std::optional<Token> len = co_await dequeue(in(1));
      if (!idx || !len) {
        if (idx || len)
          error("'idx' and 'seq_len' have different lengths");
        break;
      }
      if (idx->stop != len->stop)
        error("'idx' and 'seq_len' have different stops");
      int64_t n = len->value.scalar;
      if (n <= 0)
        error("seq_len " + std::to_string(n) + " is not positive");
      Time start = now;
      for (int64_t i = 0; i < n; ++i) {
        Value a = Value::tile(1, 1, 8);
        a.scalar = idx->value.scalar * rowOffset + i;
        uint32_t stop = i + 1 == n ? len->stop + 1 : 0;
        co_await send(out(0), std::move(a), stop, start + i);
      }
    }
  }

private:
  int64_t rowOffset = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createCacheReadAddrGen(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<CacheReadAddrGen>(op, ctx);
}
