//===- Bufferize.cpp - Bufferize ------------------------------------------===//
//
// Collects the inner `rank` dimensions into a buffer and emits a reference to
// it when they complete; free, as in STeP's simulator.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Bufferize : public OpComponent {
public:
  Bufferize(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    rank = static_cast<uint32_t>(intAttr("rank"));
  }
  Task run() override {
    auto parts = std::make_shared<std::vector<Value>>();
    Time start = 0;
    while (true) {
      std::optional<Token> t = co_await dequeue(in(0));
      if (!t)
        break;
      if (parts->empty())
        start = now;
      Value part = std::move(t->value);
      part.scalar = std::min(t->stop, rank); // stop within the buffer
      parts->push_back(std::move(part));
      if (t->stop >= rank) {
        Value buffer;
        buffer.kind = Value::Kind::Buffer;
        buffer.parts = parts;
        ctx.occupy(start, buffer.bytes());
        ctx.occupy(now, -buffer.bytes());
        co_await send(out(0), std::move(buffer), t->stop - rank);
        parts = std::make_shared<std::vector<Value>>();
      }
    }
  }

private:
  uint32_t rank = 1;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createBufferize(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<Bufferize>(op, ctx);
}
