//===- Accum.cpp - Accum and Scan -----------------------------------------===//
//
// Reduces the inner `rank` dimensions with the update region (Accum), or
// emits the accumulator after every element (Scan). Per element: max(load
// cycles, FLOPs / compute bandwidth, store cycles at the end of a group when
// written back); inputs are released before the result is sent, as in STeP's
// simulator (its Accum and BinaryMapAccum).
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

using namespace step::sim;

namespace {
class Accum : public OpComponent {
public:
  Accum(const proto::Operator &op, SimContext &ctx, bool scan)
      : OpComponent(op, ctx), scan(scan) {
    if (op.regions_size() != 2)
      error("expected 'init' and 'update' regions");
    init = TileProgram(op.regions(0), describe(), /*accumulating=*/false);
    update = TileProgram(op.regions(1), describe(), /*accumulating=*/true);
    rank = static_cast<uint32_t>(intAttr("rank"));
    writeBack = boolAttr("write_back_mu");
  }

  Task run() override {
    std::vector<Value> args(inputs.size() + 1);
    bool fresh = true;
    Time groupStart = 0;
    while (true) {
      uint32_t stop = 0;
      bool more = false;
      co_await peekAll(args, 1, stop, more);
      if (!more) {
        if (!fresh && !scan)
          error("its input ended inside a group of the reduced dimensions "
                "(no stop token closed it)");
        break;
      }
      int64_t f = 0;
      if (fresh) {
        args[0] = init.evaluate({}, ctx.options.functional, f).at(0);
        fresh = false;
        groupStart = now;
      }
      Value acc = update.evaluate(args, ctx.options.functional, f).at(0);
      flops += f;
      bool emit = stop >= rank;
      Time store = (emit || scan) && writeBack ? memCycles(timingBytes(acc)) : 0;
      std::vector<Value> loaded(args.begin() + 1, args.end());
      work(std::max({loadCycles(loaded), computeCycles(f), store,
                    update.fixedCycles()}));
      for (Channel *ch : inputs)
        co_await dequeue(*ch);
      args[0] = acc;
      if (emit) {
        ctx.occupy(groupStart, acc.bytes());
        ctx.occupy(now, -acc.bytes());
        fresh = true;
      }
      if (emit || scan) {
        acc.readFromMu = writeBack;
        co_await send(out(0), std::move(acc),
                      scan ? stop : stop - rank);
      }
    }
  }

private:
  TileProgram init, update;
  uint32_t rank = 1;
  bool writeBack = false;
  bool scan;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createAccum(const proto::Operator &op,
                                                    SimContext &ctx) {
  return std::make_unique<Accum>(op, ctx, /*scan=*/false);
}

std::unique_ptr<OpComponent> step::sim::createScan(const proto::Operator &op,
                                                   SimContext &ctx) {
  return std::make_unique<Accum>(op, ctx, /*scan=*/true);
}
