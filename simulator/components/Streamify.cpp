//===- Streamify.cpp - Streamify ------------------------------------------===//
//
// Reads each buffer back as a stream, `prod(repeat)` times (static) or once
// per element of the reference's inner `repeat_rank` dimensions; one cycle
// per element sent, the buffer released at the end (STeP's Streamify).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Streamify : public OpComponent {
public:
  Streamify(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    repeat = intsAttr("repeat", {});
    repeatRank = static_cast<uint32_t>(intAttr("repeat_rank", 0));
  }
  Task run() override {
    bool hasRef = inputs.size() > 1;
    while (true) {
      const Token *head = co_await peek(in(0));
      if (!head)
        break;
      if (head->value.kind != Value::Kind::Buffer || !head->value.parts)
        error("expected buffers on its input");
      auto parts = head->value.parts;
      uint32_t bufStop = head->stop;
      uint32_t b = parts->empty() ? 0 : static_cast<uint32_t>(parts->back().scalar);
      if (hasRef) {
        while (true) {
          std::optional<Token> r = co_await dequeue(in(1));
          if (!r)
            error("'ref' ended before the buffers");
          co_await emit(*parts, b + r->stop);
          if (r->stop >= repeatRank)
            break;
        }
      } else {
        std::vector<int64_t> idx(repeat.size(), 0);
        while (true) {
          uint32_t ended = 0;
          size_t k = idx.size();
          while (k > 0 && idx[k - 1] == repeat[k - 1] - 1) {
            --k;
            ++ended;
          }
          co_await emit(*parts, b + ended + (k == 0 ? bufStop : 0));
          size_t d = idx.size();
          while (d > 0 && ++idx[d - 1] == repeat[d - 1])
            idx[--d] = 0;
          if (d == 0)
            break;
        }
      }
      co_await dequeue(in(0));
    }
  }

private:
  Task emit(const std::vector<Value> &parts, uint32_t lastStop) {
    for (size_t j = 0; j < parts.size(); ++j) {
      Value v = parts[j];
      uint32_t stop = j + 1 == parts.size() ? lastStop
                                            : static_cast<uint32_t>(v.scalar);
      v.scalar = 0;
      co_await send(out(0), std::move(v), stop);
      work(1);
    }
  }
  std::vector<int64_t> repeat;
  uint32_t repeatRank = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createStreamify(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<Streamify>(op, ctx);
}
