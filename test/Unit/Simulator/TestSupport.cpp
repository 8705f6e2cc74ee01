//===- TestSupport.cpp - harness for the simulator unit tests -------------===//

#include "TestSupport.h"

#include "simulator/Error.h"

#include <map>
#include <sstream>

using namespace step::sim;

namespace steptest {

Task Source::run() {
  for (const Item &it : items) {
    if (it.sleepUntil >= 0 && it.sleepUntil > now)
      co_await SleepUntil{*this, it.sleepUntil};
    co_await send(*outputs.at(0), it.value, it.stop, it.requested);
    sentAt.push_back(now);
  }
  if (finishAt > now)
    co_await SleepUntil{*this, finishAt};
}

Task Sink::run() {
  while (true) {
    const Token *t = co_await peek(*inputs.at(0));
    if (!t)
      break;
    Rec r{t->time, t->stop, t->value, now};
    work(workPerToken);
    co_await dequeue(*inputs.at(0));
    records.push_back(std::move(r));
  }
  endSeen = now;
}

std::vector<Time> Sink::times() const {
  std::vector<Time> v;
  for (const Rec &r : records)
    v.push_back(r.time);
  return v;
}

std::vector<uint32_t> Sink::stops() const {
  std::vector<uint32_t> v;
  for (const Rec &r : records)
    v.push_back(r.stop);
  return v;
}

std::vector<int64_t> Sink::tags() const {
  std::vector<int64_t> v;
  for (const Rec &r : records)
    v.push_back(r.value.scalar);
  return v;
}

Value tile(int64_t tag, int64_t rows, int64_t cols, bool readFromMu,
           int64_t elemBytes) {
  Value v = Value::tile(rows, cols, elemBytes, readFromMu);
  v.scalar = tag;
  return v;
}

Value selector(int64_t width, std::vector<int32_t> ids) {
  Value v;
  v.kind = Value::Kind::Selector;
  v.cols = width;
  v.selected = std::make_shared<std::vector<int32_t>>(std::move(ids));
  return v;
}

std::vector<uint32_t> stopsOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<uint32_t> stops;
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t e = 0; e < n; ++e) {
    // Stop k ends the dimension of rank k-1; the outermost dimension has
    // no stop (the stream's end closes it). So count the trailing dims,
    // all but the outermost, that are at their last index.
    uint32_t level = 0;
    size_t k = shape.size();
    while (k > 1 && idx[k - 1] == shape[k - 1] - 1) {
      --k;
      ++level;
    }
    stops.push_back(level);
    size_t d = shape.size();
    while (d > 0 && ++idx[d - 1] == shape[d - 1])
      idx[--d] = 0;
  }
  return stops;
}

std::vector<Item> items(const std::vector<Value> &values,
                        const std::vector<uint32_t> &stops,
                        const std::vector<Time> &times) {
  std::vector<Item> v;
  for (size_t i = 0; i < values.size(); ++i)
    v.push_back(Item{values[i], stops.at(i), times.at(i), -1});
  return v;
}

proto::ElementType tileType(int64_t rows, int64_t cols, proto::Scalar scalar) {
  proto::ElementType t;
  t.mutable_tile()->mutable_rows()->set_expr(std::to_string(rows));
  t.mutable_tile()->mutable_cols()->set_expr(std::to_string(cols));
  t.mutable_tile()->set_scalar(scalar);
  return t;
}

proto::ElementType selectorType(int64_t width, int64_t hot) {
  proto::ElementType t;
  t.mutable_selector()->set_width(width);
  t.mutable_selector()->set_hot(hot);
  return t;
}

proto::StreamType streamType(const std::vector<std::string> &shape,
                             const proto::ElementType &element) {
  proto::StreamType s;
  for (const std::string &d : shape)
    s.add_shape()->set_expr(d);
  *s.mutable_element() = element;
  return s;
}

