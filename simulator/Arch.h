//===- Arch.h - the architecture description ---------------------*- C++ -*-===//
//
// Loads an architecture description (protobuf text, arch/*.pbtxt), checks it
// field by field with the line of every offending field, and holds it as a
// Boost.Graph of units joined by links.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_ARCH_H
#define STEP_SIMULATOR_ARCH_H

#include "simulator/Error.h"
#include "simulator/proto/arch.pb.h"

#include <boost/graph/adjacency_list.hpp>

#include <cstdint>
#include <string>

namespace step::sim {

/// Parameters of the off-chip memory, as the HBM model reads them.
struct HbmParams {
  int64_t channels = 0;
  int64_t requestBytes = 0;
  int64_t initiationInterval = 0;
  int64_t latency = 0;
  int64_t startUp = 0;
};

/// A vertex of the architecture graph: one kind of unit.
struct UnitNode {
  enum class Kind { Compute, Memory, OffChip, Storage } kind;
  std::string name;
  int64_t count = 1;
};

/// An edge: a link between two unit kinds.
struct LinkEdge {
  int64_t bytesPerCycle = 0;
  int64_t latency = 0;
};

class Architecture {
public:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS,
                                      boost::undirectedS, UnitNode, LinkEdge>;

  /// Reads and checks a text-format file; throws InputError naming the file,
  /// line and field on any problem.
  static Architecture loadFile(const std::string &path);
  /// Same, from text; `name` stands for the file in messages.
  static Architecture parse(const std::string &text, const std::string &name);

  const proto::Arch &getProto() const { return arch; }
  const Graph &getGraph() const { return graph; }
  const std::string &getName() const { return arch.name(); }

  HbmParams getHbm() const;
  /// Bandwidth of one on-chip memory unit (the first kind listed).
  int64_t getMemoryBandwidth() const;
  int64_t getChannelDepth() const;
  int64_t getChannelLatency() const;
  int64_t getParDispatch() const;
  /// FLOPs/cycle for an op that states no compute bandwidth (0: none given).
  int64_t getDefaultComputeBw() const;
  /// Peak off-chip bandwidth: channels * request bytes / initiation interval.
  double getOffChipBytesPerCycle() const;

private:
  proto::Arch arch;
  Graph graph;
};

} // namespace step::sim

#endif // STEP_SIMULATOR_ARCH_H
