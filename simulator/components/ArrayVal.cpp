//===- ArrayVal.cpp - value load (SAM) ------------------------------------===//
//
// SAM's array load: for a reference r, vals[r] of the bound tensor `tensor`
// as a 1x1 f32 tile (its number in functional mode), or with `block` B the
// B x B block vals[r] of a blocked tensor (vals of shape [n, B, B]); stops
// and N pass through. One token per cycle; every token is visible B*B
// cycles after it is read (Comal's array latency block_size^2, 1 for scalars).
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
    block = intAttr("block", 1);
    if (block < 1)
      error("block must be positive");
    bool blocked = vals->shape.size() == 3 && vals->shape[1] == block &&
                   vals->shape[2] == block;
    if (block > 1 ? !blocked : vals->shape.size() != 1)
      error("'" + tensor + ".vals' has shape " + shapeText(vals->shape) +
            (block > 1 ? ", expected [n, " + std::to_string(block) + ", " +
                             std::to_string(block) + "] blocks"
                       : ", expected [n] (bind [n, B, B] blocks with "
                         "'block' B)"));
    count = vals->shape[0];
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
        Value v = Value::tile(block, block, 4);
        ctx.offChipRead += 4 * block * block; // counted, not timed
        if (ctx.options.functional) {
          auto first = vals->floats.begin() + r * block * block;
          v.data = std::make_shared<const std::vector<float>>(
              first, first + block * block);
        }
        t.value = std::move(v);
      }
      // Every token goes through the load pipeline (latency B*B).
      Time visible = now + block * block;
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
  int64_t block = 1, count = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createArrayVal(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<ArrayVal>(op, ctx);
}
