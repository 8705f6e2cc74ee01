//===- Arch.cpp - the architecture description ----------------------------===//
//
// Text-format parsing with line numbers (google::protobuf::TextFormat and its
// ParseInfoTree), field checks, and the Boost.Graph of units and links.
//
//===----------------------------------------------------------------------===//

#include "simulator/Arch.h"

#include <boost/graph/connected_components.hpp>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

using namespace step::sim;
namespace pb = google::protobuf;

namespace {

/// Collects the first syntax error with its position.
class Collector : public pb::io::ErrorCollector {
public:
  void AddError(int line, pb::io::ColumnNumber column,
                const std::string &message) override {
    if (error.empty())
      error = std::to_string(line + 1) + ":" + std::to_string(column + 1) +
              ": " + message;
  }
  void AddWarning(int, pb::io::ColumnNumber, const std::string &) override {}
  std::string error;
};

/// Checks fields of one message and reports them with the line they (or,
/// when missing, their enclosing message) are on.
class Checker {
public:
  Checker(const std::string &file, const pb::Message &msg,
          const pb::TextFormat::ParseInfoTree *tree, int enclosingLine,
          std::string path)
      : file(file), msg(msg), tree(tree), enclosingLine(enclosingLine),
        path(std::move(path)) {}

  int lineOf(const std::string &field, int index = -1) const {
    const pb::FieldDescriptor *fd = msg.GetDescriptor()->FindFieldByName(field);
    if (tree && fd) {
      pb::TextFormat::ParseLocation loc = tree->GetLocation(fd, index);
      if (loc.line >= 0)
        return loc.line + 1;
    }
    return enclosingLine;
  }

  [[noreturn]] void error(const std::string &field, const std::string &what,
                          int index = -1) const {
    fail(file, ":", lineOf(field, index), ": ", path.empty() ? "" : path + ".",
         field, ": ", what);
  }

  bool has(const std::string &field) const {
    const pb::FieldDescriptor *fd = msg.GetDescriptor()->FindFieldByName(field);
    return fd && msg.GetReflection()->HasField(msg, fd);
  }

  int64_t intField(const std::string &field) const {
    const pb::FieldDescriptor *fd = msg.GetDescriptor()->FindFieldByName(field);
    return msg.GetReflection()->GetInt64(msg, fd);
  }

  /// A required integer with a lower bound.
  void require(const std::string &field, int64_t min) const {
    if (!has(field))
      error(field, "missing (required, at least " + std::to_string(min) + ")");
    atLeast(field, min);
  }

  /// An optional integer with a lower bound.
  void atLeast(const std::string &field, int64_t min) const {
    if (has(field) && intField(field) < min)
      error(field, "must be at least " + std::to_string(min) + ", got " +
                       std::to_string(intField(field)));
  }

  void requireName() const {
    if (!has("name") || msg.GetReflection()
                            ->GetString(msg, msg.GetDescriptor()->FindFieldByName(
                                                 "name"))
                            .empty())
      error("name", "missing (required, non-empty)");
  }

  /// A checker for the index-th element (or the single value) of a nested
  /// message field.
  Checker nested(const std::string &field, const pb::Message &sub,
                 int index = -1) const {
    const pb::FieldDescriptor *fd = msg.GetDescriptor()->FindFieldByName(field);
    const pb::TextFormat::ParseInfoTree *subTree =
        tree ? tree->GetTreeForNested(fd, index) : nullptr;
    std::string subPath = (path.empty() ? "" : path + ".") + field;
    if (index >= 0)
      subPath += "[" + std::to_string(index) + "]";
    return Checker(file, sub, subTree, lineOf(field, index), subPath);
  }

private:
  const std::string &file;
  const pb::Message &msg;
  const pb::TextFormat::ParseInfoTree *tree;
  int enclosingLine;
  std::string path;
};

} // namespace

Architecture Architecture::loadFile(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    fail(path, ": cannot open the architecture file");
  std::stringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path);
}

