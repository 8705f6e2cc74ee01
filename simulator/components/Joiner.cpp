//===- Joiner.cpp - intersecter and unioner (SAM) -------------------------===//
//
// Inputs: k coordinate streams then their k reference (or value) streams,
// advancing in lockstep pairwise; outputs: the joined coordinates and the k
// aligned references. Per cycle one step (Comal's joiners, II 1):
// - all heads are stops: they must be the same Sn; Sn goes to every output;
// - an N coordinate (an empty fiber's placeholder) is dropped;
// - intersect: if some heads are stops, the others' elements are dropped;
//   if all coordinates are equal it is emitted with every reference, else
//   the inputs holding the smallest coordinate advance;
// - union: the smallest coordinate is emitted with the references of the
//   inputs that hold it and N for the others, which stay.
// An empty result fiber is a bare stop.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

namespace {
class Joiner : public SamComponent {
public:
  Joiner(const proto::Operator &op, SimContext &ctx, bool isUnion)
      : SamComponent(op, ctx), isUnion(isUnion) {}

  Task run() override {
    size_t k = inputs.size() / 2;
    if (k < 2 || inputs.size() != 2 * k || outputs.size() != k + 1)
      error("expected 2k inputs (k >= 2 coordinate streams, then k "
            "reference streams) and k + 1 outputs, got " +
            std::to_string(inputs.size()) + " inputs and " +
            std::to_string(outputs.size()) + " outputs");
    std::vector<SamTok> c(k);
    while (true) {
      size_t done = 0, stops = 0;
      for (size_t i = 0; i < k; ++i) {
        co_await peekSam(i, c[i]);
        done += c[i].kind == SamTok::Done;
        stops += c[i].isStop();
      }
      if (done == k)
        break;
      if (done)
        error("its coordinate inputs end at different places");
      // Drop N coordinates.
      bool dropped = false;
      for (size_t i = 0; i < k; ++i)
        if (c[i].kind == SamTok::Empty) {
          co_await popSam(i);
          co_await popSam(k + i);
          dropped = true;
        }
      if (dropped) {
        work(1);
        continue;
      }
      if (stops == k) {
        for (size_t i = 1; i < k; ++i)
          if (c[i].level != c[0].level)
            error("its inputs' stops disagree: S" + std::to_string(c[0].level) +
                  " on input #0, S" + std::to_string(c[i].level) +
                  " on input #" + std::to_string(i));
        for (size_t i = 0; i < k; ++i) {
          co_await popSam(i);
          co_await popSam(k + i);
        }
        for (size_t o = 0; o <= k; ++o)
          co_await sendStop(o, c[0].level);
        work(1);
        continue;
      }
      int64_t lo = 0, hi = 0;
      bool first = true;
      for (size_t i = 0; i < k; ++i) {
        if (!c[i].isVal())
          continue;
        if (c[i].value.kind != Value::Kind::Scalar)
          error("expected coordinates on input #" + std::to_string(i) +
                ", got " + describeTok(c[i]));
        int64_t x = c[i].value.scalar;
        lo = first ? x : std::min(lo, x);
        hi = first ? x : std::max(hi, x);
        first = false;
      }
      if (!isUnion && (stops > 0 || lo != hi)) {
        // Elements that cannot be in the intersection.
        for (size_t i = 0; i < k; ++i)
          if (c[i].isVal() && (stops > 0 || c[i].value.scalar == lo)) {
            co_await popSam(i);
            co_await popSam(k + i);
          }
        work(1);
        continue;
      }
      co_await sendVal(0, Value::scalarValue(lo));
      for (size_t i = 0; i < k; ++i) {
        if (c[i].isVal() && c[i].value.scalar == lo) {
          SamTok r;
          co_await peekSam(k + i, r);
          if (r.kind == SamTok::Done || r.isStop())
            error("reference input #" + std::to_string(i) + " has " +
                  describeTok(r) + " where its coordinates have " +
                  describeTok(c[i]));
          co_await sendTok(i + 1, r);
          co_await popSam(i);
          co_await popSam(k + i);
        } else {
          co_await sendEmpty(i + 1);
        }
      }
      work(1);
    }
  }

private:
  bool isUnion;
};
} // namespace

std::unique_ptr<OpComponent>
step::sim::createIntersect(const proto::Operator &op, SimContext &ctx) {
  return std::make_unique<Joiner>(op, ctx, /*isUnion=*/false);
}
std::unique_ptr<OpComponent> step::sim::createUnion(const proto::Operator &op,
                                                    SimContext &ctx) {
  return std::make_unique<Joiner>(op, ctx, /*isUnion=*/true);
}