proto::Attr intAttr(int64_t v) {
  proto::Attr a;
  a.set_i(v);
  return a;
}
proto::Attr floatAttr(double v) {
  proto::Attr a;
  a.set_f(v);
  return a;
}
proto::Attr strAttr(const std::string &v) {
  proto::Attr a;
  a.set_s(v);
  return a;
}
proto::Attr intsAttr(const std::vector<int64_t> &v) {
  proto::Attr a;
  for (int64_t x : v)
    a.mutable_ints()->add_values(x);
  return a;
}
proto::Attr boolAttr(bool v) {
  proto::Attr a;
  a.set_b(v);
  return a;
}
proto::Attr typeAttr(const proto::ElementType &t) {
  proto::Attr a;
  *a.mutable_type() = t;
  return a;
}

int RegionBuilder::arg(const proto::ElementType &type) {
  *region.add_args() = type;
  return numValues++;
}

int RegionBuilder::op(const std::string &kind, const std::vector<int> &operands,
                      const proto::ElementType &result) {
  proto::TileOp *t = region.add_ops();
  t->set_kind(kind);
  for (int v : operands)
    t->add_operands(v);
  *t->mutable_result() = result;
  return numValues++;
}

proto::Operator &addOp(proto::SimGraph &graph, const std::string &kind,
                       const std::vector<int> &ins,
                       const std::vector<int> &outs) {
  proto::Operator *op = graph.add_operators();
  op->set_id(graph.operators_size() - 1);
  op->set_kind(kind);
  op->set_location("test.mlir:" + std::to_string(graph.operators_size()) +
                   ":1");
  for (int c : ins)
    op->add_inputs(c);
  for (int c : outs)
    op->add_outputs(c);
  for (int c : ins)
    for (auto &ch : *graph.mutable_channels())
      if (ch.id() == c)
        ch.set_consumer(op->id());
  for (int c : outs)
    for (auto &ch : *graph.mutable_channels())
      if (ch.id() == c)
        ch.set_producer(op->id());
  return *op;
}

int addChannel(proto::SimGraph &graph, int depth,
               const proto::StreamType &type) {
  proto::Channel *ch = graph.add_channels();
  ch->set_id(graph.channels_size() - 1);
  ch->set_depth(depth);
  ch->set_producer(-1);
  ch->set_consumer(-1);
  *ch->mutable_type() = type;
  return ch->id();
}

proto::Operator &addLinearLoad(proto::SimGraph &graph, int out,
                               const std::string &tensor, int64_t rows,
                               int64_t cols, int64_t viewRows, int64_t viewCols,
                               int64_t par) {
  proto::Operator &op = addOp(graph, "linear_load", {}, {out});
  auto &a = *op.mutable_attrs();
  a["tensor"] = strAttr(tensor);
  a["tensor_shape"] = intsAttr({rows * viewRows, cols * viewCols});
  a["tile"] = typeAttr(tileType(rows, cols));
  a["view"] = intsAttr({viewRows, viewCols});
  a["par_dispatch"] = intAttr(par);
  return op;
}

proto::Operator &addLinearStore(proto::SimGraph &graph, int in,
                                const std::string &tensor,
                                std::vector<int64_t> shape, int64_t par) {
  proto::Operator &op = addOp(graph, "linear_store", {in}, {});
  auto &a = *op.mutable_attrs();
  a["tensor"] = strAttr(tensor);
  a["tensor_shape"] = intsAttr(shape);
  a["par_dispatch"] = intAttr(par);
  return op;
}

