//===- OpComponent.h - base of the operator components -----------*- C++ -*-===//
//
// What every operator component shares: its SimGraph operator, attribute
// access with errors that name the operator, the simulation context
// (architecture, memory model, bindings, statistics), and the cost helpers
// of STeP's roofline (reference/step.md §5.2).
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_COMPONENTS_OPCOMPONENT_H
#define STEP_SIMULATOR_COMPONENTS_OPCOMPONENT_H

#include "simulator/Arch.h"
#include "simulator/Engine.h"
#include "simulator/OffChipMemory.h"
#include "simulator/Simulator.h"
#include "simulator/TileProgram.h"
#include "simulator/proto/sim_graph.pb.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace step::sim {

/// State shared by the components of one simulation.
struct SimContext {
  const proto::SimGraph &graph;
  const Architecture &arch;
  const SimOptions &options;
  const RuntimeInputs &inputs;
  OffChipMemory *memory = nullptr;
  int64_t memoryBandwidth = 1;   // bytes/cycle of a memory unit
  int64_t defaultComputeBw = 1;  // FLOPs/cycle without a compute_bw attribute
  int64_t parDispatch = 1;
  int64_t requestBytes = 64;
  // Statistics.
  int64_t offChipRead = 0, offChipWritten = 0;
  /// On-chip occupancy changes (time, +/- bytes), swept at the end.
  std::vector<std::pair<Time, int64_t>> onChipDeltas;
  /// Functional mode: stored tensors by name.
  std::map<std::string, Tensor> stored;

  /// Channel types by channel id.
  std::map<int, const proto::StreamType *> channelTypes;

  void occupy(Time t, int64_t bytes) {
    if (bytes)
      onChipDeltas.push_back({t, bytes});
  }
};

class OpComponent : public Component {
public:
  OpComponent(const proto::Operator &op, SimContext &ctx);

  const proto::Operator &op;
  SimContext &ctx;
  /// FLOPs this operator computed, and the compute bandwidth it was given.
  int64_t flops = 0;
  int64_t computeBw = 0;

  // Attributes; a missing or mistyped one is an InputError naming the op.
  int64_t intAttr(const std::string &name) const;
  int64_t intAttr(const std::string &name, int64_t fallback) const;
  bool boolAttr(const std::string &name) const;
  std::string stringAttr(const std::string &name) const;
  std::vector<int64_t> intsAttr(const std::string &name) const;
  std::vector<int64_t> intsAttr(const std::string &name,
                                std::vector<int64_t> fallback) const;
  const proto::ElementType &typeAttr(const std::string &name) const;
  bool hasAttr(const std::string &name) const {
    return op.attrs().count(name) != 0;
  }

  Channel &in(size_t i) const;
  Channel &out(size_t i) const;

  /// "kind at location": how messages name this operator.
  std::string describe() const;
  [[noreturn]] void error(const std::string &what) const;

  /// STeP's roofline terms.
  Time memCycles(int64_t bytes) const {
    return (bytes + ctx.memoryBandwidth - 1) / ctx.memoryBandwidth;
  }
  Time computeCycles(int64_t f) const {
    return computeBw > 0 ? (f + computeBw - 1) / computeBw : 0;
  }
  /// Memory-unit load cycles for the tiles of `values` that sit in memory
  /// units (summed, as STeP does).
  Time loadCycles(const std::vector<Value> &values) const;
  /// Bytes per element of a tile as timing sees it (SimOptions::mockBf16).
  int64_t timingElemBytes(const Value &tile) const {
    return ctx.options.mockBf16 && tile.elemBytes == 4 ? 2 : tile.elemBytes;
  }
  /// Bytes of a value as timing sees it.
  int64_t timingBytes(const Value &v) const {
    if (v.kind == Value::Kind::Tile)
      return v.rows * v.cols * timingElemBytes(v);
    return v.bytes();
  }
  /// Requests for one tile: a request per row and request-sized column chunk.
  int64_t requestsFor(const Value &tile) const {
    int64_t rowBytes = tile.cols * timingElemBytes(tile);
    return tile.rows * ((rowBytes + ctx.requestBytes - 1) / ctx.requestBytes);
  }

  /// Peeks the heads of all inputs, which advance together (zipped):
  /// writes their values to `values[offset + i]` and the common stop level
  /// to `stop`, and sets `more`; `more` is false when every input has
  /// ended. An error if only some have ended or their stops disagree (their
  /// shapes differ at run time).
  Task peekAll(std::vector<Value> &values, size_t offset, uint32_t &stop,
               bool &more);

