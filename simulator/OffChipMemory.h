//===- OffChipMemory.h - the HBM model ---------------------------*- C++ -*-===//
//
// Off-chip memory as STeP's simulator models it (docs/step-perf-semantics.md
// §3): independent channels that accept one request every `initiation
// interval` cycles and answer `start-up + latency` cycles later; a memory
// controller that, every cycle, takes at most one chunk of requests from each
// client (loads first, then stores, in graph order) and spreads the cycle's
// requests over the channels.
//
// Two implementations with the same cycle counts:
// - AggregateMemory computes every request's response time arithmetically
//   and wakes a client once per tile, when its last response arrives. It
//   runs only on cycles where some client has a chunk waiting.
// - RequestLevelMemory moves every request and response through channels
//   and per-channel components, cycle by cycle, like STeP's simulator. It
//   exists to check the aggregate model (test/Unit/Simulator).
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_OFFCHIPMEMORY_H
#define STEP_SIMULATOR_OFFCHIPMEMORY_H

#include "simulator/Arch.h"
#include "simulator/Engine.h"

#include <deque>
#include <memory>

namespace step::sim {

class OffChipMemory : public Component {
public:
  explicit OffChipMemory(HbmParams params)
      : Component("hbm", "hbm", ""), params(params) {
    priority = 1;
  }

  /// Registers a client port: loads with `isWriter` false, stores true.
  /// Ports are served readers first, then writers, each in order of
  /// registration.
  int addClient(Component *client, bool isWriter);

  /// Issues `requests` requests for one tile from `client`, `par` per cycle
  /// starting at the client's clock, and returns when every response has
  /// arrived (the client's clock is then the last arrival).
  virtual Task access(Component &client, int port, int64_t requests,
                      int64_t par) = 0;

  /// Called when a client ends; the memory ends after its last client.
  virtual void clientFinished(Time at) = 0;

  uint64_t getRequests() const { return requestCount; }
  const HbmParams &getParams() const { return params; }

protected:
  HbmParams params;
  struct Port {
    Component *client;
    bool isWriter;
  };
  std::vector<Port> ports; // in registration order
  std::vector<int> order;  // service order: readers, then writers
  int clientsLeft = 0;
  Time lastClientEnd = 0;
  uint64_t requestCount = 0;
};

/// The arithmetic model.
class AggregateMemory : public OffChipMemory {
public:
  using OffChipMemory::OffChipMemory;
  Task access(Component &client, int port, int64_t requests,
              int64_t par) override;
  void clientFinished(Time at) override;
  Task run() override;

private:
  struct Job {
    Component *client;
    Time start;
    int64_t requests, par, chunks;
    int64_t next = 0;
    Time lastArrival = 0;
    bool done = false;
  };
  Time visibleAt(const Job &j) const {
    return std::max(j.start + j.next, j.start + 1);
  }
  /// Takes the chunks of cycle T; returns whether any was taken.
  bool serveCycle(Time t);
  /// Earliest cycle at which some waiting chunk is visible (or max).
  Time earliestVisible() const;

  /// Adds `port` (its queue was empty) to `active`.
  void activate(int port);

  std::vector<std::deque<Job *>> queues; // by port
  std::vector<int> active;   // ports with waiting jobs, in service order
  std::vector<int> orderPos; // by port: its place in the service order
  std::vector<Time> channelNext;         // next start per HBM channel
  int64_t offset = 0;
  bool idle = false;
};

/// The request-by-request model (tests only).
class RequestLevelMemory : public OffChipMemory {
public:
  explicit RequestLevelMemory(HbmParams params);
  ~RequestLevelMemory() override;
  /// Creates the per-channel components; call before Engine::run.
  void attach(Engine &engine);
  Task access(Component &client, int port, int64_t requests,
              int64_t par) override;
  void clientFinished(Time at) override;
  Task run() override;

private:
  class ChannelContext;
  std::vector<std::unique_ptr<Channel>> addr, resp; // by port
  std::vector<std::unique_ptr<Channel>> toChannel, fromChannel;
  std::vector<std::unique_ptr<ChannelContext>> contexts;
};

} // namespace step::sim

#endif // STEP_SIMULATOR_OFFCHIPMEMORY_H
