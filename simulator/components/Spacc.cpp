//===- Spacc.cpp - sparse accumulator of order 1 (SAM) --------------------===//
//
// Reduces over a dimension that is not innermost. Inputs (same structure
// [.., K, J]): inner coordinates j (0), outer coordinates i held over K and
// J (1, from coordinate holds), values (2). Within a block (ended by a stop
// of level >= 1) it sums values by j across the K fibers; at the block's
// stop Sn it emits i on output 1, the sorted j with their sums on outputs 0
// and 2, then S(n-1) on 0 and 2 and S(n-2) on 1 when n >= 2. A block with
// no element emits no coordinate and no inner fiber; its stops raise the
// pending ones (a stop is held back until the next element or the end),
// and on output 1 a stop with nothing pending is sent bare (an empty
// fiber of outer coordinates). So an all-empty input gives outer [S0, D]
// and inner [D]: the arrays a level writer builds stay consistent. N values
// add 0. With keep_empty a block without elements emits an empty inner
// fiber (a bare stop) instead of nothing. One input token per cycle; the emitted fiber
// costs one cycle per coordinate (Comal's Spacc order 1 drains its map in
// order, one token per cycle).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

#include <map>
#include <optional>

using namespace step::sim;

namespace {
class Spacc : public SamComponent {
public:
  Spacc(const proto::Operator &op, SimContext &ctx) : SamComponent(op, ctx) {
    if (intAttr("order") != 1)
      error("only order 1 is implemented");
    keepEmpty = boolAttr("keep_empty");
  }

  Task flush(size_t o, std::optional<uint32_t> &pending) {
    if (pending) {
      uint32_t level = *pending;
      pending.reset();
      co_await sendStop(o, level);
    }
  }

  static void raise(std::optional<uint32_t> &pending, uint32_t level,
                    bool bareIfNone) {
    if (pending)
      pending = std::max(*pending, level);
    else if (bareIfNone)
      pending = level;
  }

  Task run() override {
    std::map<int64_t, std::vector<float>> acc;
    Value shape = valueTileOf(2);
    int64_t outer = 0;
    std::optional<uint32_t> pendInner, pendOuter;
    while (true) {
      SamTok c, o, v;
      co_await peekSam(0, c);
      co_await peekSam(1, o);
      co_await peekSam(2, v);
      if (c.kind == SamTok::Done) {
        if (o.kind != SamTok::Done || v.kind != SamTok::Done)
          error("its inputs end at different places");
        break;
      }
      co_await popSam(0);
      co_await popSam(1);
      co_await popSam(2);
      if (c.isStop() != o.isStop() || c.isStop() != v.isStop() ||
          (c.isStop() && (o.level != c.level || v.level != c.level)))
        error("its inputs disagree: " + describeTok(c) + ", " + describeTok(o) +
              ", " + describeTok(v));
      if (c.isVal()) {
        if (c.value.kind != Value::Kind::Scalar ||
            o.value.kind != Value::Kind::Scalar)
          error("expected coordinates on inputs #0 and #1");
        outer = o.value.scalar;
        std::vector<float> &a = acc[c.value.scalar];
        if (v.isVal()) {
          shape = Value::tile(v.value.rows, v.value.cols, v.value.elemBytes);
          if (ctx.options.functional) {
            if (!v.value.data)
              error("a value carries no data in functional mode");
            if (a.empty())
              a.assign(v.value.data->size(), 0.0f);
            for (size_t i = 0; i < a.size(); ++i)
              a[i] += (*v.value.data)[i];
          }
          flops += v.value.rows * v.value.cols;
        } else if (a.empty()) {
          a.assign(shape.rows * shape.cols, 0.0f);
        }
        work(1);
        continue;
      }
      if (!c.isStop() || c.level == 0) {
        work(1);
        continue;
      }
      uint32_t n = c.level;
      if (!acc.empty()) {
        co_await flush(1, pendOuter);
        co_await sendVal(1, Value::scalarValue(outer));
        co_await flush(0, pendInner);
        co_await flush(2, pendInner2);
        for (auto &[j, a] : acc) {
          co_await sendVal(0, Value::scalarValue(j));
          Value r = shape;
          if (ctx.options.functional) {
            if (a.empty())
              a.assign(shape.rows * shape.cols, 0.0f);
            r.data = std::make_shared<const std::vector<float>>(a);
          }
          co_await sendVal(2, std::move(r));
          work(1);
        }
        acc.clear();
        pendInner = n - 1;
        pendInner2 = n - 1;
        if (n >= 2)
          pendOuter = n - 2;
      } else if (keepEmpty) {
        // keep_empty: an empty inner fiber for this block (no outer
        // coordinate: none was seen).
        co_await flush(0, pendInner);
        co_await flush(2, pendInner2);
        pendInner = n - 1;
        pendInner2 = n - 1;
        if (n >= 2)
          raise(pendOuter, n - 2, true);
      } else {
        // No fiber for this block: its stop can only raise the stop of an
        // emitted fiber (a bare stop would read as an empty fiber of a
        // coordinate that was never emitted).
        raise(pendInner, n - 1, false);
        raise(pendInner2, n - 1, false);
        if (n >= 2)
          raise(pendOuter, n - 2, true);
      }
      work(1);
    }
    co_await flush(0, pendInner);
    co_await flush(2, pendInner2);
    co_await flush(1, pendOuter);
  }

private:
  std::optional<uint32_t> pendInner2;
  bool keepEmpty = false;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createSpacc(const proto::Operator &op,
                                                    SimContext &ctx) {
  return std::make_unique<Spacc>(op, ctx);
}
