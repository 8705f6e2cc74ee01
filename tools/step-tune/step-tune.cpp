//===- step-tune.cpp - schedule search driver -----------------------------===//
//
// Searches a layer's schedule space (tuner/) with MCTS or a baseline, each
// schedule scored by the built step-gen / step-opt / step-sim, and prints
// the best schedule as the command line that reproduces it.
//
//===----------------------------------------------------------------------===//

#include "tuner/Evaluator.h"
#ifdef STEP_TUNE_HAVE_MPI
#include "tuner/Mpi.h"
#endif
#include "tuner/Proposer.h"
#include "tuner/Search.h"
#include "tuner/Workload.h"
#include "tuner/llm/LlmProposerAdapter.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>

using namespace step::tune;

static const char *kUsage = R"(usage: step-tune moe|attention|gcn [options]

Searches the schedule space of a layer and prints the best schedule as the
step-gen | step-opt + step-sim command line (gcn: torch-import + run-step)
that reproduces it. Every
schedule is simulated by the built tools (next to step-tune, or --tools);
a schedule is never simulated twice, and the budget counts the distinct
schedules a run evaluates (the baseline schedule is always sample 1).

Workloads (tuner/README.md lists their parameters):
  moe        Qwen3-30B-A3B MoE layer, routing
             examples/moe_expert/routing_qwen_b64_synthetic_idle_regions.csv
             (--mock-bf16): tiling, regions (time-multiplex P), tile_f,
             channel_depth, compute_bw
  attention  attention decode over an Azure-trace batch of KV lengths:
             strategy (coarse|interleaved|dynamic), regions, tile_n,
             channel_depth, compute_bw
  gcn        2-layer GCN on the karate club graph through the sparse-fusion
             lowering (needs python3-torch): fusion (unfused|per-layer|
             full) and the loop order of each region that has several
             (unfused_r1 ... full_r0); built by frontends/torch/torch-import
             once per fusion plan, simulated by frontends/torch/run-step
             (--batch is ignored)

Search:
  --strategy S       mcts (default), random, evolutionary, bo, exhaustive
  --budget N         distinct simulations (default 64)
  --seed N           seed of every random choice (default 1)
  --jobs N           parallel evaluations (TBB threads; default: the
                     hardware's); the result does not depend on it
  --backend B        tbb (default) or mpi: under mpirun, rank 0 searches
                     and every rank simulates a share of each batch (same
                     result as tbb; only when built with STEP_TUNE_MPI)
  --batch N          batch size of the layer (default 64; attention: 16,
                     64 or 80)
MCTS:
  --c X              UCT exploration constant (default 1.414..., sqrt 2)
  --branching N      children per node, B (default 2)
  --max-depth N      deepest node that is still expanded (default 16)
  --proposer P       heuristic (default), random, llm
  --memory FILE      successful transformation sequences per layer kind:
                     read as proposer examples, the best run's sequence
                     appended when it beats the baseline
  --estimates on|off let the proposer use the workload's static estimate
                     of a schedule's work (gcn: run-step --estimate-only,
                     FuseFlow's FLOPs/bytes heuristic over the lowered
                     graph; nothing simulated, not in the budget, counted
                     on the "static estimates" line): the heuristic sets
                     the loop orders of a fusion plan it switches to, and
                     tries loop orders, least estimated work first
                     (default on; moe and attention have none)
Language-model proposer (--proposer llm; the API key is read from the
environment variable STEP_TUNE_API_KEY and never printed):
  --llm-url URL      base URL of an OpenAI-compatible server (default
                     http://127.0.0.1:8080/v1, llama-server; vLLM serves
                     :8000/v1, Ollama :11434/v1); tuner/llm/README.md
  --llm-model NAME   model name (default "default")
  --llm-timeout S    seconds per request (default 60); one retry
  --llm-record FILE  append every exchange to FILE (JSON lines)
  --llm-replay FILE  answer from a recording instead of a server; the same
                     workload, options and --seed replay exactly
Evolutionary:
  --population N     population size (default 8)
  --elites N         fittest kept each generation (default 2)
  --crossover P      probability of uniform crossover (default 0.5)
Bayesian optimisation:
  --initial N        design-of-experiments samples (default 8)
  --feasibility-threshold P  skip candidates below this P(feasible)
                     while others remain (default 0.1)
  --neighbours K     k of the k-NN feasibility classifier (default 5)

