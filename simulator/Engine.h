//===- Engine.h - the discrete-event kernel ----------------------*- C++ -*-===//
//
// Components (one per operator) are C++20 coroutines with a local clock,
// joined by bounded single-producer single-consumer channels with latency
// and back-pressure. The engine resumes runnable components in the order
// (clock, priority, sequence): deterministic, and every component that could
// still produce something for cycle T has run before a priority-1 component
// (off-chip memory, eager merge) decides what happens at T.
//
// Channel rules (DAM's, which STeP's simulator uses; docs/step-perf-semantics.md):
// - send: the token becomes visible at max(requested, sender clock + latency);
//   sending costs no cycles when there is room;
// - capacity counts tokens sent and not yet dequeued (in flight included);
//   the k-th send (k >= capacity) waits until dequeue k-capacity happened, and
//   then the sender's clock is at least that dequeue time + 1 (the credit);
// - receive: the receiver's clock becomes max(own, token time).
//
// Internal to the simulator library (it needs C++20); the public API is in
// Simulator.h.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_ENGINE_H
#define STEP_SIMULATOR_ENGINE_H

#include "simulator/Error.h"
#include "simulator/Value.h"

#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <queue>
#include <string>
#include <vector>

namespace step::sim {

class Component;
class Engine;

/// The coroutine type of component bodies and of sub-routines they await.
class Task {
public:
  struct promise_type {
    std::coroutine_handle<> continuation;
    std::exception_ptr error;
    Task get_return_object() {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<>
      await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        if (auto c = h.promise().continuation)
          return c;
        return std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { error = std::current_exception(); }
  };

  Task() = default;
  explicit Task(std::coroutine_handle<promise_type> h) : handle(h) {}
  Task(Task &&o) noexcept : handle(o.handle) { o.handle = nullptr; }
  Task &operator=(Task &&o) noexcept {
    if (handle)
      handle.destroy();
    handle = o.handle;
    o.handle = nullptr;
    return *this;
  }
  ~Task() {
    if (handle)
      handle.destroy();
  }

  bool done() const { return !handle || handle.done(); }
  void rethrowIfFailed() const {
    if (handle && handle.promise().error)
      std::rethrow_exception(handle.promise().error);
  }

  // Awaiting a Task runs it to completion, then resumes the awaiter.
  bool await_ready() const noexcept { return done(); }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) {
    handle.promise().continuation = awaiter;
    return handle;
  }
  void await_resume() const { rethrowIfFailed(); }

  std::coroutine_handle<promise_type> handle;
};

/// The tokens in a channel: a ring buffer that grows by doubling (bounded
/// channels never exceed their capacity), cheaper than std::deque on the
/// hot path.
class TokenQueue {
public:
  bool empty() const { return count == 0; }
  size_t size() const { return count; }
  Token &front() { return slots[head]; }
  const Token &front() const { return slots[head]; }
  void push_back(Token &&t) {
    if (count == slots.size())
      grow();
    slots[(head + count) & (slots.size() - 1)] = std::move(t);
    ++count;
  }
  void pop_front() {
    // Release what the token holds; the slot is overwritten on reuse.
    Value &v = slots[head].value;
    if (v.data)
      v.data.reset();
    if (v.selected)
      v.selected.reset();
    if (v.parts)
      v.parts.reset();
    head = (head + 1) & (slots.size() - 1);
    --count;
  }

private:
  void grow() {
    std::vector<Token> bigger(slots.empty() ? 4 : slots.size() * 2);
    for (size_t i = 0; i < count; ++i)
      bigger[i] = std::move(slots[(head + i) & (slots.size() - 1)]);
    slots.swap(bigger);
    head = 0;
  }
  std::vector<Token> slots;
  size_t head = 0, count = 0;
};

/// A bounded (or unbounded, capacity 0) SPSC channel.
class Channel {
public:
  Channel(int id, int64_t capacity, Time latency, std::string name)
      : id(id), capacity(capacity), latency(latency), name(std::move(name)),
        dequeueTimes(capacity > 0 ? capacity : 1, 0) {}

