//===- ArrayVal.cpp - value load (SAM) ------------------------------------===//
//
// SAM's array load: for a reference r, vals[r] of the bound tensor `tensor`
// as a 1x1 f32 tile (its number in functional mode), or with `block` B the
// B x B block vals[r] of a blocked tensor (vals of shape [n, B, B]), or with
// `tile_shape` [R, C] the R x C tile vals[r] (vals [n, R, C], any [n, a, b]
// with a*b = R*C, or flat with R*C floats per value: the row and column
// vectors of a blocked lowering); stops and N pass through. One token per
// cycle; every token is visible R*C cycles after it is read (Comal's array
// latency block_size^2, 1 for scalars).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class ArrayVal : public SamComponent {
public:
  ArrayVal(const proto::Operator &op, SimContext &ctx) : SamComponent(op, ctx) {
    tensor = stringAttr("tensor");
    vals = &valsOf(tensor);
    if (vals->isInteger)
      error("'" + tensor + ".vals' must hold floats");
    int64_t block = intAttr("block", 1);
    if (block < 1)
      error("block must be positive");
    rows = cols = block;
    std::vector<int64_t> shape = intsAttr("tile_shape", {});
    if (!shape.empty()) {
      if (shape.size() != 2 || shape[0] < 1 || shape[1] < 1)
        error("tile_shape must be two positive sizes");
      rows = shape[0];
      cols = shape[1];
    }
    int64_t elems = rows * cols;
    const std::vector<int64_t> &vs = vals->shape;
    bool ok;
    if (shape.empty() && block > 1)
      ok = vs.size() == 3 && vs[1] == block && vs[2] == block;
    else if (elems == 1)
      ok = vs.size() == 1;
    else
      ok = (vs.size() == 3 && vs[1] * vs[2] == elems) ||
           (vs.size() == 1 && vs[0] % elems == 0);
    if (!ok)
      error("'" + tensor + ".vals' has shape " + shapeText(vs) +
            (elems > 1 ? ", expected [n, " + std::to_string(rows) + ", " +
                             std::to_string(cols) + "] blocks"
                       : ", expected [n] (bind [n, B, B] blocks with "
                         "'block' B)"));
    count = vs.size() == 3 ? vs[0] : vs[0] / elems;
  }

  Task run() override {
    while (true) {
      SamTok t;
      co_await peekSam(0, t);
      if (t.kind == SamTok::Done)
        break;
      co_await popSam(0);
      if (t.isVal()) {
        if (t.value.kind != Value::Kind::Scalar)
          error("expected references on its input, got " + describeTok(t));
        int64_t r = t.value.scalar;
        if (r < 0 || r >= count)
          error("reference " + std::to_string(r) + " is outside '" + tensor +
                ".vals' (" + std::to_string(count) + " values)");
        Value v = Value::tile(rows, cols, 4);
        ctx.offChipRead += 4 * rows * cols; // counted, not timed
        if (ctx.options.functional) {
          auto first = vals->floats.begin() + r * rows * cols;
          v.data = std::make_shared<const std::vector<float>>(
              first, first + rows * cols);
        }
        t.value = std::move(v);
      }
      // Every token goes through the load pipeline (latency R*C).
      Time visible = now + rows * cols;
      if (t.isVal())
        co_await send(out(0), std::move(t.value), 0, visible);
      else if (t.isStop())
        co_await send(out(0), Value::noElement(), t.level + 1, visible);
      else
        co_await send(out(0), Value::empty(), 0, visible);
      work(1);
    }
  }

private:
  static std::string shapeText(const std::vector<int64_t> &shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
  }
  std::string tensor;
  const Tensor *vals = nullptr;
  int64_t rows = 1, cols = 1, count = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createArrayVal(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<ArrayVal>(op, ctx);
}