Inputs and outputs:
  --arch FILE        architecture (default <root>/arch/sn40l_like.pbtxt);
                     its compute and on-chip totals bound feasibility
  --root DIR         source tree with arch/, examples/, data/ (default: the
                     one step-tune was built from)
  --tools DIR        where step-gen, step-opt, step-sim, step-trace are
                     (default: step-tune's directory)
  --cache FILE       persistent transposition table (key<TAB>metrics),
                     shared by runs; cached schedules still count as
                     samples of the run that first sees them
  --csv FILE         convergence CSV: strategy,seed,samples,best_cycles
  --samples FILE     every sample, in order: CSV sample,schedule,cycles,
                     feasible,reason,command (the command reproduces it)
  --eval-timeout S   seconds per tool run before it counts as failed
                     (default 600)
  --progress N       a progress line on stderr every N evaluations
                     (default 10; 0: none) and every --progress-seconds
  --progress-seconds S  (default 10; 0: none)
  --help             this text

Exit status: 0 success, 1 bad options or inputs (a message on stderr).
)";

static int fail(const std::string &msg) {
  fprintf(stderr, "step-tune: error: %s\n", msg.c_str());
  return 1;
}

int main(int argc, char **argv) {
  step::llm::registerLlmProposer();
  std::string workloadName;
  std::map<std::string, std::string> opt = {{"strategy", "mcts"},
                                            {"budget", "64"},
                                            {"seed", "1"},
                                            {"jobs", "0"},
                                            {"batch", "64"},
                                            {"c", ""},
                                            {"branching", "2"},
                                            {"max-depth", "16"},
                                            {"proposer", "heuristic"},
                                            {"memory", ""},
                                            {"estimates", "on"},
                                            {"llm-url", ""},
                                            {"llm-model", ""},
                                            {"llm-timeout", "60"},
                                            {"llm-record", ""},
                                            {"llm-replay", ""},
                                            {"population", "8"},
                                            {"elites", "2"},
                                            {"crossover", "0.5"},
                                            {"initial", "8"},
                                            {"feasibility-threshold", "0.1"},
                                            {"neighbours", "5"},
                                            {"arch", ""},
                                            {"root", STEP_SOURCE_DIR},
                                            {"tools", ""},
                                            {"cache", ""},
                                            {"csv", ""},
                                            {"samples", ""},
                                            {"eval-timeout", "600"},
                                            {"progress", "10"},
                                            {"progress-seconds", "10"},
                                            {"backend", "tbb"}};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      return 0;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else {
        if (i + 1 >= argc)
          return fail("option --" + name + " needs a value");
        value = argv[++i];
      }
      if (!opt.count(name))
        return fail("unknown option --" + name + " (see --help)");
      opt[name] = value;
      continue;
    }
    if (!workloadName.empty())
      return fail("unexpected argument '" + a + "'");
    workloadName = a;
  }
  if (workloadName.empty())
    return fail("no workload: expected moe, attention or gcn (see --help)");

  auto integer = [&](const char *name, long long lo, long long &out) {
    const std::string &v = opt[name];
    char *end = nullptr;
    errno = 0;
    out = strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || errno || out < lo) {
      fprintf(stderr,
              "step-tune: error: bad --%s '%s': expected an integer >= %lld\n",
              name, v.c_str(), lo);
      return false;
    }
    return true;
  };
  auto real = [&](const char *name, double lo, double hi, double &out) {
    const std::string &v = opt[name];
    char *end = nullptr;
    out = strtod(v.c_str(), &end);
    if (v.empty() || *end || !(out >= lo && out <= hi)) {
      fprintf(stderr,
              "step-tune: error: bad --%s '%s': expected a number in "
              "[%g, %g]\n",
              name, v.c_str(), lo, hi);
      return false;
    }
    return true;
  };
  long long budget, seed, jobs, batch, branching, maxDepth, population, elites,
      initial, neighbours, timeout, progress;
  double c = std::sqrt(2.0), crossover, threshold, llmTimeout, progressSecs;
  if (!integer("budget", 1, budget) || !integer("seed", 0, seed) ||
      !integer("jobs", 0, jobs) || !integer("batch", 1, batch) ||
      !integer("branching", 1, branching) ||
      !integer("max-depth", 1, maxDepth) ||
      !integer("population", 2, population) || !integer("elites", 0, elites) ||
      !integer("initial", 1, initial) ||
      !integer("neighbours", 1, neighbours) ||
      !integer("eval-timeout", 1, timeout) ||
      !integer("progress", 0, progress) ||
      !real("crossover", 0, 1, crossover) ||
      !real("feasibility-threshold", 0, 1, threshold) ||
      !real("llm-timeout", 0.001, 1e6, llmTimeout) ||
      !real("progress-seconds", 0, 1e9, progressSecs))
    return 1;
  if (!opt["c"].empty() && !real("c", 0, 1e6, c))
    return 1;
  const std::string strategy = opt["strategy"];
  {
    bool known = false;
    for (const std::string &s : strategyNames())
      known = known || s == strategy;
    if (!known)
      return fail("unknown strategy '" + strategy +
                  "' (expected mcts, random, evolutionary, bo or exhaustive)");
  }

  const std::string backendName = opt["backend"];
  if (backendName != "tbb" && backendName != "mpi")
    return fail("unknown backend '" + backendName + "' (expected tbb or mpi)");