  /// The targets a selector token picks (its set bits), checked against the
  /// `count` outputs or inputs (`what`) the operator routes to or from.
  const std::vector<int32_t> &selectedTargets(const Value &sel, size_t count,
                                              const char *what) const;

  /// Builds a tile value of the given proto type (dims must be static).
  Value makeTile(const proto::ElementType &type) const;

  /// The off-chip tensor a load reads in tiles: its `tensor_shape`, the
  /// row-major grid of `tile`-sized tiles over it (leading dims, then
  /// rows / tile rows, then cols / tile cols) and, in functional mode, the
  /// float tensor bound to the `tensor` attribute's name.
  struct TiledTensor {
    std::vector<int64_t> shape, grid;
    int64_t tiles = 1; ///< tiles in the grid
    const Tensor *data = nullptr;
    /// Tile `index` of the grid, read from `data`.
    std::shared_ptr<const std::vector<float>> readTile(const Value &tile,
                                                       int64_t index) const;
  };
  /// Reads the attributes above; errors name the op (a tile that does not
  /// divide the tensor, a missing or mismatched binding).
  TiledTensor tiledTensor(const Value &tile) const;
};

/// How messages name a SimGraph operator: "'kind' at file:line:col".
std::string describeOperator(const proto::Operator &op);

/// Creates the component for a SimGraph operator (InputError on an unknown
/// kind).
std::unique_ptr<OpComponent> createComponent(const proto::Operator &op,
                                             SimContext &ctx);

// One creation function per operator kind (components/<Kind>.cpp).
#define STEP_SIM_COMPONENT(NAME)                                               \
  std::unique_ptr<OpComponent> create##NAME(const proto::Operator &op,         \
                                            SimContext &ctx);
STEP_SIM_COMPONENT(LinearLoad)
STEP_SIM_COMPONENT(LinearStore)
STEP_SIM_COMPONENT(RandomLoad)
STEP_SIM_COMPONENT(RandomStore)
STEP_SIM_COMPONENT(Bufferize)
STEP_SIM_COMPONENT(Streamify)
STEP_SIM_COMPONENT(Partition)
STEP_SIM_COMPONENT(Reassemble)
STEP_SIM_COMPONENT(EagerMerge)
STEP_SIM_COMPONENT(Broadcast)
STEP_SIM_COMPONENT(Parallelize)
STEP_SIM_COMPONENT(SelectGen)
STEP_SIM_COMPONENT(MetadataGen)
STEP_SIM_COMPONENT(Map)
STEP_SIM_COMPONENT(Accum)
STEP_SIM_COMPONENT(Scan)
STEP_SIM_COMPONENT(FlatMap)
STEP_SIM_COMPONENT(Flatten)
STEP_SIM_COMPONENT(Reshape)
STEP_SIM_COMPONENT(Promote)
STEP_SIM_COMPONENT(Expand)
STEP_SIM_COMPONENT(Repeat)
STEP_SIM_COMPONENT(Zip)
// Time-multiplexing macro operators.
STEP_SIM_COMPONENT(ExpertAddrGen)
STEP_SIM_COMPONENT(CacheReadAddrGen)
STEP_SIM_COMPONENT(FilterLastTile)
STEP_SIM_COMPONENT(Sink)
// Sparse (SAM) primitives (SamComponent.h).
STEP_SIM_COMPONENT(FiberRoot)
STEP_SIM_COMPONENT(FiberLookup)
STEP_SIM_COMPONENT(RepeatSig)
STEP_SIM_COMPONENT(FiberRepeat)
STEP_SIM_COMPONENT(Locate)
STEP_SIM_COMPONENT(Fork)
STEP_SIM_COMPONENT(Join)
STEP_SIM_COMPONENT(Intersect)
STEP_SIM_COMPONENT(Union)
STEP_SIM_COMPONENT(ArrayVal)
STEP_SIM_COMPONENT(SparseReduce)
STEP_SIM_COMPONENT(Spacc)
STEP_SIM_COMPONENT(CrdDrop)
STEP_SIM_COMPONENT(FiberWrite)
STEP_SIM_COMPONENT(ValWrite)
#undef STEP_SIM_COMPONENT

} // namespace step::sim

#endif // STEP_SIMULATOR_COMPONENTS_OPCOMPONENT_H
