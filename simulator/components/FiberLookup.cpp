//===- FiberLookup.cpp - level scanner (SAM) ------------------------------===//
//
// For every input reference r it streams the fiber of level `mode` of the
// bound tensor `tensor`: compressed, crd[seg[r]..seg[r+1]) with references
// seg[r]..seg[r+1]-1; dense, 0..dim-1 with references r*dim + c. Then the
// fiber's stop: S0, or S(n+1) when the input's next token is Sn (the input
// stop is absorbed). An input N gives N then the stop (an empty fiber); a
// standalone input Sn gives S(n+1). One output token pair per cycle
// (Comal's scanners: initiation interval 1; no memory latency, as Comal
// with --no-hbm).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class FiberLookup : public SamComponent {
public:
  FiberLookup(const proto::Operator &op, SimContext &ctx)
      : SamComponent(op, ctx) {
    tensor = stringAttr("tensor");
    mode = intAttr("mode");
    std::string format = stringAttr("format");
    if (format == "compressed") {
      compressed = true;
      seg = &intArray(tensor, "mode_" + std::to_string(mode) + "_seg");
      crd = &intArray(tensor, "mode_" + std::to_string(mode) + "_crd");
      if (seg->empty() || (*seg)[0] != 0)
        error("'" + tensor + ".mode_" + std::to_string(mode) +
              "_seg' must start with 0");
      for (size_t i = 1; i < seg->size(); ++i)
        if ((*seg)[i] < (*seg)[i - 1])
          error("'" + tensor + ".mode_" + std::to_string(mode) +
                "_seg' must not decrease");
      if (seg->back() != static_cast<int64_t>(crd->size()))
        error("'" + tensor + ".mode_" + std::to_string(mode) +
              "_seg' ends at " + std::to_string(seg->back()) + " but '" +
              tensor + ".mode_" + std::to_string(mode) + "_crd' has " +
              std::to_string(crd->size()) + " coordinates");
    } else if (format == "dense") {
      dim = intAttr("dim");
      auto shape = ctx.inputs.find(tensor + ".shape");
      if (shape != ctx.inputs.end() && shape->second.isInteger &&
          mode < static_cast<int64_t>(shape->second.ints.size()) &&
          shape->second.ints[mode] != dim)
        error("dense level " + std::to_string(mode) + " of '" + tensor +
              "' has size " + std::to_string(shape->second.ints[mode]) +
              " in '" + tensor + ".shape', but the op says dim " +
              std::to_string(dim));
    } else {
      error("unknown level format '" + format + "'");
    }
  }

  Task run() override {
    while (true) {
      SamTok t;
      co_await peekSam(0, t);
      if (t.kind == SamTok::Done)
        break;
      co_await popSam(0);
      if (t.isStop()) {
        co_await sendStop(0, t.level + 1);
        co_await sendStop(1, t.level + 1);
        work(1);
        continue;
      }
      if (t.kind == SamTok::Empty) {
        co_await sendEmpty(0);
        co_await sendEmpty(1);
        work(1);
      } else {
        if (t.value.kind != Value::Kind::Scalar)
          error("expected references on its input, got " + describeTok(t));
        int64_t r = t.value.scalar;
        if (compressed) {
          if (r < 0 || r + 1 >= static_cast<int64_t>(seg->size()))
            error("reference " + std::to_string(r) + " is outside '" + tensor +
                  ".mode_" + std::to_string(mode) + "_seg' (" +
                  std::to_string(seg->size() - 1) + " fibers)");
          // seg[r], seg[r+1] and the crds: counted, not timed.
          ctx.offChipRead += 8 + 4 * ((*seg)[r + 1] - (*seg)[r]);
          for (int64_t q = (*seg)[r]; q < (*seg)[r + 1]; ++q) {
            co_await sendVal(0, Value::scalarValue((*crd)[q]));
            co_await sendVal(1, Value::scalarValue(q));
            work(1);
          }
        } else {
          for (int64_t c = 0; c < dim; ++c) {
            co_await sendVal(0, Value::scalarValue(c));
            co_await sendVal(1, Value::scalarValue(r * dim + c));
            work(1);
          }
        }
      }
      // The fiber's stop, absorbing a stop that follows the reference.
      SamTok next;
      co_await peekSam(0, next);
      uint32_t level = 0;
      if (next.isStop()) {
        level = next.level + 1;
        co_await popSam(0);
      }
      co_await sendStop(0, level);
      co_await sendStop(1, level);
      work(1);
    }
  }

private:
  std::string tensor;
  int64_t mode = 0, dim = 0;
  bool compressed = false;
  const std::vector<int64_t> *seg = nullptr, *crd = nullptr;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createFiberLookup(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<FiberLookup>(op, ctx);
}
