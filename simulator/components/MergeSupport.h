//===- MergeSupport.h - waiting on several inputs ----------------*- C++ -*-===//
//
// An awaitable that suspends until any of several channels has a token or
// is closed, for operators that arbitrate between inputs (eager_merge,
// reassemble).
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_COMPONENTS_MERGESUPPORT_H
#define STEP_SIMULATOR_COMPONENTS_MERGESUPPORT_H

#include "simulator/Engine.h"

namespace step::sim {

struct WaitAnyInput {
  Component &self;
  std::vector<Channel *> channels;
  bool await_ready() const {
    for (Channel *ch : channels)
      if (!ch->queue.empty() || ch->closed)
        return true;
    return channels.empty();
  }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = WaitKind::Input;
    self.waitChannel = channels.front();
    for (Channel *ch : channels)
      ch->waitingReceiver = &self;
  }
  void await_resume() {
    self.waitKind = WaitKind::None;
    for (Channel *ch : channels)
      if (ch->waitingReceiver == &self)
        ch->waitingReceiver = nullptr;
  }
};

/// Suspends until the engine resumes the component at clock `at` (letting
/// everything with a smaller clock run first).
struct ResumeAt {
  Component &self;
  Time at;
  bool await_ready() const { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = WaitKind::Other;
    self.engine->wake(&self, at);
  }
  void await_resume() {
    self.waitKind = WaitKind::None;
    self.now = std::max(self.now, at);
  }
};

} // namespace step::sim

#endif // STEP_SIMULATOR_COMPONENTS_MERGESUPPORT_H
