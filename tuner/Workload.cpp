//===- Workload.cpp - the MoE, attention and GCN schedule spaces ----------===//
//
// Each parameter is one existing builder or pass option; the values are the
// ones the option accepts for the layer (tile_f divides the intermediate
// size, regions divide the experts or requests). The `hint` of a parameter
// says which way the option's mechanism moves a resource; it says nothing
// about which value is best.
//
//===----------------------------------------------------------------------===//

#include "tuner/Workload.h"

#include <sstream>

namespace step::tune {

std::string shellQuote(const std::string &arg) {
  bool plain = !arg.empty();
  for (char c : arg)
    if (!(isalnum(static_cast<unsigned char>(c)) ||
          std::string("-_./=:,+@%").find(c) != std::string::npos))
      plain = false;
  if (plain)
    return arg;
  std::string out = "'";
  for (char c : arg)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

static std::string join(const std::vector<std::string> &argv) {
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i)
    out += (i ? " " : "") + shellQuote(argv[i]);
  return out;
}

std::string Commands::shell() const {
  std::string out;
  if (!setup.empty())
    out += join(setup) + " && ";
  if (!gen.empty())
    out += join(gen) + " | " + join(opt) + " -o schedule.mlir && ";
  std::vector<std::string> s = sim;
  if (simGraphArg < s.size())
    s[simGraphArg] = "schedule.mlir";
  return out + join(s);
}

namespace {

Param ordinal(std::string name, std::vector<std::string> values,
              std::string help) {
  Param p;
  p.name = std::move(name);
  p.kind = Param::Kind::Ordinal;
  p.values = std::move(values);
  p.help = std::move(help);
  return p;
}

void hint(Param &p, Pressure pressure, int direction) {
  p.hint[static_cast<int>(pressure)] = direction;
}

/// Qwen3-30B-A3B MoE layer, batch B, routed by STeP's synthetic trace with
/// idle time-multiplex regions (scripts/reproduce_step.py time-mux).
class MoEWorkload : public Workload {
public:
  MoEWorkload(const WorkloadOptions &o) : root(o.sourceRoot), batch(o.batch) {
    arch = o.arch.empty() ? root + "/arch/sn40l_like.pbtxt" : o.arch;
    routing = root + "/examples/moe_expert/" +
              "routing_qwen_b64_synthetic_idle_regions.csv";
    Param tiling = ordinal("tiling", {"8", "16", "32", "64", "dyn"},
                           "token rows per tile (step-gen --tiling); dyn "
                           "packs each expert's tokens into one tile");
    // Each static tile streams the expert's weights again: larger tiles
    // (and dyn, one tile per expert) read them fewer times, but hold more
    // rows on chip.
    hint(tiling, Pressure::OffChip, +1);
    hint(tiling, Pressure::OnChipOver, -1);
    Param regions =
        ordinal("regions", {"1", "2", "4", "8", "16", "32", "64", "128"},
                "configured expert regions P, each shared by 128/P experts "
                "(step-opt --step-time-multiplex=regions=P)");
    // More regions run more experts at once (more compute and more loads in
    // flight) but each region allocates its own units and buffers.
    hint(regions, Pressure::Compute, +1);
    hint(regions, Pressure::OffChip, +1);
    hint(regions, Pressure::ComputeOver, -1);
    hint(regions, Pressure::OnChipOver, -1);
    Param tileF = ordinal(
        "tile_f",
        {"16", "32", "48", "64", "96", "128", "192", "256", "384", "768"},
        "width of the W1/W3 tiles and height of the W2 "
        "tiles (step-gen --tile-f; divides 768)");
    // Wider weight tiles mean fewer tile operations per expert (less
    // per-tile latency) and larger on-chip tiles.
    hint(tileF, Pressure::Compute, +1);
    hint(tileF, Pressure::OnChipOver, -1);
    Param depth = ordinal("channel_depth", {"1", "2", "4", "8"},
                          "FIFO depth of every channel (step-gen "
                          "--channel-depth)");
    // Deeper FIFOs absorb rate mismatches between producer and consumer.
    hint(depth, Pressure::Stall, +1);
    hint(depth, Pressure::OnChipOver, -1);
    Param bw =
        ordinal("compute_bw", {"256", "512", "1024", "2048", "4096", "8192"},
                "FLOPs/cycle of every map and accumulation (step-gen "
                "--compute-bw; at most one compute unit's 8192)");
    hint(bw, Pressure::Compute, +1);
    hint(bw, Pressure::ComputeOver, -1);
    sp.params = {tiling, regions, tileF, depth, bw};
  }

