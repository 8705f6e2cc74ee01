//===- SelectGen.cpp - selectors from a routing trace ---------------------===//
//
// Emits the selectors of the runtime input named by `input`: an integer
// tensor [tokens, k] of chosen target ids. A stream of `selector<E, hot = k>`
// gets one k-hot selector per token; a stream [.., tokens, k] of one-hot
// selectors gets one per (token, choice). Tokens are sent back to back; FIFO
// credits set the pace.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

#include <algorithm>

using namespace step::sim;

namespace {
class SelectGen : public OpComponent {
public:
  SelectGen(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    name = stringAttr("input");
    if (hasAttr("targets")) {
      // Inline one-hot selectors: a trace [n, 1] of the given targets.
      inlineTrace.isInteger = true;
      inlineTrace.ints = intsAttr("targets");
      inlineTrace.shape = {static_cast<int64_t>(inlineTrace.ints.size()), 1};
      trace = &inlineTrace;
      auto ty = ctx.channelTypes.find(op.outputs(0));
      flat = ty != ctx.channelTypes.end() && ty->second->shape_size() == 1;
    } else {
      auto it = ctx.inputs.find(name);
      if (it == ctx.inputs.end())
        error("the runtime input '" + name + "' is not bound (--bind " + name +
              "=FILE)");
      trace = &it->second;
    }
    if (!trace->isInteger || trace->shape.size() != 2 || trace->shape[0] < 1)
      error("the runtime input '" + name +
            "' must be a non-empty integer tensor [tokens, k]");
    auto ty = ctx.channelTypes.find(op.outputs(0));
    if (ty == ctx.channelTypes.end() || !ty->second->element().has_selector())
      error("its output must be a stream of selectors");
    width = ty->second->element().selector().width();
    hot = ty->second->element().selector().hot();
    perChoice = ty->second->shape_size() >= 3 && hot == 1 &&
                trace->shape[1] > 1;
    int64_t k = trace->shape[1];
    if (!perChoice && hot > 0 && hot != k)
      error("the runtime input '" + name + "' routes each token to " +
            std::to_string(k) + " targets, but the selectors are " +
            std::to_string(hot) + "-hot");
    for (int64_t t = 0; t < trace->shape[0]; ++t) {
      std::vector<int64_t> row(trace->ints.begin() + t * k,
                               trace->ints.begin() + (t + 1) * k);
      for (int64_t id : row)
        if (id < 0 || id >= width)
          error("the runtime input '" + name + "', row " + std::to_string(t) +
                ": target " + std::to_string(id) + " is outside [0, " +
                std::to_string(width) + ")");
      std::sort(row.begin(), row.end());
      if (std::adjacent_find(row.begin(), row.end()) != row.end())
        error("the runtime input '" + name + "', row " + std::to_string(t) +
              ": a target appears twice");
    }
    // A stream of static shape takes exactly one trace row per token (per
    // (token, choice) with one-hot selectors): say so here rather than let
    // a consumer find a stream that ends early or late.
    int64_t want = 1;
    std::string shape;
    for (const proto::Dim &d : ty->second->shape()) {
      const std::string &e = d.expr();
      if (!shape.empty())
        shape += ", ";
      shape += e;
      if (want < 0 || e.empty() || e.size() > 9 ||
          e.find_first_not_of("0123456789") != std::string::npos)
        want = -1;
      else if ((want *= std::stoll(e)) > (int64_t(1) << 40))
        want = -1; // not a trace length anyone binds
    }
    int64_t have = perChoice ? trace->shape[0] * k : trace->shape[0];
    if (want >= 0 && want != have)
      error("the runtime input '" + name + "' has " +
            std::to_string(trace->shape[0]) + " rows of " + std::to_string(k) +
            " targets (" + std::to_string(have) +
            " selectors); the stream [" + shape + "] needs " +
            std::to_string(want));
  }

  Task run() override {
    int64_t tokens = trace->shape[0], k = trace->shape[1];
    for (int64_t t = 0; t < tokens; ++t) {
      const int64_t *row = trace->ints.data() + t * k;
      if (perChoice) {
        for (int64_t j = 0; j < k; ++j) {
          uint32_t stop = (j + 1 == k) + (j + 1 == k && t + 1 == tokens);
          std::vector<int64_t> one(1, row[j]);
          Value v = selector(std::move(one));
          co_await send(out(0), std::move(v), stop);
        }
      } else {
        std::vector<int64_t> ids(row, row + k);
        Value v = selector(std::move(ids));
        co_await send(out(0), std::move(v),
                      t + 1 == tokens && !flat ? 1 : 0);
      }
    }
  }

private:
  Value selector(std::vector<int64_t> ids) const {
    std::sort(ids.begin(), ids.end());
    Value v;
    v.kind = Value::Kind::Selector;
    v.cols = width;
    v.selected = std::make_shared<std::vector<int32_t>>(ids.begin(), ids.end());
    return v;
  }
  std::string name;
  const Tensor *trace = nullptr;
  Tensor inlineTrace;
  bool flat = false; // inline targets of a rank-0 stream: no stop tokens
  int64_t width = 0, hot = 0;
  bool perChoice = false;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createSelectGen(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<SelectGen>(op, ctx);
}
