//===- Zip.cpp - Zip ------------------------------------------------------===//
//
// Pairs the elements of its inputs into tuples; 0 cycles.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Zip : public OpComponent {
public:
  using OpComponent::OpComponent;
  Task run() override {
    while (true) {
      auto parts = std::make_shared<std::vector<Value>>();
      uint32_t stop = 0;
      size_t ended = 0;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const Token *t = co_await peek(*inputs[i]);
        if (!t) {
          ++ended;
          continue;
        }
        stop = t->stop;
        parts->push_back(t->value);
      }
      if (ended == inputs.size())
        break;
      if (ended)
        error("its inputs have different lengths");
      Value tuple;
      tuple.kind = Value::Kind::Tuple;
      tuple.parts = parts;
      co_await send(out(0), std::move(tuple), stop);
      for (Channel *ch : inputs)
        co_await dequeue(*ch);
    }
  }
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createZip(const proto::Operator &op,
                                                  SimContext &ctx) {
  return std::make_unique<Zip>(op, ctx);
}