  /// When the next send may happen (nullopt: not before a dequeue). The
  /// k-th send waits for dequeue k - capacity, kept in ring slot
  /// (k - capacity) mod capacity.
  std::optional<Time> creditTime() const {
    if (capacity <= 0 || sent < capacity)
      return std::numeric_limits<Time>::min();
    if (sent - capacity < received)
      return dequeueTimes[creditSlot] + 1;
    return std::nullopt;
  }
  /// Records a dequeue at time t.
  void recordDequeue(Time t) {
    dequeueTimes[dequeueSlot] = t;
    if (++dequeueSlot == dequeueTimes.size())
      dequeueSlot = 0;
    ++received;
  }
  /// Records a send (after creditTime() allowed it).
  void recordSend() {
    ++sent;
    if (capacity > 0 && sent > capacity && ++creditSlot == dequeueTimes.size())
      creditSlot = 0;
  }

  const int id;
  const int64_t capacity;
  const Time latency;
  const std::string name;
  TokenQueue queue;
  std::vector<Time> dequeueTimes; // ring of the last `capacity` dequeues
  size_t dequeueSlot = 0, creditSlot = 0;
  int64_t sent = 0, received = 0;
  bool closed = false;
  Time closedAt = 0;
  /// A channel nobody reads: tokens are dropped on send.
  bool discard = false;
  Component *producer = nullptr, *consumer = nullptr;
  Component *waitingReceiver = nullptr, *waitingSender = nullptr;
};

/// Why a component is suspended, for deadlock reports.
enum class WaitKind { None, Input, Output, Memory, Other };

/// Per-operator activity, cycles.
struct ActivityStats {
  Time busy = 0;         // charged compute/memory-unit cycles
  Time stalledIn = 0;    // waiting for an input token
  Time stalledOut = 0;   // waiting for room in an output channel
  Time finishedAt = 0;
};

class Component {
public:
  Component(std::string kind, std::string name, std::string location)
      : kind(std::move(kind)), name(std::move(name)),
        location(std::move(location)) {}
  virtual ~Component() = default;

  /// The component's behaviour; runs until the component is done.
  virtual Task run() = 0;
  /// Called once when run() has returned (after outputs are closed).
  virtual void onFinish() {}

  const std::string kind, name, location;
  Time now = 0;
  /// 0: normal; 1: runs after the others at equal clocks.
  int priority = 0;
  Engine *engine = nullptr;
  size_t engineIndex = 0;
  // Scheduler bookkeeping: the live entry of this component, if queued.
  bool isQueued = false;
  Time queuedKey = 0;
  uint64_t queuedSeq = 0;
  std::vector<Channel *> inputs, outputs;
  ActivityStats stats;
  bool finished = false;
  /// The innermost suspended coroutine of this component (its body, or a
  /// sub-routine it awaits): what the engine resumes.
  std::coroutine_handle<> resumeHandle;
  WaitKind waitKind = WaitKind::None;
  Channel *waitChannel = nullptr;
  std::string waitNote;
  /// Chrome-trace intervals of busy activity: [start, end).
  std::vector<std::pair<Time, Time>> busyIntervals;

  // Awaitables. Each applies the channel rules above and suspends only when
  // it must.
  struct Peek;
  struct Dequeue;
  struct Send;
  struct WaitRoom;

  /// The head token of `ch` without removing it (nullptr: closed and empty).
  Peek peek(Channel &ch);
  /// Removes the head token (nullopt: closed and empty).
  Dequeue dequeue(Channel &ch);
  /// Sends `value` with stop level `stop`, visible no earlier than
  /// `requested` (and sender clock + latency).
  Send send(Channel &ch, Value value, uint32_t stop, Time requested);
  Send send(Channel &ch, Value value, uint32_t stop);
  /// Waits until `ch` has room (without sending).
  WaitRoom waitRoom(Channel &ch);

  /// Charges `cycles` of work starting now.
  void work(Time cycles) {
    if (cycles <= 0)
      return;
    if (recordIntervals)
      busyIntervals.push_back({now, now + cycles});
    stats.busy += cycles;
    now += cycles;
  }
  bool recordIntervals = false;
};

/// The scheduler.
class Engine {
public:
  Engine() = default;
  Engine(const Engine &) = delete;

  void add(Component *c) {
    c->engine = this;
    c->engineIndex = components.size();
    components.push_back(c);
  }
  /// Runs every component to completion; throws DeadlockError naming the
  /// blocked operators and channels if none can proceed.
  void run();