  std::string kind() const override { return "moe"; }
  const Space &space() const override { return sp; }
  // STeP's time-multiplexing setting without sharing: static tiles of 32,
  // one region per expert, step-gen's tile_f, the arch's FIFO depth.
  Schedule baseline() const override { return {2, 7, 3, 1, 2}; }

  Commands commands(const Schedule &s) const override {
    const auto &p = sp.params;
    Commands c;
    c.gen = {"step-gen",        "moe",
             "--model",         "qwen3-30b-a3b",
             "--batch",         std::to_string(batch),
             "--tiling",        p[0].values[s[0]],
             "--tile-f",        p[2].values[s[2]],
             "--compute-bw",    p[4].values[s[4]],
             "--channel-depth", p[3].values[s[3]]};
    c.opt = {"step-opt", "--step-time-multiplex=regions=" + p[1].values[s[1]]};
    c.sim = {"step-sim",           "GRAPH",      "--arch", arch, "--bind",
             "routing=" + routing, "--mock-bf16"};
    return c;
  }

  std::string summary() const override {
    std::ostringstream os;
    os << "Qwen3-30B-A3B MoE layer (128 experts, top-8, dim 2048, expert "
          "FFN 768, SwiGLU), batch "
       << batch << ", routed by " << routing
       << "; simulated with f32 tiles timed as bf16 (--mock-bf16).";
    return os.str();
  }

private:
  std::string root, routing;
  int batch;
  Space sp;
};

/// Attention decode (one KV head of Qwen3-30B-A3B) over a batch of KV
/// lengths from the Azure conversation trace (STeP's medium-stdev batch at
/// B = 64), parallelized over regions.
class AttentionWorkload : public Workload {
public:
  AttentionWorkload(const WorkloadOptions &o)
      : root(o.sourceRoot), batch(o.batch) {
    arch = o.arch.empty() ? root + "/arch/sn40l_like.pbtxt" : o.arch;
    batches = root + "/data/traces/step_kv_batches_azure2023_conv.csv";
    // The first medium-stdev batch of each size (STeP's Figure 11 class).
    batchId = batch == 16   ? "b16_s3181_e3196"
              : batch == 80 ? "b80_s1891_e1970"
                            : "b64_s0733_e0796";
    maxKv = batch == 16 ? 4672 : batch == 80 ? 6528 : 6464;
    Param strategy;
    strategy.name = "strategy";
    strategy.kind = Param::Kind::Categorical;
    strategy.values = {"coarse", "interleaved", "dynamic"};
    strategy.help = "how requests reach regions: contiguous slices "
                    "(step-parallelize strategy=coarse), round robin "
                    "(strategy=interleaved) or on demand "
                    "(step-dynamic-parallelize)";
    // How requests are dealt decides how evenly the busiest operators are
    // loaded: worth trying another value under either pressure.
    hint(strategy, Pressure::Compute, 1);
    hint(strategy, Pressure::OffChip, 1);
    Param regions = ordinal("regions", {"2", "4", "8", "16", "32", "64"},
                            "parallel regions R");
    hint(regions, Pressure::Compute, +1);
    hint(regions, Pressure::OffChip, +1);
    hint(regions, Pressure::ComputeOver, -1);
    hint(regions, Pressure::OnChipOver, -1);
    Param tileN = ordinal("tile_n", {"16", "32", "64"},
                          "KV-cache rows per K/V tile (step-gen --tile-n; "
                          "divides max-kv)");
    // Longer tiles mean fewer, larger off-chip reads per request.
    hint(tileN, Pressure::OffChip, +1);
    hint(tileN, Pressure::OnChipOver, -1);
    Param depth = ordinal("channel_depth", {"1", "2", "4", "8"},
                          "FIFO depth (step-gen --channel-depth; metadata "
                          "and write-back FIFOs use it too)");
    hint(depth, Pressure::Stall, +1);
    hint(depth, Pressure::OnChipOver, -1);
    Param bw = ordinal("compute_bw", {"512", "1024", "2048", "4096", "8192"},
                       "FLOPs/cycle of every map and accumulation");
    hint(bw, Pressure::Compute, +1);
    hint(bw, Pressure::ComputeOver, -1);
    sp.params = {strategy, regions, tileN, depth, bw};
  }

  std::string kind() const override { return "attention"; }
  const Space &space() const override { return sp; }
  // STeP's static coarse parallelization at B = 64 (B/16 regions) with
  // step-gen's defaults.
  Schedule baseline() const override { return {0, 1, 1, 0, 2}; }

