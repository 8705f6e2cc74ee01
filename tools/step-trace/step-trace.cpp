//===- step-trace.cpp - check, sample and convert LLM traces --------------===//
//
// Prepares the runtime inputs of the LLM layers from real traces
// (data/traces/README.md): checks a routing trace against a model, samples
// token-level routing from per-layer expert counts, and extracts KV-cache
// lengths from the Azure trace as .npy. Plain C++, no MLIR.
//
//===----------------------------------------------------------------------===//

#include "runtime/Tensors.h"
#include "runtime/Traces.h"
#include "simulator/Error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace step;
using sim::fail;

namespace {

const char *usageText =
    "usage: step-trace check-routing FILE --experts E [--topk K]\n"
    "       step-trace sample-routing --counts FILE --layer L --tokens T\n"
    "                  --topk K --seed S [--model M] [--domain D]\n"
    "                  [--experts E] -o OUT.csv\n"
    "       step-trace kv-lengths (--azure FILE --rows A:B |\n"
    "                  --batches FILE --batch ID) -o OUT.npy\n"
    "\n"
    "Checks, samples and converts the traces that drive the LLM layers\n"
    "(step-sim --bind NAME=FILE). See data/traces/README.md for the files.\n"
    "\n"
    "check-routing FILE: checks a routing trace (header\n"
    "  token,expert_0,...,expert_{K-1}; one row per token, tokens 0, 1, ...;\n"
    "  K distinct experts per row) and prints the number of tokens and the\n"
    "  tokens routed to each expert.\n"
    "  --experts E      the model's number of experts (ids in [0, E))\n"
    "  --topk K         the model's top-k; the file must route to K experts\n"
    "                   (default: whatever the file says)\n"
    "\n"
    "sample-routing: draws token-level routing from per-layer expert counts\n"
    "  (OLMoE routing counts or Fiddler's Mixtral popularity). Expert e is\n"
    "  chosen by a token with probability K*count_e/sum(count) (capped at 1),\n"
    "  K distinct experts per token; the same seed gives the same file.\n"
    "  --counts FILE    expert-count CSV\n"
    "  --layer L        layer whose counts to use\n"
    "  --tokens T       number of tokens (rows) to draw\n"
    "  --topk K         experts per token; must match the model's top-k\n"
    "  --seed S         seed of the generator (unsigned 64-bit)\n"
    "  --model M        model in the file (OLMoE: source_folder or model,\n"
    "                   Fiddler: model_variant); needed when it has several\n"
    "  --domain D       only this domain (OLMoE) or MMLU subject (Fiddler);\n"
    "                   default: all summed\n"
    "  --experts E      fail unless the model has E experts\n"
    "  -o, --output OUT routing CSV to write (never overwritten)\n"
    "\n"
    "kv-lengths: writes KV-cache lengths (prompt lengths, ContextTokens) as a\n"
    "  1-D int64 .npy, and prints their count, mean, sample stdev and max.\n"
    "  --azure FILE     Azure LLM inference trace CSV\n"
    "  --rows A:B       its data rows A..B, 1-based and inclusive, header\n"
    "                   excluded (STeP's batch 4007-4070 is --rows 4007:4070)\n"
    "  --batches FILE   STeP's batch file "
    "(step_kv_batches_azure2023_conv.csv)\n"
    "  --batch ID       batch id in it, for example b64_s4007_e4070\n"
    "  -o, --output OUT .npy file to write (never overwritten)\n"
    "\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit status: 0 success, 1 bad input or usage.\n";

/// Options as given: name -> value. Every option takes one value.
struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;

  std::optional<std::string> get(const std::string &name) const {
    auto it = options.find(name);
    if (it == options.end())
      return std::nullopt;
    return it->second;
  }
  std::string need(const std::string &name) const {
    auto v = get(name);
    if (!v)
      fail("step-trace ", command, ": ", name, " is required (see --help)");
    return *v;
  }
  int64_t integer(const std::string &name, const std::string &text,
                  int64_t min) const {
    int64_t v;
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end)
      fail("step-trace ", command, ": ", name, " '", text,
           "' is not an integer");
    if (v < min)
      fail("step-trace ", command, ": ", name, " must be at least ", min,
           ", got ", v);
    return v;
  }
  int64_t needInt(const std::string &name, int64_t min) const {
    return integer(name, need(name), min);
  }
  /// Rejects options the command does not take.
  void only(const std::vector<std::string> &allowed, size_t positionals) const {
    for (const auto &[name, value] : options)
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        fail("step-trace ", command, ": unknown option '", name,
             "' (see --help)");
    if (positional.size() != positionals)
      fail("step-trace ", command, ": expected ", positionals,
           positionals == 1 ? " file" : " files", ", got ", positional.size(),
           " (see --help)");
  }
};

Args parseArgs(int argc, char **argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usageText;
      std::exit(0);
    }
    if (args.command.empty()) {
      if (a.rfind("-", 0) == 0)
        fail("step-trace: expected a command (check-routing, "
             "sample-routing, kv-lengths) before '",
             a, "' (see --help)");
      args.command = a;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::string name = a, value;
      bool hasValue = false;
      size_t eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        hasValue = true;
      }
      if (name == "-o")
        name = "--output";
      if (!hasValue) {
        if (i + 1 >= argc)
          fail("step-trace ", args.command, ": ", name,
               " needs a value (see --help)");
        value = argv[++i];
      }
      if (!args.options.emplace(name, value).second)
        fail("step-trace ", args.command, ": ", name, " is given twice");
      continue;
    }
    args.positional.push_back(a);
  }
  if (args.command.empty())
    fail("step-trace: no command (see --help)");
  return args;
}

