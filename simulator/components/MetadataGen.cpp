//===- MetadataGen.cpp - integers from a runtime input --------------------===//
//
// Emits the values of a 1-D integer runtime input (for example KV-cache
// lengths), one element each, back to back.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class MetadataGen : public OpComponent {
public:
  MetadataGen(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    std::string name = stringAttr("input");
    auto it = ctx.inputs.find(name);
    if (it == ctx.inputs.end())
      error("the runtime input '" + name + "' is not bound (--bind " + name +
            "=FILE)");
    values = &it->second;
    if (!values->isInteger || values->ints.empty())
      error("the runtime input '" + name +
            "' must be a non-empty integer tensor");
    auto ty = ctx.channelTypes.find(op.outputs(0));
    asTile = ty != ctx.channelTypes.end() && ty->second->element().has_tile();
    ranked = ty != ctx.channelTypes.end() && ty->second->shape_size() >= 2;
  }
  Task run() override {
    size_t n = values->ints.size();
    for (size_t i = 0; i < n; ++i) {
      Value v = asTile ? Value::tile(1, 1, 8) : Value();
      if (!asTile)
        v.kind = Value::Kind::Scalar;
      v.scalar = values->ints[i];
      co_await send(out(0), std::move(v), ranked && i + 1 == n ? 1 : 0);
    }
  }

private:
  const Tensor *values = nullptr;
  bool asTile = false, ranked = false;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createMetadataGen(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<MetadataGen>(op, ctx);
}
