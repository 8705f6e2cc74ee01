//===- Map.cpp - Map ------------------------------------------------------===//
//
// Applies the region to every element (several inputs are zipped). Per
// element, STeP's roofline: max(memory-unit load cycles of inputs read from
// memory units, FLOPs / compute bandwidth, store cycles if the result is
// written back to a memory unit). The output is sent before the inputs are
// released, as in STeP's simulator.
//
// On sparse (SAM) value streams map is SAM's ALU: a token without an
// element (a standalone stop) on every input passes through in one cycle;
// an empty token N reads as a zero tile of the region argument's static type
// (else shaped like the other inputs: a blocked [B, 1] row statistic next to
// a [B, B] block stays [B, 1]), and N
// on every input gives N (SAM's binary ALU counts Empty as 0; what Comal
// emits for N op N is not in our digest: inferred).
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
    // The shape N stands for on each input: the region argument's static
    // tile type, if it has one.
    const proto::Region &r = op.regions(0);
    auto isStatic = [](const std::string &s) {
      return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit);
    };
    for (int i = 0; i < r.args_size(); ++i) {
      const proto::TileType *t =
          r.args(i).has_tile() ? &r.args(i).tile() : nullptr;
      zeroOf.push_back(t && isStatic(t->rows().expr()) &&
                               isStatic(t->cols().expr())
                           ? std::optional<Value>(makeTile(r.args(i)))
                           : std::nullopt);
    }
  }

  Task run() override {
    std::vector<Value> args(inputs.size());
    while (true) {
      uint32_t stop = 0;
      bool more = false;
      co_await peekAll(args, 0, stop, more);
      if (!more)
        break;
      size_t noElement = 0, empty = 0;
      const Value *like = nullptr;
      for (const Value &a : args) {
        noElement += a.kind == Value::Kind::NoElement;
        empty += a.kind == Value::Kind::Empty;
        if (a.isElement() && a.kind != Value::Kind::Empty)
          like = &a;
      }
      if (noElement && noElement != args.size())
        error("its inputs disagree: some carry a standalone stop, others an "
              "element (their sparse structures differ)");
      Value r;
      if (noElement || empty == args.size()) {
        // A standalone stop, or N on every input: passes through.
        r = noElement ? Value::noElement() : Value::empty();
        work(1);
      } else {
        if (empty)
          for (size_t i = 0; i < args.size(); ++i)
            if (Value &a = args[i]; a.kind == Value::Kind::Empty) {
              a = i < zeroOf.size() && zeroOf[i]
                      ? *zeroOf[i]
                      : Value::tile(like->rows, like->cols, like->elemBytes);
              if (ctx.options.functional)
                a.data = std::make_shared<const std::vector<float>>(
                    a.rows * a.cols, 0.0f);
            }
        int64_t f = 0;
        std::vector<Value> result =
            program.evaluate(args, ctx.options.functional, f);
        flops += f;
        r = result.at(0);
        r.readFromMu = writeBack;
        Time store = writeBack ? memCycles(timingBytes(r)) : 0;
        work(std::max({loadCycles(args), computeCycles(f), store,
                       program.fixedCycles()}));
      }
      co_await send(out(0), std::move(r), stop);
      for (Channel *ch : inputs)
        co_await dequeue(*ch);
    }
  }

private:
  TileProgram program;
  bool writeBack = false;
  /// Per region argument: the zero tile N stands for, when its type is
  /// static (else N is shaped like the other inputs).
  std::vector<std::optional<Value>> zeroOf;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createMap(const proto::Operator &op,
                                                  SimContext &ctx) {
  return std::make_unique<Map>(op, ctx);
}
