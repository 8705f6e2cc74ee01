//===- Reshape.cpp - Reshape ----------------------------------------------===//
//
// Splits the dimension of rank `rank` into chunks of `chunk`; only stop
// tokens change, plus padding elements when the innermost dimension ends
// mid-chunk. 0 cycles (one channel hop), as STeP's Reshape.
//
// Stop rewrite, for an element with stop s: below the split rank it is
// unchanged; an element ending a unit of the split dimension (s == rank)
// ends the chunk when the chunk is full (s' = rank + 1, otherwise rank);
// an element ending the split dimension (s > rank) ends the chunk too
// (s' = s + 1). For rank 0 every element is a unit and a partial last chunk
// is padded with elements that have no valid rows.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Reshape : public OpComponent {
public:
  Reshape(const proto::Operator &op, SimContext &ctx) : OpComponent(op, ctx) {
    rank = static_cast<uint32_t>(intAttr("rank"));
    chunk = intAttr("chunk");
    if (chunk < 1)
      error("chunk must be at least 1");
    pad = 0.0;
    if (auto it = op.attrs().find("pad"); it != op.attrs().end())
      pad = it->second.f();
  }

  Task run() override {
    int64_t units = 0;
    std::optional<Value> last; // the last element, to pad the final chunk
    while (true) {
      std::optional<Token> t = co_await dequeue(in(0));
      if (!t) {
        // A rank-0 stream carries no stop tokens: its end is the stream's
        // end, which also ends the last chunk (padded, with stop 1).
        if (rank == 0 && units % chunk != 0 && last) {
          Value padding = padOf(*last);
          while (++units % chunk != 0)
            co_await emit(padding, 0, true);
          co_await emit(padding, 1, true);
        }
        break;
      }
      if (rank == 0)
        last = t->value;
      uint32_t s = t->stop;
      if (rank == 0) {
        ++units;
        bool full = units % chunk == 0;
        if (s == 0) {
          co_await emit(std::move(t->value), full ? 1 : 0, false);
          if (full)
            units = 0;
          continue;
        }
        Value padding = padOf(t->value);
        if (full) {
          co_await emit(std::move(t->value), s + 1, false);
        } else {
          co_await emit(std::move(t->value), 0, false);
          while (++units % chunk != 0)
            co_await emit(padding, 0, true);
          co_await emit(padding, s + 1, true);
        }
        units = 0;
        continue;
      }
      uint32_t level = s;
      if (s == rank) {
        ++units;
        level = units % chunk == 0 ? rank + 1 : rank;
      } else if (s > rank) {
        if (++units % chunk != 0)
          error("the split dimension is not a multiple of the chunk " +
                std::to_string(chunk) + " at run time");
        units = 0;
        level = s + 1;
      }
      co_await emit(std::move(t->value), level, false);
    }
  }

private:
  /// A padding element shaped like `v`: no valid rows, `pad` as data.
  Value padOf(const Value &v) const {
    Value p = v;
    p.validRows = 0;
    if (p.data)
      p.data = std::make_shared<std::vector<float>>(p.data->size(),
                                                    static_cast<float>(pad));
    return p;
  }
  Task emit(Value v, uint32_t stop, bool isPadding) {
    co_await send(out(0), std::move(v), stop);
    if (outputs.size() > 1)
      co_await send(out(1), Value::scalarValue(isPadding ? 1 : 0), stop);
  }
  uint32_t rank = 0;
  int64_t chunk = 1;
  double pad = 0.0;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createReshape(const proto::Operator &op,
                                                      SimContext &ctx) {
  return std::make_unique<Reshape>(op, ctx);
}