  Commands commands(const Schedule &s) const override {
    const auto &p = sp.params;
    Commands c;
    c.setup = {"step-trace", "kv-lengths", "--batches", batches,
               "--batch",    batchId,      "-o",        "kv.npy"};
    c.gen = {"step-gen",
             "attention",
             "--batch",
             std::to_string(batch),
             "--max-kv",
             std::to_string(maxKv),
             "--tile-n",
             p[2].values[s[2]],
             "--metadata-depth",
             "0",
             "--write-back-depth",
             "0",
             "--channel-depth",
             p[3].values[s[3]],
             "--compute-bw",
             p[4].values[s[4]]};
    const std::string &strategy = p[0].values[s[0]];
    const std::string &r = p[1].values[s[1]];
    if (strategy == "dynamic")
      c.opt = {"step-opt", "--step-dynamic-parallelize=regions=" + r};
    else
      c.opt = {"step-opt",
               "--step-parallelize=regions=" + r + " strategy=" + strategy};
    c.sim = {"step-sim", "GRAPH", "--arch", arch, "--bind", "kv_lens=kv.npy"};
    c.workFiles = {"kv.npy"};
    return c;
  }

  std::string summary() const override {
    std::ostringstream os;
    os << "Grouped-query attention decode, one KV head of Qwen3-30B-A3B "
          "(step-gen attention), batch "
       << batch << " requests with KV lengths of Azure trace batch " << batchId
       << " (max-kv " << maxKv << "), split over parallel regions.";
    return os.str();
  }

private:
  std::string root, batches, batchId;
  int batch, maxKv;
  Space sp;
};

/// The 2-layer GCN of examples/sparse_models/gcn.py on Zachary's karate
/// club graph, through the sparse-fusion lowering: the fusion plan of
/// torch-import, the lanes of the outermost level (run-step --par) and, per
/// fusion region, the loop order index of --step-lower-sparse (run-step
/// --region-orders). Built once per fusion
/// plan (the tensor store is the setup's output), simulated by run-step,
/// region after region, with the values checked against PyTorch.
class GcnWorkload : public Workload {
public:
  GcnWorkload(const WorkloadOptions &o) : root(o.sourceRoot) {
    arch = o.arch.empty() ? root + "/arch/sn40l_like.pbtxt" : o.arch;
    if (!o.toolsDir.empty()) {
      std::string t = o.toolsDir;
      while (t.size() > 1 && t.back() == '/')
        t.pop_back();
      size_t slash = t.rfind('/');
      build = slash == std::string::npos ? "." : t.substr(0, slash);
    }
    Param fusion = ordinal("fusion", {"unfused", "per-layer", "full"},
                           "fusion plan (torch-import --fusion): every op "
                           "its own region (8), one region per layer (2), "
                           "one region for the model (1)");
    // Fusing more keeps intermediates (A.X, the hidden layer) out of
    // memory: fewer tensors written and read back. A fused expression
    // recomputes every use of a shared subexpression (step-lower-sparse
    // inlines them): more work per output element.
    hint(fusion, Pressure::OffChip, +1);
    hint(fusion, Pressure::Stall, +1);
    hint(fusion, Pressure::Compute, -1);
    // The regions with more than one accepted loop order (step-opt
    // --step-lower-sparse=order=K on the karate model, counted per region:
    // unfused r1, r4, r5 have 2, r7 (log_softmax) 24; per-layer r0 3, r1
    // over 1000; full r0 over 1000), at most the first 8 of each. Regions
    // with one order have no parameter.
    addOrder(0, "r1", 2, "unfused: loop order of r1 (layer 1's "
                                 "linear product)");
    addOrder(0, "r4", 2, "unfused: loop order of r4 (A.H)");
    addOrder(0, "r5", 2, "unfused: loop order of r5 (layer 2's "
                                 "linear product)");
    addOrder(0, "r7", 8, "unfused: loop order of r7 (log_softmax)");
    addOrder(1, "r0", 3, "per-layer: loop order of r0 (layer 1)");
    addOrder(1, "r1", 8, "per-layer: loop order of r1 (layer 2 "
                                 "and log_softmax)");
    addOrder(2, "r0", 8, "full: loop order of the one region");
    sp.params.insert(sp.params.begin(), fusion);
    // FuseFlow's stream parallelizer on the outermost loop level (the
    // rows: 34 on karate, so at most 32 lanes): run-step --par 1=P, every
    // region. Each lane's scanners, joiners and ALUs take 1/P of the rows,
    // and every operator handles one token per cycle, whichever pressure
    // made it the busiest; the join returns the rows one token per cycle,
    // and the lanes' units are allocated P times (FLOPs/cycle x P).
    Param par = ordinal("par", {"1", "2", "4", "8", "16"},
                        "lanes of the outermost loop level of every region "
                        "(run-step --par 1=P; --step-sam-parallelize "
                        "level=1 factor=P)");
    hint(par, Pressure::Compute, +1);
    hint(par, Pressure::OffChip, +1);
    hint(par, Pressure::Stall, +1);
    hint(par, Pressure::ComputeOver, -1);
    sp.params.insert(sp.params.begin() + 1, par);
  }

