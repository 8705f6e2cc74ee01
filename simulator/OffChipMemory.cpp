//===- OffChipMemory.cpp - the HBM model ----------------------------------===//
//
// Both memory models. The rules, from STeP's simulator (docs/step-perf-
// semantics.md §3): a client's tile of R requests is split into chunks of
// `par`; chunk k becomes visible to the controller at max(S + k, S + 1)
// where S is the client's clock. At cycle T the controller takes at most one
// visible chunk per client, readers first, and gives request i of the
// cycle's list the channel `offset = (offset + i) mod C`, then advances
// offset by the list length. Channel c starts a request at
// s = max(previous s + II, T + 1) and answers at s + start_up + latency; the
// client sees the answer one cycle later. STeP applies start-up to every
// request (its first-request flag is never cleared); so do we.
//
//===----------------------------------------------------------------------===//

#include "simulator/OffChipMemory.h"

#include <algorithm>
#include <limits>

using namespace step::sim;

int OffChipMemory::addClient(Component *client, bool isWriter) {
  ports.push_back({client, isWriter});
  ++clientsLeft;
  order.clear();
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < ports.size(); ++i)
      if (ports[i].isWriter == (pass == 1))
        order.push_back(static_cast<int>(i));
  return static_cast<int>(ports.size()) - 1;
}

namespace {
/// Suspends until a condition set by another component holds.
struct Until {
  Component &self;
  const bool &flag;
  WaitKind kind;
  bool await_ready() const { return flag; }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = kind;
  }
  void await_resume() { self.waitKind = WaitKind::None; }
};

/// Suspends until another component wakes this one.
struct Park {
  Component &self;
  bool await_ready() const { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = WaitKind::Other;
  }
  void await_resume() { self.waitKind = WaitKind::None; }
};

/// Suspends until the engine resumes the component at clock `at`.
struct WakeAt {
  Component &self;
  Time at;
  bool await_ready() const { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.waitKind = WaitKind::Other;
    self.engine->wake(&self, at);
  }
  void await_resume() { self.waitKind = WaitKind::None; }
};
} // namespace

//===----------------------------------------------------------------------===//
// AggregateMemory
//===----------------------------------------------------------------------===//

Task AggregateMemory::access(Component &client, int port, int64_t requests,
                             int64_t par) {
  if (requests <= 0)
    co_return;
  if (queues.size() < ports.size())
    queues.resize(ports.size());
  Job job{&client, client.now, requests, par, (requests + par - 1) / par};
  if (queues[port].empty())
    activate(port);
  queues[port].push_back(&job);
  requestCount += requests;
  engine->wake(this, visibleAt(job));
  co_await Until{client, job.done, WaitKind::Memory};
  if (job.lastArrival > client.now) {
    if (client.recordIntervals)
      client.busyIntervals.push_back({client.now, job.lastArrival});
    client.stats.busy += job.lastArrival - client.now;
    client.now = job.lastArrival;
  }
}

void AggregateMemory::clientFinished(Time at) {
  --clientsLeft;
  lastClientEnd = std::max(lastClientEnd, at);
  if (clientsLeft == 0)
    engine->wake(this, at);
}

void AggregateMemory::activate(int port) {
  if (orderPos.size() != ports.size()) {
    orderPos.assign(ports.size(), 0);
    for (size_t i = 0; i < order.size(); ++i)
      orderPos[order[i]] = static_cast<int>(i);
  }
  // Kept in the controller's service order (readers first, then by port).
  auto at = std::lower_bound(
      active.begin(), active.end(), port,
      [&](int a, int b) { return orderPos[a] < orderPos[b]; });
  active.insert(at, port);
}

Time AggregateMemory::earliestVisible() const {
  Time best = std::numeric_limits<Time>::max();
  for (int p : active)
    best = std::min(best, visibleAt(*queues[p].front()));
  return best;
}

bool AggregateMemory::serveCycle(Time t) {
  const int64_t c = params.channels;
  int64_t listed = 0;
  bool emptied = false;
  // Only ports with waiting jobs; none is added while the cycle is served
  // (waking a client only schedules it).
  for (int p : active) {
    Job &j = *queues[p].front();
    if (visibleAt(j) > t)
      continue;
    int64_t n = std::min(j.par, j.requests - j.next * j.par);
    ++j.next;
    for (int64_t k = 0; k < n; ++k) {
      // offset = (offset + listed) mod c, without a division per request.
      offset += listed < c ? listed : listed % c;
      if (offset >= c)
        offset -= c;
      ++listed;
      Time &next = channelNext[offset];
      Time start = std::max(next, t + 1);
      next = start + params.initiationInterval;
      // The channel's answer is a channel hop: at least one cycle after
      // the start even with no start-up and latency.
      Time answer =
          std::max(start + params.startUp + params.latency, start + 1);
      j.lastArrival = std::max(j.lastArrival, answer + 1);
    }
    if (j.next == j.chunks) {
      j.done = true;
      queues[p].pop_front();
      emptied |= queues[p].empty();
      engine->wake(j.client, j.lastArrival);
    }
  }
  if (emptied)
    active.erase(std::remove_if(active.begin(), active.end(),
                                [&](int p) { return queues[p].empty(); }),
                 active.end());
  offset = (offset + listed) % c;
  return listed > 0;
}

