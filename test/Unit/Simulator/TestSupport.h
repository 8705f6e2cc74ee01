//===- TestSupport.h - harness for the simulator unit tests ------*- C++
//-*-===//
//
// Test components that feed and record streams, builders for SimGraph
// protos (types, attributes, regions) and architecture texts, and a harness
// that wires operator components, test sources and sinks into an engine the
// way Simulator.cpp does, so tests can read exact token times and stops.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TEST_UNIT_SIMULATOR_TESTSUPPORT_H
#define STEP_TEST_UNIT_SIMULATOR_TESTSUPPORT_H

#include "simulator/Arch.h"
#include "simulator/Engine.h"
#include "simulator/OffChipMemory.h"
#include "simulator/Simulator.h"
#include "simulator/components/OpComponent.h"
#include "simulator/proto/sim_graph.pb.h"

#include <memory>
#include <string>
#include <vector>

namespace steptest {

using step::sim::Channel;
using step::sim::Component;
using step::sim::Task;
using step::sim::Time;
using step::sim::Token;
using step::sim::Value;
namespace proto = step::sim::proto;

//===----------------------------------------------------------------------===//
// Test components
//===----------------------------------------------------------------------===//

/// Suspends the component until the engine resumes it at clock `at`; the
/// clock is then at least `at`.
struct SleepUntil {
  Component &self;
  Time at;
  bool await_ready() const { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    self.resumeHandle = h;
    self.engine->wake(&self, at);
  }
  void await_resume() { self.now = std::max(self.now, at); }
};

/// One element a Source sends: `value` with stop `stop`, requested visible
/// at `requested` (the channel makes it max(requested, clock + latency)).
/// With `sleepUntil` >= 0 the source first suspends until that clock.
struct Item {
  Value value;
  uint32_t stop = 0;
  Time requested = 0;
  Time sleepUntil = -1;
};

/// Sends its items in order on its single output.
class Source : public Component {
public:
  Source(std::string name, std::vector<Item> items)
      : Component("test_source", std::move(name), ""), items(std::move(items)) {
  }
  Task run() override;
  std::vector<Item> items;
  /// When >= 0, the source stays alive until this clock after its items.
  Time finishAt = -1;
  /// The source's clock after each send.
  std::vector<Time> sentAt;
};

/// What a Sink saw: the token's visible time, its stop and value, and the
/// sink's clock when it took it.
struct Rec {
  Time time;
  uint32_t stop;
  Value value;
  Time at;
};

/// Takes every token of its single input: peek, `work` cycles, dequeue.
class Sink : public Component {
public:
  Sink(std::string name, Time work = 0)
      : Component("test_sink", std::move(name), ""), workPerToken(work) {}
  Task run() override;
  Time workPerToken;
  std::vector<Rec> records;
  /// The clock at which the sink saw the end of the stream.
  Time endSeen = -1;

