//===- FiberWrite.cpp - level and value writers (SAM) ---------------------===//
//
// fiber_write: builds level `mode` of the output tensor `tensor` from a
// coordinate stream: every coordinate is appended to crd, every stop closes
// a fiber (seg gets the current crd count; seg starts with 0); N is
// skipped. val_write: appends every value's floats to vals (N writes a
// zero tile of the stream's value type: 0, or a block of zeros);
// stops are skipped. The arrays are stored as `<tensor>.mode_<m>_seg`,
// `<tensor>.mode_<m>_crd` and `<tensor>.vals` (runtime/README.md), which
// step-sim --save writes as .npy. One token per cycle; writes to memory
// are not timed (Comal with --no-hbm).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class FiberWrite : public SamComponent {
public:
  FiberWrite(const proto::Operator &op, SimContext &ctx, bool values)
      : SamComponent(op, ctx), values(values) {
    tensor = stringAttr("tensor");
    if (!values)
      mode = intAttr("mode");
  }

  Task run() override {
    Tensor seg, crd, vals;
    seg.isInteger = crd.isInteger = true;
    seg.ints.push_back(0);
    Value zero = values ? inputTileOf(0) : Value::tile(1, 1, 4);
    while (true) {
      SamTok t;
      co_await peekSam(0, t);
      if (t.kind == SamTok::Done)
        break;
      co_await popSam(0);
      if (values) {
        if (t.isVal()) {
          if (t.value.kind != Value::Kind::Tile)
            error("expected values (tiles), got " + describeTok(t));
          ctx.offChipWritten += 4 * t.value.rows * t.value.cols;
          if (t.value.data)
            vals.floats.insert(vals.floats.end(), t.value.data->begin(),
                               t.value.data->end());
          else
            vals.floats.resize(vals.floats.size() +
                               t.value.rows * t.value.cols);
        } else if (t.kind == SamTok::Empty) {
          // A zero value of the stream's tile type (a block of zeros).
          int64_t n = zero.rows * zero.cols;
          ctx.offChipWritten += 4 * n;
          vals.floats.insert(vals.floats.end(), n, 0.0f);
        }
      } else if (t.isVal()) {
        if (t.value.kind != Value::Kind::Scalar)
          error("expected coordinates, got " + describeTok(t));
        crd.ints.push_back(t.value.scalar);
        ctx.offChipWritten += 4;
      } else if (t.isStop()) {
        ctx.offChipWritten += 4;
        seg.ints.push_back(static_cast<int64_t>(crd.ints.size()));
      }
      work(1);
    }
    if (values) {
      vals.shape = {static_cast<int64_t>(vals.floats.size())};
      ctx.stored[tensor + ".vals"] = std::move(vals);
    } else {
      std::string prefix = tensor + ".mode_" + std::to_string(mode);
      seg.shape = {static_cast<int64_t>(seg.ints.size())};
      crd.shape = {static_cast<int64_t>(crd.ints.size())};
      ctx.stored[prefix + "_seg"] = std::move(seg);
      ctx.stored[prefix + "_crd"] = std::move(crd);
    }
  }

private:
  bool values;
  std::string tensor;
  int64_t mode = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createFiberWrite(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<FiberWrite>(op, ctx, /*values=*/false);
}
std::unique_ptr<OpComponent>
step::sim::createValWrite(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<FiberWrite>(op, ctx, /*values=*/true);
}
