//===- RandomStore.cpp - RandomOffChipStore -------------------------------===//
//
// Writes each data tile at the matching address and acknowledges it, as
// step-perf's RandomOffChipStore (docs/step-perf-routing-and-attention.md
// §1): the address and the data stay in their FIFOs while the tile is
// written; the acknowledgement is sent first, then both are released.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class RandomStore : public OpComponent {
public:
  RandomStore(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {
    par = intAttr("par_dispatch", ctx.parDispatch);
    port = ctx.memory->addClient(this, /*isWriter=*/true);
  }

  Task run() override {
    while (true) {
      const Token *addr = co_await peek(in(0));
      uint32_t stop = addr ? addr->stop : 0;
      const Token *data = co_await peek(in(1));
      if (!addr || !data) {
        if (addr || data)
          error("'addr' and 'data' streams have different lengths");
        break;
      }
      Value v = data->value;
      co_await ctx.memory->access(*this, port, requestsFor(v), par);
      ctx.offChipWritten += timingBytes(v);
      co_await send(out(0), Value::scalarValue(1), stop);
      co_await dequeue(in(0));
      co_await dequeue(in(1));
    }
  }

  void onFinish() override { ctx.memory->clientFinished(now); }

private:
  int64_t par = 1;
  int port = 0;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createRandomStore(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<RandomStore>(op, ctx);
}