std::string archText(const ArchSpec &s) {
  std::ostringstream os;
  os << "name: \"unit\"\n"
     << "compute_units { name: \"cu\" count: 4 flops_per_cycle: " << s.computeBw
     << " }\n"
     << "memory_units { name: \"mu\" count: 4 bytes_per_cycle: "
     << s.muBandwidth << " capacity_bytes: 1048576 }\n"
     << "off_chip { name: \"hbm\" channels: " << s.channels
     << " request_bytes: " << s.requestBytes << " initiation_interval: " << s.ii
     << " latency: " << s.latency << " start_up: " << s.startUp << " }\n"
     << "links { from: \"hbm\" to: \"mu\" bytes_per_cycle: 64 }\n"
     << "links { from: \"mu\" to: \"cu\" bytes_per_cycle: 64 }\n"
     << "defaults { channel_depth: " << s.depth
     << " channel_latency: " << s.channelLatency << " par_dispatch: " << s.par
     << " compute_bw: " << s.computeBw << " }\n";
  return os.str();
}

Architecture makeArch(const ArchSpec &spec) {
  return Architecture::parse(archText(spec), "unit.pbtxt");
}

Source &Harness::source(int channel, std::vector<Item> items) {
  sources.emplace_back(
      channel, std::make_unique<Source>("source" + std::to_string(channel),
                                        std::move(items)));
  return *sources.back().second;
}

Sink &Harness::sink(int channel, Time work) {
  sinks.emplace_back(
      channel, std::make_unique<Sink>("sink" + std::to_string(channel), work));
  return *sinks.back().second;
}

void Harness::run(bool requestLevelMemory) {
  ctx = std::make_unique<SimContext>(SimContext{graph, arch, options, inputs});
  ctx->memoryBandwidth = arch.getMemoryBandwidth();
  ctx->defaultComputeBw = arch.getDefaultComputeBw();
  ctx->parDispatch = arch.getParDispatch();
  ctx->requestBytes = arch.getHbm().requestBytes;
  for (const proto::Channel &ch : graph.channels())
    ctx->channelTypes[ch.id()] = &ch.type();
  engine = std::make_unique<Engine>();
  if (requestLevelMemory)
    mem = std::make_unique<RequestLevelMemory>(arch.getHbm());
  else
    mem = std::make_unique<AggregateMemory>(arch.getHbm());
  ctx->memory = mem.get();

  std::map<int, Channel *> byId;
  for (const proto::Channel &ch : graph.channels()) {
    int64_t depth = ch.depth() > 0 ? ch.depth() : arch.getChannelDepth();
    channels.push_back(
        std::make_unique<Channel>(ch.id(), depth, arch.getChannelLatency(),
                                  "#" + std::to_string(ch.id())));
    byId[ch.id()] = channels.back().get();
  }
  for (const proto::Operator &op : graph.operators())
    components.push_back(createComponent(op, *ctx));
  for (size_t i = 0; i < components.size(); ++i) {
    const proto::Operator &op = graph.operators(static_cast<int>(i));
    OpComponent *c = components[i].get();
    for (int id : op.inputs()) {
      byId.at(id)->consumer = c;
      c->inputs.push_back(byId.at(id));
    }
    for (int id : op.outputs()) {
      if (id < 0) {
        channels.push_back(std::make_unique<Channel>(-1, 0, 1, "unconnected"));
        channels.back()->discard = true;
        channels.back()->producer = c;
        c->outputs.push_back(channels.back().get());
        continue;
      }
      byId.at(id)->producer = c;
      c->outputs.push_back(byId.at(id));
    }
  }
  for (auto &[id, s] : sources) {
    byId.at(id)->producer = s.get();
    s->outputs.push_back(byId.at(id));
  }
  for (auto &[id, s] : sinks) {
    byId.at(id)->consumer = s.get();
    s->inputs.push_back(byId.at(id));
  }
  for (auto &c : components)
    engine->add(c.get());
  for (auto &[id, s] : sources)
    engine->add(s.get());
  for (auto &[id, s] : sinks)
    engine->add(s.get());
  engine->add(mem.get());
  if (auto *rl = dynamic_cast<RequestLevelMemory *>(mem.get()))
    rl->attach(*engine);
  engine->run();
}

OpComponent &Harness::component(int id) { return *components.at(id); }

} // namespace steptest
