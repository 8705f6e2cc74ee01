//===- Evaluator.cpp - simulate schedules, once each ----------------------===//
//
// Subprocess evaluation, the transposition table, feasibility against the
// arch file, and the Harness's budget accounting and parallel batches.
//
//===----------------------------------------------------------------------===//

#include "tuner/Evaluator.h"

#include "simulator/proto/arch.pb.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <google/protobuf/text_format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace step::tune {

//===----------------------------------------------------------------------===//
// Metrics
//===----------------------------------------------------------------------===//

std::string Metrics::describe() const {
  std::ostringstream os;
  if (!feasible) {
    os << "infeasible: " << reason;
    return os.str();
  }
  os << "cycles " << cycles << ", compute utilization "
     << int(utilization() * 1000) / 10.0 << "%, off-chip " << offchipBytes
     << " B (" << int(offchipUse * 1000) / 10.0 << "% of peak bandwidth)"
     << ", on-chip peak " << onchipBytes << " B, bottleneck "
     << pressureName(pressure) << "; busiest:";
  for (const OpSummary &op : hottest)
    os << " " << op.kind << " (" << int(op.utilization * 1000) / 10.0
       << "% busy)";
  return os.str();
}

std::string Metrics::toJson() const {
  llvm::json::Array ops;
  for (const OpSummary &op : hottest)
    ops.push_back(llvm::json::Object{{"kind", op.kind},
                                     {"location", op.location},
                                     {"utilization", op.utilization},
                                     {"stalled", op.stalled},
                                     {"compute_bw", op.computeBw}});
  llvm::json::Object o{{"feasible", feasible},
                       {"reason", reason},
                       {"cycles", cycles},
                       {"offchip_bytes", offchipBytes},
                       {"onchip_bytes", onchipBytes},
                       {"allocated_flops", allocatedFlops},
                       {"achieved_flops", achievedFlops},
                       {"offchip_use", offchipUse},
                       {"pressure", static_cast<int>(pressure)},
                       {"hottest", std::move(ops)}};
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::json::Value(std::move(o));
  return out;
}

bool Metrics::fromJson(const std::string &text, Metrics &m) {
  auto v = llvm::json::parse(text);
  if (!v) {
    llvm::consumeError(v.takeError());
    return false;
  }
  const llvm::json::Object *o = v->getAsObject();
  if (!o)
    return false;
  auto i64 = [&](const char *k) { return o->getInteger(k).value_or(0); };
  auto dbl = [&](const char *k) { return o->getNumber(k).value_or(0); };
  m.feasible = o->getBoolean("feasible").value_or(false);
  m.reason = o->getString("reason").value_or("").str();
  m.cycles = i64("cycles");
  m.offchipBytes = i64("offchip_bytes");
  m.onchipBytes = i64("onchip_bytes");
  m.allocatedFlops = dbl("allocated_flops");
  m.achievedFlops = dbl("achieved_flops");
  m.offchipUse = dbl("offchip_use");
  int p = static_cast<int>(i64("pressure"));
  if (p < 0 || p >= kNumPressures)
    return false;
  m.pressure = static_cast<Pressure>(p);
  m.hottest.clear();
  if (const llvm::json::Array *ops = o->getArray("hottest"))
    for (const llvm::json::Value &e : *ops)
      if (const llvm::json::Object *op = e.getAsObject())
        m.hottest.push_back({op->getString("kind").value_or("").str(),
                             op->getString("location").value_or("").str(),
                             op->getNumber("utilization").value_or(0),
                             op->getNumber("stalled").value_or(0),
                             op->getInteger("compute_bw").value_or(0)});
  return true;
}

//===----------------------------------------------------------------------===//
// Architecture limits and classification
//===----------------------------------------------------------------------===//

std::string ArchLimits::summary() const {
  std::ostringstream os;
  os << name << ": " << computeUnits << " compute units of " << flopsPerUnit
     << " FLOPs/cycle (" << static_cast<int64_t>(totalFlops()) << " in all), "
     << memoryUnits << " on-chip memory units of " << bytesPerMemoryUnit
     << " B (" << static_cast<int64_t>(totalOnchip())
     << " B in all), off-chip peak " << offchipBytesPerCycle << " B/cycle";
  return os.str();
}

