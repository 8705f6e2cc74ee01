//===- Engine.cpp - the discrete-event kernel -----------------------------===//
//
// The scheduler loop, channel bookkeeping on dequeue and send, channel
// closing when a producer ends, and the deadlock report.
//
//===----------------------------------------------------------------------===//

#include "simulator/Engine.h"

#include <algorithm>
#include <sstream>

using namespace step::sim;

std::optional<Token> Component::Dequeue::await_resume() {
  const Token *head = peekPart.await_resume();
  if (!head)
    return std::nullopt;
  Component &self = peekPart.self;
  Channel &ch = peekPart.ch;
  Token token = std::move(ch.queue.front());
  ch.queue.pop_front();
  ch.recordDequeue(self.now);
  self.engine->countTransfer();
  if (self.engine->occupancy)
    self.engine->occupancy->push_back({self.now, -token.value.bytes()});
  if (Component *sender = ch.waitingSender) {
    ch.waitingSender = nullptr;
    self.engine->wake(sender, self.now + 1);
  }
  return token;
}

void Component::Send::await_resume() {
  self.waitKind = WaitKind::None;
  Time credit = *ch.creditTime();
  if (credit > self.now) {
    self.stats.stalledOut += credit - self.now;
    self.now = credit;
  }
  token.time = std::max(token.time, self.now + ch.latency);
  ch.recordSend();
  if (ch.discard) {
    // Nobody reads this output: it is dequeued the moment it arrives.
    ch.recordDequeue(token.time);
    return;
  }
  Time visible = token.time;
  if (self.engine->occupancy)
    self.engine->occupancy->push_back({visible, token.value.bytes()});
  ch.queue.push_back(std::move(token));
  if (Component *receiver = ch.waitingReceiver) {
    ch.waitingReceiver = nullptr;
    self.engine->wake(receiver, visible);
  }
}

void Engine::wake(Component *c, Time at) {
  if (c->finished)
    return;
  if (c->priority == 0) {
    if (!c->isQueued) {
      c->isQueued = true;
      runnable.push_back(c);
    }
    return;
  }
  Time key = std::max(c->now, at);
  if (c->isQueued && key >= c->queuedKey)
    return;
  c->isQueued = true;
  c->queuedKey = key;
  c->queuedSeq = seq;
  ready.push(Entry{key, c->priority, seq++, c});
}

static bool isStale(const Component *c, uint64_t entrySeq) {
  return c->finished || !c->isQueued || c->queuedSeq != entrySeq;
}

void Engine::push(Component *c) { wake(c, c->now); }

bool Engine::hasRunnableBefore(Time t, int priority) {
  if (!runnable.empty())
    return true;
  while (!ready.empty() && isStale(ready.top().component, ready.top().seq))
    ready.pop();
  if (ready.empty())
    return false;
  const Entry &top = ready.top();
  return top.time < t || (top.time == t && top.priority < priority);
}

void Engine::run() {
  tasks.clear();
  tasks.reserve(components.size());
  for (Component *c : components) {
    tasks.push_back(c->run());
    c->resumeHandle = tasks.back().handle;
  }
  for (Component *c : components)
    push(c);

  while (!runnable.empty() || !ready.empty()) {
    Component *c;
    Time at;
    if (!runnable.empty()) {
      c = runnable.back();
      runnable.pop_back();
      at = c->now;
    } else {
      Entry e = ready.top();
      ready.pop();
      c = e.component;
      if (isStale(c, e.seq))
        continue;
      at = e.time;
    }
    c->isQueued = false;
    if (c->finished)
      continue;
    size_t index = c->engineIndex;
    ++resumptions;
    if (progress && resumptions % progressEvery == 0)
      progress(at, resumptions);
    c->resumeHandle.resume();
    Task &task = tasks[index];
    if (!task.done())
      continue;
    task.rethrowIfFailed();
    c->finished = true;
    c->stats.finishedAt = c->now;
    for (Channel *ch : c->outputs) {
      ch->closed = true;
      ch->closedAt = c->now;
      if (Component *receiver = ch->waitingReceiver) {
        ch->waitingReceiver = nullptr;
        wake(receiver, c->now + ch->latency);
      }
    }
    c->onFinish();
  }
  for (Component *c : components)
    if (!c->finished)
      reportDeadlock();
}

void Engine::reportDeadlock() {
  std::ostringstream os;
  os << "deadlock: no operator can make progress\n";
  for (Component *c : components) {
    // The off-chip memory waits for clients; it is never the cause.
    if (c->finished || c->kind == "hbm")
      continue;
    os << "  " << c->kind << " '" << c->name << "'";
    if (!c->location.empty())
      os << " at " << c->location;
    os << " (cycle " << c->now << ") ";
    Channel *ch = c->waitChannel;
    switch (c->waitKind) {
    case WaitKind::Input:
      os << "waits for input on channel '" << ch->name << "', empty";
      if (ch->producer)
        os << " (producer " << ch->producer->kind << " '" << ch->producer->name
           << "'" << (ch->producer->finished ? ", finished" : ", blocked")
           << ")";
      break;
    case WaitKind::Output:
      os << "waits for room on channel '" << ch->name << "', full with "
         << ch->queue.size() << " of " << ch->capacity << " tokens";
      if (ch->consumer)
        os << " (consumer " << ch->consumer->kind << " '" << ch->consumer->name
           << "')";
      break;
    case WaitKind::Memory:
      os << "waits for off-chip memory";
      break;
    default:
      os << "is suspended";
      break;
    }
    if (!c->waitNote.empty())
      os << "; " << c->waitNote;
    os << "\n";
  }
  throw DeadlockError(os.str());
}
