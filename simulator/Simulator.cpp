//===- Simulator.cpp - building and running a simulation ------------------===//
//
// Checks the SimGraph's wiring, creates one component per operator and one
// channel per stream, runs the engine, and gathers statistics.
//
//===----------------------------------------------------------------------===//

#include "simulator/Simulator.h"

#include "simulator/Engine.h"
#include "simulator/Error.h"
#include "simulator/OffChipMemory.h"
#include "simulator/components/OpComponent.h"

#include <algorithm>
#include <map>
#include <set>

using namespace step::sim;

namespace {

/// The largest running total of `deltas` (time, change) applied in time
/// order, totals taken at the end of each cycle. Reorders `deltas`.
int64_t peakOccupancy(std::vector<std::pair<Time, int64_t>> &deltas) {
  if (deltas.empty())
    return 0;
  Time maxTime = 0;
  for (const auto &d : deltas)
    maxTime = std::max(maxTime, d.first);
  // LSD radix sort on the time, 16 bits per pass (stable, so any order
  // within a cycle survives; it does not matter for the result).
  std::vector<std::pair<Time, int64_t>> tmp(deltas.size());
  for (int shift = 0; shift < 64 && (maxTime >> shift) != 0; shift += 16) {
    std::vector<size_t> count(1 << 16 | 1, 0);
    for (const auto &d : deltas)
      ++count[((d.first >> shift) & 0xffff) + 1];
    for (size_t i = 1; i < count.size(); ++i)
      count[i] += count[i - 1];
    for (const auto &d : deltas)
      tmp[count[(d.first >> shift) & 0xffff]++] = d;
    deltas.swap(tmp);
  }
  int64_t live = 0, peak = 0;
  for (size_t i = 0; i < deltas.size(); ++i) {
    live += deltas[i].second;
    if (i + 1 == deltas.size() || deltas[i + 1].first != deltas[i].first)
      peak = std::max(peak, live);
  }
  return peak;
}

/// Every channel joins one producer output to one consumer input, and every
/// operator port names an existing channel.
void checkWiring(const proto::SimGraph &graph) {
  std::map<int, const proto::Channel *> channels;
  for (const proto::Channel &ch : graph.channels()) {
    if (!channels.emplace(ch.id(), &ch).second)
      fail("graph '", graph.name(), "': channel ", ch.id(), " is defined twice");
    if (ch.depth() < 0)
      fail("graph '", graph.name(), "': channel ", ch.id(),
           " has a negative depth");
  }
  std::map<int, int> produced, consumed;
  std::set<int> ids;
  for (const proto::Operator &op : graph.operators()) {
    if (!ids.insert(op.id()).second)
      fail("graph '", graph.name(), "': operator id ", op.id(),
           " is used twice");
    for (int c : op.inputs()) {
      if (!channels.count(c))
        fail(describeOperator(op), ": input channel ", c, " does not exist");
      if (consumed.count(c))
        fail(describeOperator(op), ": channel ", c,
             " already has a consumer (a stream has exactly one)");
      consumed[c] = op.id();
    }
    for (int c : op.outputs()) {
      if (c < 0)
        continue;
      if (!channels.count(c))
        fail(describeOperator(op), ": output channel ", c, " does not exist");
      if (produced.count(c))
        fail(describeOperator(op), ": channel ", c, " already has a producer");
      produced[c] = op.id();
    }
  }
  for (auto &[id, ch] : channels) {
    if (!produced.count(id))
      fail("graph '", graph.name(), "': channel ", id, " has no producer");
    if (!consumed.count(id))
      fail("graph '", graph.name(), "': channel ", id,
           " has no consumer (leave the output unconnected with -1)");
  }
}
} // namespace