bool ArchLimits::load(const std::string &path, ArchLimits &out,
                      std::string &error) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf) {
    error = "cannot read arch file " + path;
    return false;
  }
  step::sim::proto::Arch arch;
  if (!google::protobuf::TextFormat::ParseFromString((*buf)->getBuffer().str(),
                                                     &arch)) {
    error = "malformed arch file " + path;
    return false;
  }
  out.name = arch.name();
  out.computeUnits = out.flopsPerUnit = 0;
  for (const auto &c : arch.compute_units()) {
    out.computeUnits += c.count();
    out.flopsPerUnit = std::max<int64_t>(out.flopsPerUnit, c.flops_per_cycle());
  }
  out.memoryUnits = out.bytesPerMemoryUnit = 0;
  for (const auto &m : arch.memory_units()) {
    out.memoryUnits += m.count();
    out.bytesPerMemoryUnit =
        std::max<int64_t>(out.bytesPerMemoryUnit, m.capacity_bytes());
  }
  const auto &hbm = arch.off_chip();
  out.offchipBytesPerCycle = hbm.initiation_interval() > 0
                                 ? double(hbm.channels()) *
                                       hbm.request_bytes() /
                                       hbm.initiation_interval()
                                 : 0;
  if (out.computeUnits <= 0 || out.flopsPerUnit <= 0 || out.memoryUnits <= 0 ||
      out.bytesPerMemoryUnit <= 0) {
    error = path + ": compute_units and memory_units with count, "
                   "flops_per_cycle and capacity_bytes are required";
    return false;
  }
  return true;
}

bool parseSimStats(const std::string &json, Metrics &m, std::string &error) {
  auto v = llvm::json::parse(json);
  if (!v) {
    error = "step-sim printed malformed JSON: " + llvm::toString(v.takeError());
    return false;
  }
  const llvm::json::Object *o = v->getAsObject();
  if (!o || !o->getInteger("cycles")) {
    error = "step-sim's JSON has no cycles";
    return false;
  }
  m.cycles = *o->getInteger("cycles");
  m.offchipBytes = o->getInteger("offchip_bytes_read").value_or(0) +
                   o->getInteger("offchip_bytes_written").value_or(0);
  m.onchipBytes = o->getInteger("peak_onchip_bytes").value_or(0);
  m.allocatedFlops = o->getNumber("allocated_flops_per_cycle").value_or(0);
  m.achievedFlops = o->getNumber("achieved_flops_per_cycle").value_or(0);
  std::vector<OpSummary> ops;
  if (const llvm::json::Array *arr = o->getArray("operators")) {
    for (const llvm::json::Value &e : *arr) {
      const llvm::json::Object *op = e.getAsObject();
      if (!op)
        continue;
      double cycles = std::max<double>(1, m.cycles);
      ops.push_back({op->getString("kind").value_or("").str(),
                     op->getString("location").value_or("").str(),
                     op->getNumber("busy").value_or(0) / cycles,
                     (op->getNumber("stalled_in").value_or(0) +
                      op->getNumber("stalled_out").value_or(0)) /
                         cycles,
                     op->getInteger("compute_bw").value_or(0)});
    }
  }
  std::stable_sort(ops.begin(), ops.end(),
                   [](const OpSummary &a, const OpSummary &b) {
                     return a.utilization > b.utilization;
                   });
  // Keep the per-kind maxima the classification needs, then the top 3.
  double load = 0, compute = 0;
  for (const OpSummary &op : ops) {
    if (op.kind.find("load") != std::string::npos ||
        op.kind.find("store") != std::string::npos)
      load = std::max(load, op.utilization);
    if (op.computeBw > 0)
      compute = std::max(compute, op.utilization);
  }
  if (ops.size() > 3)
    ops.resize(3);
  m.hottest = std::move(ops);
  // The busiest kind of operator names the pressure; when nothing is busy
  // half the time, the operators mostly wait on each other (FIFOs).
  m.feasible = true;
  m.pressure = compute > load ? Pressure::Compute : Pressure::OffChip;
  if (std::max(load, compute) < 0.5)
    m.pressure = Pressure::Stall;
  return true;
}