Architecture Architecture::parse(const std::string &text,
                                 const std::string &name) {
  Architecture result;
  proto::Arch &arch = result.arch;
  pb::TextFormat::Parser parser;
  Collector collector;
  pb::TextFormat::ParseInfoTree tree;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(text, &arch))
    fail(name, ":", collector.error.empty() ? "1: malformed" : collector.error);

  Checker top(name, arch, &tree, 1, "");
  top.requireName();
  if (arch.compute_units_size() == 0)
    top.error("compute_units", "missing (at least one compute unit kind)");
  if (arch.memory_units_size() == 0)
    top.error("memory_units", "missing (at least one memory unit kind)");
  if (!arch.has_off_chip())
    top.error("off_chip", "missing (the off-chip memory)");

  std::map<std::string, int> lineOfUnit;
  auto addName = [&](const Checker &c, const std::string &unit,
                     const std::string &field, int index) {
    if (lineOfUnit.count(unit))
      top.error(field, "duplicate unit name '" + unit + "'", index);
    lineOfUnit[unit] = top.lineOf(field, index);
  };
  for (int i = 0; i < arch.compute_units_size(); ++i) {
    Checker c = top.nested("compute_units", arch.compute_units(i), i);
    c.requireName();
    c.require("count", 1);
    c.require("flops_per_cycle", 1);
    c.atLeast("tile_rows", 1);
    c.atLeast("tile_cols", 1);
    addName(c, arch.compute_units(i).name(), "compute_units", i);
  }
  for (int i = 0; i < arch.memory_units_size(); ++i) {
    Checker c = top.nested("memory_units", arch.memory_units(i), i);
    c.requireName();
    c.require("count", 1);
    c.require("bytes_per_cycle", 1);
    c.require("capacity_bytes", 1);
    addName(c, arch.memory_units(i).name(), "memory_units", i);
  }
  {
    Checker c = top.nested("off_chip", arch.off_chip());
    c.requireName();
    c.require("channels", 1);
    c.require("request_bytes", 1);
    c.require("initiation_interval", 1);
    c.require("latency", 0);
    c.require("start_up", 0);
    c.atLeast("capacity_bytes", 1);
    addName(c, arch.off_chip().name(), "off_chip", -1);
  }
  if (arch.has_storage()) {
    Checker c = top.nested("storage", arch.storage());
    c.requireName();
    c.require("bytes_per_cycle", 1);
    c.atLeast("latency", 0);
    addName(c, arch.storage().name(), "storage", -1);
  }
  if (arch.has_defaults()) {
    Checker c = top.nested("defaults", arch.defaults());
    c.atLeast("channel_depth", 1);
    c.atLeast("channel_latency", 0);
    c.atLeast("par_dispatch", 1);
    c.atLeast("compute_bw", 1);
  }

  // The graph: one vertex per unit kind, one edge per link.
  Graph &g = result.graph;
  std::map<std::string, Graph::vertex_descriptor> vertex;
  auto addVertex = [&](UnitNode::Kind kind, const std::string &unit,
                       int64_t count) {
    vertex[unit] = boost::add_vertex(UnitNode{kind, unit, count}, g);
  };
  for (const auto &u : arch.compute_units())
    addVertex(UnitNode::Kind::Compute, u.name(), u.count());
  for (const auto &u : arch.memory_units())
    addVertex(UnitNode::Kind::Memory, u.name(), u.count());
  addVertex(UnitNode::Kind::OffChip, arch.off_chip().name(),
            arch.off_chip().channels());
  if (arch.has_storage())
    addVertex(UnitNode::Kind::Storage, arch.storage().name(), 1);
  for (int i = 0; i < arch.links_size(); ++i) {
    const proto::Link &l = arch.links(i);
    Checker c = top.nested("links", l, i);
    for (const std::string &end : {std::string("from"), std::string("to")}) {
      const std::string &unit = end == "from" ? l.from() : l.to();
      if (!c.has(end))
        c.error(end, "missing (a unit name)");
      if (!vertex.count(unit))
        c.error(end, "unknown unit '" + unit + "'");
    }
    c.require("bytes_per_cycle", 1);
    c.atLeast("latency", 0);
    boost::add_edge(vertex[l.from()], vertex[l.to()],
                    LinkEdge{l.bytes_per_cycle(), l.latency()}, g);
  }
  // Every unit must be reachable from the off-chip memory: data enters the
  // fabric there.
  std::vector<int> component(boost::num_vertices(g));
  boost::connected_components(g, component.data());
  int offChipComponent = component[vertex[arch.off_chip().name()]];
  for (auto [unit, v] : vertex)
    if (component[v] != offChipComponent)
      fail(name, ":", lineOfUnit[unit], ": unit '", unit,
           "' is not linked to the off-chip memory '", arch.off_chip().name(),
           "' (add a link)");
  return result;
}

HbmParams Architecture::getHbm() const {
  const proto::OffChipMemory &m = arch.off_chip();
  return HbmParams{m.channels(), m.request_bytes(), m.initiation_interval(),
                   m.latency(), m.start_up()};
}

int64_t Architecture::getMemoryBandwidth() const {
  return arch.memory_units(0).bytes_per_cycle();
}

int64_t Architecture::getChannelDepth() const {
  return arch.defaults().has_channel_depth() ? arch.defaults().channel_depth()
                                             : 2;
}

int64_t Architecture::getChannelLatency() const {
  return arch.defaults().has_channel_latency()
             ? arch.defaults().channel_latency()
             : 1;
}

int64_t Architecture::getParDispatch() const {
  return arch.defaults().has_par_dispatch() ? arch.defaults().par_dispatch() : 1;
}

int64_t Architecture::getDefaultComputeBw() const {
  return arch.defaults().compute_bw();
}

double Architecture::getOffChipBytesPerCycle() const {
  HbmParams h = getHbm();
  return double(h.channels) * double(h.requestBytes) /
         double(h.initiationInterval);
}