  std::vector<Time> times() const;
  std::vector<uint32_t> stops() const;
  /// The `scalar` field of every value (tests tag tiles with it).
  std::vector<int64_t> tags() const;
};

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

/// A rows x cols f32 tile tagged with `tag` (in Value::scalar).
Value tile(int64_t tag, int64_t rows = 1, int64_t cols = 16,
           bool readFromMu = false, int64_t elemBytes = 4);
/// A selector of `width` with the given indices set.
Value selector(int64_t width, std::vector<int32_t> ids);

/// Stop levels of a static stream of `shape` (outermost first), in order:
/// for each element, how many trailing dimensions end at it.
std::vector<uint32_t> stopsOf(const std::vector<int64_t> &shape);

/// Items for `values` with `stops`, requested at `times`.
std::vector<Item> items(const std::vector<Value> &values,
                        const std::vector<uint32_t> &stops,
                        const std::vector<Time> &times);

//===----------------------------------------------------------------------===//
// Proto builders
//===----------------------------------------------------------------------===//

proto::ElementType tileType(int64_t rows, int64_t cols,
                            proto::Scalar scalar = proto::F32);
proto::ElementType selectorType(int64_t width, int64_t hot);
proto::StreamType streamType(const std::vector<std::string> &shape,
                             const proto::ElementType &element);

proto::Attr intAttr(int64_t v);
proto::Attr floatAttr(double v);
proto::Attr strAttr(const std::string &v);
proto::Attr intsAttr(const std::vector<int64_t> &v);
proto::Attr boolAttr(bool v);
proto::Attr typeAttr(const proto::ElementType &t);

/// Builds a region in SSA numbering: arguments first, then op results.
class RegionBuilder {
public:
  int arg(const proto::ElementType &type);
  int op(const std::string &kind, const std::vector<int> &operands,
         const proto::ElementType &result);
  void yield(int value) { region.add_yields(value); }
  proto::Region region;

private:
  int numValues = 0;
};

/// Operators, built into `graph`. Every builder returns the operator so
/// tests can add or remove attributes.
proto::Operator &addOp(proto::SimGraph &graph, const std::string &kind,
                       const std::vector<int> &ins,
                       const std::vector<int> &outs);
/// A channel of `graph` (depth 0: the architecture's default).
int addChannel(proto::SimGraph &graph, int depth = 0,
               const proto::StreamType &type = proto::StreamType());

/// A linear_load of `tensor` [rows*viewRows, cols*viewCols] read as
/// rows x cols f32 tiles over the view [viewRows, viewCols].
proto::Operator &addLinearLoad(proto::SimGraph &graph, int out,
                               const std::string &tensor, int64_t rows,
                               int64_t cols, int64_t viewRows, int64_t viewCols,
                               int64_t par);
proto::Operator &addLinearStore(proto::SimGraph &graph, int in,
                                const std::string &tensor,
                                std::vector<int64_t> shape, int64_t par);

//===----------------------------------------------------------------------===//
// Architectures
//===----------------------------------------------------------------------===//

struct ArchSpec {
  int64_t channels = 1, requestBytes = 64, ii = 1, latency = 0, startUp = 0;
  int64_t depth = 1, channelLatency = 1, par = 1, computeBw = 64;
  int64_t muBandwidth = 64;
};
std::string archText(const ArchSpec &spec);
step::sim::Architecture makeArch(const ArchSpec &spec);

//===----------------------------------------------------------------------===//
// Harness
//===----------------------------------------------------------------------===//

/// Builds components for the operators of `graph` (with createComponent),
/// test sources and sinks on channels no operator produces or consumes, and
/// the off-chip memory, exactly as Simulator.cpp wires them; then runs.
class Harness {
public:
  explicit Harness(const ArchSpec &spec = ArchSpec()) : arch(makeArch(spec)) {}

  proto::SimGraph graph;
  step::sim::Architecture arch;
  step::sim::SimOptions options;
  step::sim::RuntimeInputs inputs;

  int channel(int depth = 0,
              const proto::StreamType &type = proto::StreamType()) {
    return addChannel(graph, depth, type);
  }
  proto::Operator &op(const std::string &kind, const std::vector<int> &ins,
                      const std::vector<int> &outs) {
    return addOp(graph, kind, ins, outs);
  }
  Source &source(int channel, std::vector<Item> items);
  Sink &sink(int channel, Time work = 0);

  /// Creates everything and runs the engine (exceptions propagate).
  void run(bool requestLevelMemory = false);

  /// The component of operator `id` (after run()).
  step::sim::OpComponent &component(int id);
  step::sim::OffChipMemory &memory() { return *mem; }
  step::sim::Engine &getEngine() { return *engine; }
  step::sim::SimContext &context() { return *ctx; }

private:
  std::vector<std::pair<int, std::unique_ptr<Source>>> sources;
  std::vector<std::pair<int, std::unique_ptr<Sink>>> sinks;
  std::unique_ptr<step::sim::SimContext> ctx;
  std::unique_ptr<step::sim::Engine> engine;
  std::unique_ptr<step::sim::OffChipMemory> mem;
  std::vector<std::unique_ptr<step::sim::OpComponent>> components;
  std::vector<std::unique_ptr<Channel>> channels;
};

} // namespace steptest

#endif // STEP_TEST_UNIT_SIMULATOR_TESTSUPPORT_H