bool parseRunStepJson(const std::string &json, Metrics &m,
                      std::string &error) {
  auto v = llvm::json::parse(json);
  if (!v) {
    error = "run-step printed malformed JSON: " + llvm::toString(v.takeError());
    return false;
  }
  const llvm::json::Object *o = v->getAsObject();
  const llvm::json::Object *total = o ? o->getObject("total") : nullptr;
  const llvm::json::Array *regions = o ? o->getArray("regions") : nullptr;
  if (!total || !regions || !total->getInteger("cycles")) {
    error = "run-step's JSON has no total cycles or regions";
    return false;
  }
  m.cycles = *total->getInteger("cycles");
  m.offchipBytes = total->getInteger("bytes_read").value_or(0) +
                   total->getInteger("bytes_written").value_or(0);
  double flops = total->getNumber("flops").value_or(0);
  m.achievedFlops = m.cycles > 0 ? flops / m.cycles : 0;
  m.onchipBytes = 0;
  m.allocatedFlops = 0;
  double cycles = std::max<double>(1, m.cycles);
  std::vector<OpSummary> ops;
  // The region with the most cycles and its busiest operator name the
  // pressure.
  double worst = -1;
  std::string worstKind;
  double worstBusy = 0;
  for (const llvm::json::Value &e : *regions) {
    const llvm::json::Object *r = e.getAsObject();
    if (!r)
      continue;
    std::string name = r->getString("region").value_or("").str();
    double rc = r->getNumber("cycles").value_or(0);
    m.onchipBytes = std::max<int64_t>(
        m.onchipBytes, r->getInteger("peak_onchip_bytes").value_or(0));
    m.allocatedFlops = std::max(
        m.allocatedFlops, r->getNumber("allocated_flops_per_cycle").value_or(0));
    std::string loc = "@" + name + "_sam (order " +
                      std::to_string(r->getInteger("order").value_or(0)) +
                      ", " + std::to_string(int(rc * 100 / cycles)) +
                      "% of the cycles)";
    const llvm::json::Array *busiest = r->getArray("busiest");
    bool first = true;
    if (busiest)
      for (const llvm::json::Value &b : *busiest) {
        const llvm::json::Object *op = b.getAsObject();
        if (!op)
          continue;
        std::string kind = op->getString("kind").value_or("").str();
        double busy = op->getNumber("busy").value_or(0);
        if (first && rc > worst) {
          worst = rc;
          worstKind = kind;
          worstBusy = busy;
        }
        first = false;
        ops.push_back({kind, loc, busy * rc / cycles,
                       op->getNumber("stalled").value_or(0) * rc / cycles, 0});
      }
  }
  std::stable_sort(ops.begin(), ops.end(),
                   [](const OpSummary &a, const OpSummary &b) {
                     return a.utilization > b.utilization;
                   });
  if (ops.size() > 3)
    ops.resize(3);
  m.hottest = std::move(ops);
  // SAM operators: the arithmetic ones (map, reduce, spacc) are compute;
  // scanners, joins, locates, repeats and writers walk and move tensor
  // coordinates and values, i.e. memory traffic.
  bool arithmetic = worstKind == "map" || worstKind == "reduce" ||
                    worstKind == "spacc";
  m.pressure = worstBusy < 0.5  ? Pressure::Stall
               : arithmetic     ? Pressure::Compute
                                : Pressure::OffChip;
  m.feasible = true;
  if (!o->getBoolean("match").value_or(true)) {
    m.feasible = false;
    m.reason = "run-step: the output differs from PyTorch's (max abs error " +
               std::to_string(o->getNumber("max_abs_error").value_or(0)) + ")";
  }
  return true;
}

void classify(Metrics &m, const ArchLimits &limits) {
  if (limits.offchipBytesPerCycle > 0 && m.cycles > 0)
    m.offchipUse =
        m.offchipBytes / (double(m.cycles) * limits.offchipBytesPerCycle);
  // Off-chip bandwidth near its peak is off-chip pressure whatever the
  // busiest operator is.
  if (m.feasible && m.offchipUse > 0.6)
    m.pressure = Pressure::OffChip;
  if (!m.feasible)
    return;
  if (m.allocatedFlops > limits.totalFlops()) {
    m.feasible = false;
    m.pressure = Pressure::ComputeOver;
    m.reason = "allocates " + std::to_string(int64_t(m.allocatedFlops)) +
               " FLOPs/cycle, over the architecture's " +
               std::to_string(int64_t(limits.totalFlops()));
  } else if (m.onchipBytes > limits.totalOnchip()) {
    m.feasible = false;
    m.pressure = Pressure::OnChipOver;
    m.reason = "peak on-chip " + std::to_string(m.onchipBytes) +
               " B, over the architecture's " +
               std::to_string(int64_t(limits.totalOnchip())) + " B";
  }
}

//===----------------------------------------------------------------------===//
// Evaluator
//===----------------------------------------------------------------------===//

