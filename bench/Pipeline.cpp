//===- Pipeline.cpp - a long operator pipeline on the step engine ---------===//

#include "bench/Pipeline.h"

#include "simulator/Engine.h"

#include <memory>
#include <vector>

using namespace step;
using namespace step::sim;

namespace {
class Source : public Component {
public:
  Source(int64_t tokens) : Component("source", "source", ""), tokens(tokens) {}
  Task run() override {
    for (int64_t k = 0; k < tokens; ++k)
      co_await send(*outputs[0], Value::tile(16, 16, 2), 0, k);
  }
  int64_t tokens;
};

class Stage : public Component {
public:
  Stage(Time compute) : Component("stage", "stage", ""), compute(compute) {}
  Task run() override {
    while (true) {
      std::optional<Token> t = co_await dequeue(*inputs[0]);
      if (!t)
        break;
      work(compute);
      co_await send(*outputs[0], std::move(t->value), t->stop);
    }
  }
  Time compute;
};

class Sink : public Component {
public:
  Sink() : Component("sink", "sink", "") {}
  Task run() override {
    while (true) {
      std::optional<Token> t = co_await dequeue(*inputs[0]);
      if (!t)
        break;
    }
  }
};
} // namespace

bench::PipelineResult bench::runStepPipeline(int stages, int64_t tokens,
                                             int64_t compute, int64_t depth) {
  Engine engine;
  std::vector<std::unique_ptr<Component>> comps;
  std::vector<std::unique_ptr<Channel>> channels;
  comps.push_back(std::make_unique<Source>(tokens));
  for (int i = 0; i < stages; ++i)
    comps.push_back(std::make_unique<Stage>(compute));
  comps.push_back(std::make_unique<Sink>());
  for (size_t i = 0; i + 1 < comps.size(); ++i) {
    channels.push_back(std::make_unique<Channel>(static_cast<int>(i), depth, 1,
                                                 "c" + std::to_string(i)));
    channels.back()->producer = comps[i].get();
    channels.back()->consumer = comps[i + 1].get();
    comps[i]->outputs.push_back(channels.back().get());
    comps[i + 1]->inputs.push_back(channels.back().get());
  }
  for (auto &c : comps)
    engine.add(c.get());
  engine.run();
  return {engine.getLastFinish(), engine.getTransfers(),
          engine.getResumptions()};
}
