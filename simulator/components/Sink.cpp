//===- Sink.cpp - discards a stream ---------------------------------------===//
//
// STeP's ConsumerContext: takes every element, one per cycle, and drops it.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Sink : public OpComponent {
public:
  Sink(const proto::Operator &op, SimContext &ctx) : OpComponent(op, ctx) {}
  Task run() override {
    while (true) {
      std::optional<Token> t = co_await dequeue(in(0));
      if (!t)
        break;
      work(1);
    }
  }
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createSink(const proto::Operator &op,
                                                   SimContext &ctx) {
  return std::make_unique<Sink>(op, ctx);
}