Evaluator::Evaluator(const Workload &workload, ArchLimits limits,
                     std::string toolsDir, std::string cacheFile,
                     int timeoutSeconds)
    : workload(workload), limits(std::move(limits)),
      toolsDir(std::move(toolsDir)), cacheFile(std::move(cacheFile)),
      timeoutSeconds(timeoutSeconds) {}

Evaluator::~Evaluator() {
  if (!workDir.empty())
    llvm::sys::fs::remove_directories(workDir);
}

static std::string readFile(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  return buf ? (*buf)->getBuffer().str() : std::string();
}

static std::string firstLines(const std::string &text) {
  std::string out;
  std::istringstream is(text);
  std::string line;
  for (int i = 0; i < 3 && std::getline(is, line); ++i)
    out += (i ? " | " : "") + line;
  return out.empty() ? "(no message)" : out;
}

// Runs `args` (args[0] is the program) with stdin from `in` if given,
// stdout to `out` and stderr to `err`; the exit code, and `msg` when the
// program could not be started or ran past `timeoutSeconds`.
static int runProcess(const std::vector<std::string> &args,
                      std::optional<std::string> in, const std::string &out,
                      const std::string &err, int timeoutSeconds,
                      std::string &msg) {
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {
      in ? std::optional<llvm::StringRef>(*in) : std::nullopt,
      llvm::StringRef(out), llvm::StringRef(err)};
  return llvm::sys::ExecuteAndWait(args[0], refs, std::nullopt, redirects,
                                   timeoutSeconds, 0, &msg);
}

bool Evaluator::init(std::string &error) {
  if (!cacheFile.empty()) {
    std::ifstream in(cacheFile);
    std::string line;
    while (std::getline(in, line)) {
      size_t tab = line.find('\t');
      Metrics m;
      if (tab != std::string::npos &&
          Metrics::fromJson(line.substr(tab + 1), m))
        table[line.substr(0, tab)] = m;
    }
  }
  if (fake)
    return true;
  llvm::SmallString<128> dir;
  if (auto ec = llvm::sys::fs::createUniqueDirectory("step-tune", dir)) {
    error = "cannot create a work directory: " + ec.message();
    return false;
  }
  workDir = dir.str().str();
  // The baseline's setup now: a broken installation fails before the search.
  return ensureSetup(workload.commands(workload.baseline()), error);
}

std::vector<std::string>
Evaluator::localArgs(const Commands &c, std::vector<std::string> args) const {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string &a = args[i];
    if (i == 0 && a.find('/') == std::string::npos) {
      a = toolsDir + "/" + a;
      continue;
    }
    for (const std::string &f : c.workFiles) {
      if (a == f) {
        a = workDir + "/" + f;
        break;
      }
      if (a.size() > f.size() + 1 &&
          a.compare(a.size() - f.size() - 1, f.size() + 1, "=" + f) == 0) {
        a = a.substr(0, a.size() - f.size()) + workDir + "/" + f;
        break;
      }
    }
  }
  return args;
}

bool Evaluator::ensureSetup(const Commands &c, std::string &error) {
  if (c.setup.empty())
    return true;
  std::string key;
  for (const std::string &a : c.setup)
    key += a + '\0';
  std::lock_guard<std::mutex> lock(setupMutex);
  auto done = setups.find(key);
  if (done == setups.end()) {
    std::vector<std::string> args = localArgs(c, c.setup);
    std::string err = workDir + "/setup" + std::to_string(setups.size()) +
                      ".err";
    std::string msg;
    int rc = runProcess(args, std::nullopt, err, err, timeoutSeconds, msg);
    std::string why;
    if (rc != 0)
      why = c.setup[0] + " failed: " +
            (msg.empty() ? firstLines(readFile(err)) : msg);
    llvm::sys::fs::remove(err);
    done = setups.emplace(key, why).first;
  }
  error = done->second;
  return error.empty();
}

void Evaluator::preload(const std::string &key, const Metrics &m) {
  std::lock_guard<std::mutex> lock(mutex);
  table[key] = m;
}

std::optional<Metrics> Evaluator::lookup(const Schedule &s) {
  std::string key = workload.space().key(s);
  std::lock_guard<std::mutex> lock(mutex);
  auto it = table.find(key);
  if (it == table.end())
    return std::nullopt;
  return it->second;
}

