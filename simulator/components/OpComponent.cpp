//===- OpComponent.cpp - base of the operator components ------------------===//
//
// Attribute access, naming in messages, cost helpers, and the factory that
// maps an operator kind to its component.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/OpComponent.h"

#include "simulator/Error.h"

using namespace step::sim;

OpComponent::OpComponent(const proto::Operator &op, SimContext &ctx)
    : Component(op.kind(), op.kind() + "#" + std::to_string(op.id()),
                op.location()),
      op(op), ctx(ctx) {
  recordIntervals = ctx.options.trace;
  computeBw = intAttr("compute_bw", ctx.defaultComputeBw);
  if (computeBw <= 0)
    error("compute_bw must be positive");
}

std::string step::sim::describeOperator(const proto::Operator &op) {
  std::string s = "'" + op.kind() + "'";
  if (!op.location().empty())
    s += " at " + op.location();
  else
    s += " (operator #" + std::to_string(op.id()) + ")";
  return s;
}

std::string OpComponent::describe() const { return describeOperator(op); }

Task OpComponent::peekAll(std::vector<Value> &values, size_t offset,
                          uint32_t &stop, bool &more) {
  size_t ended = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Token *t = co_await peek(*inputs[i]);
    if (!t) {
      ++ended;
      continue;
    }
    if (i == 0 || ended == i)
      stop = t->stop;
    else if (t->stop != stop)
      error("its inputs disagree on stop tokens (input #" + std::to_string(i) +
            "): their shapes differ at run time");
    values[offset + i] = t->value;
  }
  more = ended == 0;
  if (ended && ended != inputs.size()) {
    std::string counts;
    for (size_t i = 0; i < inputs.size(); ++i)
      counts += (i ? ", " : "") + std::string("input #") + std::to_string(i) +
                ": " + std::to_string(inputs[i]->received) +
                (inputs[i]->queue.empty() ? " (ended)" : " (more)");
    error("its inputs have different lengths (" + counts + ")");
  }
}

void OpComponent::error(const std::string &what) const {
  fail(describe(), ": ", what);
}

int64_t OpComponent::intAttr(const std::string &name) const {
  auto it = op.attrs().find(name);
  if (it == op.attrs().end())
    error("missing attribute '" + name + "'");
  if (it->second.value_case() != proto::Attr::kI)
    error("attribute '" + name + "' must be an integer");
  return it->second.i();
}

int64_t OpComponent::intAttr(const std::string &name, int64_t fallback) const {
  return hasAttr(name) ? intAttr(name) : fallback;
}

bool OpComponent::boolAttr(const std::string &name) const {
  auto it = op.attrs().find(name);
  return it != op.attrs().end() && it->second.b();
}

std::string OpComponent::stringAttr(const std::string &name) const {
  auto it = op.attrs().find(name);
  if (it == op.attrs().end())
    error("missing attribute '" + name + "'");
  if (it->second.value_case() != proto::Attr::kS)
    error("attribute '" + name + "' must be a string");
  return it->second.s();
}

std::vector<int64_t> OpComponent::intsAttr(const std::string &name) const {
  auto it = op.attrs().find(name);
  if (it == op.attrs().end())
    error("missing attribute '" + name + "'");
  if (it->second.value_case() != proto::Attr::kInts)
    error("attribute '" + name + "' must be a list of integers");
  return {it->second.ints().values().begin(), it->second.ints().values().end()};
}

std::vector<int64_t>
OpComponent::intsAttr(const std::string &name,
                      std::vector<int64_t> fallback) const {
  return hasAttr(name) ? intsAttr(name) : fallback;
}

const proto::ElementType &OpComponent::typeAttr(const std::string &name) const {
  auto it = op.attrs().find(name);
  if (it == op.attrs().end())
    error("missing attribute '" + name + "'");
  if (it->second.value_case() != proto::Attr::kType)
    error("attribute '" + name + "' must be a type");
  return it->second.type();
}

Channel &OpComponent::in(size_t i) const {
  if (i >= inputs.size())
    error("expected at least " + std::to_string(i + 1) + " inputs, got " +
          std::to_string(inputs.size()));
  return *inputs[i];
}

Channel &OpComponent::out(size_t i) const {
  if (i >= outputs.size())
    error("expected at least " + std::to_string(i + 1) + " outputs, got " +
          std::to_string(outputs.size()));
  return *outputs[i];
}

const std::vector<int32_t> &
OpComponent::selectedTargets(const Value &sel, size_t count,
                             const char *what) const {
  if (sel.kind != Value::Kind::Selector || !sel.selected)
    error("'sel' carries no selectors");
  for (int32_t i : *sel.selected)
    if (i < 0 || static_cast<size_t>(i) >= count)
      error("a selector picks " + std::string(what) + " " + std::to_string(i) +
            " of " + std::to_string(count));
  return *sel.selected;
}

Time OpComponent::loadCycles(const std::vector<Value> &values) const {
  Time t = 0;
  for (const Value &v : values) {
    if (v.kind == Value::Kind::Tuple && v.parts)
      t += loadCycles(*v.parts);
    else if (v.kind == Value::Kind::Tile && v.readFromMu)
      t += memCycles(timingBytes(v));
  }
  return t;
}