SimResult step::sim::simulate(const proto::SimGraph &graph,
                              const Architecture &arch,
                              const RuntimeInputs &inputs,
                              const SimOptions &options) {
  checkWiring(graph);
  SimContext ctx{graph, arch, options, inputs};
  ctx.memoryBandwidth = arch.getMemoryBandwidth();
  ctx.defaultComputeBw = arch.getDefaultComputeBw() > 0
                             ? arch.getDefaultComputeBw()
                             : arch.getProto().compute_units(0).flops_per_cycle();
  ctx.parDispatch = arch.getParDispatch();
  ctx.requestBytes = arch.getHbm().requestBytes;
  for (const proto::Channel &ch : graph.channels())
    ctx.channelTypes[ch.id()] = &ch.type();

  Engine engine;
  std::unique_ptr<OffChipMemory> memory;
  if (options.requestLevelMemory)
    memory = std::make_unique<RequestLevelMemory>(arch.getHbm());
  else
    memory = std::make_unique<AggregateMemory>(arch.getHbm());
  ctx.memory = memory.get();

  std::vector<std::unique_ptr<OpComponent>> components;
  std::map<int, OpComponent *> byId;
  for (const proto::Operator &op : graph.operators()) {
    components.push_back(createComponent(op, ctx));
    byId[op.id()] = components.back().get();
  }
  std::vector<std::unique_ptr<Channel>> channels;
  std::map<int, Channel *> channelById;
  for (const proto::Channel &ch : graph.channels()) {
    int64_t depth = ch.depth() > 0 ? ch.depth() : arch.getChannelDepth();
    std::string name = "#" + std::to_string(ch.id());
    channels.push_back(std::make_unique<Channel>(
        ch.id(), depth, arch.getChannelLatency(), name));
    channelById[ch.id()] = channels.back().get();
  }
  for (const proto::Operator &op : graph.operators()) {
    OpComponent *c = byId[op.id()];
    for (int id : op.inputs()) {
      Channel *ch = channelById[id];
      ch->consumer = c;
      c->inputs.push_back(ch);
    }
    for (int id : op.outputs()) {
      if (id < 0) {
        channels.push_back(std::make_unique<Channel>(-1, 0, 1, "unconnected"));
        channels.back()->discard = true;
        channels.back()->producer = c;
        c->outputs.push_back(channels.back().get());
        continue;
      }
      Channel *ch = channelById[id];
      ch->producer = c;
      c->outputs.push_back(ch);
    }
  }
  for (auto &c : components)
    engine.add(c.get());
  engine.add(memory.get());
  if (auto *requestLevel = dynamic_cast<RequestLevelMemory *>(memory.get()))
    requestLevel->attach(engine);
  if (options.peakOnChip)
    engine.occupancy = &ctx.onChipDeltas;
  if (options.progress)
    engine.progress = [&](Time t, uint64_t) { options.progress(t); };

  engine.run();

  SimResult result;
  // Every component's final clock, memory channels included (STeP reports
  // the largest).
  Time cycles = engine.getLastFinish();
  result.cycles = cycles;
  for (auto &c : components) {
    OperatorStats s;
    s.id = c->op.id();
    s.kind = c->op.kind();
    s.location = c->op.location();
    s.busy = c->stats.busy;
    s.stalledIn = c->stats.stalledIn;
    s.stalledOut = c->stats.stalledOut;
    s.idle = std::max<Time>(0, cycles - s.busy - s.stalledIn - s.stalledOut);
    s.flops = c->flops;
    bool computes = c->op.kind() == "map" || c->op.kind() == "accum" ||
                    c->op.kind() == "scan" || c->op.kind() == "flatmap";
    s.computeBw = computes ? c->computeBw : 0;
    s.utilization = cycles ? double(s.busy) / double(cycles) : 0.0;
    s.busyIntervals = c->busyIntervals;
    result.allocatedFlopsPerCycle += s.computeBw;
    result.totalFlops += s.flops;
    result.operators.push_back(std::move(s));
  }
  result.achievedFlopsPerCycle =
      cycles ? double(result.totalFlops) / double(cycles) : 0.0;
  result.offChipBytesRead = ctx.offChipRead;
  result.offChipBytesWritten = ctx.offChipWritten;
  result.offChipRequests = static_cast<int64_t>(memory->getRequests());
  // Peak occupancy: apply the changes in time order, releases first at
  // equal times. Within one cycle the running total first falls (releases)
  // then rises, so its maximum over a cycle is its value at the cycle's end:
  // ordering by time alone is enough, and a radix sort on the time does it
  // in a few linear passes (std::sort of the pairs was a quarter of a short
  // simulation's run time).
  result.peakOnChipBytes = peakOccupancy(ctx.onChipDeltas);
  result.resumptions = engine.getResumptions();
  result.transfers = engine.getTransfers();
  result.stored = std::move(ctx.stored);
  return result;
}