std::optional<double> Evaluator::estimate(const Schedule &s) {
  std::string key = workload.space().key(s);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = estimateTable.find(key);
    if (it != estimateTable.end())
      return it->second;
  }
  std::optional<double> work;
  if (fakeEstimate) {
    work = fakeEstimate(s);
  } else {
    Commands c = workload.commands(s);
    if (c.estimateArgs.empty() || c.simGraphArg != Commands::kNoGraph)
      return std::nullopt; // only a sim that needs no scheduled graph
    std::string why;
    if (!ensureSetup(c, why))
      return std::nullopt;
    int64_t id;
    {
      std::lock_guard<std::mutex> lock(mutex);
      id = counter++;
    }
    std::string base = workDir + "/x" + std::to_string(id);
    std::string out = base + ".json", err = base + ".err";
    std::vector<std::string> args = localArgs(c, c.sim);
    args.insert(args.end(), c.statsArgs.begin(), c.statsArgs.end());
    args.insert(args.end(), c.estimateArgs.begin(), c.estimateArgs.end());
    std::string msg;
    int rc = runProcess(args, std::nullopt, out, err, timeoutSeconds, msg);
    if (rc == 0 && msg.empty()) {
      auto v = llvm::json::parse(readFile(out));
      if (v) {
        const llvm::json::Object *o = v->getAsObject();
        const llvm::json::Object *total = o ? o->getObject("total") : nullptr;
        auto flops = total ? total->getNumber("est_flops") : std::nullopt;
        auto read = total ? total->getNumber("est_bytes_read") : std::nullopt;
        auto written =
            total ? total->getNumber("est_bytes_written") : std::nullopt;
        if (flops && read && written)
          work = *flops + (*read + *written) / 4;
      } else {
        llvm::consumeError(v.takeError());
      }
    }
    llvm::sys::fs::remove(out);
    llvm::sys::fs::remove(err);
  }
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, fresh] = estimateTable.emplace(key, work);
  if (fresh)
    ++estimated;
  return it->second;
}

Metrics Evaluator::evaluate(const Schedule &s) {
  if (auto m = lookup(s))
    return *m;
  Metrics m = fake ? fake(s) : run(s);
  if (!fake)
    classify(m, limits);
  store(s, m);
  return m;
}

void Evaluator::store(const Schedule &s, const Metrics &m) {
  std::string key = workload.space().key(s);
  std::lock_guard<std::mutex> lock(mutex);
  // Another thread may have simulated the same schedule meanwhile; the
  // simulator is deterministic, so either result is the same.
  if (table.emplace(key, m).second) {
    ++simulated;
    if (!cacheFile.empty()) {
      std::ofstream out(cacheFile, std::ios::app);
      out << key << '\t' << m.toJson() << '\n';
    }
  }
}

Metrics Evaluator::run(const Schedule &s) {
  Metrics m;
  Commands c = workload.commands(s);
  int64_t id;
  {
    std::lock_guard<std::mutex> lock(mutex);
    id = counter++;
  }
  std::string base = workDir + "/e" + std::to_string(id);
  std::string gen = base + ".gen.mlir", opt = base + ".opt.mlir",
              stats = base + ".json", err = base + ".err";
  auto local = [&](std::vector<std::string> args) {
    return localArgs(c, std::move(args));
  };
  // Exit codes a tool may end with and still have printed statistics
  // (run-step: 1 when the values differ from PyTorch's).
  int okCode = c.stats == Commands::Stats::RunStep ? 1 : 0;
  auto exec = [&](std::vector<std::string> args, std::optional<std::string> in,
                  std::string out, std::string &why, bool mayDiffer = false) {
    std::string name = llvm::sys::path::filename(args[0]).str();
    std::string msg;
    int rc = runProcess(args, in, out, err, timeoutSeconds, msg);
    bool ok = rc == 0 || (mayDiffer && rc == okCode && msg.empty());
    if (!ok)
      why = name + (rc == 2 && name == "step-sim" ? " (deadlock)" : "") +
            ": " + (msg.empty() ? firstLines(readFile(err)) : msg);
    return ok;
  };
  std::string why;
  std::vector<std::string> simArgs = local(c.sim);
  if (c.simGraphArg < simArgs.size())
    simArgs[c.simGraphArg] = opt;
  simArgs.insert(simArgs.end(), c.statsArgs.begin(), c.statsArgs.end());
  bool ok = ensureSetup(c, why);
  if (ok && !c.gen.empty()) {
    std::vector<std::string> optArgs = local(c.opt);
    optArgs.push_back("-o");
    optArgs.push_back(opt);
    ok = exec(local(c.gen), std::nullopt, gen, why) &&
         exec(optArgs, gen, err + ".out", why);
  }
  ok = ok && exec(simArgs, std::nullopt, stats, why, true);
  if (ok) {
    std::string perr;
    bool parsed = c.stats == Commands::Stats::RunStep
                      ? parseRunStepJson(readFile(stats), m, perr)
                      : parseSimStats(readFile(stats), m, perr);
    if (!parsed) {
      ok = false;
      why = perr;
    }
    // Locations name the printed command's file, not this run's temporary
    // one, so metrics (and prompts built from them) do not vary by run.
    for (OpSummary &op : m.hottest)
      if (op.location.rfind(opt, 0) == 0)
        op.location = "schedule.mlir" + op.location.substr(opt.size());
  }
  if (!ok) {
    m.feasible = false;
    m.reason = why;
  }
  for (const std::string &f : {gen, opt, stats, err, err + ".out"})
    llvm::sys::fs::remove(f);
  return m;
}