Value OpComponent::makeTile(const proto::ElementType &type) const {
  if (!type.has_tile())
    error("expected a tile type");
  auto dim = [&](const proto::Dim &d) -> int64_t {
    const std::string &s = d.expr();
    if (s.empty() || !std::all_of(s.begin(), s.end(), ::isdigit))
      error("expected a static tile dimension, got '" + s + "'");
    return std::stoll(s);
  };
  return Value::tile(dim(type.tile().rows()), dim(type.tile().cols()),
                     scalarBytes(type.tile().scalar()));
}

std::unique_ptr<OpComponent> step::sim::createComponent(const proto::Operator &op,
                                                        SimContext &ctx) {
  using Create = std::unique_ptr<OpComponent> (*)(const proto::Operator &,
                                                  SimContext &);
  static const std::map<std::string, Create> table = {
      {"linear_load", createLinearLoad},
      {"linear_store", createLinearStore},
      {"random_load", createRandomLoad},
      {"random_store", createRandomStore},
      {"bufferize", createBufferize},
      {"streamify", createStreamify},
      {"partition", createPartition},
      {"reassemble", createReassemble},
      {"eager_merge", createEagerMerge},
      {"broadcast", createBroadcast},
      {"parallelize", createParallelize},
      {"select_gen", createSelectGen},
      {"metadata_gen", createMetadataGen},
      {"map", createMap},
      {"accum", createAccum},
      {"scan", createScan},
      {"flatmap", createFlatMap},
      {"flatten", createFlatten},
      {"reshape", createReshape},
      {"promote", createPromote},
      {"expand", createExpand},
      {"repeat", createRepeat},
      {"zip", createZip},
      // Time-multiplexing macro operators.
      {"expert_addr_gen", createExpertAddrGen},
      // Attention decode (docs/step-perf-routing-and-attention.md §1).
      {"cache_read_addr_gen", createCacheReadAddrGen},
      {"filter_last_tile", createFilterLastTile},
      {"sink", createSink},
      // Sparse (SAM) primitives.
      {"root", createFiberRoot},
      {"fiber_lookup", createFiberLookup},
      {"repeat_sig", createRepeatSig},
      {"fiber_repeat", createFiberRepeat},
      {"intersect", createIntersect},
      {"union", createUnion},
      {"array_val", createArrayVal},
      {"reduce", createSparseReduce},
      {"spacc", createSpacc},
      {"crd_drop", createCrdDrop},
      {"fiber_write", createFiberWrite},
      {"val_write", createValWrite},
      {"locate", createLocate},
      {"fork", createFork},
      {"join", createJoin}};
  auto it = table.find(op.kind());
  if (it == table.end())
    fail(op.location().empty() ? "operator #" + std::to_string(op.id())
                               : op.location(),
         ": unknown operator kind '", op.kind(), "'");
  return it->second(op, ctx);
}

OpComponent::TiledTensor OpComponent::tiledTensor(const Value &tile) const {
  TiledTensor t;
  t.shape = intsAttr("tensor_shape");
  if (t.shape.size() < 2)
    error("tensor_shape needs at least two dims");
  int64_t rows = t.shape[t.shape.size() - 2], cols = t.shape.back();
  if (rows % tile.rows || cols % tile.cols)
    error("the tile does not divide the tensor");
  t.grid.assign(t.shape.begin(), t.shape.end() - 2);
  t.grid.push_back(rows / tile.rows);
  t.grid.push_back(cols / tile.cols);
  for (int64_t g : t.grid)
    t.tiles *= g;
  if (!ctx.options.functional)
    return t;
  std::string name = stringAttr("tensor");
  auto it = ctx.inputs.find(name);
  if (it == ctx.inputs.end())
    error("functional mode needs the tensor '" + name + "' bound (--bind " +
          name + "=FILE.npy)");
  t.data = &it->second;
  auto shapeStr = [](const std::vector<int64_t> &shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
  };
  if (t.data->isInteger)
    error("the tensor bound to '" + name +
          "' holds integers; the load reads floats (bind a float32 or "
          "float64 .npy)");
  if (t.data->shape != t.shape)
    error("the tensor bound to '" + name + "' has the shape " +
          shapeStr(t.data->shape) + "; the load reads " + shapeStr(t.shape));
  return t;
}

std::shared_ptr<const std::vector<float>>
OpComponent::TiledTensor::readTile(const Value &tile, int64_t index) const {
  int64_t gridCols = grid.back(), gridRows = grid[grid.size() - 2];
  int64_t plane = index / (gridRows * gridCols);
  int64_t rem = index % (gridRows * gridCols);
  int64_t tr = rem / gridCols, tc = rem % gridCols;
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  auto d = std::make_shared<std::vector<float>>(tile.rows * tile.cols);
  for (int64_t r = 0; r < tile.rows; ++r)
    for (int64_t c = 0; c < tile.cols; ++c)
      (*d)[r * tile.cols + c] =
          data->floats[plane * rows * cols + (tr * tile.rows + r) * cols +
                       tc * tile.cols + c];
  return d;
}