int checkRouting(const Args &args) {
  args.only({"--experts", "--topk"}, 1);
  int64_t experts = args.needInt("--experts", 1);
  int64_t topk = args.get("--topk") ? args.needInt("--topk", 1) : 0;
  sim::Tensor t = runtime::loadRoutingCsv(args.positional[0], experts, topk);
  std::vector<int64_t> perExpert(static_cast<size_t>(experts), 0);
  for (int64_t e : t.ints)
    ++perExpert[static_cast<size_t>(e)];
  int64_t unused = 0, most = 0;
  for (int64_t c : perExpert) {
    unused += c == 0;
    most = std::max(most, c);
  }
  std::cout << "tokens: " << t.shape[0] << "\n"
            << "top-k: " << t.shape[1] << "\n"
            << "experts: " << experts << " (" << unused
            << " without tokens, at most " << most << " tokens)\n"
            << "expert,tokens\n";
  for (int64_t e = 0; e < experts; ++e)
    std::cout << e << "," << perExpert[static_cast<size_t>(e)] << "\n";
  return 0;
}

int sampleRouting(const Args &args) {
  args.only({"--counts", "--layer", "--tokens", "--topk", "--seed", "--model",
             "--domain", "--experts", "--output"},
            0);
  std::string countsFile = args.need("--counts");
  int64_t layer = args.needInt("--layer", 0);
  int64_t tokens = args.needInt("--tokens", 1);
  int64_t topk = args.needInt("--topk", 1);
  std::string seedText = args.need("--seed");
  uint64_t seed;
  {
    const char *end = seedText.data() + seedText.size();
    auto [ptr, ec] = std::from_chars(seedText.data(), end, seed);
    if (seedText.empty() || ec != std::errc() || ptr != end)
      fail("step-trace sample-routing: --seed '", seedText,
           "' is not an unsigned 64-bit integer");
  }
  std::string out = args.need("--output");
  runtime::CountsSelector select{args.get("--model").value_or(""),
                                 args.get("--domain").value_or("")};
  runtime::ExpertCounts counts =
      runtime::loadExpertCounts(countsFile, layer, select);
  if (args.get("--experts")) {
    int64_t experts = args.needInt("--experts", 1);
    if (experts != counts.experts)
      fail(countsFile, ": model ", counts.model, " has ", counts.experts,
           " experts, not ", experts);
  }
  sim::Tensor t =
      runtime::sampleRouting(countsFile, layer, tokens, topk, seed, select);
  runtime::writeRoutingCsv(out, t);
  std::cout << "wrote " << out << ": " << tokens << " tokens, top-" << topk
            << " of " << counts.experts << " experts (model " << counts.model
            << ", layer " << layer << ", seed " << seed << ")\n";
  return 0;
}

int kvLengths(const Args &args) {
  args.only({"--azure", "--rows", "--batches", "--batch", "--output"}, 0);
  bool azure = args.get("--azure") || args.get("--rows");
  bool batches = args.get("--batches") || args.get("--batch");
  if (azure == batches)
    fail("step-trace kv-lengths: give either --azure FILE --rows A:B or "
         "--batches FILE --batch ID (see --help)");
  std::string out = args.need("--output");
  sim::Tensor t;
  if (azure) {
    std::string file = args.need("--azure");
    std::string rows = args.need("--rows");
    size_t colon = rows.find(':');
    if (colon == std::string::npos)
      fail("step-trace kv-lengths: --rows '", rows, "' is not A:B");
    int64_t first = args.integer("--rows", rows.substr(0, colon), 1);
    int64_t last = args.integer("--rows", rows.substr(colon + 1), 1);
    t = runtime::loadAzureKvLengths(file, first, last);
  } else {
    t = runtime::loadKvBatch(args.need("--batches"), args.need("--batch"));
  }
  runtime::saveNpy(out, t, /*overwrite=*/false);
  double n = static_cast<double>(t.ints.size()), sum = 0, sq = 0;
  int64_t most = 0;
  for (int64_t v : t.ints) {
    sum += static_cast<double>(v);
    most = std::max(most, v);
  }
  double mean = sum / n;
  for (int64_t v : t.ints)
    sq += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  double stdev = t.ints.size() > 1 ? std::sqrt(sq / (n - 1)) : 0.0;
  std::cout << std::fixed << std::setprecision(1) << "wrote " << out << ": "
            << t.ints.size() << " lengths, mean " << mean << ", stdev " << stdev
            << " (sample), max " << most << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    Args args = parseArgs(argc, argv);
    if (args.command == "check-routing")
      return checkRouting(args);
    if (args.command == "sample-routing")
      return sampleRouting(args);
    if (args.command == "kv-lengths")
      return kvLengths(args);
    fail("step-trace: unknown command '", args.command,
         "' (check-routing, sample-routing, kv-lengths; see --help)");
  } catch (const std::exception &e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