Task AggregateMemory::run() {
  channelNext.assign(params.channels, 0);
  queues.resize(ports.size());
  while (true) {
    Time next = earliestVisible();
    if (next == std::numeric_limits<Time>::max()) {
      if (clientsLeft == 0)
        break;
      // Nothing to do until a client submits or the last one ends; both
      // wake us.
      co_await Park{*this};
      continue;
    }
    Time t = std::max(now, next);
    // Everything that could still add a chunk for cycle t must run first.
    if (engine->hasRunnableBefore(t, priority)) {
      co_await WakeAt{*this, t};
      continue;
    }
    now = t;
    serveCycle(t);
    now = t + 1;
  }
  // STeP's controller checks for closed clients at the start of a cycle,
  // before the clients run in it: it notices the last one the cycle after
  // it ended, then tells its channels, which end one cycle later.
  now = std::max(now, lastClientEnd + 1) + 1;
}

//===----------------------------------------------------------------------===//
// RequestLevelMemory
//===----------------------------------------------------------------------===//

class RequestLevelMemory::ChannelContext : public Component {
public:
  ChannelContext(int index, Channel &in, Channel &out, const HbmParams &p)
      : Component("hbm_channel", "hbm_channel" + std::to_string(index), ""),
        in(in), out(out), p(p) {}
  Task run() override {
    while (true) {
      std::optional<Token> request = co_await dequeue(in);
      if (!request)
        co_return;
      co_await send(out, request->value, 0, now + p.startUp + p.latency);
      now += p.initiationInterval;
    }
  }
  Channel &in, &out;
  const HbmParams &p;
};

RequestLevelMemory::RequestLevelMemory(HbmParams params)
    : OffChipMemory(params) {}
RequestLevelMemory::~RequestLevelMemory() = default;

void RequestLevelMemory::attach(Engine &e) {
  auto unbounded = [](const std::string &name) {
    return std::make_unique<Channel>(-1, 0, 1, name);
  };
  for (size_t i = 0; i < ports.size(); ++i) {
    addr.push_back(unbounded("addr" + std::to_string(i)));
    resp.push_back(unbounded("resp" + std::to_string(i)));
    addr.back()->producer = ports[i].client;
    addr.back()->consumer = this;
    ports[i].client->outputs.push_back(addr.back().get());
    resp.back()->producer = this;
    resp.back()->consumer = ports[i].client;
    outputs.push_back(resp.back().get());
  }
  for (int64_t c = 0; c < params.channels; ++c) {
    toChannel.push_back(unbounded("to_channel" + std::to_string(c)));
    fromChannel.push_back(unbounded("from_channel" + std::to_string(c)));
    contexts.push_back(std::make_unique<ChannelContext>(
        static_cast<int>(c), *toChannel.back(), *fromChannel.back(), params));
    toChannel.back()->producer = this;
    toChannel.back()->consumer = contexts.back().get();
    outputs.push_back(toChannel.back().get());
    fromChannel.back()->producer = contexts.back().get();
    contexts.back()->outputs.push_back(fromChannel.back().get());
    e.add(contexts.back().get());
  }
}

Task RequestLevelMemory::access(Component &client, int port, int64_t requests,
                                int64_t par) {
  Time start = client.now;
  for (int64_t k = 0; k * par < requests; ++k)
    co_await client.send(*addr[port],
                         Value::scalarValue(std::min(par, requests - k * par)),
                         0, start + k);
  requestCount += requests;
  for (int64_t k = 0; k < requests; ++k)
    co_await client.dequeue(*resp[port]);
}

void RequestLevelMemory::clientFinished(Time at) {
  --clientsLeft;
  lastClientEnd = std::max(lastClientEnd, at);
}

namespace {
/// Removes the head of `ch` at the component's clock (a non-blocking
/// receive, as STeP's controller does).
Token popNow(Component &self, Channel &ch) {
  Token t = std::move(ch.queue.front());
  ch.queue.pop_front();
  ch.recordDequeue(self.now);
  return t;
}
} // namespace

Task RequestLevelMemory::run() {
  const int64_t c = params.channels;
  int64_t off = 0;
  while (true) {
    // The controller checks for closed clients at the start of its cycle,
    // before the clients run in it (so it sees a client that ends at cycle
    // t only at t + 1)...
    bool open = false;
    for (auto &a : addr)
      if (!a->closed || !a->queue.empty())
        open = true;
    if (!open)
      break;
    // ...then lets everyone at this cycle run: its chunks are all in place.
    co_await WakeAt{*this, now};
    Time t = now;
    for (int64_t ch = 0; ch < c; ++ch) {
      Channel &from = *fromChannel[ch];
      if (!from.queue.empty() && from.queue.front().time <= t) {
        Token r = popNow(*this, from);
        co_await send(*resp[r.value.scalar], Value::scalarValue(1), 0, t);
      }
    }
    std::vector<int> list;
    for (int p : order) {
      Channel &a = *addr[p];
      if (!a.queue.empty() && a.queue.front().time <= t) {
        Token chunk = popNow(*this, a);
        for (int64_t k = 0; k < chunk.value.scalar; ++k)
          list.push_back(p);
      }
    }
    for (size_t i = 0; i < list.size(); ++i) {
      off = (off + static_cast<int64_t>(i)) % c;
      co_await send(*toChannel[off], Value::scalarValue(list[i]), 0, t);
    }
    off = (off + static_cast<int64_t>(list.size())) % c;
    now = t + 1;
  }
}
