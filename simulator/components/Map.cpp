//===- Map.cpp - Map ------------------------------------------------------===//
//
// Applies the region to every element (several inputs are zipped). Per
// element, STeP's roofline: max(memory-unit load cycles of inputs read from
// memory units, FLOPs / compute bandwidth, store cycles if the result is
// written back to a memory unit). The output is sent before the inputs are
// released, as in STeP's simulator.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Map : public OpComponent {
public:
  Map(const proto::Operator &op, SimContext &ctx) : OpComponent(op, ctx) {
    if (op.regions_size() != 1)
      error("expected one region");
    program = TileProgram(op.regions(0), describe(), /*accumulating=*/false);
    writeBack = boolAttr("write_back_mu");
  }

  Task run() override {
    std::vector<Value> args(inputs.size());
    while (true) {
      uint32_t stop = 0;
      bool more = false;
      co_await peekAll(args, 0, stop, more);
      if (!more)
        break;
      int64_t f = 0;
      std::vector<Value> result =
          program.evaluate(args, ctx.options.functional, f);
      flops += f;
      Value r = result.at(0);
      r.readFromMu = writeBack;
      Time store = writeBack ? memCycles(timingBytes(r)) : 0;
      work(std::max({loadCycles(args), computeCycles(f), store,
                    program.fixedCycles()}));
      co_await send(out(0), std::move(r), stop);
      for (Channel *ch : inputs)
        co_await dequeue(*ch);
    }
  }

private:
  TileProgram program;
  bool writeBack = false;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createMap(const proto::Operator &op,
                                                  SimContext &ctx) {
  return std::make_unique<Map>(op, ctx);
}
