//===- MetadataGen.cpp - integers from a runtime input --------------------===//
//
// Emits the values of a 1-D integer runtime input (for example KV-cache
// lengths), or values derived from them (`derive`: index, tiles<N>,
// offset<N>), element i requested at cycle i as step-perf's MetadataGen
// does (at most one per cycle, FIFO credits permitting).
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
    if (hasAttr("derive")) {
      std::string d = stringAttr("derive");
      auto number = [&](size_t prefix) {
        std::string digits = d.substr(prefix);
        if (digits.empty() ||
            digits.find_first_not_of("0123456789") != std::string::npos ||
            digits.size() > 12 || std::stoll(digits) <= 0)
          error("bad 'derive' \"" + d + "\"");
        return std::stoll(digits);
      };
      if (d == "index")
        kind = Index;
      else if (d.rfind("tiles", 0) == 0)
        kind = Tiles, n = number(5);
      else if (d.rfind("offset", 0) == 0)
        kind = Offset, n = number(6);
      else
        error("bad 'derive' \"" + d + "\"");
    }
    if (hasAttr("slice")) {
      std::vector<int64_t> sl = intsAttr("slice");
      if (sl.size() != 2 || sl[0] < 0 || sl[1] < 1 ||
          sl[0] + sl[1] > static_cast<int64_t>(values->ints.size()))
        error("'slice' does not fit the " +
              std::to_string(values->ints.size()) + " values of '" + name +
              "'");
      first = sl[0];
      count = sl[1];
    } else {
      count = static_cast<int64_t>(values->ints.size());
    }
    auto ty = ctx.channelTypes.find(op.outputs(0));
    asTile = ty != ctx.channelTypes.end() && ty->second->element().has_tile();
    ranked = ty != ctx.channelTypes.end() && ty->second->shape_size() >= 2;
  }
  Task run() override {
    size_t n = static_cast<size_t>(count);
    for (size_t i = 0; i < n; ++i) {
      Value v = asTile ? Value::tile(1, 1, 8) : Value();
      if (!asTile)
        v.kind = Value::Kind::Scalar;
      int64_t x = values->ints[first + i];
      if (kind != Raw && x < 0)
        error("derives from a negative value " + std::to_string(x));
      v.scalar = kind == Index   ? first + static_cast<int64_t>(i)
                 : kind == Tiles ? (x + 1 + this->n - 1) / this->n
                 : kind == Offset ? x % this->n
                                  : x;
      co_await send(out(0), std::move(v), ranked && i + 1 == n ? 1 : 0,
                    static_cast<Time>(i));
    }
  }

private:
  const Tensor *values = nullptr;
  bool asTile = false, ranked = false;
  enum { Raw, Index, Tiles, Offset } kind = Raw;
  int64_t n = 1;
  int64_t first = 0, count = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createMetadataGen(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<MetadataGen>(op, ctx);
}
