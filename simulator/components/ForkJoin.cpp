//===- ForkJoin.cpp - parallel lanes of a sparse stream (SAM) -------------===//
//
// fork (Comal's Scatter): the elements (and N) of its input go to its P
// outputs round-robin, one counter over the whole stream; every stop goes
// to all lanes. One token per cycle.
//
// join (Comal's Gather): the inverse after per-lane work. Each lane's
// output has, per element it was given, one sub-result: one element when
// `depth` is 0, else a fiber `depth` levels deep ended by S(depth-1). The
// join takes sub-results from the lanes in the fork's round-robin order
// and forwards them; an outer stop Sn of the forked stream shows on every
// lane as a stop of level n + depth (merged into the lane's last sub-result
// or bare); the join consumes it on all lanes and emits it once, raising
// the stop of the last sub-result it forwarded (a stop is held back until
// the next sub-result, or the end). With depth >= 1 a bare stop where a
// lane's next sub-result should start is that sub-result, empty (an empty
// fiber is a bare stop), so a lane must get at least one element of every
// fiber: SAM's tokens cannot tell a lane without elements from one with
// an empty sub-result. The digest's Gather "emits S0 for
// non-last lanes' stops and the real stop on the last lane"; this is our
// reading of it. One token per cycle.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

#include <optional>

using namespace step::sim;

namespace {
class Fork : public SamComponent {
public:
  using SamComponent::SamComponent;
  Task run() override {
    size_t lanes = outputs.size(), cur = 0;
    if (lanes < 1)
      error("expected at least one output");
    while (true) {
      SamTok t;
      co_await peekSam(0, t);
      if (t.kind == SamTok::Done)
        break;
      co_await popSam(0);
      if (t.isStop()) {
        for (size_t o = 0; o < lanes; ++o)
          co_await sendTok(o, t);
      } else {
        co_await sendTok(cur, t);
        cur = (cur + 1) % lanes;
      }
      work(1);
    }
  }
};

class Join : public SamComponent {
public:
  Join(const proto::Operator &op, SimContext &ctx) : SamComponent(op, ctx) {
    depth = intAttr("depth");
    if (depth < 0)
      error("depth must be >= 0");
  }

  Task flush() {
    if (pending) {
      uint32_t level = *pending;
      pending.reset();
      co_await sendStop(0, level);
      work(1);
    }
  }

  Task run() override {
    size_t lanes = inputs.size(), cur = 0;
    if (lanes < 1)
      error("expected at least one input");
    uint32_t d = static_cast<uint32_t>(depth);
    // Per lane: the outer stop it has shown for the current fiber.
    std::vector<std::optional<uint32_t>> done(lanes);
    while (true) {
      if (done[cur]) {
        // The next element would have come from lane `cur`: the fiber is
        // over on every lane.
        uint32_t level = *done[cur];
        for (size_t k = 0; k < lanes; ++k) {
          if (!done[k]) {
            SamTok t;
            co_await peekSam(k, t);
            if (!t.isStop() || t.level < d)
              error("lane " + std::to_string(k) + " has " + describeTok(t) +
                    " where the fiber ended on lane " + std::to_string(cur));
            co_await popSam(k);
            done[k] = t.level;
          }
          if (*done[k] != level)
            error("lanes " + std::to_string(cur) + " and " + std::to_string(k) +
                  " end the fiber with different stops");
          done[k].reset();
        }
        pending = pending ? std::max(*pending, level) : level;
        co_await flush();
        continue;
      }
      SamTok t;
      co_await peekSam(cur, t);
      if (t.kind == SamTok::Done) {
        for (size_t k = 0; k < lanes; ++k) {
          SamTok e;
          co_await peekSam(k, e);
          if (e.kind != SamTok::Done || done[k])
            error("lane " + std::to_string(k) + " goes on after lane " +
                  std::to_string(cur) + " ended");
        }
        break;
      }
      if (t.isStop() && t.level >= d) {
        co_await popSam(cur);
        done[cur] = t.level;
        if (d > 0) {
          // Every stop closes an innermost fiber (README, "Reading of
          // stops"): the lane's next sub-result is empty and its last in
          // this fiber. A lane that got no element at all would look the
          // same; --step-sam-parallelize never makes one below depth 0.
          co_await flush();
          pending = d - 1;
          cur = (cur + 1) % lanes;
        }
        continue;
      }
      // One sub-result of lane `cur`.
      co_await flush();
      if (d == 0) {
        co_await popSam(cur);
        co_await sendTok(0, t);
        work(1);
        cur = (cur + 1) % lanes;
        continue;
      }
      while (true) {
        SamTok s;
        co_await peekSam(cur, s);
        if (s.kind == SamTok::Done)
          error("lane " + std::to_string(cur) + " ended inside a sub-result");
        co_await popSam(cur);
        if (!s.isStop() || s.level + 1 < d) {
          co_await sendTok(0, s);
          work(1);
          continue;
        }
        // The sub-result's own end; a higher stop also ends the lane's part
        // of the fiber.
        pending = d - 1;
        if (s.level >= d)
          done[cur] = s.level;
        break;
      }
      cur = (cur + 1) % lanes;
    }
    co_await flush();
  }

private:
  int64_t depth = 0;
  std::optional<uint32_t> pending;
};
} // namespace

std::unique_ptr<OpComponent> step::sim::createFork(const proto::Operator &op,
                                                   SimContext &ctx) {
  return std::make_unique<Fork>(op, ctx);
}
std::unique_ptr<OpComponent> step::sim::createJoin(const proto::Operator &op,
                                                   SimContext &ctx) {
  return std::make_unique<Join>(op, ctx);
}
