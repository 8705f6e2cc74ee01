//===- ArrayVal.cpp - value load (SAM) ------------------------------------===//
//
// SAM's array load: for a reference r, vals[r] of the bound tensor `tensor`
// as a 1x1 f32 tile (its number in functional mode); stops and N pass
// through. One token per cycle (Comal's array latency is block_size^2, 1
// for scalars).
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
        if (r < 0 || r >= static_cast<int64_t>(vals->floats.size()))
          error("reference " + std::to_string(r) + " is outside '" + tensor +
                ".vals' (" + std::to_string(vals->floats.size()) + " values)");
        Value v = Value::tile(1, 1, 4);
        if (ctx.options.functional)
          v.data = std::make_shared<const std::vector<float>>(
              1, vals->floats[r]);
        t.value = std::move(v);
      }
      co_await sendTok(0, t);
      work(1);
    }
  }

private:
  std::string tensor;
  const Tensor *vals = nullptr;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createArrayVal(const proto::Operator &op,
                                                       SimContext &ctx) {
  return std::make_unique<ArrayVal>(op, ctx);
}
