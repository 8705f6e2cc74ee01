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
      } else if (t.isStop()) {
        Value r = shape;
        if (ctx.options.functional) {
          if (!any)
            acc.assign(shape.rows * shape.cols, 0.0f);
          r.data = std::make_shared<const std::vector<float>>(acc);
        }
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
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createSparseReduce(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<SparseReduce>(op, ctx);
}