  std::string kind() const override { return "gcn"; }
  const Space &space() const override { return sp; }
  // FuseFlow's unfused op list, every region in its first accepted order.
  Schedule baseline() const override {
    return Schedule(sp.params.size(), 0);
  }
  Schedule canonical(const Schedule &s) const override {
    Schedule c = s;
    for (size_t p = 2; p < c.size(); ++p)
      if (!active(s, static_cast<int>(p)))
        c[p] = 0;
    return c;
  }
  bool active(const Schedule &s, int param) const override {
    return param <= 1 || owner[param - 2].fusion == s[0];
  }

  Commands commands(const Schedule &s) const override {
    const std::string &mode = sp.params[0].values[s[0]];
    std::string store = "gcn-" + mode;
    Commands c;
    c.setup = {root + "/frontends/torch/torch-import",
               root + "/examples/sparse_models/gcn.py",
               "--fusion",
               mode,
               "-o",
               store};
    std::string orders;
    for (size_t p = 2; p < s.size(); ++p)
      if (active(s, static_cast<int>(p)))
        orders += (orders.empty() ? "" : ",") + owner[p - 2].region + "=" +
                  sp.params[p].values[s[p]];
    c.sim = {root + "/frontends/torch/run-step", store, "--region-orders",
             orders};
    if (sp.params[1].values[s[1]] != "1")
      c.sim.insert(c.sim.end(), {"--par", "1=" + sp.params[1].values[s[1]]});
    if (!build.empty())
      c.sim.insert(c.sim.end(), {"--build", build});
    c.sim.insert(c.sim.end(), {"--arch", arch});
    c.simGraphArg = Commands::kNoGraph;
    c.workFiles = {store};
    c.statsArgs = {"--json"};
    c.estimateArgs = {"--estimate-only"};
    c.stats = Commands::Stats::RunStep;
    return c;
  }

  std::string summary() const override {
    return "2-layer GCN (Kipf & Welling, hidden 16; examples/sparse_models/"
           "gcn.py) on Zachary's karate club graph (34 nodes, normalized "
           "adjacency stored DCSR, one-hot features), imported by "
           "torch-import with a fusion plan and lowered region by region "
           "to SAM streams by step-lower-sparse with a loop order per "
           "region; regions run one after the other (their cycles add, "
           "results go through memory), values checked against PyTorch.";
  }

private:
  struct Owner {
    int fusion;         ///< value index of `fusion`
    std::string region; ///< rN of run-step --region-orders
  };
  void addOrder(int f, std::string region, int count, std::string help) {
    Param p;
    p.name = (f == 0 ? "unfused_" : f == 1 ? "perlayer_" : "full_") + region;
    p.kind = Param::Kind::Categorical;
    for (int k = 0; k < count; ++k)
      p.values.push_back(std::to_string(k));
    p.help = std::move(help) + " (--step-lower-sparse order=K)";
    // A loop order decides which operand drives the traversal and how
    // often the others are re-read or located: no direction is known,
    // another order is worth trying under any pressure.
    hint(p, Pressure::OffChip, 1);
    hint(p, Pressure::Compute, 1);
    hint(p, Pressure::Stall, 1);
    p.conditional = true; // only under its fusion plan
    sp.params.push_back(p);
    owner.push_back({f, std::move(region)});
  }

  std::string root, build;
  Space sp;
  std::vector<Owner> owner; ///< per order parameter (params[2..])
};

} // namespace

std::unique_ptr<Workload> createWorkload(const std::string &name,
                                         const WorkloadOptions &options,
                                         std::string &error) {
  if (name == "moe") {
    if (options.batch < 1) {
      error = "bad batch " + std::to_string(options.batch);
      return nullptr;
    }
    return std::make_unique<MoEWorkload>(options);
  }
  if (name == "attention") {
    if (options.batch != 16 && options.batch != 64 && options.batch != 80) {
      error = "attention: batch must be 16, 64 or 80 (the trace's batch "
              "sizes), got " +
              std::to_string(options.batch);
      return nullptr;
    }
    return std::make_unique<AttentionWorkload>(options);
  }
  if (name == "gcn")
    return std::make_unique<GcnWorkload>(options);
  error = "unknown workload '" + name + "' (expected moe, attention or gcn)";
  return nullptr;
}

} // namespace step::tune
