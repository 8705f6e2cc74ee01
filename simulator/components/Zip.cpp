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
      auto parts = std::make_shared<std::vector<Value>>(inputs.size());
      uint32_t stop = 0;
      bool more = false;
      co_await peekAll(*parts, 0, stop, more);
      if (!more)
        break;
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