//===----------------------------------------------------------------------===//
// Harness
//===----------------------------------------------------------------------===//

Harness::Harness(Evaluator &evaluator, int64_t budget, int jobs,
                 std::string strategy, uint64_t seed)
    : evaluator(evaluator), budget(budget), jobs(std::max(1, jobs)),
      strategy(std::move(strategy)), seed(seed) {
  start = lastProgress = std::chrono::steady_clock::now();
}

const Sample *Harness::seen(const Schedule &s) const {
  auto it = index.find(workload().space().key(workload().canonical(s)));
  return it == index.end() ? nullptr : &all[it->second];
}

std::vector<std::optional<Sample>>
Harness::evaluate(const std::vector<Schedule> &batch) {
  const Space &space = workload().space();
  // Decide, in batch order, which schedules are new samples: the outcome
  // does not depend on the number of threads.
  std::vector<Schedule> todo;
  std::vector<std::string> keys;
  std::vector<int> slot(batch.size(), -1);
  std::vector<std::string> batchKeys(batch.size());
  int64_t room = budget - samples;
  for (size_t i = 0; i < batch.size(); ++i) {
    Schedule c = workload().canonical(batch[i]);
    std::string k = space.key(c);
    batchKeys[i] = k;
    if (index.count(k))
      continue;
    auto dup = std::find(keys.begin(), keys.end(), k);
    if (dup != keys.end()) {
      slot[i] = static_cast<int>(dup - keys.begin());
      continue;
    }
    if (static_cast<int64_t>(todo.size()) >= room)
      continue;
    slot[i] = static_cast<int>(todo.size());
    todo.push_back(c);
    keys.push_back(k);
  }
  std::vector<Metrics> results(todo.size());
  if (backend && !todo.empty()) {
    results = backend(todo);
  } else {
    // Evaluations wait on subprocesses: --jobs may exceed the cores.
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                                static_cast<size_t>(jobs));
    tbb::task_arena arena(jobs);
    arena.execute([&] {
      tbb::parallel_for(size_t(0), todo.size(), [&](size_t i) {
        results[i] = evaluator.evaluate(todo[i]);
      });
    });
  }
  for (size_t i = 0; i < todo.size(); ++i) {
    Sample s{todo[i], results[i], ++samples};
    index[keys[i]] = all.size();
    all.push_back(s);
    if (s.metrics.feasible) {
      if (baselineCycles == 0)
        baselineCycles = s.metrics.cycles;
      if (bestIndex < 0 || s.metrics.cycles < all[bestIndex].metrics.cycles)
        bestIndex = static_cast<long>(all.size() - 1);
    }
    convergence.push_back({samples, best() ? best()->metrics.cycles : 0});
    auto now = std::chrono::steady_clock::now();
    bool timeUp = progressSeconds > 0 &&
                  std::chrono::duration<double>(now - lastProgress).count() >=
                      progressSeconds;
    if ((progressEvery > 0 && samples % progressEvery == 0) || timeUp) {
      lastProgress = now;
      double secs = std::chrono::duration<double>(now - start).count();
      fprintf(stderr,
              "step-tune: %s seed %llu: %lld/%lld evaluations, best %lld "
              "cycles, %.1f s\n",
              strategy.c_str(), static_cast<unsigned long long>(seed),
              static_cast<long long>(samples), static_cast<long long>(budget),
              static_cast<long long>(best() ? best()->metrics.cycles : -1),
              secs);
    }
  }
  std::vector<std::optional<Sample>> out(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    auto it = index.find(batchKeys[i]);
    if (it != index.end())
      out[i] = all[it->second];
  }
  return out;
}

} // namespace step::tune