#ifndef STEP_TUNE_HAVE_MPI
  if (backendName == "mpi")
    return fail("this step-tune is built without MPI (CMake option "
                "STEP_TUNE_MPI with OpenMPI installed)");
#endif

  std::string tools = opt["tools"];
  if (tools.empty()) {
    std::string exe = llvm::sys::fs::getMainExecutable(
        argv[0], reinterpret_cast<void *>(&fail));
    tools = llvm::sys::path::parent_path(exe).str();
  }
  WorkloadOptions wo;
  wo.toolsDir = tools;
  wo.sourceRoot = opt["root"];
  wo.arch = opt["arch"];
  wo.batch = static_cast<int>(batch);
  std::string error;
  std::unique_ptr<Workload> workload = createWorkload(workloadName, wo, error);
  if (!workload)
    return fail(error);
  ArchLimits limits;
  if (!ArchLimits::load(workload->archPath(), limits, error))
    return fail(error);

  std::unique_ptr<Proposer> proposer;
  if (strategy == "mcts") {
    ProposerOptions po;
    po.seed = static_cast<uint64_t>(seed);
    po.llmUrl = opt["llm-url"];
    po.llmModel = opt["llm-model"];
    po.llmTimeoutSeconds = llmTimeout;
    po.recordFile = opt["llm-record"];
    po.replayFile = opt["llm-replay"];
    proposer = createProposer(opt["proposer"], po, error);
    if (!proposer)
      return fail(error);
  }

  for (const char *t : {"step-gen", "step-opt", "step-sim", "step-trace"})
    if (!llvm::sys::fs::can_execute(tools + "/" + t))
      return fail(std::string("no ") + t + " in " + tools +
                  " (give --tools DIR)");

  int rank = 0;
#ifdef STEP_TUNE_HAVE_MPI
  if (backendName == "mpi") {
    int size = 1;
    mpi::init(&argc, &argv, rank, size);
  }
#endif
  // Only rank 0 reads and writes the transposition file.
  Evaluator evaluator(*workload, limits, tools, rank == 0 ? opt["cache"] : "",
                      static_cast<int>(timeout));
  if (!evaluator.init(error)) {
    fail(error);
#ifdef STEP_TUNE_HAVE_MPI
    if (backendName == "mpi")
      mpi::abort(1);
#endif
    return 1;
  }
#ifdef STEP_TUNE_HAVE_MPI
  if (backendName == "mpi" && rank > 0) {
    mpi::serve(evaluator);
    mpi::finalize();
    return 0;
  }
#endif
  int threads =
      jobs > 0
          ? static_cast<int>(jobs)
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string label =
      strategy == "mcts" ? "mcts-" + proposer->name() : strategy;
  Harness harness(evaluator, budget, threads, label,
                  static_cast<uint64_t>(seed));
  harness.progressEvery = static_cast<int>(progress);
  harness.progressSeconds = progressSecs;
#ifdef STEP_TUNE_HAVE_MPI
  if (backendName == "mpi")
    harness.backend = [&](const std::vector<Schedule> &batch) {
      return mpi::evaluate(evaluator, batch);
    };
