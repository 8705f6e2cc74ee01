//===- Locate.cpp - locate into a dense level (SAM) -----------------------===//
//
// Replaces the co-iteration of a sparse level with a dense one: the
// sparse side's coordinates (input 0) and references (input 1) pass
// through, and the dense level's reference is computed from the
// coordinate, parent * dim + c, with the dense tensor's parent reference
// (input 2, one per sparse fiber) as the dense scanner would give it.
// Comal's IterateLocate forwards the coordinate itself, right only when
// the parent is 0 (reference/fuseflow.md §2.4); we use the parent. Stops
// follow the coordinates: a fiber's stop Sn consumes the parent reference
// and, when n >= 1, the parent's stop S(n-1); a bare parent stop matches a
// bare S(n+1). N passes through. One token per cycle.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class Locate : public SamComponent {
public:
  Locate(const proto::Operator &op, SimContext &ctx) : SamComponent(op, ctx) {
    dim = intAttr("dim");
    if (dim < 1)
      error("dim must be positive");
  }

  Task run() override {
    while (true) {
      SamTok c;
      co_await peekSam(0, c);
      if (c.kind == SamTok::Done)
        break;
      SamTok r, p;
      co_await peekSam(1, r);
      co_await peekSam(2, p);
      if (r.kind == SamTok::Done || r.isStop() != c.isStop())
        error("its references disagree with its coordinates: " +
              describeTok(r) + " for " + describeTok(c));
      co_await popSam(0);
      co_await popSam(1);
      if (c.kind == SamTok::Empty) {
        for (size_t o = 0; o < 3; ++o)
          co_await sendEmpty(o);
      } else if (c.isVal()) {
        if (!p.isVal() || p.value.kind != Value::Kind::Scalar ||
            c.value.kind != Value::Kind::Scalar)
          error("expected a parent reference and a coordinate, got " +
                describeTok(p) + " and " + describeTok(c));
        if (c.value.scalar < 0 || c.value.scalar >= dim)
          error("coordinate " + std::to_string(c.value.scalar) +
                " is outside the dense level [0, " + std::to_string(dim) + ")");
        co_await sendTok(0, c);
        co_await sendTok(1, r);
        co_await sendVal(
            2, Value::scalarValue(p.value.scalar * dim + c.value.scalar));
      } else {
        if (p.isStop()) {
          // An empty parent fiber.
          if (p.level + 1 != c.level)
            error("the stop S" + std::to_string(c.level) +
                  " does not match the parent's standalone stop S" +
                  std::to_string(p.level));
          co_await popSam(2);
        } else {
          if (p.kind == SamTok::Done)
            error("its parent references ended before its coordinates");
          co_await popSam(2);
          if (c.level > 0) {
            SamTok after;
            co_await peekSam(2, after);
            if (!after.isStop() || after.level + 1 != c.level)
              error("the stop S" + std::to_string(c.level) +
                    " expects the parent stop S" + std::to_string(c.level - 1) +
                    ", got " + describeTok(after));
            co_await popSam(2);
          }
        }
        for (size_t o = 0; o < 3; ++o)
          co_await sendStop(o, c.level);
      }
      work(1);
    }
    SamTok rest;
    co_await peekSam(2, rest);
    if (rest.kind != SamTok::Done)
      error("its parent references go on after its coordinates ended (" +
            describeTok(rest) + ")");
  }

private:
  int64_t dim = 1;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createLocate(const proto::Operator &op,
                                                     SimContext &ctx) {
  return std::make_unique<Locate>(op, ctx);
}