  /// Makes `c` runnable at clock max(its clock, `at`); a component already
  /// runnable at an earlier clock stays there.
  void wake(Component *c, Time at);
  /// The smallest (clock, priority) among runnable components, if any.
  bool hasRunnableBefore(Time t, int priority);

  /// Progress callback, called about every `progressEvery` resumptions.
  std::function<void(Time now, uint64_t resumptions)> progress;
  uint64_t progressEvery = 1 << 20;

  /// When set, channel traffic is recorded as on-chip occupancy changes
  /// (time, +/- bytes): a token occupies its FIFO from send to dequeue.
  std::vector<std::pair<Time, int64_t>> *occupancy = nullptr;

  uint64_t getResumptions() const { return resumptions; }
  /// The largest final clock over all components (after run()).
  Time getLastFinish() const {
    Time t = 0;
    for (const Component *c : components)
      t = std::max(t, c->stats.finishedAt);
    return t;
  }
  uint64_t getTransfers() const { return transfers; }
  void countTransfer() { ++transfers; }

private:
  struct Entry {
    Time time;
    int priority;
    uint64_t seq;
    Component *component;
    bool operator>(const Entry &o) const {
      if (time != o.time)
        return time > o.time;
      if (priority != o.priority)
        return priority > o.priority;
      return seq > o.seq;
    }
  };
  void push(Component *c);
  [[noreturn]] void reportDeadlock();

  std::vector<Component *> components;
  std::vector<Task> tasks;
  /// Runnable priority-0 components. Their relative order does not change
  /// any result (each is a deterministic process of its inputs), so they
  /// run from a stack, without ordering.
  std::vector<Component *> runnable;
  /// Priority-1 components (off-chip memory, eager merge), by clock: one
  /// runs only when no priority-0 component can, and then at the smallest
  /// clock, so every token it could still receive for cycle T is in place.
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> ready;
  uint64_t seq = 0, resumptions = 0, transfers = 0;
  friend class Component;
};

//===----------------------------------------------------------------------===//
// Awaitables
//===----------------------------------------------------------------------===//

struct Component::Peek {
  Component &self;
  Channel &ch;
  bool await_ready() {
    if (!ch.queue.empty() || ch.closed)
      return true;
    return false;
  }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = WaitKind::Input;
    self.waitChannel = &ch;
    ch.waitingReceiver = &self;
  }
  const Token *await_resume() {
    self.waitKind = WaitKind::None;
    if (ch.queue.empty()) {
      // Closed: the receiver learns it one hop after the producer ended.
      self.now = std::max(self.now, ch.closedAt + ch.latency);
      return nullptr;
    }
    const Token &t = ch.queue.front();
    if (t.time > self.now) {
      self.stats.stalledIn += t.time - self.now;
      self.now = t.time;
    }
    return &t;
  }
};

struct Component::Dequeue {
  Peek peekPart;
  bool await_ready() { return peekPart.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) { peekPart.await_suspend(h); }
  std::optional<Token> await_resume();
};

struct Component::Send {
  Component &self;
  Channel &ch;
  Token token;
  bool await_ready() { return ch.creditTime().has_value(); }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = WaitKind::Output;
    self.waitChannel = &ch;
    ch.waitingSender = &self;
  }
  void await_resume();
};

struct Component::WaitRoom {
  Component &self;
  Channel &ch;
  bool await_ready() { return ch.creditTime().has_value(); }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = WaitKind::Output;
    self.waitChannel = &ch;
    ch.waitingSender = &self;
  }
  void await_resume() {
    self.waitKind = WaitKind::None;
    Time credit = *ch.creditTime();
    if (credit > self.now) {
      self.stats.stalledOut += credit - self.now;
      self.now = credit;
    }
  }
};


inline Component::Peek Component::peek(Channel &ch) { return {*this, ch}; }
inline Component::Dequeue Component::dequeue(Channel &ch) {
  return {Peek{*this, ch}};
}
inline Component::Send Component::send(Channel &ch, Value value, uint32_t stop,
                                       Time requested) {
  return {*this, ch, Token{std::move(value), stop, requested}};
}
inline Component::Send Component::send(Channel &ch, Value value,
                                       uint32_t stop) {
  return send(ch, std::move(value), stop, now);
}
inline Component::WaitRoom Component::waitRoom(Channel &ch) {
  return {*this, ch};
}

} // namespace step::sim

#endif // STEP_SIMULATOR_ENGINE_H
