//===- SparseReduce.cpp - reducer (SAM) -----------------------------------===//
//
// Reduces every innermost fiber of a value stream (`kind` add or max): on a
// stop Sn it emits the fiber's result, then S(n-1) when n >= 1 (the stream
// loses its innermost dimension). An empty fiber gives a zero tile of the
// result type; N is ignored. Values may be blocks (B x B tiles), reduced
// elementwise. One input token per cycle; the result is visible rows*cols
// cycles after the stop (Comal's reducer output latency N*N for N x N
// blocks, 1 for scalars, as the channel latency alone gives).
//
// With a second input `outer` (the coordinates of the result's level, one
// level less deep) the fibers follow it: one fiber per element of `outer`,
// reduced as above, and a stop of `outer` without an element before it (an
// empty fiber of the result level) matches a bare stop one level higher on
// the values and gives only the stop. SAM's tokens cannot tell "an element
// whose fiber is empty" (which must give 0) from "an empty parent" (a
// scanner below an empty fiber turns its stop Sn into S(n+1)); `outer` can.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class SparseReduce : public SamComponent {
public:
  SparseReduce(const proto::Operator &op, SimContext &ctx)
      : SamComponent(op, ctx) {
    std::string kind = stringAttr("kind");
    if (kind == "max")
      isMax = true;
    else if (kind != "add")
      error("unknown reduction '" + kind + "' (expected add or max)");
  }

  Task run() override {
    if (inputs.size() > 1) {
      co_await runGuided();
      co_return;
    }
    Value shape = valueTileOf(0);
    std::vector<float> acc;
    bool any = false;
    while (true) {
      SamTok t;
      co_await peekSam(0, t);
      if (t.kind == SamTok::Done)
        break;
      co_await popSam(0);
      if (t.isVal()) {
        accumulate(t, shape, acc, any);
      } else if (t.isStop()) {
        Value r = result(shape, acc, any);
        Time visible = now + shape.rows * shape.cols;
        co_await send(out(0), std::move(r), 0, visible);
        if (t.level > 0)
          // One token per cycle on a port: the stop a cycle later.
          co_await send(out(0), Value::noElement(), t.level, visible + 1);
        any = false;
      }
      work(1);
    }
  }

private:
  bool isMax = false;

  /// Adds (or maxes) the value `t` into the fiber's accumulator; `shape`
  /// tracks the value tile, `any` whether the fiber has a value yet.
  void accumulate(const SamTok &t, Value &shape, std::vector<float> &acc,
                  bool &any) {
    const Value &v = t.value;
    if (v.kind != Value::Kind::Tile)
      error("expected values (tiles) on its input, got " + describeTok(t));
    if (any && (v.rows != shape.rows || v.cols != shape.cols))
      error("a fiber mixes value shapes");
    shape = Value::tile(v.rows, v.cols, v.elemBytes);
    if (ctx.options.functional) {
      if (!v.data || v.data->size() != static_cast<size_t>(v.rows * v.cols))
        error("a value carries no data in functional mode");
      if (!any)
        acc = *v.data;
      else
        for (size_t i = 0; i < acc.size(); ++i)
          acc[i] = isMax ? std::max(acc[i], (*v.data)[i])
                         : acc[i] + (*v.data)[i];
    }
    flops += any ? v.rows * v.cols : 0;
    any = true;
  }

  /// The value a fiber reduces to (0 when it had none).
  Value result(const Value &shape, std::vector<float> &acc, bool any) const {
    Value r = shape;
    if (ctx.options.functional) {
      if (!any)
        acc.assign(shape.rows * shape.cols, 0.0f);
      r.data = std::make_shared<const std::vector<float>>(acc);
    }
    return r;
  }

  /// Sums the values of one fiber (input 0) up to its stop, which it
  /// consumes and returns in `stop`; `shape` tracks the value tile.
  Task fiber(Value &shape, std::vector<float> &acc, bool &any, SamTok &stop) {
    any = false;
    while (true) {
      SamTok t;
      co_await peekSam(0, t);
      if (t.kind == SamTok::Done)
        error("its values end inside a fiber");
      co_await popSam(0);
      if (t.isStop()) {
        stop = t; // its cycle is counted by the caller, after the sends
        co_return;
      }
      work(1);
      if (!t.isVal())
        continue; // N adds nothing
      accumulate(t, shape, acc, any);
    }
  }

  Task runGuided() {
    Value shape = valueTileOf(0);
    std::vector<float> acc;
    while (true) {
      SamTok g;
      co_await peekSam(1, g);
      if (g.kind == SamTok::Done) {
        SamTok t;
        co_await peekSam(0, t);
        if (t.kind != SamTok::Done)
          error("its values go on after 'outer' ends: " + describeTok(t));
        break;
      }
      co_await popSam(1);
      if (g.isStop()) {
        // An empty fiber of the result level: a bare stop one level higher
        // on the values.
        SamTok t;
        co_await peekSam(0, t);
        if (!t.isStop() || t.level != g.level + 1)
          error("its inputs disagree: 'outer' has the bare stop " +
                describeTok(g) + ", the values " + describeTok(t) +
                " (expected S" + std::to_string(g.level + 1) + ")");
        co_await popSam(0);
        co_await send(out(0), Value::noElement(), g.level + 1,
                      now + shape.rows * shape.cols + 1);
        work(1);
        continue;
      }
      bool any = false;
      SamTok stop;
      co_await fiber(shape, acc, any, stop);
      Value r = result(shape, acc, any);
      Time visible = now + shape.rows * shape.cols;
      co_await send(out(0), std::move(r), 0, visible);
      if (stop.level > 0) {
        // The element was the last of its fiber: `outer` closes it next.
        SamTok s;
        co_await peekSam(1, s);
        if (!s.isStop() || s.level != stop.level - 1)
          error("its inputs disagree: the values close a fiber with " +
                describeTok(stop) + ", 'outer' goes on with " +
                describeTok(s));
        co_await popSam(1);
        co_await send(out(0), Value::noElement(), stop.level, visible + 1);
      }
      work(1);
    }
  }
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createSparseReduce(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<SparseReduce>(op, ctx);
}