#endif

  SearchOptions so;
  so.seed = static_cast<uint64_t>(seed);
  so.c = c;
  so.branching = static_cast<unsigned>(branching);
  so.maxDepth = static_cast<int>(maxDepth);
  so.proposer = proposer.get();
  so.archSummary = limits.summary();
  if (opt["estimates"] != "on" && opt["estimates"] != "off")
    return fail("--estimates must be on or off, not '" + opt["estimates"] +
                "'");
  so.estimates = opt["estimates"] == "on";
  if (!opt["memory"].empty())
    so.examples = loadMemory(opt["memory"], workload->kind());
  so.population = static_cast<int>(population);
  so.elites = static_cast<int>(elites);
  so.crossoverProbability = crossover;
  so.initialSamples = static_cast<int>(initial);
  so.feasibilityThreshold = threshold;
  so.neighbours = static_cast<int>(neighbours);

  SearchResult result;
  bool ran = runStrategy(strategy, harness, so, result, error);
#ifdef STEP_TUNE_HAVE_MPI
  if (backendName == "mpi") {
    mpi::stop();
    mpi::finalize();
  }
#endif
  if (!ran)
    return fail(error);

  const Space &space = workload->space();
  if (!opt["csv"].empty()) {
    std::ofstream csv(opt["csv"]);
    csv << "strategy,seed,samples,best_cycles\n";
    for (auto [n, best] : harness.convergence)
      csv << label << ',' << seed << ',' << n << ',' << best << '\n';
    if (!csv)
      return fail("cannot write " + opt["csv"]);
  }
  if (!opt["samples"].empty()) {
    auto field = [](std::string v) {
      std::string out = "\"";
      for (char ch : v)
        out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      return out + "\"";
    };
    std::ofstream out(opt["samples"]);
    out << "sample,schedule,cycles,feasible,reason,command\n";
    for (const Sample &s : harness.history())
      out << s.index << ',' << field(space.key(s.schedule)) << ','
          << s.metrics.cycles << ',' << (s.metrics.feasible ? 1 : 0) << ','
          << field(s.metrics.reason) << ','
          << field(workload->commands(s.schedule).shell()) << '\n';
    if (!out)
      return fail("cannot write " + opt["samples"]);
  }
  printf("workload: %s, batch %lld\n", workload->kind().c_str(), batch);
  printf("strategy: %s, seed %lld: %lld samples (budget %lld), %lld "
         "simulated now\n",
         label.c_str(), seed, static_cast<long long>(harness.count()), budget,
         static_cast<long long>(evaluator.simulations()));
  const std::vector<Sample> &hist = harness.history();
  if (!hist.empty())
    printf("baseline: %s: %s\n", space.key(hist[0].schedule).c_str(),
           hist[0].metrics.describe().c_str());
  int64_t infeasible = 0;
  for (const Sample &s : hist)
    infeasible += s.metrics.feasible ? 0 : 1;
  printf("infeasible samples: %lld\n", static_cast<long long>(infeasible));
  if (strategy == "mcts")
    printf("proposals: %lld expansions, %lld slots, %lld invalid, %lld "
           "duplicates, %lld random fallbacks\n",
           static_cast<long long>(result.stats.calls),
           static_cast<long long>(result.stats.proposals),
           static_cast<long long>(result.stats.invalid),
           static_cast<long long>(result.stats.duplicates),
           static_cast<long long>(result.stats.fallbacks));
  if (strategy == "mcts")
    printf("static estimates: %lld (not simulations)\n",
           static_cast<long long>(result.stats.estimates));
  const Sample *best = harness.best();
  if (!best) {
    printf("best: none (no feasible schedule)\n");
    return 0;
  }
  Commands cmd = workload->commands(best->schedule);
  printf("best: %s: cycles %lld (x%.3f over the baseline), found at sample "
         "%lld\n",
         space.key(best->schedule).c_str(),
         static_cast<long long>(best->metrics.cycles),
         harness.baselineCycles / double(best->metrics.cycles),
         static_cast<long long>(best->index));
  printf("best metrics: %s\n", best->metrics.describe().c_str());
  printf("best sequence: %s\n", space.text(result.sequence).c_str());
  std::string pipeline;
  for (size_t i = 1; i < cmd.opt.size(); ++i)
    pipeline += (i > 1 ? " " : "") + shellQuote(cmd.opt[i]);
  if (!pipeline.empty())
    printf("best pipeline: %s\n", pipeline.c_str());
  printf("best command: %s\n", cmd.shell().c_str());
  if (!opt["memory"].empty() && best->metrics.cycles < harness.baselineCycles &&
      !result.sequence.empty())
    appendMemory(opt["memory"],
                 {workload->kind(), space.text(result.sequence),
                  harness.baselineCycles / double(best->metrics.cycles)});
  return 0;
}
