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
    // The elements to emit: all, or the concatenated (start, count) slices.
    int64_t total = static_cast<int64_t>(values->ints.size());
    if (hasAttr("slice")) {
      std::vector<int64_t> sl = intsAttr("slice");
      if (sl.empty() || sl.size() % 2)
        error("'slice' must hold (start, count) pairs");
      for (size_t k = 0; k < sl.size(); k += 2) {
        if (sl[k] < 0 || sl[k + 1] < 1 || sl[k] > total ||
            sl[k + 1] > total - sl[k])
          error("'slice' does not fit the " + std::to_string(total) +
                " values of '" + name + "'");
        for (int64_t i = 0; i < sl[k + 1]; ++i)
          positions.push_back(sl[k] + i);
      }
    } else {
      for (int64_t i = 0; i < total; ++i)
        positions.push_back(i);
    }
    auto ty = ctx.channelTypes.find(op.outputs(0));
    asTile = ty != ctx.channelTypes.end() && ty->second->element().has_tile();
    ranked = ty != ctx.channelTypes.end() && ty->second->shape_size() >= 2;
  }
  Task run() override {
    size_t n = positions.size();
    for (size_t i = 0; i < n; ++i) {
      Value v = asTile ? Value::tile(1, 1, 8) : Value();
      if (!asTile)
        v.kind = Value::Kind::Scalar;
      int64_t pos = positions[i];
      int64_t x = values->ints[pos];
      if (kind != Raw && x < 0)
        error("derives from a negative value " + std::to_string(x));
      v.scalar = kind == Index   ? pos
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
  std::vector<int64_t> positions;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createMetadataGen(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<MetadataGen>(op, ctx);
}
